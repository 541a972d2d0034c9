"""Course evaluations: a learner's rating of a course they finished (models, services), the
trainer's course analytics (queries: ratings, completion, drop-off, quiz items) and their pages
(views, blueprint "ratings")."""
