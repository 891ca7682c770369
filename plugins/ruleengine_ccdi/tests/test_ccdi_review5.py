"""The fifth legal review's ccdi findings, on the reviewer's own cases (kept in review5/):
what a reader of ``explain`` sees."""

from __future__ import annotations

import json
from pathlib import Path

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
        if "decided by" in ln and " – " in ln and any(w in ln.split(":")[0] for w in sanctions)
    ]
    assert lines
    for line in lines:
        assert "Disciplinary Regulations (2015) Art." in line, line
    assert "Art. 142" not in "\n".join(lines)
    assert any("(acts[0].gravity) serious" in ln and "(2015) Art. 105" in ln for ln in lines)
