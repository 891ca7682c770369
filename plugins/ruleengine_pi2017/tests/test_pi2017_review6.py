"""pi2017: the sixth legal review's findings on the limitation period (its cases copied into
review6/): acts joined across Amendment IX only where each side can still be prosecuted
(finding 1), filing dates out of order (2), the range kept where only the limitation is not
decided (3), undated acts with a filing date (4), Art. 87's items (5)."""

# ruff: noqa: F811 (the fixtures of test_pi2017, imported, are the tests' arguments)

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from test_pi2017 import adapt, book, pm  # noqa: F401 (the fixtures)

from ruleengine.facts import loads_json

REVIEW6 = Path(__file__).parent / "review6"
L14 = "L14_2010_barred_joined_with_2016.json"
L15 = "L15_2014_2016_joined_filed_2025.json"


def _case(name: str, **more):
    record = loads_json((REVIEW6 / name).read_text(encoding="utf-8"))
    return {**record["facts"], **more}, datetime.date.fromisoformat(record["as_of"])


def _decide(adapt, book, record, day):
    facts, notes = adapt(record)
    return facts, notes, book.decide(facts, day).conclusions


def test_an_earlier_side_barred_on_its_own_is_not_joined(adapt, book):
    """L14: 450 credit records sold in 2010 (five years, to 2015-03-15, before the 2016 act:
    nothing restarts them) and 50 in 2016, filed 2018. Joined, they were 'especially serious,
    three to seven years, within the period'; the 2010 side is barred on its own, so only the
    2016 side is judged: serious, up to three years, within."""
    facts, notes, c = _decide(adapt, book, *_case(L14))
    assert "joined_across_amendment9" not in facts and facts["credit_items"] == 50
    assert (c["level"], c["statutory_maximum"], c["limitation"]) == (
        "serious",
        "three_years",
        "within_time",
    )
    assert c["acts_joined"] == "none"
    (barred,) = [n for n in notes if "不应当追诉" in n["zh"]]
    assert "第八十七条第一项" in barred["zh"] and "continuous offence" in barred["en"]


@pytest.mark.parametrize(
    ("began", "joined", "limitation"),
    [("2025-06-01", False, "time_barred"), ("2018-06-01", True, "within_time")],
)
def test_the_earlier_period_is_restarted_by_the_later_side(adapt, book, began, joined, limitation):
    """L15: 300 in 2014 (five years, restarted by the 2016 side to 2021-05-02, CL Art. 89(2))
    and 50 in 2016. Filed 2025, each side is barred: only joining them into the 3-7-year range
    saved them, and now nothing does. Filed 2018, both sides were prosecutable: joined."""
    facts, _, c = _decide(adapt, book, *_case(L15, prosecution_began_on=began))
    assert facts.get("joined_across_amendment9", False) is joined
    assert c["limitation"] == limitation


def test_without_a_filing_date_the_earlier_side_is_measured_to_the_year_judged(adapt, book):
    """No filing date: the adapter cannot tell the day judged, so it joins and says when the
    earlier side's own period ends (2021-05-02, restarted); the rules measure it to the year
    judged. The later side alone is especially serious (ten years, to 2026): only the
    earlier side may have run, and the case is not decided, saying so."""
    record, _ = _case(L15)
    del record["prosecution_began_on"]
    record["acts"][2]["items"] = record["acts"][3]["items"] = 600
    for day, limitation in (
        (datetime.date(2020, 6, 1), "within_time_at_judgment"),
        (datetime.date(2022, 6, 1), "earlier_side_not_decided"),
    ):
        facts, _, c = _decide(adapt, book, record, day)
        assert facts["earlier_limitation_end"] == "2021-05-02"
        assert c["limitation"] == limitation
    assert c["statutory_maximum"] == "seven_years" and c["fine"].get("en") == "not decided"


@pytest.mark.parametrize("name", ["L11_filed_after_as_of.json", "L21_filed_before_act.json"])
def test_a_filing_after_the_year_judged_or_before_the_act_decides_nothing(adapt, book, name):
    """Finding 2: judged in 2019, a filing in 2025 made the case time-barred; a filing before
    the act made it within. Both are not decided now, the range kept."""
    _, _, c = _decide(adapt, book, *_case(name))
    assert c["limitation"] == "filing_out_of_order"
    assert (c["statutory_maximum"], c["text_applied"]) == ("three_years", "amendment9")
    assert c["fine"].get("en") == "not decided"


def test_a_missing_filing_date_leaves_only_the_sentence_not_decided(adapt, book):
    """Finding 3 (L13): the period ends 2021-12-30, within the year judged. The headline, the
    text applied and the maximum were 'not decided' with a false reason; they are decided."""
    _, _, c = _decide(adapt, book, *_case("L13_nofiling_ends_dec30.json"))
    assert c["limitation"] == "not_decided"
    assert (c["circumstances_applied"], c["text_applied"], c["statutory_maximum"]) == (
        "serious",
        "amendment9",
        "three_years",
    )
    assert "limitation period" in c["sentence"].get("en")


def test_undated_acts_filed_past_five_years_from_the_assumed_day_are_not_decided(adapt, book):
    """Finding 4 (R02): no act date, filed 2020-11-02, a day after five years from
    2015-11-01: the sentence stood. Not decided now, naming acted_last; a day earlier, within
    on the rulebook's assumption."""
    record, day = _case("R02_undated_with_filing.json")
    _, _, c = _decide(adapt, book, record, day)
    assert c["limitation"] == "not_decided_undated" and "acted_last" in c["sentence"].get("en")
    _, _, c = _decide(adapt, book, {**record, "prosecution_began_on": "2020-11-01"}, day)
    assert c["limitation"] == "within_time_undated"


@pytest.mark.parametrize(
    ("items", "began", "kind", "item"),
    [
        (50, "2021-05-02", "time_barred", "第八十七条第一项"),
        (500, "2026-05-02", "time_barred_ten_years", "第八十七条第二项"),
    ],
)
def test_time_barred_names_the_item_of_art_87_that_gives_the_period(book, items, began, kind, item):
    """Finding 5: 'CL Art. 87' without its item; the period is item 1's five years or item
    2's ten. The caveat that CPL Art. 16 was seen only in an excerpt is gone. The limitation
    line carries it (10.1: the sentence stays the statute's range)."""
    facts = {"acted_last": "2016-05-01", "tracking_items": items, "prosecution_began_on": began}
    c = book.decide(facts, datetime.date(2027, 1, 1)).conclusions
    assert c["limitation"] == kind
    label = book.rulebook.types["limitation_kind"].labels[kind].get("zh")
    assert item in label and "二手摘录" not in label
