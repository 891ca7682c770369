"""What would change the outcome: every answer checked against brute force.

A breakpoint ``b`` means the outcome at ``b`` differs from the outcome one unit below, and no
change happens strictly between two consecutive breakpoints: both are checked by deciding the
case at every unit of a small range. Every change offered, applied to the case, gives exactly
the stated outcome. What unknown facts could still decide agrees with enumerating them.
"""

from __future__ import annotations

import datetime
import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ruleengine
from ruleengine.analysis.regions import put
from ruleengine.analysis.whatif import (
    RequestError,
    breakpoints,
    changes,
    parse_path,
    parse_vary,
    unknowns,
)
from ruleengine.facts import loads_json
from ruleengine.plugins import adapter_chain, get_plugin_manager, rule_sources

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "examples" / "quickstart"
DAY = datetime.date(2018, 3, 1)
SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def quick():
    return ruleengine.load_paths([QUICK / "article5.rules"])


@pytest.fixture(scope="module")
def pm():
    return get_plugin_manager()


def installed(pm, name):
    _, source = rule_sources(pm)[name]
    return ruleengine.load_paths(list(source.paths), name=name, pm=pm)


@pytest.fixture(scope="module")
def pi2017(pm):
    return installed(pm, "pi2017")


@pytest.fixture(scope="module")
def ccdi(pm):
    return installed(pm, "ccdi")


def outcome(book, facts, day):
    try:
        return tuple(book.decide(facts, day).conclusions.items())
    except ruleengine.EvaluationError as err:
        return ("error", err.message)


def assert_breakpoints_match_brute_force(book, facts, day, field, low, high, scale=1):
    """Deciding the case at every unit of the range gives what the segment holding that unit
    says (a value that follows the fact linearly, evaluated there), and neighbouring segments
    differ; so a breakpoint is where the outcome changes, and nothing changes between two."""
    from ruleengine.analysis.regions import _at

    path = parse_path(field)
    found = breakpoints(book, facts, day, [parse_vary(book.rulebook, f"{field}={low}..{high}")])
    assert found.method == "exact" and found.complete, found.not_linear
    segments = found.segments
    assert [s.low for s in segments[1:]] == [bp.value for bp in found.breakpoints]
    for before, after in zip(segments, segments[1:]):
        assert (before.conclusions, before.error, before.applied) != (
            after.conclusions,
            after.error,
            after.applied,
        )
    bounds = [(Fraction(s.low) * scale, Fraction(s.high) * scale, s) for s in segments]
    for u in range(int(Fraction(low) * scale), int(Fraction(high) * scale) + 1):
        value = u if scale == 1 else Fraction(u, scale)
        [segment] = [s for lo, hi, s in bounds if lo <= u <= hi]
        decided = outcome(book, put(facts, path, value), day)
        if segment.error:
            assert decided[0] == "error", (u, decided)
            continue
        expected = {n: _at(v, (u,)) for n, v in segment.conclusions}
        assert dict(decided) == expected, (field, value)
    for bp, (left, right) in zip(found.breakpoints, zip(segments, segments[1:])):
        # Each names what changes there: every conclusion deciding shows changed, except one
        # that follows the fact by the same formula on both sides (it moves, it does not change).
        before = dict(outcome(book, put(facts, path, bp.below), day))
        after = dict(outcome(book, put(facts, path, bp.value), day))
        same = {n for n, v in right.conclusions if dict(left.conclusions).get(n) == v}
        moved = {(n, before[n], after[n]) for n in after if after[n] != before[n]}
        assert {m for m in moved if m[0] not in same} == set(bp.changes)


# ------------------------------------------------------------------ breakpoints
quick_facts = st.fixed_dictionaries(
    {
        "sensitive_items": st.integers(0, 600),
        "important_items": st.integers(0, 6000),
        "other_items": st.integers(0, 60000),
        "illegal_gain": st.integers(0, 6_000_000).map(lambda fen: Fraction(fen, 100)),
        "in_duty": st.booleans(),
    }
)


@SETTINGS
@given(facts=quick_facts, field=st.sampled_from(["sensitive_items", "important_items"]))
def test_breakpoints_along_a_count_are_exactly_where_the_outcome_changes(quick, facts, field):
    typed = quick.validate(facts)
    high = 600 if field == "sensitive_items" else 5200
    assert_breakpoints_match_brute_force(quick, typed, DAY, field, 0, high)


@SETTINGS
@given(
    facts=quick_facts,
    threshold=st.sampled_from([2500, 5000, 25000, 50000]),
)
def test_breakpoints_along_money_are_exact_to_the_fen(quick, facts, threshold):
    typed = quick.validate(facts)
    assert_breakpoints_match_brute_force(
        quick, typed, DAY, "illegal_gain", threshold - 3, threshold + 3, scale=100
    )


def test_quickstart_gain_has_its_two_breakpoints_and_none_between(quick):
    facts = quick.validate({"illegal_gain": "100"})
    found = breakpoints(quick, facts, DAY, [parse_vary(quick.rulebook, "illegal_gain=0..60000")])
    assert [bp.value for bp in found.breakpoints] == [5000, 50000]
    assert [bp.below for bp in found.breakpoints] == [Fraction(499999, 100), Fraction(4999999, 100)]
    assert [s.low for s in found.segments] == [0, 5000, 50000]
    assert found.breakpoints[0].starts == ("gain",)


def example_facts(pm, book, name):
    out = []
    for path in sorted((ROOT / "examples" / name).glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        record = loads_json(path.read_text("utf-8"))
        day = None
        if "facts" in record:
            day = record.get("as_of")
            record = record["facts"]
        if "officials" in record:
            continue
        facts, _ = adapter_chain(pm, name, derivations=False)(record)
        day = datetime.date.fromisoformat(day) if day else None
        out.append((path.stem, book.validate(facts), day))
    return out


def test_pi2017_breakpoints_match_brute_force_on_every_example(pm, pi2017):
    for _, facts, day in example_facts(pm, pi2017, "pi2017"):
        for field, high in (("credit_items", 600), ("transaction_items", 5200)):
            assert_breakpoints_match_brute_force(pi2017, facts, day, field, 0, high)
        for threshold in (2500, 5000, 25000, 50000):
            assert_breakpoints_match_brute_force(
                pi2017, facts, day, "illegal_gain", threshold - 2, threshold + 2, scale=100
            )


def test_ccdi_breakpoints_along_an_amount_match_brute_force(pm, ccdi):
    for _, facts, day in example_facts(pm, ccdi, "ccdi"):
        for threshold in (30000, 200000, 1000000, 3000000):
            assert_breakpoints_match_brute_force(
                ccdi, facts, day, "acts[0].amount", threshold - 2, threshold + 2, scale=100
            )


def test_two_facts_give_the_regions_of_the_plane_each_with_its_outcome(quick):
    facts = quick.validate({"sensitive_items": 10, "important_items": 10})
    found = breakpoints(
        quick,
        facts,
        DAY,
        [
            parse_vary(quick.rulebook, "sensitive_items=0..60"),
            parse_vary(quick.rulebook, "important_items=0..600"),
        ],
    )
    assert found.complete
    # Every point of the plane is in exactly one region, with the outcome deciding gives.
    for s, i in itertools.product(range(0, 61, 3), range(0, 601, 25)):
        point = put(put(facts, ("sensitive_items",), s), ("important_items",), i)
        inside = [r for r in found.regions if all(c.holds((s, i)) for c in r.constraints)]
        assert len(inside) == 1, (s, i)
        assert dict(inside[0].outcome.conclusions) == dict(outcome(quick, point, DAY))


def test_a_request_that_names_no_fact_is_refused_with_a_suggestion(quick):
    with pytest.raises(RequestError, match="did you mean 'illegal_gain'"):
        parse_vary(quick.rulebook, "ilegal_gain")
    with pytest.raises(RequestError, match="does not vary along a line"):
        parse_vary(quick.rulebook, "in_duty")
    with pytest.raises(RequestError, match="runs downward"):
        parse_vary(quick.rulebook, "illegal_gain=500..100")


# ------------------------------------------------------------------ changes up and down
def assert_changes_verified(book, facts, day):
    found = changes(book, facts, day)
    for change in found.changes:
        moved = facts
        for fact, old, new in change.facts:
            path = parse_path(fact)
            assert ruleengine.analysis.regions.get(facts, path) == old
            moved = put(moved, path, new)
        decided = book.decide(moved, day).conclusions[change.conclusion]
        if change.member is not None:
            assert (change.member in decided) is (change.direction == "adds")
        else:
            assert decided == change.after, change
    return found


@SETTINGS
@given(facts=quick_facts)
def test_every_change_offered_gives_the_stated_outcome(quick, facts):
    assert_changes_verified(quick, quick.validate(facts), DAY)


def test_the_issue_case_needs_both_facts_and_says_so():
    """``items >= 25 and in_duty`` with items 20 and in_duty false: 25 items alone changes
    nothing, so the change offered is both."""
    book = ruleengine.load_text(
        "input items: count = 0\ninput in_duty: bool = false\n"
        "scale s { none serious }\nconclusion level: highest s\n"
        "rule r { cite article 1 when items >= 25 and in_duty then level = serious }\n"
    )
    facts = book.validate({"items": 20, "in_duty": False})
    found = assert_changes_verified(book, facts, DAY)
    [up] = [c for c in found.changes if c.direction == "up"]
    assert sorted(up.facts) == [("in_duty", False, True), ("items", 20, 25)]


def test_changes_on_the_shipped_examples_are_verified(pm, pi2017, ccdi):
    for name, book in (("pi2017", pi2017), ("ccdi", ccdi)):
        for _, facts, day in example_facts(pm, book, name)[:2]:
            assert_changes_verified(book, facts, day)


# ------------------------------------------------------------------ unknown facts
def test_unknown_facts_agree_with_enumerating_them(quick):
    for known in ({"important_items": 120}, {"important_items": 0, "illegal_gain": "60000"}):
        facts = quick.validate(known)
        found = unknowns(quick, facts, DAY, ["in_duty", "sensitive_items"])
        seen: dict[str, set] = {}
        for in_duty, items in itertools.product((False, True), range(0, 2001)):
            point = put(put(facts, ("in_duty",), in_duty), ("sensitive_items",), items)
            for name, value in quick.decide(point, DAY).conclusions.items():
                seen.setdefault(name, set()).add(value)
        reported = {n: set(vs) for n, vs in found.open}
        reported.update({n: {dict(found.outcomes[0][0])[n]} for n in found.fixed})
        assert reported == seen


def test_a_decision_that_no_unknown_fact_can_change_is_reported_fixed(quick):
    facts = quick.validate({"sensitive_items": 600})
    found = unknowns(quick, facts, DAY, ["in_duty"])
    assert found.fixed == ("level",) and not found.open


def test_whatif_command_text_and_json(tmp_path):
    from typer.testing import CliRunner

    from ruleengine.cli import app

    args = [
        "whatif",
        "--rules",
        str(QUICK / "article5.rules"),
        str(QUICK / "case.json"),
        "--as-of",
        "2018-03-01",
        "--vary",
        "illegal_gain=0..60000",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "from 50000 CNY" in result.stdout
    data = json.loads(CliRunner().invoke(app, [*args, "-f", "json"]).stdout)
    assert [bp["at"] for bp in data["breakpoints"]] == [5000, 50000]  # 5000: item 7 applies
    bad = CliRunner().invoke(app, [*args[:-1], "ilegal_gain"])
    assert bad.exit_code == 2 and "did you mean 'illegal_gain'" in bad.stderr


def test_facts_the_rule_text_fixes_are_never_varied():
    book = ruleengine.load_text(
        "input items: count = 0 fixed\ninput gain: money = 0 yuan\n"
        "scale s { none serious }\nconclusion level: highest s\n"
        "rule r { cite article 1 when items >= 50 or gain >= 5000 yuan then level = serious }\n"
    )
    found = changes(book, book.validate({"items": 10, "gain": "100"}), DAY)
    assert found.fixed == ("items",) and "items" not in found.varied
    assert [c.facts for c in found.changes] == [(("gain", 100, 5000),)]


# ------------------------------------------------------------------ every failed condition shown
AND_RULES = (
    'input items: count = 0 en "items"\ninput gain: money = 0 yuan en "gain"\n'
    'input in_duty: bool = false en "in duty"\ninput divisor: integer = 1\n'
    "scale s { none serious }\nconclusion level: highest s\n"
    "rule both { cite article 1 when items >= 50 and gain >= 100 yuan then level = serious }\n"
    "rule duty { cite article 2 when items >= 25 and in_duty then level = serious }\n"
    "rule guarded { cite article 3 when divisor != 0 and items / divisor >= 5 "
    "then level = serious }\n"
)


def test_a_provision_not_met_lists_every_condition_it_misses_and_those_it_meets():
    from ruleengine.render.text import render

    book = ruleengine.load_text(AND_RULES)
    trace = book.explain({"items": 30, "gain": "10"}, DAY)
    text = render(trace)
    assert "✗ items: 30; the provision needs at least 50" in text
    assert "✗ gain: 10 CNY; the provision needs at least 100 CNY" in text  # not only the first
    assert "✗ in duty: no; the provision needs yes" in text
    assert "✓ items = 30 ≥ 25" in text  # a condition that holds is marked as holding
    # A side the decision never computes, and that cannot be computed, is left out: no error.
    trace = book.explain({"items": 30, "divisor": 0}, DAY)
    [guarded] = [r for r in trace.rules if r.name == "guarded"]
    assert [a.text for a in guarded.evidence] == ["divisor != 0"]


# ------------------------------------------------------------------ rendered sections (goldens)
WHATIF = ROOT / "examples" / "whatif"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    ("name", "args"),
    [
        (
            "pi2017_gains",
            [
                "whatif",
                "-r",
                "pi2017",
                str(WHATIF / "pi2017_gains.json"),
                "--vary",
                "illegal_gain=0..60000",
            ],
        ),
        (
            "quickstart_plane",
            [
                "whatif",
                "--rules",
                str(QUICK / "article5.rules"),
                str(QUICK / "case.json"),
                "--as-of",
                "2018-03-01",
                "--vary",
                "sensitive_items=0..600",
                "--vary",
                "important_items=0..6000",
            ],
        ),
        (
            "quickstart_changes",
            [
                "explain",
                "--rules",
                str(QUICK / "article5.rules"),
                str(QUICK / "case.json"),
                "--as-of",
                "2018-03-01",
                "--whatif",
                "--unknown",
                "in_duty",
                "--unknown",
                "important_items",
            ],
        ),
        (
            "pi2017_unknown",
            [
                "eval",
                "-r",
                "pi2017",
                str(WHATIF / "pi2017_tracking.json"),
                "--unknown",
                "illegal_gain",
            ],
        ),
    ],
)
def test_rendered_what_if_sections(name, args, lang):
    from conftest import check_golden
    from typer.testing import CliRunner

    from ruleengine.cli import app

    result = CliRunner().invoke(app, [*args, "--lang", lang])
    assert result.exit_code == 0, result.output
    check_golden(f"whatif_{name}.{lang}", result.stdout)


STEPS = """\
input d: date = 2000-01-01
conclusion c: value text = "late"
rule early { cite article 1 when d + 1 month < 2020-01-01 then c = "early" }
rule mid {
  cite article 2 when d + 1 month >= 2020-01-01 and d + 1 month < 2020-01-10 then c = "mid"
}
"""


@pytest.mark.parametrize("vary", ["d=1920-01-01..2119-12-31", "d"])
def test_a_search_finds_two_changes_between_the_same_two_samples(tmp_path, vary):
    """A date moved by months is searched (not linear). Its samples are 285 days apart here,
    and "mid" lasts nine days: the bisection found 2019-12-01 and showed "late" from there
    (a range that was "mid" for nine days). Without ends the search was exit 70 (its ends,
    ten times the day number, left the calendar): now a hundred years each side."""
    from typer.testing import CliRunner

    from ruleengine.cli import app

    rules, case = tmp_path / "steps.rules", tmp_path / "case.json"
    rules.write_text(STEPS, encoding="utf-8")
    case.write_text('{"as_of": "2021-01-01", "facts": {"d": "2019-06-01"}}', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["whatif", "--rules", str(rules), str(case), "--vary", vary, "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [b["at"] for b in found["breakpoints"]] == ["2019-12-01", "2019-12-10"]
    ranges = [(s["from"], s["to"], s["outcome"]["c"]) for s in found["segments"]]
    assert ranges[1:] == [
        ("2019-12-01", "2019-12-09", "mid"),
        ("2019-12-10", ranges[-1][1], "late"),
    ]
    if vary == "d":
        assert (ranges[0][0], ranges[-1][1]) == ("1919-06-01", "2119-06-02")


def test_a_conclusion_restating_another_is_decided_by_the_rules_that_moved_that_one():
    """Seventh legal review, E2: pi2017's headline "circumstances" (CL Art. 12, the text in
    time) restates the interpretation's level; a change of it was "decided by Criminal Law
    Art. 12(1)". A rule giving the member another conclusion it reads just moved to only
    passes the change on; a rule mapping the level to something else (the sentence) decides."""
    book = ruleengine.load_text(
        "input items: count = 0\n"
        "scale s { none serious }\nconclusion level: highest s\n"
        "enum shown { none serious }\nconclusion headline: value shown = none\n"
        "enum term { none three_years }\nconclusion sentence: value term = none\n"
        "rule art5 { cite article 5 when items >= 50 then level = serious }\n"
        "rule art12 { cite article 12 then headline = if level = serious then shown.serious "
        "else shown.none }\n"
        "rule art253 { cite article 253 when level = serious then sentence = term.three_years }\n"
    )
    found = changes(book, book.validate({"items": 10}), DAY)
    by = {c.conclusion: c.decided_by for c in found.changes}
    assert by == {"level": ("art5",), "headline": ("art5",), "sentence": ("art253",)}
