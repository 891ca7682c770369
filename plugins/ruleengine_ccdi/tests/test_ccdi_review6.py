"""The sixth legal review's ccdi findings, on the reviewer's own cases (kept in review6/): the
Party sanction given under Art. 20 (finding 8), and the zh explanation's dates and
parentheses (10.4, 10.5)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ruleengine.cli import EXIT_OK, app

CASES = Path(__file__).resolve().parent / "review6"


def explain(case: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["explain", "-r", "ccdi", str(CASES / case), *args])
    assert result.exit_code == EXIT_OK, result.output
    return result.stdout


def test_a_party_sanction_given_is_stated_as_met():
    """Finding 8 (S2): act A brought a Party sanction before act B; the Art. 20 line read
    "已经处理的行为受过党纪处分的，…", as if it were not known. Now the sanction is met, and only
    intent (item 3) or non-confession (item 4) is left open; 2023 Art. 20 is no longer
    marked unverified."""
    text = explain("S2_A_party_B10000.json", "--lang", "zh")
    (line,) = [x for x in text.splitlines() if "应当从重或者加重处分的情节" in x][:1]
    assert "已因该行为受过党纪处分" in line and "受过党纪处分的，" not in line
    assert "（2023年条例第二十条）" in line and "未经核实" not in line
    assert "是否故意" in line and "是否交代" in line


def test_zh_act_labels_give_dates_as_the_law_in_time_does():
    """10.4: act labels read "行为A（…，2019-07-01）" beside "2024年7月1日" in the law in time."""
    text = explain("S2_A_party_B10000.json", "--lang", "zh")
    assert "党纪情节严重，2019年7月1日）" in text and "2019-07-01" not in text


def test_zh_notes_after_a_value_take_full_width_parentheses():
    """10.5 (T06): "未达追诉标准 (被更重的认定吸收)"; and the sources' "标题 (简称)"."""
    text = explain("T06_emb_3000000.json", "--lang", "zh")
    assert "未达追诉标准（被更重的认定吸收）" in text
    assert " (" not in text and "（法释〔2016〕9号）" in text
