"""Every mistake of a case reported at once (issue 7, QA): what an input adapter finds and what
validation finds, together, each by its path, up to ``MAX_PROBLEMS`` and then "and N more"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine import FactProblem, FactsError, load_text
from ruleengine.cli import EXIT_BAD_FACTS, app
from ruleengine.facts import MAX_PROBLEMS

ROOT = Path(__file__).resolve().parents[1]
KICKBACKS = ROOT / "examples" / "ccdi" / "kickbacks.json"

#: Bad fields an adapter reads (acts[0].amount, acts[2].acted_on), one it does not read the way
#: validation does (acts[2].amout, unknown), a required act field missing (acts[1].kind) and a
#: fact of the rulebook (decided_on): before, only the adapter's two were reported.
CCDI_PROBLEMS = [
    "acts[0].amount",
    "acts[2].acted_on",
    "decided_on",
    "acts[1].kind",
    "acts[2].amout",
]


def _ccdi_record() -> dict:
    record = json.loads(KICKBACKS.read_text(encoding="utf-8"))
    record["acts"][0]["amount"] = "-5"
    record["acts"][2]["acted_on"] = "2024-13-45"
    record["acts"][2]["amout"] = "5"
    del record["acts"][1]["kind"]
    record["decided_on"] = "2024-02-30"
    return record


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize("command", ["eval", "explain"])
def test_ccdi_reports_the_adapters_problems_with_validations(command):
    result = run(command, "-r", "ccdi", "-f", "json", input=json.dumps(_ccdi_record()))
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    listed = [line[4:].split(":")[0] for line in result.stderr.splitlines()[1:]]
    assert listed == CCDI_PROBLEMS
    assert "acts[2].amout: unknown field (did you mean 'amount'?)" in result.stderr


def test_pi2017_reports_the_acts_problems_with_the_other_facts():
    record = {
        "in_duty": "maybe",
        "acts": [
            {"kind": "sell", "category": "credit", "items": 10, "gain": "-5"},
            {"kind": "sell", "category": "credit", "items": 10},
            {"kind": "sell", "category": "credt", "items": "x"},
        ],
    }
    result = run("eval", "-r", "pi2017", "--as-of", "2018-01-01", input=json.dumps(record))
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    listed = [line[4:].split(":")[0] for line in result.stderr.splitlines()[1:]]
    assert listed == ["acts[0].gain", "acts[2].category", "acts[2].items", "in_duty"]


def test_run_writes_one_row_per_line_listing_every_problem(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(_ccdi_record()) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("run", str(cases), "-o", str(out), "-r", "ccdi")
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    [row] = [json.loads(line) for line in Path(f"{out}.errors.jsonl").read_text().splitlines()]
    assert row["line"] == 1 and row["field"] == "acts[0].amount"
    assert all(f"{path}:" in row["reason"] for path in CCDI_PROBLEMS)


def test_the_services_4xx_lists_them_too():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from ruleengine.server import Settings, create_app
    from ruleengine.server.library import load_library

    client = TestClient(create_app(Settings(), load_library()))
    r = client.post("/rulebooks/ccdi/eval", json=_ccdi_record())
    assert r.status_code == 422
    assert [p["field"] for p in r.json()["error"]["problems"]] == CCDI_PROBLEMS


BOOK = "input n: count\nconclusion c: value bool\n"


def test_problems_past_the_bound_are_counted_not_listed():
    book = load_text(BOOK)
    with pytest.raises(FactsError) as err:
        book.validate({f"x{i}": 1 for i in range(MAX_PROBLEMS + 7)})
    problems = err.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == FactProblem("", f"and {7 + 1} more")  # and n, missing
    assert [p.path for p in problems[:2]] == ["x0", "x1"]


def test_handed_on_problems_are_reported_once_with_validations():
    from ruleengine.facts import hand_on

    book = load_text(BOOK)
    mine = FactProblem("acts[0].x", "expected a whole number ≥ 0, got -1")
    with pytest.raises(FactsError) as err:
        book.validate(hand_on({"n": -1}, [mine]))
    assert [p.path for p in err.value.problems] == ["acts[0].x", "n"]
    same = FactProblem("n", "expected a whole number ≥ 0, got -1, but it cannot be below 0")
    with pytest.raises(FactsError) as err:  # the same problem found by both: said once
        book.validate(hand_on({"n": -1}, [same]))
    assert err.value.problems == [same]
    with pytest.raises(FactsError):  # never decided, by either path
        book.decide(hand_on({"n": 1}, [mine]))
