"""Study models: progress/completion/credit, and group sessions."""
from app.study.models.progress import (  # noqa: F401
    CourseCompletion,
    CreditGrant,
    CreditSource,
    LessonCompletion,
    LessonProgress,
    ProgressEvent,
    StudyClock,
    StudyDay,
)
from app.study.models import session  # noqa: F401,E402 - the sessions area's models
