"""Merging watched intervals: seeking ahead leaves gaps, re-watching counts once."""
import math


from app.study.progress import intervals


def test_rewatching_counts_once_and_seeking_ahead_leaves_a_gap():
    watched = [(0, 30), (10, 20), (0, 30), (100, 130)]  # re-watch, then seek ahead to 100
    assert intervals.merge(watched) == [(0, 30), (100, 130)]
    assert intervals.total(watched) == 60


def test_out_of_order_and_touching_intervals_join():
    assert intervals.merge([(30, 45), (0, 15), (15, 30)]) == [(0, 45)]
    assert intervals.longest_run([(30, 45), (0, 15), (15, 30), (60, 61)]) == 45


def test_clean_clamps_to_duration_and_drops_junk():
    raw = [(-5, 10), (50, 80), (20, 20), (30, 25), (math.nan, 5), (0, math.inf), ("x", 1), (1e9, 2e9), (None,)]
    assert intervals.clean(raw, duration=60) == [(0, 10), (50, 60)]


def test_clean_without_duration_keeps_positions_below_a_day():
    assert intervals.clean([(0, 10), (90000, 90010)]) == [(0, 10)]


def test_late_arrival_misses_the_beginning():
    assert intervals.clip_after(100, 115, 5) == (105, 115)
    assert intervals.clip_after(100, 115, -3) == (100, 115)
    start, end = intervals.clip_after(100, 115, 60)
    assert end <= start


def test_round_trip_is_compact_json():
    text = intervals.dumps([(0, 12.3456), (20, 30)])
    assert text == "[[0,12.346],[20,30]]"
    assert intervals.loads(text) == [(0, 12.346), (20, 30)]
    assert intervals.loads(None) == [] and intervals.loads("") == []
