"""check --prove on gaps: the regions of the facts where no rule decides a conclusion
declared always decided, in the rule text's own terms, each with a witness that ``explain``
shows undecided; planted in small rule texts whose regions are known exactly."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_RULES, app
from ruleengine.loader import load_text
from ruleengine.prove import prove_rulebook

z3 = pytest.importorskip("z3")

from ruleengine.prove import regions  # noqa: E402

runner = CliRunner()


def gap(text: str):
    report = prove_rulebook(load_text(text))
    [finding] = [f for f in report.findings if f.code == "P104"]
    return finding


def test_one_region_between_two_rules():
    """Two rules cover x < 10 and x >= 20: the gap is exactly 10 <= x < 20."""
    f = gap(
        "input x: count = 0\n"
        "conclusion v: value text always decided\n"
        'rule low { cite article 1  when x < 10  then v = "low" }\n'
        'rule high { cite article 2  when x >= 20  then v = "high" }\n'
    )
    assert [r.text for r in f.regions] == ["10 ≤ x < 20"]
    assert not f.more_regions and f.regions_note is None
    assert f.regions[0].replayed is True and 10 <= f.regions[0].witness["facts"]["x"] < 20


TWO = """\
input x: count = 0 en "items"
input gain: money(CNY) = 0 yuan en "illegal gain"
conclusion v: value text always decided
rule both_low { cite article 1  when x < 10 and gain < 5000 yuan  then v = "minor" }
rule both_high { cite article 2  when x >= 10 and gain >= 5000 yuan  then v = "serious" }
"""


def test_two_inputs_give_two_disjoint_regions_by_label_and_currency():
    """Two rules cover the two corners where both facts are low or both high: the gap is the
    other two corners, said by the inputs' labels, money with its currency."""
    f = gap(TWO)
    assert sorted(r.text for r in f.regions) == [
        "items < 10 and illegal gain ≥ 5000 CNY",
        "items ≥ 10 and illegal gain < 5000 CNY",
    ]
    for r in f.regions:
        assert r.replayed is True
        facts = r.witness["facts"]
        x, gain = facts.get("x", 0), facts.get("gain", "0 CNY")
        assert (x < 10) == (float(gain.split()[0]) >= 5000), facts


def test_members_yes_no_facts_and_exact_numbers():
    """A member test by its label, a yes/no fact as yes or no, a decimal as an exact
    fraction; what no rule of the gap reads is left out."""
    f = gap(
        "enum how_kind {\n"
        '  bought: en "bought"\n'
        '  sold: en "sold"\n'
        '  collected: en "collected lawfully in the course of duty"\n'
        "}\n"
        'input how: how_kind = bought en "how it was obtained"\n'
        'input in_duty: bool = false en "in the course of duty"\n'
        'input share: decimal = 0 en "share"\n'
        "input unrelated: count = 0\n"
        "conclusion v: value text always decided\n"
        'rule traded { cite article 1  when how in [bought, sold]  then v = "traded" }\n'
        'rule duty { cite article 2  when in_duty and share > 1/3  then v = "duty" }\n'
        'rule other { cite article 3  when unrelated > 5 and how = bought  then v = "x" }\n'
    )
    assert sorted(r.text for r in f.regions) == [
        "how it was obtained is collected lawfully in the course of duty and "
        "in the course of duty: no",
        "how it was obtained is collected lawfully in the course of duty and share ≤ 1/3",
    ]
    assert all(r.replayed is True for r in f.regions)


def test_a_lighter_blocks_gap_is_bounded_by_dates():
    """A conclusion a lighter block decides: the region names the act date against the
    version's first day, as a date."""
    text = (Path(__file__).parent / "prove_lighter" / "lighter.rules").read_text()
    text = text.replace("  decides: label\n", "  decides: label, kind\n")
    text += (
        "conclusion kind: value text always decided\n"
        "rule kind_old { cite article 9  from 2010-01-01  until 2020-01-01  when items >= 100\n"
        '  then kind = "old" }\n'
        'rule kind_new { cite article 10  from 2020-01-01  then kind = "new" }\n'
    )
    f = gap(text)
    # Under the old version, below 100 items; under the new one, where the old version
    # applies (not heavier: below 10 items, both nothing; 50-79 both a fine; 80-99 a fine
    # against prison) and, applied, decides nothing below 100 items.
    new_day = datetime.date(2020, 1, 1)
    old, new = (datetime.date(2010, 1, 1), new_day), (new_day, None)
    assert {(r.text, tuple(r.periods)) for r in f.regions} == {
        ("items < 100", (old,)),
        ("2010-01-01 ≤ acted_on < 2020-01-01 and items < 10", (new,)),
        ("2010-01-01 ≤ acted_on < 2020-01-01 and 50 ≤ items < 100", (new,)),
    }
    assert all(r.replayed is True for r in f.regions)


def test_the_cap_is_said_with_the_regions_found(monkeypatch):
    """Past the cap the search stops and says there are more."""
    monkeypatch.setattr(regions, "MAX_REGIONS", 1)
    f = gap(TWO)
    assert len(f.regions) == 1 and f.more_regions
    from ruleengine.prove.report import render_finding

    assert "the first 1 found (the cap, 1 per period: there are more)" in render_finding(f)


def test_each_region_witness_is_written_and_explain_shows_it_undecided(tmp_path):
    rules = tmp_path / "two.rules"
    rules.write_text(TWO)
    folder = tmp_path / "w"
    result = runner.invoke(
        app, ["check", "--prove", str(rules), "--format", "json", "--witnesses", str(folder)]
    )
    assert result.exit_code == EXIT_BAD_RULES, result.output
    report = json.loads(result.stdout)
    [f] = report["findings"]
    assert f["regions_cap"] == regions.MAX_REGIONS and f["more_regions"] is False
    assert len(f["regions"]) == 2
    assert f["regions"][0]["tests"]  # the tests of the rule text, each with its truth value
    names = ["P104-1.json", "P104-1-2.json"]
    assert {p.name for p in folder.iterdir()} == set(names)
    for name, region in zip(names, f["regions"]):
        assert json.loads((folder / name).read_text()) == region["witness"]
        shown = runner.invoke(
            app, ["explain", str(folder / name), "--rules", str(rules), "--format", "json"]
        )
        trace = json.loads(shown.stdout)
        [v] = [c for c in trace["conclusions"] if c["name"] == "v"]
        assert not v["decided_by"], v


def test_a_gap_its_rules_tests_cannot_describe_is_said_with_its_witness(monkeypatch):
    """Where the tests found do not imply the gap, the region is said not described, with a
    witness, rather than claimed."""
    monkeypatch.setattr(regions, "_tests", lambda enc, conclusion: [])
    f = gap(TWO)
    [r] = f.regions
    assert r.text == "" and r.replayed is True and "not described" not in (f.regions_note or "")
    assert f.regions_note.startswith("the rest of the gap depends on more than the tests")
    from ruleengine.prove.report import render_finding

    assert "1. not described: the rest of the gap" in render_finding(f)


def test_a_yes_no_fact_compared_with_a_truth_value_reads_yes_or_no():
    f = gap(
        'input flag: bool = false en "reported in time"\n'
        "conclusion v: value text always decided\n"
        'rule a { cite article 1  when flag = false  then v = "a" }\n'
    )
    assert [r.text for r in f.regions] == ["reported in time: yes"]


def test_a_list_of_numbers_and_a_date_bound():
    f = gap(
        "input x: count = 0\n"
        'input d: date = 2020-01-01 en "date of the act"\n'
        "conclusion v: value text always decided\n"
        'rule a { cite article 1  when x in [1, 2, 3]  then v = "a" }\n'
        'rule b { cite article 2  when d >= 2021-03-01  then v = "b" }\n'
    )
    assert [r.text for r in f.regions] == ["x is none of: 1; 2; 3 and date of the act < 2021-03-01"]
    assert f.regions[0].replayed is True
