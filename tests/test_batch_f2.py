"""The sixth QA round's smaller batch findings (F2): what describes a case, results checked
against the rulebook, CSV headers, ``--by`` twice, spreadsheet formulas, interrupted runs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_USAGE, app

ROOT = Path(__file__).resolve().parents[1]
CCDI_CASES = ROOT / "examples" / "ccdi" / "cases.jsonl"


def _ccdi_case_with_officials() -> dict:
    for line in CCDI_CASES.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "case" in record:
            return record
    raise AssertionError("the example file has a case with several officials")


def test_eval_refuses_a_case_object_that_is_null_or_a_case_id_that_is_a_number(tmp_path):
    record = _ccdi_case_with_officials()
    for case, said in (
        (None, "'case' must be an object, got null"),
        ({**record["case"], "id": 7}, "case.id: expected a text, got 7"),
    ):
        path = tmp_path / "case.json"
        path.write_text(json.dumps({**record, "case": case}), encoding="utf-8")
        result = CliRunner().invoke(app, ["eval", str(path), "-r", "ccdi"])
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert said in result.output


def test_by_naming_a_conclusion_twice_is_a_usage_error_naming_by(tmp_path):
    for command in (
        ["summary", str(CCDI_CASES), "-r", "ccdi", "--by", "disciplines,disciplines"],
        ["diff", str(CCDI_CASES), "-r", "ccdi", "--as-of", "2023-12-31"]
        + ["--against-as-of", "2024-12-31", "--by", "disciplines,sanction,disciplines"],
    ):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == EXIT_USAGE, result.output
        assert "--by " in result.output and "'disciplines' is named twice" in result.output
    result = CliRunner().invoke(app, ["summary", str(CCDI_CASES), "-r", "ccdi", "--by", "sanctoin"])
    assert result.exit_code == EXIT_USAGE
    assert "--by sanctoin: no conclusion named 'sanctoin'" in result.output
