"""The seventh legal review's ccdi findings 2 and 8, on the reviewer's own cases (kept in
review7/): what a reader of ``explain`` sees."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from ruleengine.cli import EXIT_OK, app

CASES = Path(__file__).resolve().parent / "review7"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ccdi"


def explain(case: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["explain", "-r", "ccdi", str(case), *args])
    assert result.exit_code == EXIT_OK, result.output
    return result.stdout


def test_a_zero_yuan_demand_is_not_a_second_kind_of_breach():
    """Finding 2: E1 (0 yuan) and E2 (16,000 yuan) are both 吃拿卡要 under 2023 Art. 122: one
    kind, so no merger (Art. 24) and the same range as C05, where E1 is 13,999.99 yuan."""
    c04 = explain(CASES / "c04_extortion_0_and_16000.json")
    c05 = explain(CASES / "c05_extortion_13999_and_16000.json")
    head = "range of Party sanctions: probation within the Party – expulsion from the Party"
    assert c04.splitlines()[0] == head
    assert c05.splitlines()[0] == head
    assert "several breaches" not in c04


def test_whatif_never_says_that_a_lower_amount_gives_a_heavier_range():
    """Finding 2 in what-if: the shipped example was told that extorting 0 yuan instead of
    18,000 gives expulsion. No change of an amount alone may raise the range."""
    text = explain(EXAMPLES / "village_subsidy_extortion.json", "--whatif")
    block = text.split("├── range of Party sanctions", 1)[1].split("\n├── ", 1)[0]
    raised_by_amount = [
        ln for ln in block.splitlines() if "↑" in ln and re.search(r"\(acts\[\d\]\.amount\)", ln)
    ]
    assert raised_by_amount == []


def test_the_outcome_says_the_range_and_sentence_leave_mitigation_out():
    """Finding 8: the mitigation articles are not encoded; the outcome says so, cited, rather
    than showing the range as if it were the lawful floor."""
    en = explain(EXAMPLES / "kickbacks.json")
    party = next(ln for ln in en.splitlines() if "lighter, mitigated or no sanction (" in ln)
    assert "does not take a lighter, mitigated or no sanction into account" in party
    assert "2023 Art. 17" in party and "Art. 19" in party
    sentence = next(ln for ln in en.splitlines() if "lighter, mitigated or no punishment (" in ln)
    assert "CL Art. 383(3)" in sentence
    zh = explain(CASES / "c04_extortion_0_and_16000.json", "--lang", "zh")
    assert "所示处分幅度未考虑从轻、减轻或者免予党纪处分：有2023年条例第十七条" in zh
    assert "刑法第三百八十三条第三款" not in zh.split("作出认定的条款")[0]
