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
