"""The CCDI rulebook at its edges, as the command line shows it (issue 7, QA): the law in time
shown only for conduct the case has, and a suggested change that ``--set`` reproduces."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ruleengine.cli import EXIT_EVALUATION, EXIT_OK, app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ccdi"


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result


def _law_in_time(text: str) -> str:
    return text.split("The law in time\n", 1)[1].split("\nProvisions that decide it", 1)[0]


def test_no_old_or_lighter_comparison_for_a_crime_without_acts():
    """The embezzlement and bribery blocks were shown, dated by the decision date, for a case
    with neither (QA); the Party block, whose act is dated 2017, stays."""
    result = run("explain", "-r", "ccdi", str(EXAMPLES / "act_before_revision.json"))
    assert result.exit_code == EXIT_OK, result.output
    shown = _law_in_time(result.stdout)
    assert "embezzlement:" not in shown and "bribery:" not in shown
    assert "the Disciplinary Regulations: the old text, or the lighter new one" in shown
    assert "version in force on the act date (2017-06-01)" in shown
    # Bribery acts dated 2024-07-04 keep their block; embezzlement, with none, has none.
    shown = _law_in_time(run("explain", "-r", "ccdi", str(EXAMPLES / "kickbacks.json")).stdout)
    assert "bribery: the old law, or the lighter new one" in shown
    assert "version in force on the act date (2024-07-04)" in shown
    assert "embezzlement:" not in shown
    # A later decision date shows the comparison again for the crime with acts only.
    record = json.loads((EXAMPLES / "kickbacks.json").read_text(encoding="utf-8"))
    record["decided_on"] = "2025-01-02"
    shown = _law_in_time(run("explain", "-r", "ccdi", input=json.dumps(record)).stdout)
    assert "bribery:" in shown and "embezzlement:" not in shown


def test_a_suggested_change_pasted_into_set_gives_the_outcome_it_promised():
    """explain names changes as ``acts[0].amount``; ``--set`` refused that path (QA)."""
    case = str(EXAMPLES / "kickbacks.json")
    trace = json.loads(run("explain", "-r", "ccdi", case, "-f", "json").stdout)
    [miss] = trace["nearest_miss"]
    [change] = miss["changes"]
    assert change["fact"] == "acts[0].amount"
    pasted = f"{change['fact']}={change['to']}"
    result = run("eval", "-r", "ccdi", case, "--set", pasted, "-f", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["outcome"][miss["conclusion"]] == miss["level"]
    # The text says it as a reader does: "(acts[0].amount) 1430000 CNY (now 60000 CNY)".
    text = run("explain", "-r", "ccdi", case).stdout
    line = next(x for x in text.splitlines() if "reached with:" in x)
    path, rest = line.split("reached with: ", 1)[1].split("(", 1)[1].split(") ", 1)
    pasted = f"{path}={rest.split(' (now')[0]}"
    assert pasted == "acts[0].amount=1430000 CNY"
    result = run("eval", "-r", "ccdi", case, "--set", pasted, "-f", "json")
    assert json.loads(result.stdout)["outcome"][miss["conclusion"]] == miss["level"]
    # And a what-if change of a member, by the label the text shows.
    result = run(
        "eval", "-r", "ccdi", case, "--set", "acts[0].kind=embezzling poverty-relief funds"
    )
    assert result.exit_code == EXIT_OK and "embezzlement band: relatively large" in result.stdout


def test_acts_before_the_first_encoded_regulations_name_the_period_not_encoded():
    """Acts all before 2003-12-31 exit 5 (no Party regulations encoded then: SOURCES.md §4
    has none), and the engine decides a case's conclusions together (see the report of issue
    7). The message said only "no version was in force on the act date"; it names the period,
    the parameter and the first version the rule text gives."""
    record = json.loads((EXAMPLES / "kickbacks.json").read_text(encoding="utf-8"))
    for act in record["acts"]:
        act["acted_on"] = "2003-06-01"
    result = run("explain", "-r", "ccdi", input=json.dumps(record))
    assert result.exit_code == EXIT_EVALUATION, result.output
    assert (
        "'party_law.at_act' cannot be read: the act date 2003-06-01 is before 2003-12-31, the "
        "first day for which the rule text gives a version of Disciplinary Regulations in force "
        "(regulations_in_force; from 2003-12-31: 2003 regulations (not encoded in this "
        "rulebook)); the texts in force before 2003-12-31 are not encoded in this rulebook"
    ) in " ".join(result.stderr.split())


def test_no_comparison_for_a_crime_without_acts_when_judged_on_another_day():
    """With --as-of later than the decision date, the act date of a crime with no act (the
    decision date) is not the as-of date: the block still decides nothing, and is left out."""
    case = str(EXAMPLES / "kickbacks.json")
    shown = _law_in_time(run("explain", "-r", "ccdi", case, "--as-of", "2025-01-01").stdout)
    assert "embezzlement:" not in shown
    assert "bribery: the old law, or the lighter new one" in shown


def test_the_nearest_miss_of_a_case_of_many_acts_spends_fewer_decisions(tmp_path, monkeypatch):
    """A seventh QA round: ``explain`` of 100,000 ccdi acts ran for ten minutes, the nearest
    miss deciding the whole case 160 times. Its searches now spend at most 64,000 acts'
    worth of decisions (64 for 1,000 acts), and still find this miss."""
    from ruleengine import explain as explaining
    from ruleengine.analysis import nearest

    assert [nearest.search_decisions({"acts": [{}] * n}) for n in (0, 400, 1000, 10**5)] == [
        160,
        160,
        64,
        2,
    ]
    act = {"kind": "kickbacks", "amount": "100", "gravity": "minor", "acted_on": "2024-03-21"}
    acts = [{**act, "id": f"K{i}", "state_functionary": True} for i in range(1000)]
    case = tmp_path / "many.json"
    case.write_text(json.dumps({"name": "x", "decided_on": "2024-05-20", "acts": acts}))
    decided = []
    real = explaining.checked

    def counting(found, rulebook, facts, decide, *rest):
        return real(found, rulebook, facts, lambda f: decided.append(1) or decide(f), *rest)

    monkeypatch.setattr(explaining, "checked", counting)
    result = CliRunner().invoke(app, ["explain", "-r", "ccdi", str(case)])
    assert result.exit_code == EXIT_OK, result.output
    assert 0 < len(decided) <= 64
    assert "reached with: amount involved (acts[0].amount) 100100 CNY" in result.stdout
