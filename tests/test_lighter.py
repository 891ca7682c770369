"""The law in time (``lighter`` blocks): the version a case is judged under, on every path.

Each reason a version is chosen for is pinned on the generated paths, against the reference
interpreter and in the what-if analysis; the checker's diagnostics for a block are pinned
with golden files (tests/golden/lighter_*.txt).
"""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest
import reference_interpreter
from conftest import check_golden, diagnostics, first, load

from ruleengine import EvaluationError
from ruleengine.analysis.symbolic import Path as SymbolicPath
from ruleengine.analysis.symbolic import evaluate as symbolic_evaluate
from ruleengine.lighter_eval import judged_on, version_on
from ruleengine.render.text import render

BOOK = """\
enum edition zh "条例版本" en "edition" {
  e2015: zh "2015年条例" en "2015 text"
  e2018: zh "2018年条例" en "2018 text"
  e2023: zh "2023年条例" en "2023 text"
}
parameter edition_in_force: edition {
  2016-01-01: e2015
  2018-10-01: e2018
  2024-01-01: e2023
}
scale grade { none warning serious_warning removal probation expulsion }
input acted_on: date
input poverty_field: bool = false
input amount: count = 0
conclusion most: highest grade en "most severe"
conclusion least: highest grade en "least"
conclusion ratio: value decimal
conclusion seen: value edition
conclusion at_act: value edition
conclusion band: highest grade

rule r15 { cite article 105  from 2016-01-01  until 2018-10-01  when amount > 0
           then least = removal, most = probation, ratio = 1/2 }
rule r18 { cite article 112  from 2018-10-01  until 2024-01-01  when amount > 0
           then least = removal, most = if poverty_field then expulsion else probation }
rule r18_ratio { cite article 112  from 2018-10-01  until 2024-01-01  then ratio = 1/3 }
rule r23 { cite article 122  from 2024-01-01  when amount > 0
           then least = removal, most = probation }
rule r23_ratio { cite article 122  from 2024-01-01  when amount > 5 then ratio = 1 }
rule r23_ratio_conflict { cite article 123  from 2024-01-01  when amount > 9 then ratio = 2 }

lighter in_time zh "从旧兼从轻" en "old or lighter" {
  versions: edition_in_force
  act_date: acted_on
  compare: most, least
  decides: ratio
}

rule which { cite article 158  then seen = in_time.applied }
rule reads_at_act { cite article 160  when amount > 100 then at_act = in_time.at_act }
rule reads_band { cite article 159  when most >= probation then band = most }
"""


@pytest.fixture(scope="module")
def book():
    return load(BOOK, "lighter.rules")


def run(book, acted_on: str, day: str, **facts):
    """The decision on the fast path, checked against the explain path and the reference
    interpreter (decision and trace)."""
    facts = {"acted_on": acted_on, **facts}
    as_of = datetime.date.fromisoformat(day)
    fast = book.decide(facts, as_of)
    trace = book.explain(facts, as_of)
    ref = reference_interpreter.explain(
        book.rulebook, book.epoch(as_of), book.validate(facts), as_of
    )
    assert fast.conclusions == trace.decision.conclusions == ref.decision.conclusions
    assert fast.conflicts == trace.decision.conflicts == ref.decision.conflicts
    assert trace.to_json() == ref.to_json()
    return fast, trace


def test_one_version_throughout(book):
    d, trace = run(book, "2019-05-01", "2019-06-01", amount=1, poverty_field=True)
    assert d.value("most") == "expulsion" and d.value("seen") == "e2018"
    (choice,) = trace.choices
    assert (choice.reason, choice.at_act_values, choice.act_judged_on) == (
        "same_version",
        None,
        None,
    )


def test_later_version_lighter_applies(book):
    d, trace = run(book, "2023-06-01", "2024-03-01", amount=1, poverty_field=True)
    assert (d.value("most"), d.value("least"), d.value("seen")) == ("probation", "removal", "e2023")
    (choice,) = trace.choices
    assert choice.reason == "later_lighter"
    assert choice.at_act_values == ("expulsion", "removal", Fraction(1, 3))
    assert choice.act_judged_on == datetime.date(2023, 12, 31)
    assert choice.at_act_rules == (("r18",), ("r18",), ("r18_ratio",))


def test_not_lighter_act_version_applies_with_all_its_conclusions(book):
    """Equal on every compared conclusion: the act-date version applies, and the other
    conclusions it decides (ratio) come with it; rules read the applied values."""
    d, trace = run(book, "2017-06-01", "2024-03-01", amount=7)
    assert d.value("ratio") == Fraction(1, 2)  # 2015's, not 2023's 1
    assert d.value("seen") == "e2015"
    assert d.value("band") == "probation"  # reads the applied 'most'
    (choice,) = trace.choices
    assert choice.reason == "act_version"
    assert choice.act_judged_on == datetime.date(2018, 9, 30)


def test_act_version_conflicts_replace_the_later_ones(book):
    d, _ = run(book, "2017-06-01", "2024-03-01", amount=10)
    assert d.conflicts == ()  # 2023's conflict on ratio is not the applied version's
    d, _ = run(book, "2024-02-01", "2024-03-01", amount=10)
    assert [c.conclusion for c in d.conflicts] == ["ratio"]


def test_not_compared_when_an_outcome_is_undecided(book):
    """A value conclusion with no rule and no default cannot be compared: the as-of version
    stands. (Compare on 'ratio' by a second block would need a default; here the act-date
    version decides 'most' only when amount > 0.)"""
    text = BOOK.replace("compare: most, least", "compare: ratio").replace(
        "decides: ratio", "decides: most"
    )
    other = load(text, "lighter2.rules")
    d, trace = run(other, "2020-06-01", "2024-03-01", amount=1)  # 2018: ratio 1/3; 2023: unset
    assert trace.choices[0].reason == "not_compared"
    assert d.value("seen") == "e2023"


GAP = """\
enum edition { old  new }
parameter edition_in_force: edition { 2000-01-01: old  2010-01-01: new }
scale penalty { none light heavy }
input acted_on: date
input amount: count = 0
conclusion top: highest penalty
rule old_law { cite article 1  until 2010-01-01  when amount >= 10 then top = heavy }
rule new_law { cite article 1  from 2012-01-01  when amount >= 20 then top = light }
lighter in_time { versions: edition_in_force  act_date: acted_on  compare: top }
"""


def test_a_version_with_no_rule_in_force_is_not_decided():
    """Between 2010 and 2012 no rule of the new version is in force: its outcome is not
    decided, so the versions are not compared; unless the old version did not punish the act,
    which nothing undercuts (CL Art. 12's first clause)."""
    gap = load(GAP, "gap.rules")
    d, trace = run(gap, "2005-01-01", "2011-01-01", amount=15)
    assert trace.choices[0].reason == "not_compared"
    assert trace.choices[0].undecided_at_decision == ("top",)
    assert d.value("top") == "none"  # the outcome on the as-of date stands
    d, trace = run(gap, "2005-01-01", "2011-01-01", amount=5)
    assert (trace.choices[0].reason, d.value("top")) == ("act_version", "none")
    d, trace = run(gap, "2005-01-01", "2013-01-01", amount=15)
    assert (trace.choices[0].reason, d.value("top")) == ("later_lighter", "none")
    assert trace.to_json()["lighter_law"][0]["at_decision_outcome"] == [
        {"conclusion": "top", "value": "none"}
    ]


def test_lighter_conclusions_are_accounted_for_by_the_block_not_not_decided():
    """A conclusion of a lighter block that no rule in force decides is not listed in
    ``not_decided`` (trace and ``eval -f json``): ``lighter_law`` says which version decided it,
    or that none did."""
    gap = load(GAP, "gap.rules")
    _, trace = run(gap, "2005-01-01", "2011-01-01", amount=15)
    shown = trace.to_json()
    assert shown["not_decided"] == []
    (block,) = shown["lighter_law"]
    assert block["at_decision_outcome"] == [
        {"conclusion": "top", "value": "none", "decided": False}
    ]
    assert block["reason"] == "not_compared"


def test_no_version_on_the_act_date(book):
    d, trace = run(book, "2015-06-01", "2016-06-01", amount=1)
    assert trace.choices[0].reason == "no_act_version"
    assert d.value("seen") == "e2015"
    with pytest.raises(EvaluationError) as err:
        book.decide({"acted_on": "2015-06-01", "amount": 101}, datetime.date(2016, 6, 1))
    assert err.value.message == (  # the period and the first version encoded, named
        "'in_time.at_act' cannot be read: the act date 2015-06-01 is before 2016-01-01, the "
        "first day for which the rule text gives a version of edition_in_force (from "
        "2016-01-01: 2015 text); the texts in force before 2016-01-01 are not encoded in this "
        "rulebook, and its conclusions are decided together, so none is given for this case"
    )
    assert (err.value.span.line, err.value.span.column) == (40, 71)


@pytest.mark.parametrize("acted_on", ["2025-01-01", "2019-07-01"], ids=["later", "same_period"])
def test_an_act_after_the_as_of_date_is_a_case_judged_before_its_acts(book, acted_on):
    """QA finding (ccdi's kickbacks judged as of 2015-10-31): an act date after the as-of date
    was reported as judged under the as-of version, 'the same version on both dates', with that
    version named as the act's. It is a case judged before its acts: no version is compared,
    the rules in force on the as-of date give the outcome (a rule text says there that it is
    not decided), and the version truly in force on the act date is the act's."""
    d, trace = run(book, acted_on, "2019-06-01", amount=101)
    (choice,) = trace.choices
    act_version = "e2023" if acted_on == "2025-01-01" else "e2018"
    assert (choice.reason, choice.at_act, choice.at_decision, choice.applied) == (
        "judged_before_acts",
        act_version,
        "e2018",
        "e2018",
    )
    assert (choice.at_act_values, choice.act_judged_on) == (None, None)
    assert (d.value("most"), d.value("seen"), d.value("at_act")) == (
        "probation",
        "e2018",
        act_version,
    )
    en, zh = render(trace, "en"), render(trace, "zh")
    assert "is after the as-of date (2019-06-01)" in en and "cannot be judged before" in en
    assert "不能在行为以前处理" in zh
    assert "the same version was in force on both dates" not in en


def test_version_periods():
    param = load(BOOK, "x.rules").rulebook.parameters["edition_in_force"]
    d = datetime.date
    assert version_on(param, d(2015, 12, 31)) == (None, None)
    assert version_on(param, d(2016, 1, 1)) == ("e2015", d(2018, 10, 1))
    assert version_on(param, d(2018, 9, 30)) == ("e2015", d(2018, 10, 1))
    assert version_on(param, d(2024, 1, 1)) == ("e2023", None)
    assert judged_on(d(2018, 10, 1), d(2024, 3, 1)) == d(2018, 9, 30)
    assert judged_on(d(2018, 10, 1), d(2018, 5, 1)) == d(2018, 5, 1)
    assert judged_on(None, d(2024, 3, 1)) == d(2024, 3, 1)


def test_whatif_evaluator_follows_the_choice(book):
    """The what-if analysis's symbolic evaluator takes the same versions' outcomes."""
    for acted, poverty in (("2023-06-01", True), ("2017-06-01", False), ("2024-02-01", True)):
        facts = book.validate({"acted_on": acted, "amount": 3, "poverty_field": poverty})
        day = datetime.date(2024, 3, 1)
        outcome = symbolic_evaluate(book, facts, SymbolicPath(()), day)
        assert dict(outcome.conclusions) == book.decide(facts, day).conclusions


def test_explanation_shows_both_versions(book):
    _, trace = run(book, "2023-06-01", "2024-03-01", amount=1, poverty_field=True)
    check_golden("lighter_explanation_en", render(trace, "en"))
    check_golden("lighter_explanation_zh", render(trace, "zh"))
    _, trace = run(book, "2017-06-01", "2024-03-01", amount=1)
    text = render(trace, "en")
    assert "not applied: the version in force on the act date applies" in text


# ------------------------------------------------------------------ the checker
HEAD = """\
enum edition { a b }
parameter edition_in_force: edition { 2020-01-01: a  2021-01-01: b }
scale grade { low high }
input acted_on: date
conclusion level: highest grade
conclusion other: highest grade
rule r { cite article 1  then level = high }
"""

CASES = [
    (
        "lighter_unknown_key",
        "lighter l { versions: edition_in_force  act_date: acted_on  "
        "compare: level  decide: other }",
        "E209",
        "unknown key 'decide'",
    ),
    (
        "lighter_key_twice",
        "lighter l { versions: edition_in_force  act_date: acted_on  "
        "compare: level  compare: other }",
        "E205",
        "key 'compare' is given twice",
    ),
    (
        "lighter_missing_key",
        "lighter l { versions: edition_in_force  compare: level }",
        "E215",
        "lacks 'act_date'",
    ),
    (
        "lighter_act_date_not_a_date",
        "lighter l { versions: edition_in_force  act_date: level  compare: level }",
        "E201",
        "'act_date' must be a date",
    ),
    (
        "lighter_unknown_conclusion",
        "lighter l { versions: edition_in_force  act_date: acted_on  compare: levl }",
        "E200",
        "unknown conclusion 'levl'",
    ),
    (
        "lighter_unknown_attribute",
        "lighter l { versions: edition_in_force  act_date: acted_on  "
        "compare: level }\nconclusion v: value edition\nrule w { cite article 2  "
        "then v = l.apply }",
        "E200",
        "has no 'apply'",
    ),
    (
        "lighter_decided_twice",
        "lighter l { versions: edition_in_force  act_date: acted_on  "
        "compare: level }\nlighter m { versions: edition_in_force  act_date: acted_on  "
        "compare: level }",
        "E215",
        "decided by lighter block 'l' too",
    ),
    (
        "lighter_reads_its_own_choice",
        "lighter l { versions: edition_in_force  act_date: acted_on"
        "  compare: other }\nrule w { cite article 2  when l.applied = a then other = high }",
        "E207",
        "cycle",
    ),
    (
        "lighter_act_date_reads_its_conclusion",
        "conclusion when_: value date\n"
        "rule d { cite article 3  then when_ = 2020-06-01 }\n"
        "lighter l { versions: edition_in_force  act_date: when_  compare: level  decides: when_ }",
        "E207",
        "reads 'when_'",
    ),
]


@pytest.mark.parametrize("name, text, code, words", CASES, ids=[c[0] for c in CASES])
def test_checker_diagnostics(name, text, code, words):
    d = first(diagnostics(HEAD + text, f"{name}.rules"), code)
    assert words in d.message
    check_golden(name, d.render())


def test_version_in_force_over_two_periods_is_refused():
    text = HEAD.replace("2021-01-01: b", "2021-01-01: b  2022-01-01: a")
    d = first(
        diagnostics(
            text + "lighter l { versions: edition_in_force  act_date: acted_on  compare: level }"
        ),
        "E215",
    )
    assert "over two periods" in d.message


def test_not_compared_says_which_version_does_not_decide():
    """Review 2, finding 6: 'not decided under both versions' read as 'under neither' when the
    act-date version did decide; the explanation names the version that does not."""
    gap = load(GAP, "gap.rules")
    _, trace = run(gap, "2005-01-01", "2011-01-01", amount=15)
    en, zh = render(trace, "en"), render(trace, "zh")
    assert "not decided under both" not in en and "并非两个版本" not in zh
    assert "not decided under the version in force on the as-of date" in en
    assert "处理时施行的版本下未认定" in zh
