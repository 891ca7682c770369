"""The pi2017 jurisdiction end to end: through the plugin manager, as an installed user gets it.

The rule-language tests beside the rules, the worked examples in examples/pi2017, agreement of
the fast path with the explain path, and Art. 11 counting (which runs in the input adapter).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

import ruleengine
import ruleengine.plugins
from ruleengine.facts import loads_json
from ruleengine.runtime import Unset
from ruleengine.testing import run_tests

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "pi2017").glob("*.json"))


@pytest.fixture(scope="module")
def pm():
    return ruleengine.get_plugin_manager()


@pytest.fixture(scope="module")
def book(pm):
    sources = ruleengine.plugins.rule_sources(pm)
    assert "pi2017" in sources, [e.message for e in pm.plugin_errors]
    _, source = sources["pi2017"]
    return ruleengine.load_paths(list(source.paths), name="pi2017", pm=pm)


@pytest.fixture(scope="module")
def adapt(pm):
    return ruleengine.plugins.adapter_chain(pm, "pi2017")


def test_plugin_loads_without_errors(pm, book):
    assert not [e for e in pm.plugin_errors if e.plugin == "pi2017"]
    assert book.rulebook.warnings == []
    assert {"interpretation", "criminal_law_253_1"} <= {
        Path(r.span.file).stem for r in book.rulebook.rules.values()
    }


def test_every_rule_cites_and_quotes_its_provision(book):
    for rule in book.rulebook.rules.values():
        assert rule.citation.parts, rule.name
        assert rule.text is not None and rule.title is not None, rule.name
        assert rule.text.to_json().get("zh") and rule.text.to_json().get("en"), rule.name


def test_rule_language_tests_pass(book, adapt):
    results = run_tests(book, adapt=adapt)
    assert len(results) > 100
    failed = [r.render() for r in results if not r.passed]
    assert not failed, "\n".join(failed)


# ------------------------------------------------------------------ worked examples
def _exact(value):
    """Money and numbers compared exactly: "2000", 2000 and Fraction(2000) are equal."""
    if isinstance(value, (list, tuple)):
        return tuple(_exact(v) for v in value)
    if isinstance(value, str):
        text = value.removesuffix(" CNY")
        try:
            return Fraction(Decimal(text))
        except ArithmeticError:
            return value
    if isinstance(value, (int, Fraction, Decimal)) and not isinstance(value, bool):
        return Fraction(value)
    return value


def _run_example(path: Path, book, adapt):
    case = loads_json(path.read_text(encoding="utf-8"))
    facts, notes = adapt(case["facts"])
    day = datetime.date.fromisoformat(case["as_of"])
    trace = book.explain(facts, day)
    trace.notes = notes
    return case, facts, trace


def _comparable(conclusions: dict) -> dict:
    """Undecided conclusions (``Unset``) have no equality of their own; compare their reason."""
    return {k: ("unset", v.why) if isinstance(v, Unset) else v for k, v in conclusions.items()}


RULE_STATUS = {
    "fired": "applied",
    "not_fired": "not_met",
    "set_aside": "set_aside",
    "not_in_force": "not_in_force",
}


def test_there_are_worked_examples():
    names = {p.stem for p in EXAMPLES}
    assert len(names) >= 8
    assert "proportional_combination" in names


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_reaches_its_expected_outcome(path, book, adapt):
    case, facts, trace = _run_example(path, book, adapt)
    assert case["description"]
    decision = trace.decision
    assert not decision.conflicts
    for key, want in case["expect"].items():
        if key == "counts":
            for field, n in want.items():
                assert _exact(facts[field]) == _exact(n), (field, facts[field])
        elif key in RULE_STATUS:
            for rule in want:
                assert trace.rule(rule).status == RULE_STATUS[key], (rule, key)
        else:
            got = decision.conclusions[key]
            assert _exact(got) == _exact(want), (key, got, want)
    data = trace.to_json()
    assert data["outcome"]["level"] == case["expect"]["level"]
    if "acts" in case["facts"]:
        assert data["derivations"], "the trace shows how the counts were reached"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_fast_path_agrees_with_explain_path(path, book, adapt):
    case, facts, trace = _run_example(path, book, adapt)
    fast = book.decide(facts, datetime.date.fromisoformat(case["as_of"]))
    assert _comparable(fast.conclusions) == _comparable(trace.decision.conclusions)
    assert fast.in_force == trace.decision.in_force
    assert fast.conflicts == trace.decision.conflicts


def test_fast_path_agrees_on_the_rule_language_tests(book, adapt):
    for test in book.rulebook.tests:
        facts, _ = adapt(dict(test.given))
        day = test.as_of
        fast = book.decide(facts, day).conclusions
        assert _comparable(fast) == _comparable(book.explain(facts, day).decision.conclusions)


# ------------------------------------------------------------------ Art. 11 counting
def _count(adapt, acts, **facts):
    out, notes = adapt({**facts, "acts": acts})
    return out, notes


def test_record_without_acts_passes_unchanged(adapt):
    record = {"tracking_items": 3}
    assert adapt(record) == (record, [])


def test_art11_1_obtained_then_sold_is_not_counted_twice(adapt):
    facts, notes = _count(
        adapt,
        [
            {"kind": "obtain", "category": "credit", "items": 40, "batch": "b"},
            {"kind": "sell", "category": "credit", "items": 40, "batch": "b", "recipient": "X"},
        ],
    )
    assert facts == {"credit_items": 40}
    assert notes[0]["fact"] == "credit_items" and notes[0]["value"] == 40
    assert any("para. 1" in h for h in notes[0]["batches"][0]["how"])


def test_art11_1_obtaining_more_than_was_sold_counts_what_was_obtained(adapt):
    facts, _ = _count(
        adapt,
        [
            {"kind": "obtain", "category": "credit", "items": 60, "batch": "b"},
            {"kind": "sell", "category": "credit", "items": 20, "batch": "b", "recipient": "X"},
        ],
    )
    assert facts == {"credit_items": 60}


def test_art11_2_same_information_to_different_recipients_counts_for_each(adapt):
    acts = [
        {"kind": "obtain", "category": "tracking", "items": 20, "batch": "b"},
        {"kind": "sell", "category": "tracking", "items": 20, "batch": "b", "recipient": "X"},
        {"kind": "provide", "category": "tracking", "items": 20, "batch": "b", "recipient": "Y"},
        {"kind": "sell", "category": "tracking", "items": 20, "batch": "b", "recipient": "Z"},
    ]
    facts, notes = _count(adapt, acts)
    assert facts == {"tracking_items": 60}
    assert notes[0]["batches"][0]["passed_on_to"] == {"X": 20, "Y": 20, "Z": 20}


def test_art11_2_same_information_to_the_same_recipient_twice_counts_once(adapt):
    acts = [
        {"kind": "sell", "category": "tracking", "items": 20, "batch": "b", "recipient": "X"},
        {"kind": "sell", "category": "tracking", "items": 20, "batch": "b", "recipient": "X"},
    ]
    assert _count(adapt, acts)[0] == {"tracking_items": 20}


def test_acts_without_a_batch_are_separate_information(adapt):
    acts = [
        {"kind": "obtain", "category": "property", "items": 30},
        {"kind": "sell", "category": "property", "items": 30, "recipient": "X"},
    ]
    assert _count(adapt, acts)[0] == {"property_items": 60}


def test_art11_3_seized_batch_counts_as_found_less_proven_false_or_duplicate(adapt):
    acts = [
        {
            "kind": "seize",
            "category": "other_personal",
            "items": 5200,
            "proven_false": 150,
            "proven_duplicate": 51,
            "batch": "disk",
        }
    ]
    facts, notes = _count(adapt, acts)
    assert facts == {"other_personal_items": 4999}
    seized = notes[0]["batches"][0]["seized"]
    assert seized == {"found": 5200, "proven_false": 150, "proven_duplicate": 51, "counted": 4999}


def test_counting_decides_the_level(adapt, book):
    """4,999 after deductions is one below item 5's standard; the unreduced 5,200 is above."""
    day = datetime.date(2018, 1, 1)
    seized = {"kind": "seize", "category": "other_personal", "items": 5200, "batch": "disk"}
    facts, _ = adapt({"acts": [dict(seized, proven_false=150, proven_duplicate=51)]})
    assert book.decide(facts, day).conclusions["level"] == "none"
    facts, _ = adapt({"acts": [seized]})
    assert book.decide(facts, day).conclusions["level"] == "serious"


def test_gains_of_acts_are_summed_exactly(adapt):
    acts = [
        {"kind": "sell", "category": "credit", "items": 1, "recipient": "X", "gain": "0.10"},
        {"kind": "sell", "category": "credit", "items": 1, "recipient": "Y", "gain": "0.20"},
    ]
    facts, _ = _count(adapt, acts)
    assert _exact(facts["illegal_gain"]) == Fraction(3, 10)


def test_other_facts_pass_through_with_the_counts(adapt):
    facts, _ = _count(
        adapt,
        [{"kind": "sell", "category": "health_physiological", "items": 7, "recipient": "X"}],
        obtained_in_duty=True,
    )
    assert facts == {"obtained_in_duty": True, "health_physiological_items": 7}


@pytest.mark.parametrize(
    "acts,path",
    [
        ("not a list", "acts"),
        ([{"kind": "steal", "category": "credit", "items": 1}], "acts[0].kind"),
        ([{"kind": "sell", "category": "bank", "items": 1}], "acts[0].category"),
        ([{"kind": "sell", "category": "credit", "items": -1}], "acts[0].items"),
        ([{"kind": "sell", "category": "credit", "items": 1.5}], "acts[0].items"),
        ([{"kind": "sell", "category": "credit", "items": True}], "acts[0].items"),
        ([{"kind": "sell", "category": "credit"}], "acts[0].items"),
        ([{"kind": "sell", "category": "credit", "items": 1, "gain": 0.1}], "acts[0].gain"),
        ([{"kind": "sell", "category": "credit", "items": 1, "size": 1}], "acts[0].size"),
        (
            [{"kind": "sell", "category": "credit", "items": 1, "proven_false": 1}],
            "acts[0].proven_false",
        ),
        ([{"kind": "seize", "category": "credit", "items": 1, "proven_false": 2}], "acts[0]"),
    ],
)
def test_malformed_acts_are_reported_by_path(adapt, acts, path):
    with pytest.raises(ruleengine.FactsError) as caught:
        adapt({"acts": acts})
    assert path in [p.path for p in caught.value.problems]


def test_a_category_given_both_as_total_and_as_acts_is_refused(adapt):
    with pytest.raises(ruleengine.FactsError) as caught:
        adapt({"credit_items": 5, "acts": [{"kind": "sell", "category": "credit", "items": 1}]})
    assert [p.path for p in caught.value.problems] == ["credit_items"]
