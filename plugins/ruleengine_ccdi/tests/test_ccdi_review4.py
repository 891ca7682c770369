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


def test_chinese_wording_of_the_filing_standard_and_the_field():
    """Finding 7.2-7.3 (k06): no doubled 达到, no tier label read as a threshold that says it
    is below itself, and the field argument does not read as if the case were in the field."""
    zh = explain("k06_nsf_30000.json", "--lang", "zh")
    assert "达到达到" not in zh and "“数额较大”以上" not in zh
    assert "须达到立案追诉标准（" in zh
    # The field as the 2023 text reads it: the act's own date (fifth legal review, finding 4).
    field = "（取是否为乡村振兴领域的行为，且发生在2023年条例施行期间（或者继续、连续至该期间））"
    assert "（取发生在乡村振兴领域）" not in zh and field in zh


def test_no_internal_rule_name_or_memory_in_unverified_marks():
    """Finding 7.1: the reader sees the article, not a rule name, and no 'from memory'."""
    text = (Path(__file__).resolve().parents[1] / "rules" / "reg2018.rules").read_text("utf-8")
    assert "同r18_referral" not in text and "as for r18_referral" not in text
    assert "凭记忆" not in text and "from memory" not in text


def test_bank_staff_are_told_where_cl_184_puts_them():
    """Finding 7.6: CL 184 is named where bribery turns on the state-functionary fact."""
    assert "(CL Art. 184)" in explain("k02_bribe_30000.json")
    assert "（刑法第一百八十四条）" in explain("k02_bribe_30000.json", "--lang", "zh")
