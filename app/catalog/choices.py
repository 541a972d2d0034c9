from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self):
        return {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}[self.value]


class LessonType(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    TEXT = "text"
    QUIZ = "quiz"

    @property
    def label(self):
        return {"video": _l("Video"), "audio": _l("Audio"), "document": _l("Document (PDF)"),
                "text": _l("Text"), "quiz": _l("Quiz")}[self.value]


# Categories every installation starts with; admins add more (Category.is_builtin False).
BUILTIN_CATEGORIES = [
    ("policy", "政策理论"),
    ("agri_tech", "农业科技"),
    ("market", "市场经营"),
    ("law", "法律法规"),
    ("governance", "乡村治理"),
]
