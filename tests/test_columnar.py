"""The columnar path (ruleengine/columnar.py) agrees with the per-case path on every
conclusion, is chosen when a rulebook qualifies, names what blocks one that does not, and
falls back case by case as documented."""

from __future__ import annotations

import datetime
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ruleengine
from ruleengine import columnar

pytest.importorskip("numpy")

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "quickstart" / "article5.rules"
BENCH = ROOT / "bench" / "article5.rules"
DAY = datetime.date(2018, 3, 1)


@pytest.fixture(scope="module")
def books():
    return {p.stem + p.parent.name: ruleengine.load_paths([p]) for p in (QUICKSTART, BENCH)}


def per_case(book, record, day):
    try:
        return book.decide(record, day)
    except Exception as err:  # noqa: BLE001 - compared as the row
        return err


def same(a, b) -> bool:
    if isinstance(a, Exception) or isinstance(b, Exception):
        return type(a) is type(b) and str(a) == str(b)
    return a == b


def assert_rows_agree(book, records, day) -> None:
    """Each columnar row is the per-case path's decision and citations, or its error."""
    rows = columnar.decide_cited(book, records, day)
    for row, record in zip(rows, records):
        try:
            expected = book.decide_cited(record, day)
        except Exception as err:  # noqa: BLE001 - compared as the row
            assert same(row, err), (record, row, err)
            continue
        assert row[:2] == expected, (record, row, expected)


COUNT = st.one_of(
    st.integers(0, 60),
    st.integers(0, 60000),
    st.sampled_from([0, 25, 36, 49, 50, 99, 410, 500, 4999, 5000, 10**15, 10**30]),
    st.sampled_from([-1, "12", 1.5, None, True]),
)
MONEY = st.one_of(
    st.integers(0, 10**6),
    st.integers(0, 10**8).map(lambda c: f"{c // 100}.{c % 100:02d}"),
    st.integers(0, 10**6).map(str),
    st.fractions(0, 10**6, max_denominator=400),
    st.sampled_from(["4999.995", "2500.5", "5000 yuan", "-1", "x", 10**40]),
)
RECORD = st.fixed_dictionaries(
    {},
    optional={
        "sensitive_items": COUNT,
        "important_items": COUNT,
        "other_items": COUNT,
        "illegal_gain": MONEY,
        "in_duty": st.one_of(st.booleans(), st.sampled_from(["yes", 1])),
        "mistyped": st.just(1),
    },
)


@settings(max_examples=60, deadline=None)
@given(records=st.lists(RECORD, max_size=30), day=st.sampled_from([DAY, datetime.date(2017, 5, 1)]))
def test_columnar_agrees_with_the_per_case_path(books, records, day):
    for book in books.values():
        rows = columnar.decide_chunk(book, records, day)
        assert len(rows) == len(records)
        for row, record in zip(rows, records):
            expected = per_case(book, record, day)
            assert same(row, expected), (record, row, expected)


def test_chosen_for_a_rulebook_that_qualifies(books):
    for book in books.values():
        assert isinstance(columnar.compile(book, DAY), columnar.Program)
        assert columnar.how(book, DAY).startswith("columnar")


def test_a_case_out_of_bounds_or_not_plain_goes_one_by_one(books):
    book = books["article5quickstart"]
    program = columnar.compile(book, DAY)
    records = [
        {"sensitive_items": 60},
        {"other_items": 10**30},  # beyond the bound: 64 bits could overflow
        {"illegal_gain": "4999.995"},  # a fraction of a fen
        {"illegal_gain": Fraction(1, 3)},
        {"in_duty": "yes"},  # wrong: the per-case path reports it
    ]
    cols = program.columns(records)
    assert cols.rows == [0] and cols.rest == [1, 2, 3, 4]
    rows = columnar.decide_chunk(book, records, DAY)
    assert [same(r, per_case(book, x, DAY)) for r, x in zip(rows, records)] == [True] * 5
    assert isinstance(rows[4], ruleengine.FactsError)


def test_whole_numbers_given_as_text_are_read_in_columns(books):
    """Issue 9: a count given as text (every CSV cell) went one by one, said to be "missing,
    out of the columns' bounds or not in plain form"; facts.py reads its digits exactly."""
    program = columnar.compile(books["article5bench"], DAY)
    cols = program.columns([{"other_items": "3"}, {"other_items": "03"}, {"other_items": "3.0"}])
    assert cols.rows == [0, 1] and cols.data["other_items"].tolist() == [3, 3]
    assert cols.why == [
        "'other_items' given as text that is not a plain number within the columns' bounds"
    ]


def test_a_record_that_does_not_fit_names_its_first_input_that_does_not(books):
    """Only a record's own fields are read (the others take their default, read once for the
    program); one that does not fit is named by the first input, in the rulebook's order,
    that does not, whatever the order of the record's fields."""
    program = columnar.compile(books["article5bench"], DAY)
    records = [{"in_duty": "yes", "illegal_gain": "1.005"}, {}, {"other_items": 3}]
    cols = program.columns(records)
    assert cols.rows == [1, 2] and cols.rest == [0]
    assert cols.why == [
        "'illegal_gain' given as text that is not a plain number within the columns' bounds"
    ]
    assert cols.data["other_items"].tolist() == [0, 3]
    assert cols.data["in_duty"].tolist() == [False, False]


def shipped(name: str):
    from ruleengine.plugins import get_plugin_manager, rule_sources

    pm = get_plugin_manager()
    return ruleengine.load_paths(list(rule_sources(pm)[name][1].paths), name=name, pm=pm)


def test_what_blocks_a_rulebook_is_named():
    blocked = columnar.compile(shipped("ccdi"), datetime.date(2019, 1, 1))
    assert isinstance(blocked, columnar.Blocked)
    assert "an aggregate (sum) for each item of another" in str(blocked)
    # where it is: the sum per requester (Interp. Art. 15(2)), found by its text, not a line number
    from ruleengine.plugins import get_plugin_manager, rule_sources

    common = Path(rule_sources(get_plugin_manager())["ccdi"][1].paths[0]) / "common.rules"
    lines = common.read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, t in enumerate(lines) if "sum(b.amount for b in acts" in t)
    assert f"common.rules:{line}:3" in str(blocked)
    book = ruleengine.load_text(
        "input n: integer = 0\nconclusion w: value bool = false\n"
        "rule s { cite article 2 when round(n / 3, 0) > 2 then w = true }\n"
    )
    blocked = columnar.compile(book, DAY)
    assert str(blocked).startswith("a call of the function round() at ")
    assert str(blocked).endswith(":3:30")  # at the call
    rows = columnar.decide_cited(book, [{"n": 9}, {"n": 1}], DAY)
    assert [r[0].conclusions["w"] for r in rows] == [True, False]
    assert {r[2] for r in rows} == {f"one by one: {blocked}"}


def test_a_value_with_no_default_read_by_a_rule_goes_one_by_one_where_undecided():
    """A value conclusion no rule decided cannot be read (the per-case path's error): the
    rows where it is undecided go one by one and get that error; the others stay in columns
    (before, such a conclusion read by a rule blocked the whole rulebook)."""
    book = ruleengine.load_text(
        "enum k { a b }\ninput n: integer = 0\nconclusion v: value k\n"
        "conclusion w: value bool = false\n"
        "rule r { cite article 1 when n > 1 then v = a }\n"
        "rule s { cite article 2 when v = k.a then w = true }\n"
    )
    assert isinstance(columnar.compile(book, DAY), columnar.Program)
    records = [{"n": 2}, {"n": 0}]
    rows = columnar.decide_cited(book, records, DAY)
    assert rows[0][0].conclusions["w"] is True and rows[0][2] == columnar.COLUMNAR
    assert isinstance(rows[1], ruleengine.EvaluationError)
    assert_rows_agree(book, records, DAY)


def mostly(good, bad):
    """``good`` 19 times in 20: one wrong field sends the whole case one by one."""
    return st.sampled_from([True] * 19 + [False]).flatmap(lambda ok: good if ok else bad)


def records_of(book):
    """Records of a rulebook's declared inputs: mostly in plain form, sometimes not."""
    fields = {}
    for name, spec in book.rulebook.inputs.items():
        t = spec.type
        if t.kind == "integer":
            fields[name] = mostly(st.integers(0, 60) | st.integers(0, 60000), COUNT)
        elif t.kind in ("money", "decimal"):
            plain = st.integers(0, 10**7).map(lambda c: f"{c // 100}.{c % 100:02d}")
            fields[name] = mostly(plain | st.integers(0, 10**5), MONEY)
        elif t.kind == "bool":
            fields[name] = mostly(st.booleans(), st.just("yes"))
        elif hasattr(t, "members"):
            fields[name] = mostly(st.sampled_from(t.members), st.just("nothing"))
    return st.fixed_dictionaries({}, optional=fields)


# Value conclusions: a conflict, one with no default left undecided, yes/no read by a rule, a
# text chosen by 'if', a range from computed ends (one that may run downward).
VALUES = """\
enum kind { plain odd even }
input n: integer = 0
input m: integer = 0
input gain: money(CNY) = 0 yuan
input flag: bool = false
conclusion k: value kind = plain
conclusion big: value bool = false
conclusion note: value text
conclusion how: value text = "none"
conclusion fine: range of money(CNY)
define label: text = if flag then "flagged" else "clear"
rule r_odd { cite article 1 when n > 3 then k = odd, note = label }
rule r_even { cite article 2 when m > 3 then k = even }
rule r_big { cite article 3 when n + m > 10 or k = kind.even then big = true }
rule r_how { cite article 4 when big then how = "big", fine = gain * 1 .. gain * 2 }
rule r_down { cite article 5 when flag and m > 5 then fine = gain * 3 .. 10 yuan }
"""


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "n": st.integers(0, 12),
                "m": st.integers(0, 12),
                "gain": MONEY,
                "flag": st.booleans(),
            },
        ),
        max_size=25,
    )
)
def test_value_conclusions_agree_with_the_per_case_path(records):
    book = ruleengine.load_text(VALUES)
    assert isinstance(columnar.compile(book, DAY), columnar.Program)
    rows = columnar.decide_cited(book, records, DAY)
    for row, record in zip(rows, records):
        try:
            expected = book.decide_cited(record, DAY)
        except Exception as err:  # noqa: BLE001 - compared as the row
            assert same(row, err), (record, row, err)
            continue
        assert row[:2] == expected, (record, row, expected)
        # A conflict, a range running downward: the per-case path decided the row.
        assert not (expected[0].conflicts and row[2] == columnar.COLUMNAR), record


def test_a_row_in_conflict_or_with_a_range_running_downward_goes_one_by_one():
    book = ruleengine.load_text(VALUES)
    records = [{"n": 4, "m": 7}, {"m": 6, "flag": True, "gain": 4}, {"n": 4, "flag": True}]
    rows = columnar.decide_cited(book, records, DAY)
    assert [r[2] if isinstance(r, tuple) else type(r).__name__ for r in rows] == [
        f"one by one: {columnar.AGAIN}",
        "EvaluationError",  # 12 yuan down to 10
        columnar.COLUMNAR,
    ]
    assert rows[0][0].conflicts and rows[2][0].conclusions["note"] == "flagged"


def test_a_computed_division_blocks_and_the_batch_still_agrees():
    book = ruleengine.load_text(
        "scale s { none low }\ninput a: integer = 0\ninput b: integer = 1\n"
        "conclusion c: highest s\n"
        "rule r { cite article 1 when a / b >= 2 then c = low }\n"
    )
    blocked = columnar.compile(book, DAY)
    assert isinstance(blocked, columnar.Blocked)
    assert "division by something not known to be above zero" in str(blocked)
    records = [{"a": 4, "b": 2}, {"a": 1, "b": 0}, {"a": 9}]
    rows = columnar.decide_chunk(book, records, DAY)
    assert all(same(r, per_case(book, x, DAY)) for r, x in zip(rows, records))


def test_without_numpy_every_case_goes_one_by_one(books, monkeypatch):
    monkeypatch.setattr(columnar, "np", None)
    book = books["article5bench"]
    book.__dict__.pop("_columnar", None)
    assert "numpy is not installed" in str(columnar.compile(book, DAY))
    assert columnar.how(book, DAY).startswith("one by one")
    records = [{"sensitive_items": 50}, {"illegal_gain": "50000"}]
    rows = columnar.decide_chunk(book, records, DAY)
    assert [r.conclusions["level"] for r in rows] == ["serious", "especially_serious"]
    book.__dict__.pop("_columnar", None)


def test_a_batch_is_computed_in_slices_and_comes_back_in_order(books, monkeypatch):
    monkeypatch.setattr(columnar.program, "SLICE", 7)
    book = books["article5bench"]
    records = [
        {"sensitive_items": n * 5, "illegal_gain": f"{n * 37}.5", "in_duty": n % 3 == 0}
        for n in range(0, 120, 3)
    ]
    rows = columnar.decide_chunk(book, records, DAY)
    assert [r.conclusions for r in rows] == [per_case(book, x, DAY).conclusions for x in records]
    assert len({r.conclusions["level"] for r in rows}) == 3


# ------------------------------------------------------------------ batches: whole rows
# Overrides, a rule in force only before or after a date, a rule with no condition, enums and
# a definition with a parameter: the rules a row cites come from the columnar program too.
CITED = """\
scale grade { none low mid high }
enum colour { red green blue }
input items: count = 0
input amount: money(CNY) = 0 yuan
input flag: bool = false
input paint: colour = red
input score: integer
conclusion level: highest grade
conclusion tier: highest grade
define half: decimal = if flag then 1/2 else 1
define big(k: decimal): bool = amount >= 100 yuan * k * half or items >= 10 * k
rule r_low { cite article 1 when big(1) then level = low }
rule r_high { cite article 2 when big(10) then level = high, tier = mid }
rule r_blue { cite article 3 when paint = blue and score > 3 then tier = low }
rule r_new { cite article 4 from 2020-01-01 when paint in [green, blue] then tier = high }
rule r_except { cite article 5 overrides r_low when flag and items < 2 }
rule r_always { cite article 6 then level = low }
rule r_old { cite article 7 until 2020-01-01 when score = 7 then level = mid }
"""
CITED_RECORD = st.fixed_dictionaries(
    # Mostly good facts: a line of two persons is skipped when either is wrong.
    {"score": st.integers(-3, 9) | st.integers(0, 9) | st.sampled_from([10**16, "7", None])},
    optional={
        "items": COUNT,
        "amount": MONEY,
        "flag": st.booleans() | st.booleans() | st.just("no"),
        "paint": st.sampled_from(["red", "green", "blue", "blue", "green", "purple"]),
        "colour": st.just("red"),
    },
)


def _lines(draw_records, draw_days):
    """Lines of a batch: a person's facts, a case file with its own date, or two persons."""
    return st.lists(
        st.one_of(
            draw_records,
            st.fixed_dictionaries({"as_of": draw_days, "facts": draw_records}),
            st.fixed_dictionaries({"subjects": st.lists(draw_records, min_size=1, max_size=2)}),
        ),
        max_size=25,
    )


DAYS = st.sampled_from(["2017-05-01", "2019-06-30", "2020-01-01", "2021-03-01"])


@pytest.fixture(scope="module")
def cited_book():
    return ruleengine.load_text(CITED, "cited.rules")


def decided(book, lines, day, decide):
    from ruleengine.batch import running

    context = running.Context(book, None, running.Options(day, output="rows"), decide)
    return running.decide_chunk(context, [(n, line, None) for n, line in enumerate(lines, 1)])


def same_rows(book, lines, day):
    """The columnar batch gives the per-case path's rows (every column, the rules cited
    included), its skipped lines with the same reasons (the errors file) and counts."""
    from ruleengine.batch import running

    fast = decided(book, lines, day, running.decide_auto)
    slow = decided(book, lines, day, running.decide_each)
    assert fast.rows == slow.rows
    assert fast.skipped == slow.skipped
    for count in ("lines", "cases", "persons", "conflicts", "not_in_force"):
        assert getattr(fast, count) == getattr(slow, count)
    assert sum(fast.paths.values()) == fast.persons
    return fast


@settings(max_examples=60, deadline=None)
@given(
    lines=_lines(CITED_RECORD, DAYS),
    day=st.sampled_from([None, datetime.date(2019, 1, 1), datetime.date(2021, 1, 1)]),
)
def test_batch_rows_agree_with_the_per_case_path(cited_book, lines, day):
    same_rows(cited_book, lines, day)


@settings(max_examples=30, deadline=None)
@given(lines=_lines(RECORD, DAYS), day=st.sampled_from([None, DAY]))
def test_batch_rows_agree_on_article_5(books, lines, day):
    for book in books.values():
        same_rows(book, lines, day)


def test_the_rules_cited_come_from_the_columns(cited_book):
    lines = [
        {"score": 7, "items": 12, "paint": "blue"},  # r_low, r_always, r_old, r_blue
        {"score": 1, "items": 1, "flag": True},  # r_except sets r_low aside
        {"as_of": "2021-01-01", "facts": {"score": 7, "paint": "green"}},
    ]
    got = same_rows(cited_book, lines, datetime.date(2019, 1, 1))
    by = [(row[7], row[9]) for row in got.rows]  # level.by, tier.by
    assert by == [
        (["r_low", "r_always", "r_old"], ["r_blue"]),
        (["r_always"], []),
        (["r_always", "r_old"], []),  # --as-of wins: r_old in force, r_new not yet
    ]
    assert got.paths == {columnar.COLUMNAR: 3}


# Dates, as day numbers: an input (as a date or written YYYY-MM-DD), a parameter of the
# period, a definition choosing between dates, comparisons both ways.
DATES = """\
scale grade { none low high }
input found_on: date = 2018-01-01
input acted_on: date
input late: bool = false
parameter cutoff: date { reference: "demo"  2017-01-01: 2018-06-30  2020-01-01: 2019-12-31 }
conclusion level: highest grade
conclusion timing: value text = "on time"
define counted_from: date = if late then found_on else acted_on
rule r_low { cite article 1 when counted_from <= cutoff then level = low }
rule r_high { cite article 2 when acted_on > found_on and found_on != 2018-03-01 then level = high }
rule r_when { cite article 3 when acted_on = cutoff then timing = "on the cutoff" }
"""
DAY_VALUES = st.one_of(
    st.dates(datetime.date(2016, 1, 1), datetime.date(2021, 12, 31)),
    st.dates(datetime.date(2016, 1, 1), datetime.date(2021, 12, 31)).map(str),
    st.sampled_from(["2018-06-30", "2019-12-31", " 2018-03-01 ", "2018-02-30", "20180101", 7]),
    st.just(datetime.datetime(2018, 1, 1, 12, 0)),
)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {},
            optional={"found_on": DAY_VALUES, "acted_on": DAY_VALUES, "late": st.booleans()},
        ),
        max_size=25,
    ),
    day=st.sampled_from([DAY, datetime.date(2020, 6, 1)]),
)
def test_dates_agree_with_the_per_case_path(records, day):
    book = ruleengine.load_text(DATES)
    assert isinstance(columnar.compile(book, day), columnar.Program)
    assert_rows_agree(book, records, day)


def test_a_date_in_plain_form_is_read_into_the_columns():
    book = ruleengine.load_text(DATES)
    program = columnar.compile(book, DAY)
    records = [
        {"acted_on": "2018-06-30"},
        {"acted_on": datetime.date(2018, 7, 1), "found_on": "2018-03-01"},
        {"acted_on": "30 June 2018"},  # wrong: the per-case path reports it
    ]
    cols = program.columns(records)
    assert cols.rows == [0, 1] and cols.rest == [2]
    assert cols.data["acted_on"].tolist() == [736875, 736876]
    rows = columnar.decide_chunk(book, records, DAY)
    assert [r.conclusions["timing"] for r in rows[:2]] == ["on the cutoff", "on time"]
    assert isinstance(rows[2], ruleengine.FactsError)


# Lists of records: sums, counts, any and all over the items, with conditions on an item's
# fields, on the case's facts and through definitions called with the item or its fields; a
# scale's range and a set of an enum among the conclusions.
ACTS = """\
enum kind { gift loan fee }
scale grade { none low high }
record act {
  id: text = ""
  kind: kind = gift
  amount: money(CNY)
  returned: bool = false
  on: date = 2020-01-01
}
input acts: list of act
input threshold: money(CNY) = 100 yuan
conclusion level: highest grade
conclusion band: range of grade
conclusion kinds: set of kind
define counted(a: act): bool = not a.returned and giftlike(a.kind)
define giftlike(k: kind): bool = k in [kind.gift, kind.fee]
define total: money(CNY) = sum(a.amount for a in acts where counted(a))
rule r_low { cite article 1 when total >= threshold then level = low, band = low .. high }
rule r_high {
  cite article 2
  when count(a for a in acts where a.amount > threshold and a.on >= 2021-01-01) >= 2
  then level = high, kinds = kind.loan
}
rule r_all { cite article 3 when all(a.returned for a in acts) then band = none .. low }
rule r_any {
  cite article 4
  when any(a.kind = kind.fee for a in acts where a.amount > 0 yuan)
  then kinds = kind.fee
}
"""
# Mostly good items (one wrong item sends its whole case one by one), and some of any kind.
PLAIN_MONEY = st.integers(0, 500) | st.integers(0, 50000).map(lambda c: f"{c // 100}.{c % 100:02d}")
GOOD_ACT = st.fixed_dictionaries(
    {"amount": PLAIN_MONEY},
    optional={
        "id": st.sampled_from(["a1", "b"]),
        "kind": st.sampled_from(["gift", "loan", "fee"]),
        "returned": st.booleans(),
        "on": st.dates(datetime.date(2020, 1, 1), datetime.date(2022, 1, 1)),
    },
)
ACT = st.fixed_dictionaries(
    {"amount": MONEY},
    optional={
        "id": st.sampled_from(["a1", 7]),
        "kind": st.sampled_from(["gift", "bribe"]),
        "returned": st.booleans(),
        "on": DAY_VALUES,
    },
)
ACTS_OF_A_CASE = (
    st.lists(GOOD_ACT, max_size=5)
    | st.lists(GOOD_ACT, max_size=5)
    | st.lists(GOOD_ACT | ACT, max_size=3)
    | st.just("none")
)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {"acts": ACTS_OF_A_CASE},
            optional={"threshold": PLAIN_MONEY | MONEY},
        ),
        max_size=20,
    )
)
def test_aggregates_over_lists_agree_with_the_per_case_path(records):
    book = ruleengine.load_text(ACTS)
    assert isinstance(columnar.compile(book, DAY), columnar.Program)
    assert_rows_agree(book, records, DAY)


def test_a_list_of_records_is_read_into_columns_with_where_each_case_starts():
    book = ruleengine.load_text(ACTS)
    program = columnar.compile(book, DAY)
    records = [
        {"acts": [{"amount": "60"}, {"amount": "50.5", "kind": "loan"}]},
        {"acts": []},
        {"acts": [{"amount": 120, "on": "2021-02-01"}, {"amount": "300", "on": "2021-05-01"}]},
        {"acts": [{"amount": 1, "colour": "red"}]},  # a field not declared: one by one
    ]
    cols = program.columns(records)
    assert cols.rows == [0, 1, 2] and cols.rest == [3]
    assert cols.data["acts"].offsets.tolist() == [0, 2, 2, 4]
    assert cols.data["acts"].fields["amount"].tolist() == [6000, 5050, 12000, 30000]
    rows = columnar.decide_chunk(book, records, DAY)
    assert [r.conclusions["level"] for r in rows[:3]] == ["none", "none", "high"]
    assert rows[2].conclusions["kinds"] == frozenset({"loan"})
    assert rows[1].conclusions["band"] == ("none", "low")  # all of no acts were returned


def test_a_running_sum_that_wraps_around_64_bits_still_gives_each_case_its_sum():
    """Each case's total is the difference of a running sum over all the items of a slice:
    past 2^63 it wraps around, and the differences stay exact."""
    book = ruleengine.load_text(
        "record act { amount: money(CNY) }\ninput acts: list of act\n"
        "conclusion ok: value bool = false\n"
        "rule r { cite article 1 when sum(a.amount for a in acts) >= 10000000000000000 yuan"
        " then ok = true }\n"
    )
    program = columnar.compile(book, DAY)
    assert program.cap == 10**15  # fen: 10^13 yuan an item, 10^18 fen for 1,000 of them
    full = [{"amount": 10**13}] * columnar.MAX_ITEMS
    short = full[:-1] + [{"amount": "9999999999999.99"}]
    records = [{"acts": full}] * 10 + [{"acts": short}] + [{"acts": full}]
    rows = columnar.decide_cited(book, records, DAY)
    assert {row[2] for row in rows} == {columnar.COLUMNAR}
    assert [row[0].conclusions["ok"] for row in rows] == [True] * 10 + [False, True]
    assert [row[0] for row in rows[-2:]] == [book.decide(r, DAY) for r in records[-2:]]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), day=st.sampled_from([datetime.date(2019, 1, 10), datetime.date(2017, 5, 1)]))
def test_columnar_agrees_on_records_of_every_declared_input(books, data, day):
    """Records drawn from each rulebook's declared inputs (mostly plain, sometimes not): the
    columns give the per-case path's every conclusion and rules cited (pi2017, with its
    lighter block and dates, in test_columnar_lighter.py)."""
    for book in books.values():
        assert not isinstance(columnar.compile(book, day), columnar.Blocked)
        records = data.draw(st.lists(records_of(book), max_size=20))
        rows = columnar.decide_cited(book, records, day)
        for row, record in zip(rows, records):
            try:
                expected = book.decide_cited(record, day)
            except Exception as err:  # noqa: BLE001 - compared as the row
                assert same(row, err), (record, row, err)
                continue
            assert not isinstance(row, Exception), (record, row, expected)
            assert row[:2] == expected, record  # every conclusion, and the rules cited


# A date moved by years, months and days (limitation periods): the calendar of
# ``types.add_duration`` (2016-02-29 + 5 years = 2021-02-28), in columns; a row moved out of
# the calendar goes one by one, where the per-case path reports it.
MOVED = """\
input acted_on: date = 2018-01-01
input filed_on: date = 2018-01-01
conclusion barred: value bool = false
conclusion window: value text = "none"
define last_day: date = acted_on + 5 years
define earlier: date = filed_on - 1 month - 3 days
rule r_barred { cite article 87 when filed_on > last_day then barred = true }
rule r_window { cite article 1 when earlier <= acted_on + 13 months then window = "in" }
"""
MOVED_DAYS = st.one_of(
    st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)),
    st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    st.sampled_from(
        [
            datetime.date(2016, 2, 29),
            datetime.date(2021, 2, 28),
            datetime.date(9999, 12, 31),
            datetime.date(1, 1, 15),
            datetime.date(9995, 1, 1),
        ]
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries({}, optional={"acted_on": MOVED_DAYS, "filed_on": MOVED_DAYS}),
        max_size=25,
    ),
)
def test_dates_moved_by_years_and_months_agree_with_the_per_case_path(records):
    book = ruleengine.load_text(MOVED)
    assert isinstance(columnar.compile(book, DAY), columnar.Program)
    assert_rows_agree(book, records, DAY)


def test_a_date_moved_out_of_the_calendar_goes_one_by_one():
    book = ruleengine.load_text(MOVED)
    records = [{"acted_on": "2016-02-29", "filed_on": "2021-03-01"}, {"acted_on": "9999-06-01"}]
    rows = columnar.decide_cited(book, records, DAY)
    assert rows[0][0].conclusions["barred"] is True
    assert isinstance(rows[1], Exception) and "out of range" in str(rows[1])


def test_a_date_moved_by_a_varied_duration_is_named():
    text = MOVED + "input late: bool = false\n"
    text += "define span: duration = if late then 2 years else 1 year\n"
    text += "define later: date = acted_on + span\n"
    text += 'rule r_later { cite article 2 when later > filed_on then window = "later" }\n'
    blocked = columnar.compile(ruleengine.load_text(text), DAY)
    assert isinstance(blocked, columnar.Blocked)
    assert "a date moved by a varied duration" in str(blocked)
