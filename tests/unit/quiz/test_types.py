"""The question-type registry: every type the formats read is registered, stored content
gives the same question back, and each built-in type's answers field reads what it writes."""
from __future__ import annotations

import dataclasses
import random

import pytest

from app.quiz.content import content_from_parsed, parsed_from_content
from app.quiz.formats import QUESTION_TYPES
from app.quiz.types import question_type, register, registered_types, unregister

from .helpers import one_of_each_type


def test_every_type_the_formats_read_is_registered():
    assert set(QUESTION_TYPES) <= {kind.name for kind in registered_types()}


@pytest.mark.parametrize("question", one_of_each_type(), ids=lambda q: q.title or q.type)
def test_stored_content_gives_the_question_back(question):
    content = content_from_parsed(question)
    back = parsed_from_content(kind=question.type, title=question.title, category=question.category,
                               text=question.text, text_html=question.text_html, content=content,
                               explanation=question.feedback, points=question.points)
    assert back == dataclasses.replace(question, images=[])


@pytest.mark.parametrize("question", [q for q in one_of_each_type() if question_type(q.type).edit_template],
                         ids=lambda q: q.title or q.type)
def test_the_answers_field_reads_what_it_shows(app, question):
    kind = question_type(question.type)
    field = kind.answers_for_form(question)
    parsed = kind.parse_answers(kind.text_for_form(question), field)
    assert content_from_parsed(parsed) == content_from_parsed(dataclasses.replace(question, penalty=None))


def test_matching_choices_are_always_shuffled_and_choices_only_when_asked():
    matching, single = question_type("matching"), question_type("single")
    pairs = {"pairs": [{"left": str(i), "right": f"r{i}"} for i in range(8)]}
    options = {"options": [{"text": str(i), "fraction": 0.0} for i in range(8)]}
    assert matching.display_order(pairs, random.Random(1), shuffle_options=False) != list(range(8))
    assert single.display_order(options, random.Random(1), shuffle_options=False) == list(range(8))
    assert sorted(single.display_order(options, random.Random(1), shuffle_options=True)) == list(range(8))


def test_a_name_is_registered_once():
    with pytest.raises(ValueError):
        register(question_type("single"))
    unregister("no-such-type")  # harmless
    assert question_type("single").name == "single"
