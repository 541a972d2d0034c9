"""Grading of every question type, through the type registry: pure functions, no database."""
import pytest

from app.quiz.grading import GradeStatus, parse_number
from app.quiz.types import UnknownQuestionType, question_type


def grade(kind: str, content: dict, response):
    return question_type(kind).grade(content, response)

CHOICES = {"options": [{"text": "A", "fraction": 1.0, "feedback": ""},
                       {"text": "B", "fraction": 0.0, "feedback": ""},
                       {"text": "C", "fraction": -0.5, "feedback": ""}]}
PARTIAL = {"grading": "partial", "options": [{"text": "A", "fraction": 0.5}, {"text": "B", "fraction": 0.5},
                                             {"text": "C", "fraction": -1.0}, {"text": "D", "fraction": 0.0}]}
ALL_OR_NOTHING = dict(PARTIAL, grading="all_or_nothing")
THIRDS = {"grading": "partial", "options": [{"text": t, "fraction": 0.3333333} for t in "ABC"]}


@pytest.mark.parametrize("response, fraction", [(0, 1.0), (1, 0.0), (2, 0.0), (None, 0.0), (7, 0.0), (True, 0.0)])
def test_single_takes_the_chosen_fraction_never_below_zero(response, fraction):
    assert grade("single", CHOICES, response).fraction == fraction


@pytest.mark.parametrize("response, fraction", [
    ([0, 1], 1.0), ([0], 0.5), ([0, 1, 2], 0.0), ([0, 2], 0.0), ([2], 0.0), ([0, 1, 3], 1.0), ([], 0.0), (None, 0.0),
])
def test_multiple_partial_adds_fractions_clamped_to_zero_and_one(response, fraction):
    assert grade("multiple", PARTIAL, response).fraction == fraction


@pytest.mark.parametrize("response, fraction", [([0, 1], 1.0), ([1, 0], 1.0), ([0], 0.0), ([0, 1, 3], 0.0)])
def test_multiple_all_or_nothing_needs_exactly_the_right_set(response, fraction):
    assert grade("multiple", ALL_OR_NOTHING, response).fraction == fraction


def test_multiple_thirds_add_up_to_full_credit():
    result = grade("multiple", THIRDS, [0, 1, 2])
    assert result.is_correct and result.score(3) == pytest.approx(3.0, abs=1e-4)


@pytest.mark.parametrize("response, fraction", [(True, 1.0), (False, 0.0), (None, 0.0), ("true", 0.0)])
def test_truefalse(response, fraction):
    assert grade("truefalse", {"answer": True}, response).fraction == fraction


SHORT = {"answers": [{"text": "Beijing", "fraction": 1.0}, {"text": "北京市", "fraction": 1.0},
                     {"text": "京", "fraction": 0.5}]}


@pytest.mark.parametrize("response, fraction", [
    ("beijing", 1.0), ("  BEIJING\u3000", 1.0), ("ＢＥＩＪＩＮＧ", 1.0), ("北京市", 1.0), ("京", 0.5),
    ("上海", 0.0), ("", 0.0), (None, 0.0),
])
def test_short_ignores_case_width_and_spaces_and_takes_the_best_fraction(response, fraction):
    assert grade("short", SHORT, response).fraction == fraction


NUMERIC = {"answers": [{"value": 150.0, "tolerance": 10.0, "fraction": 1.0},
                       {"value": 150.0, "tolerance": 50.0, "fraction": 0.5}]}


@pytest.mark.parametrize("response, fraction", [
    ("150", 1.0), ("160", 1.0), ("140.0", 1.0), ("１５５", 1.0), ("155,5", 1.0), ("190", 0.5), ("201", 0.0),
    ("abc", 0.0), ("nan", 0.0), ("inf", 0.0), (None, 0.0),
])
def test_numeric_value_within_tolerance_best_fraction(response, fraction):
    assert grade("numeric", NUMERIC, response).fraction == fraction


def test_parse_number_accepts_full_width_and_decimal_comma():
    assert parse_number("２．５") == 2.5 and parse_number("2,5") == 2.5 and parse_number("1,000.5") is None


MATCHING = {"pairs": [{"left": "马铃薯", "right": "薯类"}, {"left": "小麦", "right": "谷物"},
                      {"left": "", "right": "豆类"}]}


@pytest.mark.parametrize("response, fraction", [
    (["薯类", "谷物", None], 1.0), (["薯类", "豆类", None], 0.5), (["豆类", "豆类", None], 0.0), (None, 0.0),
])
def test_matching_is_the_share_of_correct_pairs(response, fraction):
    assert grade("matching", MATCHING, response).fraction == fraction


def test_essay_is_pending_and_description_unscored():
    essay = grade("essay", {}, "文字")
    assert essay.status == GradeStatus.PENDING and essay.fraction is None and essay.score(5) is None
    description = grade("description", {}, None)
    assert description.status == GradeStatus.UNSCORED and description.fraction is None


def test_unknown_type_is_an_error():
    with pytest.raises(UnknownQuestionType):
        grade("calculated", {}, None)
