"""pi2017: the seventh legal review's early findings (its cases copied into review7/): the same
batch sold twice to the same buyer was added up as different information (E3)."""

# ruff: noqa: F811 (the fixtures of test_pi2017, imported, are the tests' arguments)

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from test_pi2017 import adapt, book, pm  # noqa: F401 (the fixtures)

from ruleengine.facts import loads_json

REVIEW7 = Path(__file__).parent / "review7"


def _case(adapt, book, name: str):
    record = loads_json((REVIEW7 / name).read_text(encoding="utf-8"))
    facts, notes = adapt(record["facts"])
    day = datetime.date.fromisoformat(record["as_of"])
    return facts, notes, book.decide(facts, day).conclusions


@pytest.mark.parametrize(
    ("name", "items", "level"),
    [
        # Batch X holds 25 (obtained): sold twice to A, the second sale can only be the same
        # 25 again, which Art. 11(2) adds up only for different recipients: 25, no offence.
        ("A3.json", 25, "none"),
        # No obtaining: whether the two sales to A carried the same information the acts do
        # not say; not counted twice silently: the least they allow, 25, and 50 said beside.
        ("A3b.json", 25, "none"),
        # To A and to B: Art. 11(2) counts the same information for each recipient.
        ("A1.json", 50, "serious"),
        ("A2.json", 49, "none"),
    ],
)
def test_the_same_batch_sold_twice_to_one_buyer_is_not_added_up(adapt, book, name, items, level):
    """E3: 25 + 25 to the same buyer was 50, 'different information to the same recipient
    adds up (our reading)', serious, though batch X held 25 (Art. 11(1)-(3))."""
    facts, notes, c = _case(adapt, book, name)
    assert facts["tracking_items"] == items and c["level"] == level
    (count,) = [n for n in notes if n.get("fact") == "tracking_items"]
    assert "different information to the same recipient adds up" not in count["en"]
    if name == "A3.json":
        assert "the batch holds 25: the rest can only be the same information again" in count["en"]
        assert "第十一条第二款" in count["zh"] and "第十一条第一款" in count["zh"]
    if name == "A3b.json":
        assert "not saying whether they carried the same information (info)" in count["en"]
        assert (
            "counted as 25" in count["en"] and "50 if it was different information" in count["en"]
        )
        assert count["batches"][0]["same_or_not"] == {"A": [25, 50]}


def test_sales_to_one_buyer_marked_as_different_information_add_up(adapt):
    """The acts say (``info``) the two sales carried different information: 50, said so."""
    record = loads_json((REVIEW7 / "A3b.json").read_text(encoding="utf-8"))
    acts = record["facts"]["acts"]
    acts[0]["info"], acts[1]["info"] = "first", "second"
    facts, notes = adapt(record["facts"])
    assert facts["tracking_items"] == 50
    (count,) = [n for n in notes if n.get("fact") == "tracking_items"]
    assert "different information (distinct info) to the same recipient adds up" in count["en"]


def test_whatif_offers_a_seller_no_art6_purchase_and_names_art5_for_the_headline():
    """P01 (sells 100 items, gains 5,000): what-if offered 'bought or received for lawful
    business: yes (now no)' alone, promising 'no offence' to a seller (E1: Art. 6 reaches
    buying only, para. 2 puts a seller under Art. 5), and said the headline 'circumstances'
    was 'decided by Criminal Law Art. 12(1)' (E2: the level is Art. 5(2)(3)'s)."""
    from typer.testing import CliRunner

    from ruleengine.cli import app

    case = str(REVIEW7 / "P01.json")
    result = CliRunner().invoke(app, ["explain", "-r", "pi2017", case, "--whatif", "-f", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["what_would_change"]["changes"]
    alone = [c for c in found if [f["fact"] for f in c["facts"]] == ["bought_for_lawful_business"]]
    assert alone == []
    up = [
        c
        for c in found
        if c["conclusion"] == "circumstances_applied"
        and [f["fact"] for f in c["facts"]] == ["illegal_gain"]
        and c["facts"][0]["changed_to"] == 50000
    ]
    assert [c["decided_by"] for c in up] == [["art5_2_3"]]
