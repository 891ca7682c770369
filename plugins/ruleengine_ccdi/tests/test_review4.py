"""The fourth legal review's ccdi findings, on the reviewer's own cases (kept in review4/):
what a reader of ``explain`` sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_OK, app

CASES = Path(__file__).resolve().parent / "review4"


def explain(case: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["explain", "-r", "ccdi", str(CASES / case), *args])
    assert result.exit_code == EXIT_OK, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("case", "crime"),
    [
        ("k20_emb_3000000_heavy_loss.json", "embezzlement"),
        ("k21_bribe_3000000_heavy_loss.json", "bribery"),
    ],
)
def test_second_limb_of_383_1_3_is_life_or_death_with_confiscation_and_no_fine(case, crime):
    """Finding 2: an especially huge amount with especially heavy losses is life imprisonment or
    death and confiscation of property (CL 383(1)(3)); no Interp. Art. 19 fine range."""
    outcome = json.loads(explain(case, "-f", "json"))["outcome"]
    assert outcome[f"{crime}_sentence"] == "life_or_death"
    assert outcome[f"{crime}_fine"] is None
    assert (outcome[f"{crime}_max"], outcome[f"{crime}_min"]) == ("death", "life")
    text = explain(case)
    assert "life imprisonment or death" in text and "ten years to death" not in text
    assert "fine range (Interp. Art. 19)" not in text.split("How the facts were counted")[0]
    assert "Criminal Law Art. 383(1)(3)" in text
    zh = explain(case, "--lang", "zh")
    assert "无期徒刑或者死刑" in zh and "并处没收财产" in zh


_B2017 = (
    '{"decided_on": "2017-09-01", "acts": [{"id": "B1", "kind": "bribe_accepting",'
    ' "amount": "30000", "gravity": "serious", "acted_on": "2017-06-01",'
    ' "state_functionary": true, "benefit": "sought"}]}'
)


@pytest.mark.parametrize(
    ("case", "cited"),
    [
        ("k02_bribe_30000.json", "Disciplinary Regulations (2023) Art. 34"),
        ("k10_emb_3000000.json", "Disciplinary Regulations (2023) Art. 34"),
        ("k22_nsf_30000_decided_20220515.json", "Disciplinary Regulations (2018) Art. 32"),
        (None, "Disciplinary Regulations (2015) Art. 33"),
    ],
)
def test_a_referred_case_says_a_conviction_requires_expulsion(case, cited):
    """Finding 3: the range for a suspected crime is the decision at the transfer; a principal
    penalty for an intentional crime then requires expulsion, cited from the version in force
    at the decision (2015 and 2018 numbers marked unverified)."""
    if case is None:
        result = CliRunner().invoke(app, ["explain", "-r", "ccdi", "-"], input=_B2017)
        assert result.exit_code == EXIT_OK, result.output
        text = result.stdout
    else:
        text = explain(case)
    outcome, _, provisions = text.partition("Provisions that decide it")
    assert "referred to the competent state organs: yes" in outcome
    assert "Party sanction after the judgment: a conviction of an intentional crime" in outcome
    assert "the range shown is the decision at the transfer" in outcome
    rule = provisions.split(cited + " Crimes for which a member is expelled", 1)[1]
    assert "unverified:" in rule.split("Provisions not met", 1)[0]


def test_a_case_not_referred_says_nothing_of_a_conviction():
    text = explain("k01_bribe_29999.json")
    assert "referred to the competent state organs: no" in text
    assert "after the judgment" not in text
