"""A request's stop signal ends the analyses before their next decision (ruleengine.stopping):
the service's threads are freed when a request is answered "took too long"."""

from __future__ import annotations

import datetime
import threading

import pytest

import ruleengine
from ruleengine.analysis.whatif import changes
from ruleengine.stopping import Stopped, check, stoppable

DAY = datetime.date(2024, 1, 1)
RULES = (
    'input items: count = 0 en "items"\ninput gain: money = 0 yuan en "gain"\n'
    "scale s { none serious }\nconclusion level: highest s\n"
    "rule r { cite article 1 when items >= 50 and gain >= 5000 yuan then level = serious }\n"
)


@pytest.fixture(scope="module")
def book():
    return ruleengine.load_text(RULES)


def stopped() -> threading.Event:
    signal = threading.Event()
    signal.set()
    return signal


def test_what_if_ends_before_its_next_decision_once_told_to_stop(book):
    facts = book.validate({"items": 10, "gain": "100"})
    assert changes(book, facts, DAY).changes  # it decides changed cases
    with stoppable(stopped()), pytest.raises(Stopped):
        changes(book, facts, DAY)


def test_the_checked_nearest_miss_ends_once_told_to_stop(book):
    trace = book.explain({"items": 10, "gain": "6000"}, DAY)
    with stoppable(stopped()), pytest.raises(Stopped):
        trace.misses()
    assert book.explain({"items": 10, "gain": "6000"}, DAY).misses  # as before, unstopped


def test_nothing_stops_outside_a_request_or_before_the_signal():
    check()  # the command line: no signal, never stopped
    with stoppable(threading.Event()):
        check()
    with stoppable(stopped()):
        with pytest.raises(Stopped):
            check()
    check()  # the signal belonged to the block


def test_stopped_is_not_swallowed_as_a_change_that_cannot_be_evaluated():
    """The analyses skip a change whose evaluation raises (``except Exception``)."""
    assert not issubclass(Stopped, Exception)
