"""Domain-event receivers run in the order of one written list, not blinker's set order."""
from __future__ import annotations

from blinker import Namespace

from app import subscriptions
from app.core.events import connect_in_order, receivers_in_order
from app.records import services as records
from app.study.sessions import services as sessions
from app.study.signals import lesson_completed

_signals = Namespace()


def _receivers(calls: list, count: int):
    def make(n: int):
        def receiver(sender, **payload) -> None:
            calls.append((n, payload["value"]))
        return receiver
    return [make(n) for n in range(count)]


def test_receivers_run_in_the_listed_order_every_time():
    signal = _signals.signal("test-ordered")
    calls: list = []
    receivers = _receivers(calls, 40)
    listed = list(reversed(receivers))  # neither creation nor address order
    connect_in_order(signal, listed)
    signal.send(None, value=1)
    assert calls == [(n, 1) for n in reversed(range(40))]
    assert len(signal.receivers) == 1  # one dispatcher, whatever the number of receivers


def test_connecting_again_replaces_the_list_instead_of_adding_to_it():
    signal = _signals.signal("test-reconnected")
    calls: list = []
    first, second = _receivers(calls, 2)
    connect_in_order(signal, [first, second])
    connect_in_order(signal, [second])
    signal.send(None, value=2)
    assert calls == [(1, 2)] and receivers_in_order(signal) == (second,)


def test_the_apps_list_is_what_the_signals_run(app):
    for signal, receivers in subscriptions.RECEIVERS.items():
        assert receivers_in_order(signal) == receivers and len(signal.receivers) == 1
    # A lesson may clear a make-up; the development file records cleared make-ups: sessions first.
    assert receivers_in_order(lesson_completed) == (sessions.on_lesson_completed, records.on_lesson_completed)
