"""Moodle's list of answer grades, the rule every importer applies."""
import pytest

from app.quiz.formats.model import MOODLE_GRADES, invalid_grades, moodle_grade


@pytest.mark.parametrize("fraction, grade", [
    (1.0, 1.0), (0.5, 0.5), (0.3333333, 0.3333333), (1 / 3, 0.3333333), (0.1428571, 0.1428571),
    (-0.25, -0.25), (0.0, 0.0), (-1.0, -1.0), (0.05, 0.05),
])
def test_grades_moodle_accepts(fraction, grade):
    assert moodle_grade(fraction) == grade


@pytest.mark.parametrize("fraction", [0.33, 0.34, 0.15, 1.5, -0.33, 0.999, 0.0001 + 0.5])
def test_grades_moodle_refuses(fraction):
    assert moodle_grade(fraction) is None


def test_invalid_grades_names_each_refused_fraction_once_in_order():
    assert invalid_grades([1.0, 0.33, 0.5, 0.33, 0.15]) == [0.33, 0.15]
    assert invalid_grades([1.0, -0.5, 0.0]) == []


def test_the_list_is_moodles_forty_one_grades():
    assert len(MOODLE_GRADES) == 41
    assert MOODLE_GRADES[0] == 1.0 and MOODLE_GRADES[-1] == -1.0
