"""Watched intervals as pure functions: no Flask, no database.

An interval is a pair [start, end] of media seconds. A learner's watched time is the
union of everything they played, so seeking ahead leaves a gap and re-watching adds
nothing. Intervals are stored as a compact JSON list of sorted, disjoint pairs.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable

Interval = tuple[float, float]

# Anything past a day of media is not a real position; it is dropped, not clamped.
ABSURD_SECONDS = 24 * 3600.0
# Touching or overlapping by less than this joins two intervals (players report positions
# with rounding, and a 15 s heartbeat boundary must not split a continuous run).
JOIN_TOLERANCE = 0.5


def clean(raw: Iterable[Iterable[float]], duration: float | None = None) -> list[Interval]:
    """Keep the sensible intervals, clamped to [0, duration]; drop end <= start and junk."""
    limit = ABSURD_SECONDS if duration is None or duration <= 0 else min(float(duration), ABSURD_SECONDS)
    result = []
    for pair in raw:
        try:
            start, end = (float(value) for value in pair)
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        if start < 0 and end < 0 or start > ABSURD_SECONDS or end > ABSURD_SECONDS * 2:
            continue
        start, end = max(0.0, start), min(limit, end)
        if end > start:
            result.append((start, end))
    return result


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint union of the intervals (near-touching ones joined)."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + JOIN_TOLERANCE:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def total(intervals: Iterable[Interval]) -> float:
    """Length of the union (the input need not be merged)."""
    return sum(end - start for start, end in merge(intervals))


def longest_run(intervals: Iterable[Interval]) -> float:
    """The longest continuous stretch of the union, for the minimum-continuous-watching rule."""
    return max((end - start for start, end in merge(intervals)), default=0.0)


def clip_after(start: float, end: float, skip: float) -> Interval:
    """Drop the first `skip` seconds of [start, end] (a late arrival misses the beginning)."""
    return min(end, start + max(0.0, skip)), end


def dumps(intervals: Iterable[Interval]) -> str:
    return json.dumps([[round(start, 3), round(end, 3)] for start, end in intervals], separators=(",", ":"))


def loads(text: str | None) -> list[Interval]:
    if not text:
        return []
    return [(float(start), float(end)) for start, end in json.loads(text)]


def segments_watched(intervals: Iterable[Interval], duration: float, count: int = 20,
                     share: float = 0.5) -> list[bool]:
    """Which of `count` equal segments of [0, duration] the intervals cover by at least `share`
    of the segment's length (the drop-off curve counts a learner once per segment)."""
    if duration <= 0 or count <= 0:
        return []
    merged = merge(intervals)
    size = duration / count
    watched = []
    for number in range(count):
        low, high = number * size, (number + 1) * size
        covered = sum(max(0.0, min(end, high) - max(start, low)) for start, end in merged)
        watched.append(covered >= share * size - 1e-9)
    return watched
