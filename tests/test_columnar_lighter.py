"""The columnar path with ``lighter`` blocks (the law in time) and min()/max(): pi2017 as a
whole, and a small rule text, agree with the per-case path on every conclusion and the rules
cited; ``ruleengine run`` says pi2017 goes in columns."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ruleengine
from ruleengine import columnar
from ruleengine.types import EnumType

pytest.importorskip("numpy")


def agree(book, records, day) -> list:
    """Each columnar row is the per-case path's decision and rules cited, or its error."""
    rows = columnar.decide_cited(book, records, day)
    for row, record in zip(rows, records):
        try:
            expected = book.decide_cited(record, day)
        except Exception as err:  # noqa: BLE001 - compared as the row
            assert type(row) is type(err) and str(row) == str(err), (record, row, err)
            continue
        assert not isinstance(row, Exception), (record, row, expected)
        assert row[:2] == expected, (record, row, expected)
    return rows


@pytest.fixture(scope="module")
def pi2017():
    from ruleengine.plugins import get_plugin_manager, rule_sources

    pm = get_plugin_manager()
    return ruleengine.load_paths(list(rule_sources(pm)["pi2017"][1].paths), name="pi2017", pm=pm)


# Around each day the text of Art. 253-1 changes (1997-10-01, 2009-02-28, 2015-11-01), any
# day, and some not dates.
CHANGES = [datetime.date(1997, 10, 1), datetime.date(2009, 2, 28), datetime.date(2015, 11, 1)]
NEAR = [d + datetime.timedelta(days=k) for d in CHANGES for k in (-1, 0, 1)]
ACT_DATE = st.one_of(
    st.sampled_from(NEAR).map(str),
    st.sampled_from(NEAR),
    st.dates(datetime.date(1980, 1, 1), datetime.date(2026, 1, 1)).map(str),
    st.sampled_from(["2015-02-30", 20151101, "yesterday"]),
)


def fields_of(book):
    """A strategy for each declared input: mostly in plain form, now and then not."""
    out = {}
    for name, spec in book.rulebook.inputs.items():
        t = spec.type
        if t.kind == "integer":
            good = st.sampled_from([0, 1, 49, 50, 499, 500, 4999, 5000, 50000])
            out[name] = good | st.integers(0, 10**6) | st.sampled_from([-1, "12", 10**20])
        elif t.kind in ("money", "decimal"):
            cents = st.integers(0, 10**8).map(lambda c: f"{c // 100}.{c % 100:02d}")
            out[name] = cents | st.sampled_from([0, 5000, 50000, "4999.995", "x"])
        elif t.kind == "bool":
            out[name] = st.booleans() | st.just("yes")
        elif t.kind == "date":
            out[name] = ACT_DATE
        elif isinstance(t, EnumType):
            out[name] = st.sampled_from(t.members) | st.just("nothing")
    return out


AS_OF = st.sampled_from(
    [
        datetime.date(2019, 1, 10),
        datetime.date(2015, 11, 1),
        datetime.date(2012, 6, 1),
        datetime.date(2009, 2, 28),
        datetime.date(2000, 1, 1),
    ]
)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), day=AS_OF)
def test_pi2017_in_columns_agrees_with_the_per_case_path(pi2017, data, day):
    """Generated cases of every declared input, dated across the three changes of Art.
    253-1 or undated, judged as of days in each text's period: every conclusion and the rules
    cited as the per-case path gives them, or its error."""
    assert isinstance(columnar.compile(pi2017, day), columnar.Program)
    record = st.fixed_dictionaries({}, optional=fields_of(pi2017))
    agree(pi2017, data.draw(st.lists(record, max_size=15)), day)


def test_pi2017_decides_every_period_of_the_law_in_columns(pi2017):
    """Acts in each period of Art. 253-1, serious or not, in duty or not, decided in columns
    as the per-case path decides them; before 1997-10-01 'not decided', never a text's range."""
    day = datetime.date(2019, 1, 10)
    records = [
        {"acted_last": when, "tracking_items": items, "obtained_in_duty": duty}
        for when in ("1995-06-01", "2003-01-01", "2012-01-01", "2016-01-01", None)
        for items in (10, 60, 600)
        for duty in (False, True)
    ]
    for r in records:
        if r["acted_last"] is None:
            del r["acted_last"]  # undated: taken as 2015-11-01
    rows = agree(pi2017, records, day)
    assert {row[2] for row in rows} == {columnar.COLUMNAR}
    taken = [(r.get("acted_last"), row[0].conclusions) for r, row in zip(records, rows)]
    applied = {(when, c["text_applied"]) for when, c in taken}
    assert applied >= {("1995-06-01", "before_1997"), ("2003-01-01", "none"), (None, "amendment9")}
    old = {c["statutory_maximum"] for when, c in taken if when == "1995-06-01"}
    assert old == {"not_decided"}


# A small rulebook: two editions of a rule, the act date the later of two dates (max() of
# dates), counts and amounts through min() and max(), a list (the rows of another period
# are taken with their items), a version read by rules, and a range and a text decided by
# the edition applied. Acts before 2018-10-01 have no edition: reading at_act fails there.
LIGHTER = """
enum edition { e2018 e2023 }
parameter edition_in_force: edition { 2018-10-01: e2018  2024-01-01: e2023 }
scale grade { none low high }
record act { amount: money(CNY) }
input acted_on: date = 2024-02-01
input acted_again: date = 2000-01-01
input items: integer = 0
input duty_items: integer = 0
input gain: money(CNY) = 0 yuan
input acts: list of act
input poverty: bool = false
define counted: integer = min(items, duty_items * 2, 400)
define paid: money(CNY) = max(gain, sum(a.amount for a in acts), 1 yuan)
conclusion most: highest grade
conclusion fine: range of money(CNY)
conclusion note: value text
conclusion version: value edition
conclusion old_act: value bool = false
rule old {
  cite article 1  until 2024-01-01
  when poverty = true or counted > 10
  then most = high, fine = paid .. max(paid * 2, 100 yuan), note = "old"
}
rule old_low { cite article 2  until 2024-01-01  when counted > 3 then most = low, note = "old" }
rule new {
  cite article 3  from 2024-01-01
  when max(items, duty_items) > 5
  then most = low, fine = min(paid, 50 yuan) .. paid
}
rule v { cite article 4 then version = l.applied }
rule a { cite article 5 when l.at_act = edition.e2018 then old_act = true }
lighter l {
  versions: edition_in_force  act_date: max(acted_on, acted_again)  compare: most
  decides: fine, note
}
"""

SMALL = st.fixed_dictionaries(
    {"acts": st.lists(st.fixed_dictionaries({"amount": st.integers(0, 300)}), max_size=4)},
    optional={
        "acted_on": st.dates(datetime.date(2017, 1, 1), datetime.date(2025, 1, 1)),
        "acted_again": st.sampled_from(["2018-09-30", "2018-10-01", "2023-12-31", "2024-01-01"]),
        "items": st.integers(0, 30),
        "duty_items": st.integers(0, 30) | st.just(-3),
        "gain": st.integers(0, 500) | st.just("12.5"),
        "poverty": st.booleans(),
    },
)


@settings(max_examples=40, deadline=None)
@given(
    records=st.lists(SMALL, max_size=20),
    day=st.sampled_from([datetime.date(y, m, 1) for y, m in ((2024, 3), (2019, 5), (2018, 1))]),
)
def test_a_lighter_block_and_min_max_agree_with_the_per_case_path(records, day):
    book = ruleengine.load_text(LIGHTER)
    assert isinstance(columnar.compile(book, day), columnar.Program)
    agree(book, records, day)


def test_the_lighter_edition_is_chosen_in_columns():
    """As of 2024-03-01: an act of 2023 that the old edition punishes 'high' is judged under
    the new one ('low' is lighter); one both punish 'low' under the old (equal: the act-date
    edition); an act
    before the first edition is judged under the new one, and reading at_act there is the
    per-case path's error, decided one by one."""
    book = ruleengine.load_text(LIGHTER)
    day = datetime.date(2024, 3, 1)
    records = [
        {"acts": [], "acted_on": "2023-06-01", "poverty": True, "items": 6},
        {"acts": [], "acted_on": "2023-06-01", "items": 6, "duty_items": 3},
        {"acts": [{"amount": 7}], "acted_on": "2017-06-01"},
    ]
    rows = agree(book, records, day)
    assert [rows[0][0].conclusions[c] for c in ("most", "version", "old_act")] == [
        "low",
        "e2023",
        True,
    ]
    assert rows[0][2] == rows[1][2] == columnar.COLUMNAR
    assert [rows[1][0].conclusions[c] for c in ("most", "version", "note")] == [
        "low",
        "e2018",
        "old",
    ]
    assert isinstance(rows[2], ruleengine.EvaluationError)


def test_an_act_after_the_as_of_date_names_its_own_edition_in_columns():
    """A case judged before its acts (lighter_eval.settle): not compared, the as-of edition's
    rules give the outcome, and at_act is the edition in force on the act date (it was the
    as-of edition, as on the per-case path), in columns as one by one."""
    book = ruleengine.load_text(LIGHTER)
    day = datetime.date(2023, 6, 1)
    records = [{"acts": [], "acted_on": "2024-06-01", "poverty": True}]
    (row,) = agree(book, records, day)
    assert row[2] == columnar.COLUMNAR
    assert [row[0].conclusions[c] for c in ("most", "version", "old_act")] == [
        "high",
        "e2018",
        False,
    ]
    records = [{"acts": [], "acted_on": "2024-06-01"}]
    (row,) = agree(book, records, datetime.date(2018, 12, 1))
    assert row[0].conclusions["old_act"] is False


def test_run_says_pi2017_goes_in_columns(tmp_path):
    from ruleengine.cli import app

    cases = tmp_path / "cases.jsonl"
    lines = [{"tracking_items": 60}, {"acted_last": "2012-01-01", "credit_items": 6000}]
    cases.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["run", str(cases), "-r", "pi2017", "-o", str(out), "--as-of", "2019-01-10", "-j", "1"]
    result = CliRunner().invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["persons_by_path"] == {"columnar (numpy)": 2}


def test_a_lighter_block_whose_earlier_text_does_not_qualify_names_what_blocks_it():
    """The rows of an earlier version's period are evaluated by that period's program: if it
    does not qualify (here a rule in force only then calls round()), neither does the
    rulebook, and the path names the construct of the earlier text, where it is."""
    text = LIGHTER.replace("when counted > 3", "when round(counted / 3, 0) > 1")
    book = ruleengine.load_text(text)
    day = datetime.date(2024, 3, 1)
    blocked = columnar.compile(book, day)
    assert isinstance(blocked, columnar.Blocked)
    line = 1 + text.splitlines().index(next(t for t in text.splitlines() if "round(" in t))
    assert str(blocked).startswith("a call of the function round() at ")
    assert f":{line}:" in str(blocked)
    records = [{"acts": [], "acted_on": "2023-06-01", "items": 12, "duty_items": 6}]
    rows = agree(book, records, day)
    assert rows[0][2] == f"one by one: {blocked}"
