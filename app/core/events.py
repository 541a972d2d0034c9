"""Domain events (blinker signals) whose receivers run in a stated order.

Blinker keeps a signal's receivers in a set and calls them in whatever order the set yields,
which is neither the order they were connected in nor stable between runs. Where one receiver
relies on another having run (a make-up is cleared before the development file records it),
the order must be written down: connect_in_order connects a single dispatcher per signal that
calls the receivers one after the other, in the order of the list it was given. The one list
of every signal and its receivers is app.subscriptions.
"""
from __future__ import annotations

from typing import Callable, Sequence

from blinker import Signal

# signal -> the dispatcher connected to it, so a second app in one process connects nothing twice.
_DISPATCHERS: dict[Signal, Callable] = {}


def connect_in_order(signal: Signal, receivers: Sequence[Callable]) -> None:
    """Make `receivers` the signal's receivers, called in this order inside the sender's call."""
    ordered = tuple(receivers)
    previous = _DISPATCHERS.pop(signal, None)
    if previous is not None:
        signal.disconnect(previous)

    def dispatch(sender, **payload) -> None:
        for receiver in ordered:
            receiver(sender, **payload)

    dispatch.receivers = ordered
    signal.connect(dispatch, weak=False)
    _DISPATCHERS[signal] = dispatch


def receivers_in_order(signal: Signal) -> tuple[Callable, ...]:
    """The receivers connect_in_order gave the signal, in the order they run (for tests and docs)."""
    dispatch = _DISPATCHERS.get(signal)
    return dispatch.receivers if dispatch is not None else ()
