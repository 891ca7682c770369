"""pi2017: the fourth legal review's findings (its cases copied into review4/)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from test_pi2017 import adapt, book, pm  # noqa: F401 (the fixtures)

from ruleengine.facts import loads_json

REVIEW4 = Path(__file__).parent / "review4"


def _review4(adapt, name: str):  # noqa: F811
    """The adapted facts, the notes and the date a review case is judged on."""
    record = loads_json((REVIEW4 / name).read_text(encoding="utf-8"))
    facts, notes = adapt(record["facts"])
    return facts, notes, datetime.date.fromisoformat(record["as_of"])


@pytest.mark.parametrize(
    ("dated", "undated", "items", "level"),
    [
        ("p27_seized_60_false_11.json", "p28_seized_60_false_11_undated.json", 49, "none"),
        ("p30_seized_60_dup_11_sold.json", "p31_seized_60_dup_11_sold_undated.json", 49, "none"),
        (
            "p33_obtained30_seized60_dated.json",
            "p34_obtained30_seized60_undated.json",
            60,
            "serious",
        ),
    ],
)
def test_a_dated_seizure_keeps_art_11_3(adapt, book, dated, undated, items, level):  # noqa: F811
    """Finding 1: once the acts were dated (all in 2019), a seizure sharing its batch with an
    act of obtaining was dropped: the 11 items proven untrue or duplicated were counted (p27,
    p30: 60, serious, where undated gives 49, none) and the 60 seized beside 30 obtained were
    not (p33: 30). The seizure counts as seized, less what is proven untrue or duplicated, dated
    by the obtaining it measures, and the counting lines say so."""
    for name in (dated, undated):
        facts, notes, day = _review4(adapt, name)
        assert facts["credit_items"] == items, name
        assert book.decide(facts, day).conclusions["level"] == level, name
    facts, notes, _ = _review4(adapt, dated)
    assert facts["acted_last"] < "2019-07-01"  # the seizure day dates nothing
    (seizure,) = [n for n in notes if "seizure" in n["en"]]
    assert "dated by the obtaining" in seizure["en"] and "Art. 11(3)" in seizure["en"]
    assert "第十一条第三款" in seizure["zh"] and "查获之日" in seizure["zh"]
    assert not any("acts not counted" in n["en"] for n in notes)
