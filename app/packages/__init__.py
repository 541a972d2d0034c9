"""Course packages: a whole course with its lessons, media and quizzes in and out as a folder
or zip (courses/README.md). Above catalog, quiz and media in the layers, because a package is
all three."""
