"""pi2017: the facts its adapter computes, given by the user (sixth QA round, F2): refused
where the adapter computes them, by their path (exit 4), from a facts file and from --set;
accepted where they are inputs (no acts); the schema says which are computed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_OK, app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "pi2017"
JOINED = EXAMPLES / "bank_clerk_sells_before_and_after_amendment_ix.json"


def run(*args: str):
    result = CliRunner().invoke(app, ["eval", "-r", "pi2017", *args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize(
    "setting, says",
    [
        (
            "act_date_given=false",
            "act_date_given: computed by the input adapter 'pi2017-acts' (from acted_last or "
            "acts), never given (leave it out)",
        ),
        (
            "joined_across_amendment9=true",
            "joined_across_amendment9: given beside acts, from which the input adapter "
            "'pi2017-acts' computes it (give acts or joined_across_amendment9, not both)",
        ),
        ("earlier_limitation_end=2030-01-01", "earlier_limitation_end: given beside acts"),
        ("acts_in_time=decided", "acts_in_time: given beside acts"),
    ],
)
def test_a_computed_fact_set_beside_the_acts_is_refused(setting, says):
    """They exited 0: act_date_given=false was overwritten, acts_in_time=decided and
    joined_across_amendment9 used where the acts said otherwise, each unseen."""
    result = run(str(JOINED), "--set", setting)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert result.stderr.startswith(f"--set {setting}: {says}"), result.stderr


def test_a_computed_fact_in_the_file_is_refused_with_the_others(tmp_path):
    case = json.loads(JOINED.read_text("utf-8"))
    case["facts"] |= {"act_date_given": True, "joined_across_amendment9": False}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), "utf-8")
    result = run(str(path))
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}: the facts do not fit the rulebook's inputs:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  - act_date_given",
        "  - joined_across_amendment9",
    ]


def test_without_acts_the_joined_facts_are_inputs_and_the_date_flag_is_not(tmp_path):
    path = tmp_path / "totals.json"
    path.write_text('{"credit_items": 600, "acted_last": "2016-01-01"}', "utf-8")
    assert run(str(path), "--set", "joined_across_amendment9=true").exit_code == EXIT_OK
    assert run(str(path), "--set", "acts_in_time=before_1997").exit_code == EXIT_OK
    assert run(str(path), "--set", "act_date_given=true").exit_code == EXIT_BAD_FACTS


def test_the_schema_says_which_facts_are_computed():
    result = CliRunner().invoke(app, ["schema", "-r", "pi2017"])
    properties = json.loads(result.stdout)["properties"]
    assert properties["act_date_given"]["readOnly"] is True
    assert "never given" in properties["act_date_given"]["description"]
    assert (
        "computed by an input adapter where acts is given"
        in (properties["acts_in_time"]["description"])
    )
    assert "readOnly" not in properties["acts_in_time"]
    assert "computed" not in properties["credit_items"]["description"]
