"""Evaluation: exact arithmetic, how conclusions combine, exceptions, time, and the trace.

Every case runs through both paths: ``decide`` (generated fast path) and ``explain``
(generated, with trace); ``run`` checks that they agree before returning.
"""

from __future__ import annotations

import datetime
import json
from fractions import Fraction

import pytest
from conftest import load

import ruleengine
from ruleengine import Decision, EvaluationError
from ruleengine.runtime import Unset

DAY = datetime.date(2018, 1, 1)


def shown(value):
    """A conclusion value comparable across paths (Unset compares by its reason)."""
    return ("unset", value.why) if isinstance(value, Unset) else value


def run(book, facts, day=DAY):
    decision = book.decide(facts, day)
    trace = book.explain(facts, day)
    assert {k: shown(v) for k, v in decision.conclusions.items()} == {
        k: shown(v) for k, v in trace.decision.conclusions.items()
    }
    assert decision.conflicts == trace.decision.conflicts
    assert decision.in_force == trace.decision.in_force
    return decision, trace


# ------------------------------------------------------------------ exactness
EXACT = """\
input sensitive_items: count = 0
input important_items: count = 0
input other_items: count = 0
scale seriousness { none serious }
conclusion level: highest seriousness
rule combined {
  cite article 5 paragraph 1 item 3
  when sensitive_items / 50 + important_items / 500 + other_items / 5000 >= 1
  then level = serious
}
"""


@pytest.mark.parametrize(
    "other, level",
    [(410, "serious"), (409, "none"), (411, "serious")],
)
def test_mixed_thresholds_are_exact(other, level):
    book = load(EXACT)
    facts = {"sensitive_items": 36, "important_items": 99, "other_items": other}
    decision, trace = run(book, facts)
    assert decision.conclusions["level"] == level
    (atom,) = trace.rule("combined").evidence
    assert atom.left == Fraction(36, 50) + Fraction(99, 500) + Fraction(other, 5000)
    if other == 410:
        assert atom.left == 1  # exactly 1, not 0.9999...
        assert trace.to_json()["rules"][0]["evidence"][0]["left"]["value"] == 1


def test_decimal_facts_are_exact():
    book = load(
        "input ratio: decimal = 0\nscale s { none serious }\nconclusion level: highest s\n"
        "rule r {\n  cite article 1\n  when ratio * 3 = 1\n  then level = serious\n}\n"
    )
    assert run(book, {"ratio": "1/3"})[0].conclusions["level"] == "serious"
    assert run(book, {"ratio": "0.3333333333"})[0].conclusions["level"] == "none"


# ------------------------------------------------------------------ combining conclusions
COMBINE = """\
input a: count = 0
input b: count = 0
input n: count = 0
scale sev { none serious grave }
enum kind { x y z }
conclusion level: highest sev
conclusion kinds: set of kind
conclusion band: range of sev
conclusion sentence: value text
conclusion multiple: value decimal = 0
rule low {
  cite article 1
  when a >= 1
  then level = serious, kinds = x, band = none .. serious, sentence = "A", multiple = 1/2
}
rule high {
  cite article 2
  when b >= 1
  then level = grave, kinds = [y, z], band = serious .. serious, sentence = "B", multiple = 1/2
}
rule exception {
  cite article 3
  overrides high
  when n >= 1
  then sentence = "C"
}
rule counter_exception {
  cite article 4
  overrides exception
  when n >= 2
  then sentence = "D"
}
"""


@pytest.fixture(scope="module")
def combine():
    return load(COMBINE, "combine.rules")


def test_nothing_applies(combine):
    decision, trace = run(combine, {})
    c = decision.conclusions
    assert c["level"] == "none"  # the scale's lowest member is the default
    assert c["kinds"] == frozenset()
    assert isinstance(c["band"], Unset) and isinstance(c["sentence"], Unset)
    assert c["multiple"] == 0
    assert decision.value("sentence") is None
    assert [r.status for r in trace.rules] == ["not_met"] * 4
    assert trace.to_json()["outcome"]["sentence"] is None


def test_highest_of_scale_set_union_and_range(combine):
    decision, trace = run(combine, {"a": 1, "b": 1, "n": 0})
    c = decision.conclusions
    assert c["level"] == "grave"
    assert c["kinds"] == frozenset({"x", "y", "z"})
    assert c["band"] == ("serious", "serious")  # highest floor, highest ceiling
    assert c["multiple"] == Fraction(1, 2)  # agreeing values are no conflict
    out = trace.to_json()["outcome"]
    assert out["kinds"] == ["x", "y", "z"]  # in declaration order
    assert out["band"] == ["serious", "serious"]
    assert out["multiple"] == "0.5"


def test_value_conflict_names_both_rules(combine):
    decision, trace = run(combine, {"a": 1, "b": 1})
    (conflict,) = decision.conflicts
    assert conflict.conclusion == "sentence"
    assert conflict.claims == (("low", "A"), ("high", "B"))
    assert isinstance(decision.conclusions["sentence"], Unset)
    assert "low" in decision.conclusions["sentence"].why
    assert "high" in decision.conclusions["sentence"].why
    assert trace.to_json()["conflicts"] == [
        {
            "conclusion": "sentence",
            "claims": [{"rule": "low", "value": "A"}, {"rule": "high", "value": "B"}],
        }
    ]


def test_exception_sets_aside_and_drops_conclusion(combine):
    decision, trace = run(combine, {"b": 1, "n": 1})
    assert decision.conclusions["level"] == "none"  # high's grave is dropped
    assert decision.conclusions["kinds"] == frozenset()
    assert decision.conclusions["sentence"] == "C"
    assert decision.conflicts == ()
    high = trace.rule("high")
    assert high.status == "set_aside" and high.set_aside_by == ["exception"]
    assert high.conclusions == []
    rules = {r["name"]: r for r in trace.to_json()["rules"]}
    assert rules["high"]["status"] == "set_aside"
    assert rules["high"]["set_aside_by"] == ["exception"]
    assert rules["exception"]["status"] == "applied"


def test_exception_that_does_not_apply_sets_nothing_aside(combine):
    decision, trace = run(combine, {"b": 1})
    assert trace.rule("high").status == "applied"
    assert trace.rule("exception").status == "not_met"
    assert decision.conclusions["sentence"] == "B"


def test_chained_exception_reinstates_the_general_rule(combine):
    decision, trace = run(combine, {"b": 1, "n": 2})
    assert trace.rule("exception").status == "set_aside"
    assert trace.rule("exception").set_aside_by == ["counter_exception"]
    assert trace.rule("high").status == "applied"
    assert decision.conclusions["level"] == "grave"
    (conflict,) = decision.conflicts
    assert dict(conflict.claims) == {"high": "B", "counter_exception": "D"}


def test_reversed_range_is_an_evaluation_error():
    # Written with constants (serious .. none), it is a check error (E204, tests/test_checker.py).
    book = load(
        "input a: count = 0\nscale s { none serious }\nconclusion band: range of s\n"
        "input top: s = serious\n"
        "rule r {\n  cite article 1\n  when a > 0\n  then band = top .. none\n}\n"
    )
    for path in (book.decide, book.explain):
        with pytest.raises(EvaluationError, match="from serious down to none") as info:
            path({"a": 1}, DAY)
        assert info.value.span.line == 8  # at the rule that gives the range


def test_numeric_range_combines_upward():
    book = load(
        "input a: count = 0\nconclusion months: range of integer\n"
        "rule r1 {\n  cite article 1\n  when a > 0\n  then months = 6 .. 36\n}\n"
        "rule r2 {\n  cite article 2\n  when a > 5\n  then months = 12 .. 24\n}\n"
    )
    assert run(book, {"a": 1})[0].conclusions["months"] == (6, 36)
    assert run(book, {"a": 6})[0].conclusions["months"] == (12, 36)


# ------------------------------------------------------------------ rules reading conclusions
READS = """\
input items: count = 0
input repeat: bool = false
scale sev { none serious grave }
conclusion level: highest sev
conclusion sentence: value text
conclusion aggravated: value bool = false
rule base {
  cite article 1
  when items >= 50
  then level = serious
}
rule worse {
  cite article 2
  when items >= 500
  then level = grave
}
rule repeat_offender {
  cite article 3
  when level >= serious and repeat
  then aggravated = true
}
rule sentence_for_level {
  cite article 4
  when level = grave or aggravated
  then sentence = "heavier"
}
"""


@pytest.mark.parametrize(
    "facts, aggravated, sentence",
    [
        ({"items": 10, "repeat": True}, False, None),
        ({"items": 50, "repeat": False}, False, None),
        ({"items": 50, "repeat": True}, True, "heavier"),
        ({"items": 500, "repeat": False}, False, "heavier"),
    ],
)
def test_rules_read_conclusions(facts, aggravated, sentence):
    decision, trace = run(load(READS), facts)
    assert decision.conclusions["aggravated"] is aggravated
    assert decision.value("sentence") == sentence
    if aggravated:
        atoms = trace.rule("repeat_offender").evidence
        assert [(a.text, a.left, a.right) for a in atoms][0] == (
            "level >= serious",
            "serious",
            "serious",
        )


def test_reading_a_conflicted_conclusion_is_an_error():
    book = load(
        "input a: count = 0\nconclusion s: value text\nconclusion t: value text\n"
        'rule r1 {\n  cite article 1\n  when a > 0\n  then s = "x"\n}\n'
        'rule r2 {\n  cite article 2\n  when a > 0\n  then s = "y"\n}\n'
        'rule r3 {\n  cite article 3\n  when s = "x"\n  then t = "z"\n}\n'
    )
    for path in (book.decide, book.explain):
        with pytest.raises(EvaluationError, match="conclusion 's' is in conflict") as info:
            path({"a": 1}, DAY)
        assert (info.value.span.line, info.value.span.column) == (16, 8)


# ------------------------------------------------------------------ time
TIME = """\
document law {
  effective: 2017-06-01
  until: 2030-01-01
  date: offence_date
}
input items: count = 0
input offence_date: date
scale sev { none serious }
conclusion level: highest sev
conclusion tag: value text
parameter standard: count { reference: "test" 2017-06-01: 50  2019-01-01: 40 }
rule threshold {
  cite article 1
  when items >= standard
  then level = serious
}
rule old_only {
  cite article 2
  until 2019-01-01
  when items >= 0
  then tag = "old"
}
rule new_only {
  cite article 3
  from 2019-01-01
  when items >= 0
  then tag = "new"
}
"""


@pytest.fixture(scope="module")
def timed():
    return load(TIME, "time.rules")


@pytest.mark.parametrize(
    "day, items, level, tag",
    [
        (datetime.date(2018, 12, 31), 45, "none", "old"),
        (datetime.date(2018, 12, 31), 50, "serious", "old"),
        (datetime.date(2019, 1, 1), 40, "serious", "new"),  # new value from its first day
        (datetime.date(2019, 1, 1), 39, "none", "new"),
        (datetime.date(2029, 12, 31), 40, "serious", "new"),
    ],
)
def test_parameters_and_rules_by_date(timed, day, items, level, tag):
    decision, trace = run(timed, {"items": items, "offence_date": day.isoformat()}, day)
    assert decision.in_force is True
    assert decision.conclusions["level"] == level
    assert decision.conclusions["tag"] == tag
    off = "new_only" if tag == "old" else "old_only"
    assert trace.rule(off).status == "not_in_force"


@pytest.mark.parametrize("day", [datetime.date(2017, 5, 31), datetime.date(2030, 1, 1)])
def test_outside_the_document_nothing_applies(timed, day):
    decision, trace = run(timed, {"items": 1000, "offence_date": day.isoformat()}, day)
    assert decision.in_force is False
    assert decision.conclusions["level"] == "none"
    assert isinstance(decision.conclusions["tag"], Unset)
    assert {r.status for r in trace.rules} == {"not_in_force"}
    assert trace.to_json()["in_force"] is False


def test_as_of_defaults_to_the_date_input(timed):
    facts = {"items": 45, "offence_date": "2019-06-01"}
    assert timed.decide(facts).as_of == datetime.date(2019, 6, 1)
    assert timed.decide(facts).conclusions["level"] == "serious"
    assert timed.explain(facts).as_of == datetime.date(2019, 6, 1)


def test_parameter_without_value_on_the_day_is_an_error():
    book = load(
        "input items: count = 0\nscale s { none serious }\nconclusion level: highest s\n"
        'parameter std: count { reference: "x"  2017-06-01: 50 }\n'
        "rule r {\n  cite article 1\n  when items >= std\n  then level = serious\n}\n"
    )
    for path in (book.decide, book.explain):
        with pytest.raises(EvaluationError, match="parameter 'std' has no value on 2017-01-01"):
            path({"items": 1}, datetime.date(2017, 1, 1))


def test_dates_and_durations():
    book = load(
        "input born: date\ninput offence: date\nconclusion minor: value bool\n"
        "conclusion limit: value date\n"
        "rule age {\n  cite article 1\n  when years_between(born, offence) < 18\n"
        "  then minor = true\n}\n"
        "rule adult {\n  cite article 2\n  when born + 18 years <= offence\n"
        "  then minor = false, limit = offence + 2 years\n}\n"
    )
    decision, _ = run(book, {"born": "2000-03-01", "offence": "2018-02-28"})
    assert decision.conclusions["minor"] is True
    assert isinstance(decision.conclusions["limit"], Unset)
    decision, _ = run(book, {"born": "2000-03-01", "offence": "2018-03-01"})
    assert decision.conclusions["minor"] is False
    assert decision.conclusions["limit"] == datetime.date(2020, 3, 1)
    decision, _ = run(book, {"born": "2000-01-31", "offence": "2018-01-31"})
    assert decision.conclusions["minor"] is False
    assert decision.conclusions["limit"] == datetime.date(2020, 1, 31)


def test_month_arithmetic_clamps_to_month_end():
    book = load(
        "input d: date\nconclusion later: value date\n"
        "rule r {\n  cite article 1\n  when true\n  then later = d + 1 months\n}\n"
    )
    assert run(book, {"d": "2019-01-31"})[0].conclusions["later"] == datetime.date(2019, 2, 28)


def test_years_between_agrees_with_adding_years():
    book = load(
        "input born: date\nconclusion same: value bool\n"
        "rule r {\n  cite article 1\n  when true\n"
        "  then same = years_between(born, born + 18 years) = 18\n}\n"
    )
    assert run(book, {"born": "2000-02-29"})[0].conclusions["same"] is True


# ------------------------------------------------------------------ aggregates, if
AGG = """\
enum act_kind { obtain sell provide }
record act { kind: act_kind  items: count }
input acts: list of act
input in_duty: bool = false
conclusion sold: value integer
conclusion sellers: value integer
conclusion all_sold: value bool
conclusion biggest: value integer
conclusion factor: value decimal
rule totals {
  cite article 1
  when any(a.kind = sell for a in acts)
  then sold = sum(a.items for a in acts where a.kind = sell),
       sellers = count(a for a in acts where a.kind = sell),
       all_sold = all(a.kind = sell for a in acts),
       biggest = max(a.items for a in acts),
       factor = if in_duty then 1/2 else 1
}
"""


def test_aggregates_and_if():
    book = load(AGG)
    acts = [{"kind": "sell", "items": 3}, {"kind": "obtain", "items": 9}]
    decision, _ = run(book, {"acts": acts, "in_duty": True})
    c = decision.conclusions
    assert (c["sold"], c["sellers"], c["all_sold"], c["biggest"]) == (3, 1, False, 9)
    assert c["factor"] == Fraction(1, 2)
    decision, _ = run(book, {"acts": acts[:1]})
    assert decision.conclusions["all_sold"] is True and decision.conclusions["factor"] == 1
    decision, _ = run(book, {"acts": []})
    assert isinstance(decision.conclusions["sold"], Unset)


def test_max_of_empty_list_is_an_error():
    book = load(
        "record act { items: count }\ninput acts: list of act\nconclusion m: value integer\n"
        "rule r {\n  cite article 1\n  when true\n  then m = max(a.items for a in acts)\n}\n"
    )
    for path in (book.decide, book.explain):
        with pytest.raises(EvaluationError, match="max of an empty list"):
            path({"acts": []}, DAY)


# ------------------------------------------------------------------ errors
def test_division_by_zero_points_at_the_division():
    book = load(
        "input n: integer = 1\nconclusion q: value decimal\n"
        "rule r {\n  cite article 1\n  when n != 2\n  then q = 10 / n\n}\n"
    )
    for path in (book.decide, book.explain):
        with pytest.raises(EvaluationError) as info:
            path({"n": 0}, DAY)
        err = info.value
        assert err.message == "division by zero"
        assert (err.span.line, err.span.column, err.span.end_column) == (6, 12, 18)
        assert str(err).startswith("case.rules:6:12: ")
    assert run(book, {"n": 4})[0].conclusions["q"] == Fraction(5, 2)


# ------------------------------------------------------------------ the trace
BENCH = """\
document demo {
  effective: 2017-06-01
}
input sensitive_items: count = 0
input important_items: count = 0
input illegal_gain: money(CNY) = 0 yuan
input in_duty: bool = false
scale seriousness { none serious especially_serious }
conclusion level: highest seriousness
define factor: decimal = if in_duty then 1/2 else 1
define meets(k: decimal): bool =
     sensitive_items >= 50 * k * factor
  or important_items >= 500 * k * factor
  or illegal_gain >= 5000 yuan * k * factor
rule serious {
  cite article 5 paragraph 1 item 3
  when meets(1)
  then level = serious
}
rule especially {
  cite article 5 paragraph 2 item 3
  when meets(10)
  then level = especially_serious
}
"""


@pytest.fixture(scope="module")
def bench():
    return load(BENCH, "bench.rules")


def test_evidence_shows_the_values_that_made_a_rule_true(bench):
    _, trace = run(bench, {"important_items": 600, "in_duty": False})
    rule = trace.rule("serious")
    assert rule.status == "applied"
    (atom,) = [a for a in rule.evidence if a.result]
    assert atom.text == "important_items >= 500 * k * factor"
    assert (atom.left, atom.right, atom.left_input) == (600, 500, "important_items")
    assert atom.via == "meets(k = 1)"
    assert rule.conclusions == [("level", "serious", None)]
    (js,) = [e for e in trace.to_json()["rules"][0]["evidence"] if e["result"]]
    assert js["left"] == {"expr": "important_items", "value": 600, "input": "important_items"}
    assert js["right"] == {"expr": "500 * k * factor", "value": 500}
    assert js["within"] == "meets(k = 1)"


def test_evidence_reflects_the_halved_threshold(bench):
    _, trace = run(bench, {"sensitive_items": 25, "in_duty": True})
    (atom,) = [a for a in trace.rule("serious").evidence if a.result]
    assert (atom.left, atom.right) == (25, 25)


def test_nearest_miss_names_the_test_and_the_shortfall():
    book = load(
        "input important_items: count = 0\nscale s { none serious }\n"
        "conclusion level: highest s\n"
        "rule serious {\n  cite article 5\n  when important_items >= 500\n"
        "  then level = serious\n}\n"
    )
    decision, trace = run(book, {"important_items": 60})
    assert decision.conclusions["level"] == "none"
    (miss,) = trace.misses
    assert (miss.conclusion, miss.level, miss.rule) == ("level", "serious", "serious")
    assert (miss.atom.left, miss.atom.right, miss.atom.shortfall()) == (60, 500, 440)
    (js,) = trace.to_json()["nearest_miss"]
    assert js["rule"] == "serious" and js["level"] == "serious"
    assert js["test"]["test"] == "important_items >= 500"
    assert js["test"]["left"]["value"] == 60 and js["test"]["right"]["value"] == 500
    assert js["test"]["short_by"] == 440


def test_nearest_miss_aims_at_the_next_level(bench):
    _, trace = run(bench, {"important_items": 60, "sensitive_items": 10})
    (miss,) = trace.misses
    assert miss.level == "serious"
    assert miss.atom.shortfall() in (40, 440)  # a single-fact test of the next level
    assert miss.atom.left_input in ("sensitive_items", "important_items")


def test_no_nearest_miss_at_the_top(bench):
    _, trace = run(bench, {"important_items": 5000})
    assert trace.misses == []
    assert trace.to_json()["nearest_miss"] == []


def test_trace_json_is_deterministic_and_versioned(bench):
    facts = {"important_items": 600, "illegal_gain": "12.5 CNY"}
    one = bench.explain(facts, DAY).to_json()
    two = bench.explain(dict(reversed(list(facts.items()))), DAY).to_json()
    a = json.dumps(one, sort_keys=True, ensure_ascii=False)
    b = json.dumps(two, sort_keys=True, ensure_ascii=False)
    assert a == b
    assert one["format"] == "ruleengine-trace" and one["version"] == 1
    assert one["as_of"] == "2018-01-01" and one["in_force"] is True
    assert one["facts"]["illegal_gain"] == "12.5"
    assert one["outcome"] == {"level": "serious"}
    assert one["definitions"] == {"factor": 1}
    assert [r["name"] for r in one["rules"]] == ["serious", "especially"]
    assert one["rules"][0]["citation"] is not None


def test_decision_is_a_plain_value(bench):
    d1 = bench.decide({"important_items": 600}, DAY)
    assert isinstance(d1, Decision)
    assert d1 == bench.decide({"important_items": 600}, DAY)
    assert d1.as_of == DAY and d1.conflicts == ()


def test_a_bare_bool_input_condition_is_traced_with_its_input():
    book = load(
        "input flag: bool = false\nconclusion c: value bool = false\n"
        "rule r { cite article 1 when flag then c = true }\n"
    )
    trace = book.explain({"flag": True}, datetime.date(2020, 1, 1)).to_json()
    evidence = trace["rules"][0]["evidence"]
    assert evidence == [
        {
            "test": "flag",
            "result": True,
            "line": 3,
            "file": evidence[0]["file"],
            "value": True,
            "input": "flag",
        }
    ]


def test_a_multi_file_rulebook_traces_each_test_to_its_own_file(tmp_path):
    shared = "input n: count = 0\nscale s { no yes }\nconclusion c: highest s\n"
    (tmp_path / "a.rules").write_text(
        shared + "rule r1 { cite article 1 when n >= 1 then c = yes }\n"
    )
    (tmp_path / "b.rules").write_text("\n\n\nrule r2 { cite article 1 when n >= 1 then c = yes }\n")
    book = ruleengine.load_paths([tmp_path])
    trace = book.explain({"n": 2}, datetime.date(2020, 1, 1)).to_json()
    files = {r["name"]: r["evidence"][0]["file"] for r in trace["rules"]}
    assert files["r1"].endswith("a.rules") and files["r2"].endswith("b.rules")


def test_a_list_with_a_decimal_is_a_list_of_decimals():
    book = load(
        "conclusion c: value decimal\nrule r { cite article 1 then c = sum(v for v in [1, 0.5]) }\n"
    )
    assert book.decide({}, datetime.date(2020, 1, 1)).conclusions["c"] == Fraction(3, 2)


def test_a_range_of_months_and_days_is_an_evaluation_error_not_a_crash():
    book = load(
        "conclusion term: range of duration\n"
        "rule r { cite article 1 then term = 6 months .. 10 days }\n"
    )
    with pytest.raises(EvaluationError, match="months and days"):
        book.decide({}, datetime.date(2020, 1, 1))


def test_a_form_feed_in_a_comment_does_not_shift_quoted_tests():
    book = load(
        "# a comment with a form feed \f here\n"
        "input n: count = 0\nconclusion c: value bool = false\n"
        "rule r { cite article 1 when n >= 3 then c = true }\n"
    )
    trace = book.explain({"n": 1}, datetime.date(2020, 1, 1)).to_json()
    assert trace["rules"][0]["evidence"][0]["test"] == "n >= 3"


def test_definitions_inlined_into_one_another_stay_within_pythons_nesting():
    """Each body 40 calls of max() deep, each called with a constant: inlining them all into
    one expression would nest 120 deep (CPython refuses past about 200 brackets)."""

    def nest(n: int, inner: str) -> str:
        for _ in range(n):
            inner = f"max({inner}, 1)"
        return inner

    text = (
        "input n: count = 0\n"
        f"define a(k: integer): integer = {nest(40, 'k + n')}\n"
        f"define b(k: integer): integer = {nest(40, 'a(k) + 1')}\n"
        f"define c(k: integer): integer = {nest(40, 'b(k) + 1')}\n"
        "conclusion x: value integer = 0\nrule r { cite article 1 then x = c(3) }\n"
    )
    book = ruleengine.load_text(text)
    day = datetime.date(2020, 1, 1)
    assert book.decide({"n": 1}, day).conclusions["x"] == 6
    assert book.explain({"n": 1}, day).decision.conclusions["x"] == 6


def test_a_parameter_reference_is_shown_in_the_language_of_the_explanation():
    """A reference written in both languages (docs/language.md) is shown in the
    explanation's language: a Chinese explanation cited the 2017 interpretation's thresholds
    as "Art. 6(1)(1)". The trace keeps ``reference`` (English) and adds both (minor 3)."""
    from ruleengine.render import text

    book = load(
        TIME.replace(
            '{ reference: "test" ',
            '{ reference: zh "第一条：五十条以上" en "Art. 1: 50 items or more" ',
        ),
        "time.rules",
    )
    trace = book.explain({"items": 60, "offence_date": "2018-01-01"}, datetime.date(2018, 1, 1))
    zh, en = text.render(trace, lang="zh"), text.render(trace, lang="en")
    assert "· 第一条：五十条以上" in zh and "Art. 1" not in zh
    assert "· Art. 1: 50 items or more" in en
    [param] = trace.to_json()["parameters"]
    assert param["reference"] == "Art. 1: 50 items or more"
    assert param["reference_text"] == {"zh": "第一条：五十条以上", "en": "Art. 1: 50 items or more"}
    # Written once, it is that text in both, and in the trace.
    once = load(TIME, "time.rules").explain(
        {"items": 60, "offence_date": "2018-01-01"}, datetime.date(2018, 1, 1)
    )
    [param] = once.to_json()["parameters"]
    assert (param["reference"], param["reference_text"]) == ("test", {"text": "test"})
