"""``--set`` on a path into a list of the case (``acts[1].amount=60000``): set where the
errors and the what-if name it, checked as the field is, refused with the path when it does
not fit (exit 4), or when it is no path (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_OK, EXIT_USAGE, app

ROOT = Path(__file__).resolve().parents[1]
KICKBACKS = str(ROOT / "examples" / "ccdi" / "kickbacks.json")
BROKER = str(ROOT / "examples" / "pi2017" / "broker_sells_shopping_records.json")


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize(
    "setting, code, says",
    [
        (
            "acts[5].amount=1",
            EXIT_BAD_FACTS,
            "--set acts[5].amount: index 5 is out of range: acts has 3 items (acts[0] to acts[2])",
        ),
        (
            "acts[1].amout=1",
            EXIT_BAD_FACTS,
            "--set acts[1].amout: acts[1] has no field amout (did you mean 'amount'?)",
        ),
        ("acts[1].amount=-1", EXIT_BAD_FACTS, "--set acts[1].amount: expected an amount of money"),
        ("acts[0].acted_on=2024-13", EXIT_BAD_FACTS, "--set acts[0].acted_on: expected a date"),
        ("decided_on[0]=1", EXIT_BAD_FACTS, '--set decided_on[0]: decided_on is "2024-09-02", not'),
        ("nope[0].a=1", EXIT_BAD_FACTS, "--set nope[0].a: the case has no nope"),
        ("acts[99999999].amount=1", EXIT_BAD_FACTS, "index 99999999 is out of any list's range"),
        ("acts[x].amount=1", EXIT_USAGE, "--set acts[x].amount: not a path"),
        ("acts[1]amount=1", EXIT_USAGE, "not a path"),
        ("acts[-1].amount=1", EXIT_USAGE, "not a path"),
    ],
)
def test_a_path_that_does_not_fit_is_named(setting, code, says):
    result = run("eval", "-r", "ccdi", KICKBACKS, "--set", setting)
    assert result.exit_code == code, result.output
    assert says in result.stderr and result.stderr.startswith("--set "), result.stderr


def test_a_path_sets_one_field_of_one_act_and_leaves_the_file_alone():
    before = Path(KICKBACKS).read_bytes()
    result = run(
        "explain", "-r", "ccdi", KICKBACKS, "--set", "acts[1].amount=1050000", "-f", "json"
    )
    assert result.exit_code == EXIT_OK, result.output
    trace = json.loads(result.stdout)
    assert [a["amount"] for a in trace["facts"]["acts"]] == [60000, 1050000, 20000]
    assert any("1130000" in n["en"] for n in trace["derivations"])  # the adapter read it
    assert Path(KICKBACKS).read_bytes() == before
    # A field the act did not give is added; a date is read as YAML facts read it.
    result = run("eval", "-r", "ccdi", KICKBACKS, "--set", "acts[2].acted_on=2015-10-01")
    assert result.exit_code == EXIT_OK, result.output


def test_a_path_into_a_list_only_an_adapter_reads_is_checked_by_it():
    result = run("eval", "-r", "pi2017", BROKER, "--set", "acts[2].items=200", "-f", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["outcome"]["level"] == "especially_serious"
    result = run("eval", "-r", "pi2017", BROKER, "--set", "acts[0].items=-3")
    assert result.exit_code == EXIT_BAD_FACTS
    assert "acts[0].items: expected a whole number ≥ 0, got -3" in result.stderr


SEVERAL = str(ROOT / "examples" / "ccdi" / "bribe_taking_several_officials.json")


def test_a_path_through_the_persons_list_sets_one_persons_fact():
    """A fifth QA round: ``officials[0].acts[0].amount`` was refused ("the case has no
    officials", though it has three) and ``acts[0].amount`` changed every official's act."""
    plain = json.loads(run("eval", "-r", "ccdi", SEVERAL, "-f", "json").stdout)
    result = run(
        "eval", "-r", "ccdi", SEVERAL, "-f", "json", "--set", "officials[0].acts[0].amount=9000000"
    )
    assert result.exit_code == EXIT_OK, result.output
    changed = json.loads(result.stdout)
    bands = lambda out: [p["outcome"]["bribery_band"] for p in out]  # noqa: E731
    assert bands(changed)[0] == "especially_huge"
    assert bands(changed)[1:] == bands(plain)[1:]  # the others as they were


@pytest.mark.parametrize(
    "setting, says",
    [
        (
            "acts[0].amount=9000000",
            "--set acts[0].amount=9000000: the case lists 3 officials, each with their own acts; "
            "name whose, as in officials[0].acts[0].amount",
        ),
        (
            "officials[3].acts[0].amount=1",
            "--set officials[3].acts[0].amount: index 3 is out of range: officials has 3 items",
        ),
        (
            "officials[1].acts[0].amount=-1",
            "--set officials[1].acts[0].amount=-1: officials[1].acts[0].amount: expected an "
            "amount of money",
        ),
    ],
)
def test_a_persons_path_that_does_not_fit_is_named(setting, says):
    result = run("eval", "-r", "ccdi", SEVERAL, "--set", setting)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert says in result.stderr, result.stderr


@pytest.mark.parametrize(
    "setting, says",
    [
        # Sixth QA round (F2): blamed on the facts file ("...json: officials[0]: expected an
        # object"), though the file's officials[0] is one.
        ("officials[0]=1", "--set officials[0]=1: officials[0]: expected an object, got a number"),
        (
            "case.decided_onn=2021-01-01",
            "--set case.decided_onn=2021-01-01: case.decided_onn: unknown field of 'case' "
            "(did you mean 'decided_on'?)",
        ),
    ],
)
def test_a_value_the_persons_record_refuses_is_blamed_on_the_set(setting, says):
    result = run("eval", "-r", "ccdi", SEVERAL, "--set", setting)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert result.stderr.startswith(says), result.stderr


def test_a_case_key_is_set_in_the_shared_case_object():
    """Sixth QA round (F2): ``--set case.decided_on=...`` said "unknown field (did you mean
    'decided_on'?)" on a file with a ``case``; it sets the key of the shared case object,
    which reaches every official as the file's does (judged on that day)."""
    result = run("eval", "-r", "ccdi", SEVERAL, "-f", "json", "--set", "case.decided_on=2021-01-01")
    assert result.exit_code == EXIT_OK, result.output
    days = [p["as_of"] for p in json.loads(result.stdout)]
    assert days == ["2021-01-01"] * 3, days


@pytest.mark.parametrize(
    "facts, setting, code, says",
    [
        (BROKER, "case.acted_last=2016-01-01", EXIT_BAD_FACTS, "--set acted_last=value sets"),
        (SEVERAL, "case.a.b=1", EXIT_USAGE, "--set case.a.b: not a key of the case"),
    ],
)
def test_a_case_key_that_cannot_be_set_says_why(facts, setting, code, says):
    result = run("eval", "-r", "ccdi" if facts == SEVERAL else "pi2017", facts, "--set", setting)
    assert result.exit_code == code, result.output
    assert says in result.stderr, result.stderr


@pytest.mark.parametrize(
    "setting, says",
    [
        # Sixth QA round (F2): "unknown field (known fields: ... earlier_limitation_end,
        # act_date_given, joined_across_amendment9 ...)", 54 names, computed ones among them.
        (
            "limitation_5_from_act=2020-01-01",
            "--set limitation_5_from_act=2020-01-01: computed by the rules from acted_last; "
            "not a fact\n",
        ),
        ("level=serious", "--set level=serious: a conclusion the rules decide; not a fact\n"),
        (  # the count grows with the rulebook: not pinned
            "nope=1",
            re.compile(
                r"--set nope=1: unknown field \(\d\d known fields: "
                r"'ruleengine schema -r pi2017' lists them\)\n"
            ),
        ),
        ("credit_itms=1", "--set credit_itms=1: unknown field (did you mean 'credit_items'?)\n"),
    ],
)
def test_a_name_that_is_no_fact_says_what_it_is(setting, says):
    result = run("eval", "-r", "pi2017", BROKER, "--set", setting)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    if isinstance(says, re.Pattern):
        assert says.fullmatch(result.stderr), result.stderr
    else:
        assert result.stderr == says
