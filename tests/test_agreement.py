"""The fast path and the explain path must reach the same decision on every case.

Hypothesis generates facts for two rulebooks that exercise many constructs, in canonical
form (ints, Fractions, dates: the generated code's direct branch) and in raw forms
(Decimal, strings, labels: its validating branch), sometimes wrong, and on days around the
change dates. Both paths must give equal conclusions and conflicts, or raise the same error.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

import reference_interpreter
from conftest import load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruleengine import EvaluationError, FactsError
from ruleengine.runtime import Unset

# Article 5 of the 2017 interpretation, in the shape of /tmp/t/bench.rules (demo thresholds).
ARTICLE5 = """\
document demo {
  title: zh "示例" en "Demo"
  effective: 2017-06-01
  until: 2031-01-01
}
input sensitive_items: count = 0
input important_items: count = 0
input other_items: count = 0
input illegal_gain: money(CNY) = 0 yuan
input in_duty: bool = false
input share: decimal = 1
input role: role_kind = insider
input note_text: text = ""
input found_on: date = 2018-01-01
enum role_kind { insider: zh "内部人员" en "insider"  outsider  broker }
scale seriousness {
  none: zh "不构成" en "not serious"
  serious "情节严重"
  especially_serious
}
conclusion level: highest seriousness
conclusion sentence: value text
conclusion weight: value decimal = 0
parameter standard: count { reference: "demo"  2017-06-01: 50  2020-01-01: 40 }
define factor: decimal = if in_duty then 1/2 else 1
define meets(k: decimal): bool =
     sensitive_items >= standard * k * factor
  or important_items >= 500 * k * factor
  or other_items >= 5000 * k * factor
  or illegal_gain >= 5000 yuan * k * factor
  or sensitive_items / (standard * k * factor) + important_items / (500 * k * factor)
     + other_items / (5000 * k * factor) >= 1
rule serious {
  cite article 5 paragraph 1 item 3
  when meets(1)
  then level = serious, weight = share * 2
}
rule especially {
  cite article 5 paragraph 2 item 3
  when meets(10)
  then level = especially_serious, sentence = "3-7 years"
}
rule broker_rule {
  cite article 6
  from 2019-01-01
  when role = broker and level >= serious and found_on >= 2019-01-01
  then sentence = "broker"
}
rule noted {
  cite article 7
  when note_text != "" and important_items > 0
  then weight = important_items / share
}
"""

# Lists of records, aggregates, exceptions, set/range/value conclusions, dates and durations.
ACTS = """\
document acts_law {
  effective: 2017-06-01
  date: offence_date
}
enum act_kind { obtain: zh "获取" en "obtain"  sell "出售"  provide }
scale sev { none serious grave }
record act { kind: act_kind  items: count  gain: money(CNY) = 0 yuan  on: date = 2018-01-01 }
input acts: list of act
input offence_date: date = 2018-06-01
input prior_level: sev = none
input in_duty: bool = false
input divisor: integer = 1
conclusion level: highest sev
conclusion kinds: set of act_kind
conclusion band: range of sev
conclusion months: range of integer
conclusion sentence: value text
conclusion ratio: value decimal
conclusion recidivist: value bool = false
define sold: integer = sum(a.items for a in acts where a.kind = sell)
define gained: money(CNY) = sum(a.gain for a in acts)
define latest: date = if size(acts) > 0 then max(a.on for a in acts) else offence_date
rule selling {
  cite article 1
  when sold >= 50 or gained >= 5000 yuan
  then level = serious, kinds = sell, band = none .. serious, months = 0 .. 36,
       sentence = "up to three years"
}
rule many {
  cite article 2
  when count(a for a in acts where a.items >= 10) >= 3
  then level = grave, kinds = [obtain, provide], band = serious .. grave, months = 36 .. 84,
       sentence = "three to seven years"
}
rule duty_exception {
  cite article 3
  overrides many
  when in_duty and all(a.kind != provide for a in acts)
  then sentence = "duty"
}
rule repeat {
  cite article 4
  from 2019-01-01
  when prior_level >= serious and level >= serious
  then recidivist = true
}
rule recent {
  cite article 5
  when any(a.on + 2 years > offence_date for a in acts) and latest <= offence_date
  then ratio = sold / divisor
}
"""

# The law in time: a lighter block choosing between three versions of a provision, with a
# compared range of sanctions, a value conclusion that follows the version, and rules that
# read the version applied.
VERSIONS = """\
enum edition { e1: zh "旧" en "old"  e2  e3 }
parameter edition_in_force: edition { 2016-01-01: e1  2018-10-01: e2  2024-01-01: e3 }
scale grade { none warning removal probation expulsion }
record act { amount: money(CNY)  on: date  field: bool = false }
input acts: list of act
input decided_on: date = 2024-03-01
conclusion most: highest grade
conclusion least: highest grade
conclusion share: value decimal
conclusion applied: value edition
conclusion heavy: value bool = false
define total: money(CNY) = sum(a.amount for a in acts)
define last: date = if size(acts) > 0 then max(a.on for a in acts) else decided_on
define in_field: bool = any(a.field for a in acts)
rule v1 { cite article 1  until 2018-10-01  when total > 0 yuan
          then least = warning, most = if total >= 5000 yuan then probation else removal,
               share = total / 10000 yuan }
rule v2 { cite article 2  from 2018-10-01  until 2024-01-01  when total > 0 yuan
          then least = if in_field then removal else warning, most = probation }
rule v3 { cite article 3  from 2024-01-01  when total > 0 yuan
          then least = warning, most = if total >= 8000 yuan then expulsion else removal,
               share = 1/2 }
lighter law { versions: edition_in_force  act_date: last  compare: most, least
              decides: share }
rule which { cite article 9  then applied = law.applied }
rule heavier { cite article 10  when most >= probation and law.at_decision = e3
               then heavy = true }
"""

BOOK_A = load(ARTICLE5, "article5.rules")
BOOK_B = load(ACTS, "acts.rules")
BOOK_C = load(VERSIONS, "versions.rules")

DAYS = st.sampled_from(
    [
        datetime.date(2017, 5, 31),
        datetime.date(2017, 6, 1),
        datetime.date(2018, 12, 31),
        datetime.date(2019, 1, 1),
        datetime.date(2019, 12, 31),
        datetime.date(2020, 1, 1),
        datetime.date(2030, 12, 31),
        datetime.date(2031, 1, 1),
    ]
)


def outcome(path, facts, day):
    """What one path gives, as comparable data."""
    try:
        d = path(facts, day)
    except FactsError as err:
        return ("facts", [(p.path, p.message, p.help) for p in err.problems])
    except EvaluationError as err:
        span = (err.span.line, err.span.column) if err.span else None
        return ("evaluation", err.message, span)
    decision = getattr(d, "decision", d)
    values = {
        k: ("unset", v.why) if isinstance(v, Unset) else v for k, v in decision.conclusions.items()
    }
    return ("ok", values, decision.conflicts, decision.in_force, decision.as_of)


def reference(book):
    """The tree-walking reference evaluator, as a third path to compare with."""

    def run(facts, day):
        day = book.as_of(facts, day)
        return reference_interpreter.explain(
            book.rulebook, book.epoch(day), book.validate(facts), day
        )

    return run


def agree(book, facts, day):
    """The fast path, the explain path and the reference evaluator give the same result;
    the explain path and the reference give the same trace."""
    fast = outcome(book.decide, facts, day)
    slow = outcome(book.explain, facts, day)
    ref = outcome(reference(book), facts, day)
    assert fast == slow
    assert slow == ref
    if fast[0] == "ok":
        assert book.explain(facts, day).to_json() == reference(book)(facts, day).to_json()
    return fast


# ------------------------------------------------------------------ fact strategies
def number_forms(value: int | Fraction, money: bool = False):
    """One exact number in the forms a caller may hand in."""
    forms = [st.just(value), st.just(Fraction(value)), st.just(str(value))]
    if isinstance(value, int) or value.denominator in (1, 2, 4, 5, 8, 10):
        dec = (
            Decimal(value.numerator) / Decimal(value.denominator)
            if not isinstance(value, int)
            else Decimal(value)
        )
        forms.append(st.just(dec))
        if money:
            forms += [
                st.just(f"{dec} CNY"),
                st.just(f"{dec}元"),
                st.just({"amount": str(dec), "currency": "CNY"}),
            ]
    if not isinstance(value, int):
        forms.append(st.just(f"{value.numerator}/{value.denominator}"))
    return st.one_of(forms)


COUNTS = st.one_of(
    st.integers(0, 60), st.integers(0, 6000), st.sampled_from([36, 49, 50, 99, 409, 410, 500])
)
RATIONALS = st.fractions(min_value=0, max_value=20000, max_denominator=10)
BAD = st.sampled_from([-1, 1.5, "lots", None, True, [1]])


def rarely(good, bad):
    """Mostly ``good``, one time in twelve ``bad``: raw cases should mostly be valid."""
    return st.integers(0, 11).flatmap(lambda i: bad if i == 11 else good)


def count_value(raw: bool):
    canonical = COUNTS
    if not raw:
        return canonical
    return rarely(canonical.flatmap(number_forms), BAD)


def money_value(raw: bool):
    canonical = st.one_of(st.integers(0, 60000), RATIONALS.map(lambda f: f * 5))
    if not raw:
        return canonical
    return rarely(
        canonical.flatmap(lambda v: number_forms(v, money=True)),
        st.sampled_from(["5000 USD", 0.5]),
    )


def date_value(raw: bool):
    canonical = st.dates(datetime.date(2015, 1, 1), datetime.date(2032, 1, 1))
    if not raw:
        return canonical
    return rarely(
        st.one_of(canonical, canonical.map(datetime.date.isoformat)), st.just("2018-02-30")
    )


@st.composite
def article5_facts(draw, raw: bool):
    fields = {
        "sensitive_items": count_value(raw),
        "important_items": count_value(raw),
        "other_items": count_value(raw),
        "illegal_gain": money_value(raw),
        "in_duty": st.booleans() if not raw else rarely(st.booleans(), st.just("yes")),
        "share": (
            st.one_of(st.just(Fraction(1, 3)), st.integers(0, 3), RATIONALS)
            if not raw
            else st.one_of(st.sampled_from(["1/3", "0", Decimal("0.5")]), RATIONALS)
        ),
        "role": (
            st.sampled_from(["insider", "outsider", "broker"])
            if not raw
            else rarely(
                st.sampled_from(["broker", "内部人员", "outsider"]), st.sampled_from(["brokr", 3])
            )
        ),
        "note_text": st.sampled_from(["", "seen"]),
        "found_on": date_value(raw),
    }
    facts = {}
    for name, strategy in fields.items():
        if draw(st.booleans()):
            facts[name] = draw(strategy)
    if raw and draw(st.integers(0, 19)) == 19:
        facts["sensitve_items"] = 1  # a misspelt field
    return facts


def act(raw: bool):
    kind = (
        st.sampled_from(["obtain", "sell", "provide"])
        if not raw
        else rarely(st.sampled_from(["sell", "出售", "obtain", "provide"]), st.just("sel"))
    )
    return st.fixed_dictionaries(
        {"kind": kind, "items": count_value(raw)},
        optional={"gain": money_value(raw), "on": date_value(raw)},
    )


@st.composite
def acts_facts(draw, raw: bool):
    facts = {"acts": draw(st.lists(act(raw), max_size=6))}
    if draw(st.booleans()):
        facts["offence_date"] = draw(date_value(raw))
    if draw(st.booleans()):
        facts["prior_level"] = draw(
            rarely(
                st.sampled_from(["none", "serious", "grave"]), st.just("grav" if raw else "none")
            )
        )
    if draw(st.booleans()):
        facts["in_duty"] = draw(st.booleans())
    if draw(st.booleans()):
        facts["divisor"] = draw(
            st.integers(-2, 3)
            if not raw
            else st.sampled_from(["0", "2", Decimal(3), Fraction(4), "x"])
        )
    return facts


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VERSION_DAYS = st.sampled_from(
    [
        datetime.date(y, m, d)
        for y, m, d in (
            (2017, 6, 1),
            (2018, 9, 30),
            (2018, 10, 1),
            (2023, 12, 31),
            (2024, 1, 1),
            (2025, 6, 1),
        )
    ]
)


@st.composite
def versions_facts(draw, raw: bool):
    act = st.fixed_dictionaries(
        {"amount": money_value(raw), "on": VERSION_DAYS},
        optional={"field": st.booleans()},
    )
    return {"acts": draw(st.lists(act, max_size=4))}


@SETTINGS
@given(facts=article5_facts(raw=False), day=DAYS)
def test_article5_canonical(facts, day):
    agree(BOOK_A, facts, day)


@SETTINGS
@given(facts=article5_facts(raw=True), day=DAYS)
def test_article5_raw(facts, day):
    agree(BOOK_A, facts, day)


@SETTINGS
@given(facts=acts_facts(raw=False), day=DAYS)
def test_acts_canonical(facts, day):
    agree(BOOK_B, facts, day)


@SETTINGS
@given(facts=acts_facts(raw=True), day=DAYS)
def test_acts_raw(facts, day):
    agree(BOOK_B, facts, day)


@SETTINGS
@given(facts=acts_facts(raw=False))
def test_acts_date_from_the_facts(facts):
    """With no as-of date given, both paths judge the case at the offence date."""
    agree(BOOK_B, facts, None)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=versions_facts(raw=False), day=VERSION_DAYS)
def test_versions_canonical(facts, day):
    agree(BOOK_C, facts, day)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=versions_facts(raw=True), day=VERSION_DAYS)
def test_versions_raw(facts, day):
    agree(BOOK_C, facts, day)


def test_versions_reach_every_reason():
    """Pinned cases, so a weakened strategy cannot hide a reason the block chooses for."""
    day = datetime.date(2024, 3, 1)

    def reason(acts):
        facts = {"acts": acts}
        agree(BOOK_C, facts, day)
        return BOOK_C.explain(facts, day).choices[0].reason

    assert reason([{"amount": 9000, "on": "2017-06-01"}]) == "act_version"
    assert reason([{"amount": 6000, "on": "2017-06-01"}]) == "later_lighter"
    assert reason([{"amount": 100, "on": "2020-06-01", "field": True}]) == "later_lighter"
    assert reason([{"amount": 100, "on": "2024-02-01"}]) == "same_version"
    assert reason([{"amount": 100, "on": "2015-02-01"}]) == "no_act_version"


# ------------------------------------------------------------------ the generators reach
# every branch: pinned examples so a weakened strategy cannot hide a path.
def test_direct_branch_is_taken_for_canonical_facts():
    source = BOOK_A.epoch(datetime.date(2018, 1, 1)).fast.source
    assert "return _decide_typed(" in source
    result = agree(
        BOOK_A,
        {"sensitive_items": 36, "important_items": 99, "other_items": 410},
        datetime.date(2018, 1, 1),
    )
    assert result[0] == "ok" and result[1]["level"] == "serious"


def test_examples_of_each_outcome():
    day = datetime.date(2019, 6, 1)
    assert agree(
        BOOK_A, {"sensitive_items": "500", "role": "broker", "found_on": "2019-02-01"}, day
    )[1]["sentence"] == (
        "unset",
        "is in conflict between rules especially, broker_rule",
    )
    assert agree(BOOK_A, {"sensitive_items": -1}, day)[0] == "facts"
    assert agree(BOOK_A, {"note_text": "x", "important_items": 1, "share": 0}, day)[0] == (
        "evaluation"
    )
    big = [{"kind": "sell", "items": 10}] * 3
    ok = agree(BOOK_B, {"acts": big, "in_duty": True}, day)
    assert ok[1]["sentence"] == "duty" and ok[1]["level"] == "none"
    assert (
        agree(BOOK_B, {"acts": big + [{"kind": "sell", "items": 30}], "divisor": 0}, day)[0]
        == "evaluation"
    )
    assert agree(BOOK_A, {}, datetime.date(2017, 1, 1))[3] is False


NEGATIONS = """\
scale seriousness { none low high }
input n: integer = 0
input flag: bool = false
conclusion level: highest seriousness
define over(k: integer): bool = n >= k and flag
define big: bool = n >= 100
rule once { cite article 1  when not (n >= 5)  then level = low }
rule twice { cite article 2  when not not (n >= 5)  then level = low }
rule called { cite article 3  when not over(10) or not big  then level = high }
rule either { cite article 4  overrides called  when not (flag or n >= 50)  then level = low }
rule always { cite article 5  then level = low }
"""

BOOK_N = load(NEGATIONS, "negations.rules")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(0, 120), flag=st.booleans())
def test_negated_tests_and_exceptions(n, flag):
    """The explain program records each test as values, and a test under one or more
    ``not``s, in a rule or in a definition it calls, by how many (``trace.Tests``); the
    trace made from that record is the reference's."""
    agree(BOOK_N, {"n": n, "flag": flag}, datetime.date(2020, 1, 1))
