"""check --prove: planted findings are found, pointed at, and each witness, run through
``explain`` as a user would run it, shows what the finding says."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from conftest import check_golden
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_RULES, EXIT_OK, EXIT_USAGE, app
from ruleengine.loader import load_paths, load_text
from ruleengine.prove import prove_rulebook

pytest.importorskip("z3")

ROOT = Path(__file__).resolve().parents[1]
PLANTED = "tests/prove_rules/planted.rules"
runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The planted file proven once: its JSON report and its witnesses written as files."""
    folder = tmp_path_factory.mktemp("witnesses")
    cwd = Path.cwd()
    import os

    os.chdir(ROOT)
    try:
        result = run("check", "--prove", PLANTED, "--format", "json", "--witnesses", str(folder))
    finally:
        os.chdir(cwd)
    assert result.exit_code == EXIT_BAD_RULES, result.output
    return json.loads(result.stdout), folder


def by_code(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


def test_each_planted_finding_is_found_and_points_at_the_rules(planted):
    report, _ = planted
    found = {(f["code"], tuple(f["rules"])) for f in report["findings"]}
    assert ("P100", ("sells_serious", "obtains_lenient")) in found
    assert ("P100", ("note_a", "note_b")) in found
    assert ("P101", ("dead",)) in found
    assert ("P102", ("exception_never", "sells_serious")) in found
    assert ("P103", ("always_aside", "aside_by")) in found
    [gap] = by_code(report, "P104")
    assert gap["conclusion"] == "sentence" and gap["spans"][0]["line"] == 24
    # very_grave is written in the dead rule only; especially_serious is written nowhere, so
    # it is unused rather than shadowed.
    [unreachable] = by_code(report, "P105")
    assert "'very_grave'" in unreachable["message"] and unreachable["rules"] == ["dead"]
    conflict = next(f for f in by_code(report, "P100") if f["rules"][0] == "sells_serious")
    # Both rules' lines: the assignments that disagree.
    assert [(s["line"], s["column"]) for s in conflict["spans"]] == [(32, 8), (37, 8)]
    assert conflict["periods"] == [
        {"from": "2020-01-01", "until": "2022-01-01"},
        {"from": "2022-01-01", "until": None},
    ]
    dead = by_code(report, "P101")[0]
    assert dead["witness"] is None and "'items > 10' and 'items < 5'" in dead["proof"]


def test_declared_overlaps_are_listed_not_failed(planted):
    report, _ = planted
    declared = [f for f in report["findings"] if f["declared"] is not None]
    assert [f["rules"] for f in declared] == [["note_a", "note_b"]]
    assert declared[0]["declared"] == "the court chooses which to record"


def test_what_cannot_be_proven_is_said_with_the_construct(planted):
    report, _ = planted
    [product] = report["not_proven"]
    assert product["construct"].startswith("non-linear arithmetic")
    assert product["span"]["line"] == 84
    assert report["bounded_lists"] == ["acts"] and report["list_bound"] == 3


def explain(witness: Path, *rules: str) -> dict:
    result = run("explain", str(witness), *rules, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_every_witness_replayed_through_explain_shows_its_finding(planted):
    report, folder = planted
    counts: dict[str, int] = {}
    replayed = 0
    for f in report["findings"]:
        if f["witness"] is None:
            continue
        counts[f["code"]] = counts.get(f["code"], 0) + 1
        path = folder / f"{f['code']}-{counts[f['code']]}.json"
        assert json.loads(path.read_text()) == f["witness"]
        trace = explain(path, "--rules", str(ROOT / PLANTED))
        status = {r["name"]: r["status"] for r in trace["rules"]}
        assert f["replayed"] is True
        if f["code"] == "P100":
            [conflict] = [c for c in trace["conflicts"] if c["conclusion"] == f["conclusion"]]
            claims = {c["rule"]: c["value"] for c in conflict["claims"]}
            a, b = f["rules"]
            assert status[a] == status[b] == "applied" and claims[a] != claims[b]
        elif f["code"] == "P102":
            exception, target = f["rules"]
            assert status[target] in ("applied", "set_aside") and status[exception] != "applied"
        elif f["code"] == "P103":
            assert status[f["rules"][0]] == "set_aside"
        elif f["code"] == "P104":
            assert f["conclusion"] in trace["not_decided"] or not any(
                c["decided_by"] for c in trace["conclusions"] if c["name"] == f["conclusion"]
            )
        replayed += 1
    assert replayed == 5  # two conflicts, a dead exception, a rule set aside, a gap


def _witness(line: str) -> bool:
    """A witness line of the text report (a finding's, or a gap region's)."""
    return line.lstrip().startswith(("= witness: {", "witness: {"))


def test_the_rendering_points_at_both_rules_with_carets(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("check", "--prove", PLANTED)
    assert result.exit_code == EXIT_BAD_RULES
    # The witnesses' values are the solver's choice; the diagnostics are pinned.
    shown = "\n".join(line for line in result.stdout.splitlines() if not _witness(line))
    check_golden("prove_planted", shown + "\n")


def test_clean_rules_prove_clean_and_exit_0(tmp_path):
    path = tmp_path / "clean.rules"
    path.write_text(
        "input items: count = 0\n"
        "conclusion sentence: value text always decided\n"
        'rule high { cite article 1 when items >= 10 then sentence = "high" }\n'
        'rule low { cite article 2 when items < 10 then sentence = "low" }\n'
    )
    result = run("check", "--prove", str(path))
    assert result.exit_code == EXIT_OK, result.output
    assert "0 finding(s), 0 declared overlap(s), 0 not proven" in result.stdout


def test_an_exception_orders_two_rules_so_there_is_no_conflict():
    book = load_text(
        "input items: count = 0\ninput duty: bool = false\n"
        "conclusion sentence: value text\n"
        'rule general { cite article 1 when items >= 10 then sentence = "general" }\n'
        "rule special { cite article 2 overrides general when duty and items >= 10 "
        'then sentence = "special" }\n'
    )
    assert prove_rulebook(book).findings == []


def test_a_function_the_prover_does_not_encode_is_named_as_not_proven():
    text = (
        "input d: date = 2020-01-01\nconclusion y: value count\n"
        "rule r { cite article 1 when years_between(d, 2024-01-01) >= 2 then y = 1 }\n"
    )
    [missing] = prove_rulebook(load_text(text)).not_proven
    assert "years_between()" in missing.describe() and missing.span.line == 3


@pytest.fixture
def unhurried(monkeypatch):
    """The solver's budgets are wall-clock ones (10 s a question, 120 s a run): at load 12-25
    a question of a shipped rulebook that takes a second on a quiet core ran out of them ("1
    not proven", "2 not proven", seen on three branches). The tests about the rulebooks, not
    the budgets, give each question a minute and the run fifteen."""
    import ruleengine.prove.findings as findings

    monkeypatch.setattr(findings, "QUERY_BUDGET_MS", 60_000)
    monkeypatch.setattr(findings, "MAX_SECONDS", 900.0)


def test_the_shipped_pi2017_witnesses_replay_through_its_adapters(tmp_path, unhurried):
    """Whatever pi2017 still has to fix, each witness shows it through --rulebook."""
    report = prove_rulebook(load_paths([ROOT / "plugins" / "ruleengine_pi2017" / "rules"]))
    assert report.not_proven == []  # pi2017 is linear throughout
    for i, f in enumerate(x for x in report.findings if x.witness is not None):
        path = tmp_path / f"{i}.json"
        path.write_text(json.dumps(f.witness))
        trace = explain(path, "--rulebook", "pi2017")
        status = {r["name"]: r["status"] for r in trace["rules"]}
        if f.code == "P100":
            assert f.conclusion in {c["conclusion"] for c in trace["conflicts"]}
        elif f.code == "P102":  # the target fires (it may be set aside by another rule)
            exception, target = f.rules
            assert status[target] in ("applied", "set_aside") and status[exception] != "applied"
        else:
            assert f.code == "P103" and status[f.rules[0]] == "set_aside"


def test_misuse_of_the_declarations_is_a_checker_error(tmp_path):
    path = tmp_path / "bad.rules"
    path.write_text("scale s { a b }\nconclusion c: highest s always decided\n")
    result = run("check", str(path))
    assert result.exit_code == EXIT_BAD_RULES and "E216" in result.output
    path.write_text(
        "conclusion c: value count\n"
        'rule r { cite article 1 then c = 1 may overlap q because "x" }\n'
    )
    result = run("check", str(path))
    assert result.exit_code == EXIT_BAD_RULES and "E203" in result.output


def test_list_bound_is_checked():
    result = run("check", "--prove", PLANTED, "--list-bound", "99")
    assert result.exit_code == EXIT_USAGE and "--list-bound" in result.output


#: The overlaps the shipped rulebooks declare (docs/prove.md lists them with their reasons).
DECLARED = {"pi2017": 2, "ccdi": 0}


@pytest.mark.parametrize("book", ["pi2017", "ccdi"])
def test_shipped_rulebooks_prove_clean(book, unhurried):
    """Both shipped rulebooks prove clean: nothing undeclared, nothing left unproven (ccdi
    with its lighter blocks, which once stopped check --prove with exit 70)."""
    result = run("check", "--prove", "--rulebook", book)
    assert result.exit_code == EXIT_OK, result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert f"0 finding(s), {DECLARED[book]} declared overlap(s), 0 not proven" in summary


def test_docs_prove_md_shows_the_real_output(tmp_path, monkeypatch):
    """The example of each finding in docs/prove.md is what check --prove prints for it."""
    import re

    doc = (ROOT / "docs" / "prove.md").read_text(encoding="utf-8")
    section = doc[doc.index("## An example of each finding") :]
    rules, shown = re.findall(r"```(?:rules)?\n(.*?)```", section, re.S)[:2]
    (tmp_path / "demo.rules").write_text(rules)
    monkeypatch.chdir(tmp_path)
    result = run("check", "--prove", "demo.rules")
    assert result.exit_code == EXIT_BAD_RULES

    def pinned(text: str) -> list[str]:  # the witnesses are the solver's choice, on today
        return [line for line in text.splitlines() if not _witness(line)]

    assert pinned(result.stdout) == pinned(shown)


# ------------------------------------------------------------------ soundness on random books
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ATOMS = st.sampled_from(
    [
        "x >= 3", "x < 7", "x + y > 10", "2 * x - y <= 1", "y = 4", "b", "not b",
        "e = p", "e != q", "share > 1/3", "share * 3 <= 2", "x >= 0",
    ]
)  # fmt: skip
_CONDITIONS = st.lists(_ATOMS, min_size=1, max_size=3).map(" and ".join) | st.tuples(
    _ATOMS, _ATOMS
).map(lambda ab: f"{ab[0]} or {ab[1]}")
_RULES = st.lists(
    st.tuples(_CONDITIONS, st.sampled_from(["one", "two", "three"]), st.booleans()),
    min_size=2,
    max_size=4,
)


def _book_text(rules) -> str:
    out = [
        "enum kind { p q r }",
        "input x: count = 0",
        "input y: count = 0",
        "input b: bool = false",
        "input e: kind = p",
        "input share: decimal = 0",
        "conclusion v: value text",
    ]
    for i, (cond, value, overrides) in enumerate(rules):
        over = f" overrides r{i - 1}" if overrides and i else ""
        out.append(f'rule r{i} {{ cite article {i + 1}{over} when {cond} then v = "{value}" }}')
    return "\n".join(out) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=_RULES, cases=st.lists(st.tuples(*[st.integers(0, 12)] * 2, st.booleans(),
       st.sampled_from("pqr"), st.sampled_from(["0", "1/4", "1/2", "2/3", "1"])),
       min_size=30, max_size=30))  # fmt: skip
def test_the_prover_misses_nothing_a_case_shows_and_its_witnesses_replay(rules, cases):
    book = load_text(_book_text(rules))
    report = prove_rulebook(book)
    conflicts = {frozenset(f.rules) for f in report.findings if f.code == "P100"}
    dead = {f.rules[0] for f in report.findings if f.code in ("P101", "P103")}
    for f in report.findings:
        assert f.witness is None or f.replayed is True, (f.code, f.message, f.replayed)
    day = datetime.date(2024, 1, 1)
    for x, y, b, e, share in cases:
        trace = book.explain({"x": x, "y": y, "b": b, "e": e, "share": share}, day)
        applied = {r.name for r in trace.rules if r.status == "applied"}
        assert not applied & dead
        for c in trace.decision.conflicts:
            names = [r for r, _ in c.claims]
            values = dict(c.claims)
            for i, r1 in enumerate(names):
                for r2 in names[i + 1 :]:
                    if values[r1] != values[r2]:
                        assert frozenset((r1, r2)) in conflicts, (r1, r2)


def test_a_plugin_rulebook_replays_its_witnesses_through_its_adapters(unhurried):
    result = run("check", "--prove", "--rulebook", "pi2017", "--format", "json")
    report = json.loads(result.stdout)
    assert report["adapters"] == ["pi2017-acts"]
    assert all(f["replayed"] is True for f in report["findings"] if f["witness"] is not None)
    undeclared = [f for f in report["findings"] if f["declared"] is None]
    assert result.exit_code == (EXIT_BAD_RULES if undeclared else EXIT_OK)


def test_past_the_question_budget_what_is_left_is_not_proven(monkeypatch):
    """A rulebook too large to ask everything of is not reported clean."""
    from ruleengine.prove import findings

    monkeypatch.setattr(findings, "MAX_QUERIES", 3)
    text = "input x: count = 0\nconclusion v: value count\n" + "".join(
        f"rule r{i} {{ cite article {i + 1} when x >= {i} then v = {i} }}\n" for i in range(6)
    )
    report = prove_rulebook(load_text(text))
    [stop] = report.not_proven
    assert "not asked, after 3 questions" in stop.describe()
    assert all(f.subject is None for f in report.findings)


def test_invalid_rules_under_prove_are_reported_as_check_reports_them(tmp_path):
    path = tmp_path / "bad.rules"
    path.write_text("rule r { cite article 1 when nothing then v = 1 }\n")
    for fmt in ("text", "json"):
        result = run("check", "--prove", str(path), "--format", fmt)
        assert result.exit_code == EXIT_BAD_RULES and "E200" in result.output
    assert json.loads(result.stdout)["ok"] is False


def test_past_the_time_budget_nothing_is_claimed_clean(monkeypatch):
    from ruleengine.prove import findings

    monkeypatch.setattr(findings, "MAX_SECONDS", 0.0)
    book = load_paths([ROOT / "plugins" / "ruleengine_pi2017" / "rules"])
    report = prove_rulebook(book)
    assert (
        report.findings == [] and "not asked, after 0 questions" in report.not_proven[-1].describe()
    )


def test_a_divisor_set_by_yes_no_facts_is_split_into_cases_and_proven():
    """``n / (50 * factor)`` with ``factor = if duty then 1/2 else 1``: exact per case."""
    text = (
        "input n: count = 0\ninput duty: bool = false\n"
        "define factor: decimal = if duty then 1/2 else 1\n"
        "conclusion v: value text\n"
        'rule a { cite article 1 when n / (50 * factor) >= 1 then v = "a" }\n'
        'rule b { cite article 2 when n < 30 then v = "b" }\n'
    )
    report = prove_rulebook(load_text(text))
    assert report.not_proven == []
    [conflict] = report.findings
    facts = conflict.witness["facts"]
    assert conflict.replayed is True and facts["duty"] is True and 25 <= facts["n"] < 30


def test_without_the_solver_installed_prove_says_how_to_get_it(monkeypatch):
    import ruleengine.prove

    monkeypatch.setattr(ruleengine.prove, "available", lambda: False)
    result = run("check", "--prove", str(ROOT / PLANTED))
    assert result.exit_code == EXIT_USAGE and "pip install 'ruleengine[prove]'" in result.output


def test_a_rule_with_no_condition_that_never_applies_is_a_finding_not_a_crash():
    """Found by the pi2017 law work: ``_core`` read the condition of a rule that has none
    (exit 70). The rule reads a value conclusion no rule decides: the engine stops on it."""
    text = (
        "input x: count = 0\nconclusion v: value count\nconclusion c: value count = 0\n"
        "rule r { cite article 1 then c = v }\n"
    )
    [dead] = prove_rulebook(load_text(text)).findings
    assert dead.code == "P101" and "no facts of the declared types" in dead.message
    assert "'v' cannot be read" in dead.proof


def test_a_parameter_valued_from_the_first_day_leaves_no_period_before_it():
    """A value from 0001-01-01: there is no day before it to judge on (was OverflowError)."""
    text = (
        "input x: count = 0\nparameter k: count { 0001-01-01: 5  2020-01-01: 6 }\n"
        "conclusion c: value count = 0\nrule r { cite article 1 when x > k then c = 1 }\n"
    )
    report = prove_rulebook(load_text(text))
    assert report.findings == [] and report.not_proven == []
    assert report.periods == 2


def test_a_witnesses_folder_that_cannot_be_written_is_a_usage_error(tmp_path):
    """A fifth QA round: --witnesses naming a file, a path under a file, or one in /proc
    ended with exit 70 (FileExistsError and the like from making the folder)."""
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    for where, says in [
        (a_file, "not a folder"),
        (a_file / "sub", "cannot write"),
        (Path("/proc/ruleengine-witnesses"), "cannot write"),
    ]:
        result = run("check", "--prove", PLANTED, "--witnesses", str(where))
        assert result.exit_code == EXIT_USAGE, result.output
        assert f"--witnesses {where}: {says}" in result.stderr


def test_an_empty_witnesses_folder_is_a_usage_error(tmp_path, monkeypatch):
    """Sixth QA round (F2): --witnesses '' wrote the witnesses into the current folder
    without a word (an empty path is "."); refused before anything is proven."""
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        result = run("check", "--prove", PLANTED, "--witnesses", empty)
        assert result.exit_code == EXIT_USAGE, result.output
        assert f"--witnesses {empty!r}: give the folder to write" in result.stderr
    assert list(tmp_path.iterdir()) == []
