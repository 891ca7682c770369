"""pi2017: what-if reaches the acts the adapter counts (fifth legal review, finding 6)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ruleengine.cli import app

# 70 obtained, 70 seized, 10 proven untrue and 11 proven duplicated: 49 credit items.
Q05 = str(Path(__file__).parent / "review5" / "q05_obt70_seize70_false10_dup11.json")
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_whatif_varies_a_field_of_an_act_through_the_adapter():
    """--vary of an act's field was refused ("'acts' is not a fact of this rulebook"); each
    value is now counted by the adapter and decided, every value of a small range."""
    result = _run("whatif", "-r", "pi2017", Q05, "--vary", "acts[1].proven_duplicate=0..30")
    assert result.exit_code == 0, result.output
    assert "Along proven duplicated (acts[1].proven_duplicate)" in result.output
    assert "from 11" in result.output  # 49 items from 11 duplicated on: not serious
    assert "decided at every value of the range" in result.output
    out = _run("whatif", "-r", "pi2017", Q05, "--vary", "acts[1].proven_duplicate", "-f", "json")
    found = json.loads(out.output)
    assert [b["at"] for b in found["breakpoints"]] == [11]
    # Beyond 60 the adapter refuses the record (71 proven of 70 seized): one range, said.
    last = found["segments"][-1]
    assert last["from"] == 61 and "but only 70 found" in last["error"]


def test_unknown_of_a_field_of_an_act():
    result = _run("explain", "-r", "pi2017", Q05, "--unknown", "acts[1].proven_false")
    assert result.exit_code == 0, result.output
    said = "still open: proven untrue (seize) (acts[1].proven_false) could change it"
    assert said in result.output


def test_whatif_names_the_act_facts_and_how_the_count_was_derived():
    """The change that reaches 50 credit items is one fewer proven duplicated in acts[1],
    and the count says how it was derived, not 'credit items 50' the user never gave."""
    result = _run("explain", "-r", "pi2017", Q05, "--whatif")
    assert result.exit_code == 0, result.output
    changes = result.output.split("What would change the outcome")[1]
    assert (
        "↑ serious circumstances: proven duplicated (acts[1].proven_duplicate) 10 (now 11), so "
        "items of credit-reporting information" in changes
    )
    assert "50 (now 49 = 70 seized less 21 proven untrue or duplicated (Art. 11(3)))" in changes
    derived = "items of credit-reporting information (leave out"
    assert not any(line.split(": ", 1)[-1].startswith(derived) for line in changes.splitlines())


def test_whatif_json_gives_the_derived_count():
    result = _run("explain", "-r", "pi2017", Q05, "--whatif", "-f", "json")
    changes = json.loads(result.output)["what_would_change"]["changes"]
    fewer = [
        c
        for c in changes
        if c["conclusion"] == "level" and c["facts"][0]["fact"] == "acts[1].proven_duplicate"
    ]
    assert fewer and fewer[0]["facts"][0]["changed_to"] == 10
    assert fewer[0]["derived"] == [{"fact": "credit_items", "in_the_case": 49, "changed_to": 50}]
    assert fewer[0]["verified"] is True


# The same 49 credit items given as a total, no gains: an offence brings Art. 12's fine.
TOTALS = str(Path(__file__).parent / "review5" / "q05_totals_credit49.json")


def test_a_fine_that_follows_the_gains_is_shown_as_its_formula():
    """'→ 0.01 CNY – 0.05 CNY: ... illegal gains 0.01 CNY (now 0 CNY)' three times: an amount
    the formula gives at a gain no one argues. It is shown once per change of the other
    facts, as the formula, with its fact from where the formula gives it."""
    result = _run("explain", "-r", "pi2017", TOTALS, "--whatif")
    assert result.exit_code == 0, result.output
    fine = result.output.split("amount of the fine (as a rule): not decided")[1]
    fine = fine.split("\n├── ")[0]
    assert "0.05 CNY" not in fine and "25000 CNY" not in fine
    assert (
        "→ illegal gains – 5 × illegal gains: any illegal gains from 5000 CNY (now 0 CNY) · "
        "decided by Interpretation [2017] No. 10 Art. 12" in fine
    )
    assert "50 (now 49) and any illegal gains above 0 CNY (now 0 CNY)" in fine
    out = json.loads(_run("explain", "-r", "pi2017", TOTALS, "--whatif", "-f", "json").output)
    follows = [c for c in out["what_would_change"]["changes"] if c["conclusion"] == "fine_amount"]
    assert follows and all(c["follows"] == "illegal_gain" and c["verified"] for c in follows)
    formula = {"linear": [{"fact": "illegal_gain", "times": 5}], "plus": 0}
    assert all(c["formula"][1] == formula for c in follows)
    # The change is decided at the least gain it names: the value there is what "to" says.
    assert [c["to"] for c in follows] == [[5000, 25000], ["0.01", "0.05"], ["0.01", "0.05"]]


def test_the_nearest_miss_says_how_the_count_was_derived():
    """The nearest miss's 'reached with: items of credit-reporting information 50 (now 49)'
    said nothing of the 70 seized less 21 proven: the count it names is the adapter's."""
    result = _run("explain", "-r", "pi2017", Q05)
    assert result.exit_code == 0, result.output
    miss = result.output.split("Nearest miss toward a higher outcome")[1].split("\n")[1]
    assert miss.endswith(
        "50 (now 49 = 70 seized less 21 proven untrue or duplicated (Art. 11(3)))"
    ), miss
    zh = _run("explain", "-r", "pi2017", Q05, "--lang", "zh").output
    assert "（现为49 = 查获70条，减去经证明不真实或者重复的21条（第十一条第三款））" in zh


def test_whatif_varies_an_acts_date_through_the_adapter_and_finds_each_text_in_time(tmp_path):
    """A seventh QA round: ``--vary 'acts[0].acted_on'`` was exit 70 (the date still as text
    reached the search; its open ends left the calendar). Each text of Art. 253-1 in time is
    now a range of its own: before 1997-10-01 not encoded, then no Art. 253-1 (no offence),
    Amendment VII from 2009-02-28, Amendment IX from 2015-11-01."""
    case = tmp_path / "seller.json"
    act = {"kind": "sell", "category": "credit", "items": 600, "recipient": "b"}
    facts = {"staff_sold_own_unit_information": True, "acts": [{**act, "acted_on": "2016-05-01"}]}
    case.write_text(json.dumps({"as_of": "2019-06-01", "facts": facts}), encoding="utf-8")
    out = _run("whatif", "-r", "pi2017", str(case), "--vary", "acts[0].acted_on", "-f", "json")
    assert out.exit_code == 0, out.output
    found = json.loads(out.output)
    assert [b["at"] for b in found["breakpoints"]][:4] == [
        "1997-10-01",
        "2009-02-28",
        "2014-12-31",  # from here the five years surely run past the year judged
        "2015-11-01",
    ]
    texts = {s["from"]: s["outcome"]["text_applied"] for s in found["segments"] if s.get("outcome")}
    assert texts["1997-10-01"] == "none"  # the 1997 Criminal Law before Amendment VII
    assert texts["2014-12-31"] == "amendment7" and texts["2015-11-01"] == "amendment9"
    explained = _run("explain", "-r", "pi2017", str(case), "--unknown", "acts[0].acted_on")
    assert explained.exit_code == 0, explained.output


def test_whatif_does_not_vary_the_conduct_the_adapter_derives_from_the_acts():
    """Seventh legal review, E1: the clerk who obtained and sold 600 records (acts) was
    offered 'conduct → lawful collection in duties or services, nothing sold or provided':
    the acts of selling stay, so the case described cannot be. The adapter derives conduct
    from the acts' kinds, which what-if keeps as what happened."""
    case = (
        Path(__file__).parents[3]
        / "examples"
        / "pi2017"
        / "hospital_clerk_sells_records_in_2014.json"
    )
    result = _run("explain", "-r", "pi2017", str(case), "--whatif", "-f", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["what_would_change"]
    assert "conduct" not in found["varied"]
    assert not any(f["fact"] == "conduct" for c in found["changes"] for f in c["facts"])
