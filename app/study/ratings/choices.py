"""The face scale of both rating questions: each value 1-5 with plain words (the faces are
drawn by study/_rating_macros.html)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

@dataclass(frozen=True)
class Question:
    name: str  # the form field and the API key
    text: object
    words: dict


QUESTIONS = (
    Question("useful", _l("Was it useful?"),
             {1: _l("Not useful"), 2: _l("A little useful"), 3: _l("So-so"), 4: _l("Useful"), 5: _l("Very useful")}),
    Question("clear", _l("Could you follow it?"),
             {1: _l("Could not follow"), 2: _l("Followed a little"), 3: _l("Followed half"),
              4: _l("Followed most"), 5: _l("Followed all")}),
)
