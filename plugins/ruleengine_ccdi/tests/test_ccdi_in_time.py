"""ccdi's criminal layer for a case judged before its acts (criminal_law.rules,
cl12_*_judged_before_the_acts): the rules each one sets aside must be every rule that decides
one of its lighter block's conclusions, or the band of an act after the day would come back
(the fines read the sentence set there: `check --prove` finds an override of them dead)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ruleengine
from ruleengine.cli import app
from ruleengine.plugins import get_plugin_manager, rule_sources

ROOT = Path(__file__).resolve().parents[3]
#: The days on which the rules of Art. 383 change (cl1997, the window, eb2016), each side.
DAYS = [
    datetime.date(*d)
    for d in (
        (1997, 10, 1),
        (2015, 10, 31),
        (2015, 11, 1),
        (2016, 4, 17),
        (2016, 4, 18),
        (2024, 6, 1),
    )
]


@pytest.fixture(scope="module")
def book():
    pm = get_plugin_manager()
    _, source = rule_sources(pm)["ccdi"]
    return ruleengine.load_paths(list(source.paths), name="ccdi", pm=pm)


@pytest.mark.parametrize("crime", ["embezzlement", "bribery"])
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_rule_of_the_crime_is_set_aside(book, crime, day):
    """On each day, the rule for a crime judged before its acts sets aside every rule in force
    that decides one of its block's conclusions; where none is in force (2015-11-01 to
    2016-04-17), the block's compared conclusions are decided by no rule at all."""
    rb = book.rulebook
    block = rb.lighters[f"{crime}_in_time"]
    own = set(block.decides) | set(block.compare)
    epoch = book.epoch(day)
    mine = {f"cl12_{crime}_judged_before_the_acts", f"cl12_{crime}_judged_before_the_acts_1997"}
    exceptions = mine & set(epoch.rules)
    deciding = {
        name
        for name in epoch.rules
        if name not in mine and any(a.conclusion in own for a in rb.rules[name].then)
    }
    if not exceptions:
        assert set(block.compare) <= epoch.undecided
        return
    (exception,) = exceptions
    assert deciding - set(rb.rules[exception].overrides) == set()


def test_a_batch_leaves_the_crime_not_decided(tmp_path):
    """The QA case (kickbacks of 2024-07-04 judged as of 2015-10-31) in a batch, as by eval.
    ccdi's batches run one by one (an aggregate bars the columnar path, docs/batch.md); the
    core's tests run the columnar path on a case judged before its acts."""
    case = json.loads((ROOT / "examples" / "ccdi" / "kickbacks.json").read_text("utf-8"))
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps(case, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cli = ["run", str(lines), "-r", "ccdi", "-j", "1", "--as-of", "2015-10-31", "-o", str(out)]
    done = CliRunner().invoke(app, cli)
    assert done.exit_code == 0, done.output
    (row,) = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    for name in ("bribery_band", "bribery_sentence", "bribery_band_1997", "bribery_max"):
        assert row[name] == "judged_before_acts", (name, row[name])
    assert row["bribery_band.by"] == ["cl12_bribery_judged_before_the_acts_1997"]
    assert row["characterised_as"] == []
