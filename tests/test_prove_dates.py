"""The prover moves a date by months and years as the engine does (``prove/dates.py``):
exactly, on the leap days too, so a conflict that turns on 29 February is found and its
witness replays, and none is claimed where the calendar rules it out."""

from __future__ import annotations

import datetime

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleengine.loader import load_text
from ruleengine.prove import dates, prove_rulebook
from ruleengine.types import Duration, add_duration

DAY = z3.Int("day")


def _moved(day: datetime.date, span: Duration, sign: int, bounds) -> tuple:
    moved, fails = dates.shift(DAY, span, sign, bounds)
    at = (DAY, z3.IntVal(day.toordinal()))
    return z3.simplify(z3.substitute(moved, at)), z3.simplify(z3.substitute(fails, at))


@settings(max_examples=300, deadline=None)
@given(
    day=st.one_of(
        st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
        st.dates(datetime.date(1899, 1, 1), datetime.date(2201, 12, 31)),
        st.sampled_from(
            [
                datetime.date(y, m, d)
                for y in (1900, 2000, 2096, 2100, 2199)
                for m, d in ((2, 28), (3, 1), (12, 31))
            ]
            + [datetime.date(2016, 2, 29)]
        ),
    ),  # fmt: skip
    months=st.one_of(st.sampled_from([0, 1, 12, 60, 120, 13]), st.integers(0, 12 * 10000)),
    days=st.sampled_from([0, 0, 3, 400]),
    sign=st.sampled_from([1, -1]),
    bounded=st.booleans(),
)
def test_a_date_moves_as_the_engine_moves_it(day, months, days, sign, bounded):
    span = Duration(months=months, days=days)
    bounds = [DAY == day.toordinal()] if bounded else []
    moved, fails = _moved(day, span, sign, bounds)
    try:
        expected = add_duration(day, span, sign)
    except (ValueError, OverflowError):  # the engine stops: runtime.date_add
        assert z3.is_true(fails)
        return
    assert z3.is_false(fails) and moved.as_long() == expected.toordinal()


def _book(within: int):
    return load_text(
        f"""\
input acted_on: date = 2018-01-01
input filed_on: date = 2018-01-01
conclusion barred: value bool = false
rule r_barred {{ cite article 87 when filed_on > acted_on + 5 years then barred = true }}
rule r_within {{ cite article 1 when filed_on <= acted_on + {within} days then barred = false }}
"""
    )


def test_a_conflict_on_the_leap_days_is_found_and_replays():
    """Five years are 1,826 days, or 1,827 where two 29 Februaries fall in them (or 1,825
    over 2100, no leap year): a filing on day 1,827 is after the five years only from some
    days, which the witness must be one of."""
    report = prove_rulebook(_book(1827))
    [conflict] = [f for f in report.findings if f.code == "P100"]
    assert conflict.replayed is True
    facts = conflict.witness["facts"]
    acted = datetime.date.fromisoformat(facts["acted_on"])
    filed = datetime.date.fromisoformat(facts["filed_on"])
    assert (filed - acted).days <= 1827 and add_duration(acted, Duration(months=60)) < filed
    assert not report.not_proven


def test_no_conflict_is_claimed_where_the_calendar_rules_it_out():
    """Five years are never fewer than 1,825 days."""
    report = prove_rulebook(_book(1825))
    assert not [f for f in report.findings if f.code == "P100"]
    assert not report.not_proven
