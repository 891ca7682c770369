"""The fifth legal review's ccdi findings, on the reviewer's own cases (kept in review5/):
what a reader of ``explain`` sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_OK, app

CASES = Path(__file__).resolve().parent / "review5"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ccdi"


def explain(case: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["explain", "-r", "ccdi", str(case), *args])
    assert result.exit_code == EXIT_OK, result.output
    return result.stdout


def deciders(case: Path, conclusion: str) -> dict[str, str]:
    """The applied rules that give ``conclusion`` a value: name -> document and citation."""
    rules = json.loads(explain(case, "-f", "json"))["rules"]
    return {
        r["name"]: f"{r['document']} {r['citation']['en']}"
        for r in rules
        if r["status"] == "applied" and any(c["conclusion"] == conclusion for c in r["conclusions"])
    }


def test_range_of_sanctions_is_decided_by_the_article_that_sets_it():
    """Finding 5: the range comes from the mass-discipline article (2023 Art. 122), not from the
    in-force article (2023 Art. 158(1) '本条例自2024年1月1日起施行'), which keeps only the
    version applied and why."""
    case = CASES / "c12_A20000_sanctioned_B10000.json"
    assert deciders(case, "sanction") == {"r23_mass_serious": "reg2023 Art. 122(1)"}
    assert "r23_in_force" in deciders(case, "version_applied")


def test_range_under_a_suspected_crime_is_decided_by_art_29(tmp_path):
    data = json.loads((CASES / "c11_emb_9999_priorsanction.json").read_text())
    data["acts"][0].update(amount=10000, kind="poverty_relief_embezzlement")
    case = tmp_path / "c11_10000.json"
    case.write_text(json.dumps(data))
    assert set(deciders(case, "sanction").values()) == {"reg2023 Art. 29"}


def test_whatif_names_the_article_of_the_version_applied():
    """Finding 5 in what-if: a 2017 act decided in 2018 is judged under the 2015 text (act date);
    a change of the range is decided by 2015 Art. 105 (or 27, 28), not by the 2018 transitional
    article (Art. 142(2)) nor by the 2018 text's own mass-discipline article."""
    text = explain(EXAMPLES / "act_before_revision.json", "--whatif")
    sanctions = ("warning", "Party posts", "probation", "expulsion")
    lines = [
        ln
        for ln in text.splitlines()
        if "decided by" in ln
        and ("↑" in ln or "↓" in ln)
        and any(w in ln.split(":")[0] for w in sanctions)
    ]
    assert lines
    for line in lines:
        assert "Disciplinary Regulations (2015) Art." in line, line
    assert "Art. 142" not in "\n".join(lines)
    assert any("(acts[0].gravity) serious" in ln and "(2015) Art. 105" in ln for ln in lines)


def outcome(case: Path, *args: str) -> dict:
    return json.loads(explain(case, "-f", "json", *args))["outcome"]


def with_sanctioned(tmp_path: Path, case: str, sanctioned: str) -> Path:
    data = json.loads((CASES / case).read_text())
    data["acts"][0]["sanctioned"] = sanctioned
    out = tmp_path / f"{sanctioned}_{case}"
    out.write_text(json.dumps(data))
    return out


@pytest.mark.parametrize(
    ("sanctioned", "criminal", "party"),
    [
        # the facts rule a Party sanction out: no Party aggravation (Art. 20 needs 受处分)
        ("no_sanction", False, False),
        ("administrative_only_before_acts_judged", True, False),
        # a Party sanction before the acts judged: both
        ("party_before_acts_judged", True, True),
        # either, not said which: Interp. Art. 1(2)(2) counts both; the Party ground stays open
        ("before_acts_judged", True, True),
        # none before the acts judged: a Party sanction after them is Art. 20 item 4's case
        ("none_before", False, True),
    ],
)
def test_party_aggravation_after_a_sanction_needs_a_party_sanction(
    tmp_path, sanctioned, criminal, party
):
    """Finding 7: act A (20,000, dealt with) beside act B (10,000): Interp. Art. 1(2)(2) counts a
    Party or an administrative sanction before the acts judged; the Party aggravation after a
    sanction (2023 Art. 20) needs a Party sanction."""
    out = outcome(with_sanctioned(tmp_path, "c13_A20000_nosanction_B10000.json", sanctioned))
    assert ("prior_sanction" in out["embezzlement_aggravators"]) is criminal
    grounds = {"after_sanction_2023", "after_party_sanction_2023"}
    assert bool(grounds & set(out["party_aggravations"])) is party


def test_party_aggravation_open_when_not_stated():
    """c14: whether act A brought a sanction is not stated: the band is not decided, and the Party
    ground stays open (as before)."""
    out = outcome(CASES / "c14_A20000_notstated_B10000.json")
    assert out["embezzlement_band"] == "prior_sanction_not_given"


def test_dealt_with_cites_383_2_for_embezzlement_and_15_1_for_bribery():
    """Finding 8: Interp. Art. 15(1) is about bribery (多次受贿) only; embezzlement dealt with is
    left out under CL Art. 383(2) alone."""
    text = explain(CASES / "c12_A20000_sanctioned_B10000.json")
    assert "already dealt with: not added up again (CL Art. 383(2))" in text
    assert "Interp. Art. 15(1)" not in text.split("Provisions that decide it")[0]
    zh = explain(CASES / "c12_A20000_sanctioned_B10000.json", "--lang", "zh")
    assert "已经处理：不再累计计算（刑法第三百八十三条第二款）" in zh
    from ruleengine_ccdi.adapter import DEALT_WITH

    assert "Interp. Art. 15(1)" in DEALT_WITH[("bribery", True)][0]
    assert "法释〔2016〕9号第十五条第一款" in DEALT_WITH[("bribery", True)][1]


def test_zh_terms(tmp_path):
    """Finding 10: one grade shown once; "法释〔2016〕9号第十九条", not the ambiguous
    "解释第十九条"; no ASCII "; " in Chinese; the Party gravity named beside an amount; an act
    not taken for the official not labelled 贪污."""
    zh = explain(CASES / "c12_A20000_sanctioned_B10000.json", "--lang", "zh")
    assert zh.splitlines()[0] == "党纪处分幅度：开除党籍"
    assert "开除党籍至开除党籍" not in zh
    assert "法释〔2016〕9号第十九条" in zh and "解释第十九条" not in zh.replace("9号第十九条", "")
    assert "; " not in zh
    assert "党纪情节严重" in zh
    en = explain(CASES / "c12_A20000_sanctioned_B10000.json")
    assert en.splitlines()[0] == "range of Party sanctions: expulsion from the Party"
    assert "serious (Party discipline)" in en
    v02 = explain(CASES / "v02_span_2017_2019_poverty.json", "--lang", "zh")
    assert "克扣危房改造补助（未非法占为己有）" in v02 and "贪污、克扣危房改造补助" not in v02


def test_why_that_version_names_acts_under_an_earlier_version():
    """Finding 4: v02's 2017 act (2015 text) beside a 2019 act (2018 text) was judged under 2018
    with "the same version was in force when the acts were committed and when the case is
    decided", false for act A. The reason now says an earlier act was committed under an earlier
    version and each act is judged on its own, and act A's line names the version of its own
    date; v04, the 2017 act alone, keeps the plain reason and names nothing."""
    en = explain(CASES / "v02_span_2017_2019_poverty.json")
    why = next(ln for ln in en.splitlines() if "why that version:" in ln)
    assert "the same version was in force when the latest act was committed" in why
    assert "each act is judged old-or-lighter on its own" in why
    assert "when the acts were committed and when" not in en
    act_a, act_b = (next(ln for ln in en.splitlines() if f"act {i} (" in ln) for i in ("A", "B"))
    assert "committed under the 2015 revision: judged under it" in act_a
    assert "(the case is dated by the latest act, 2018 revision)" in act_a
    assert "committed under the" not in act_b
    assert "(2018) Art. 142(2) Acts under two versions: old-or-lighter, act by act" in en
    zh = explain(CASES / "v02_span_2017_2019_poverty.json", "--lang", "zh")
    assert "有行为发生在此前的版本施行期间，逐个行为从旧兼从轻" in zh
    assert "行为时施行2015年修订条例：依该版本处理" in zh
    v04 = explain(CASES / "v04_2017act_poverty_dec2019.json")
    assert "why that version: the version in force when the acts were committed (from" in v04
    assert "committed under the" not in v04


def test_an_act_before_the_revision_is_judged_under_its_own_version(tmp_path):
    """Finding 4, the law: v02 with act B outside the field and minor. Act A (2017, poverty
    relief) got the 2018 text's field aggravation through B's date: probation to expulsion.
    Whether A and B are one course is now asked (the outcome turns on it); a distinct breach
    is judged under the 2015 text (2018 Art. 142(2)), one course under the 2018 one."""
    data = json.loads((CASES / "v02_span_2017_2019_poverty.json").read_text())
    data["acts"][1].update(gravity="minor", poverty_relief=False)
    case = tmp_path / "v02b.json"
    case.write_text(json.dumps(data))
    text = explain(case)
    assert "Party sanction not decided: an act in the poverty-relief" in text
    assert "give that act's continues (one_course or distinct_breach)" in text
    assert text.splitlines()[0] == "range of Party sanctions: not decided"
    for continues, sanction in (
        ("distinct_breach", ["removal_from_post", "probation"]),
        ("one_course", ["probation", "expulsion"]),
    ):
        data["acts"][0]["continues"] = continues
        case.write_text(json.dumps(data))
        assert outcome(case)["sanction"] == sanction, continues
