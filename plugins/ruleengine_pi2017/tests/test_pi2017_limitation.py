"""pi2017: the limitation period (CL Arts. 87-89, limitation.rules) and the act date assumed only
where none was given (fifth legal review, findings 1 and 2; its cases copied into review5/)."""

# ruff: noqa: F811 (the fixtures of test_pi2017, imported, are the tests' arguments)

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from test_pi2017 import adapt, book, pm  # noqa: F401 (the fixtures)

from ruleengine import columnar
from ruleengine.facts import loads_json

REVIEW5 = Path(__file__).parent / "review5"
Q30 = "q30_staff_sold_100_in_2010_tried_2019.json"


def _case(name: str, **more):
    record = loads_json((REVIEW5 / name).read_text(encoding="utf-8"))
    return {**record["facts"], **more}, datetime.date.fromisoformat(record["as_of"])


@pytest.mark.parametrize(
    ("began", "limitation", "sentence", "fine"),
    [
        (
            None,
            "not_decided",
            "not decided: the limitation period (CL Art. 87) may have run",
            "not decided",
        ),
        (
            "2015-03-15",
            "within_time",
            "where the circumstances are serious",
            "a fine in addition, or a fine alone",
        ),
        # not prosecuted: the limitation says so; the sentence stays the text's range (10.1)
        (
            "2015-03-16",
            "time_barred",
            "where the circumstances are serious",
            "none (not prosecuted)",
        ),
    ],
)
def test_q30_a_crime_of_2010_tried_in_2019(adapt, book, began, limitation, sentence, fine):
    """Finding 1: 100 credit records sold in March 2010 (the Amendment VII text, three years at
    most: five years, CL Art. 87(1)), tried in 2019, were given 'serious, up to three years'
    and a fine. The five years end on 2015-03-15 (the act's day not counted): filed that day,
    within; a day later, not prosecuted; the filing date not given, not decided, naming it."""
    record, day = _case(Q30, **({"prosecution_began_on": began} if began else {}))
    facts, _ = adapt(record)
    c = book.decide(facts, day).conclusions
    assert c["limitation"] == limitation
    assert c["sentence"].get("en").startswith(sentence)
    assert c["fine"].get("en") == fine
    assert c["text_applied"] == ("not_decided" if began is None else "amendment7")


def test_the_periods_are_counted_by_calendar_years(adapt, book):
    """The day of the crime is not counted (CPL Art. 105(2)): the last day is the act's day
    moved by the years, the last day of February where the day does not exist. The rules
    count them (limitation.rules), so the prover's witnesses and the columnar path see the
    same dates: the adapter only says that a date was given."""
    facts, _ = adapt(
        {"tracking_items": 50, "acted_last": "2016-02-29", "later_crime_on": "2019-01-10"}
    )
    assert facts["act_date_given"] is True
    assert not any(k.startswith("limitation_") for k in facts)
    trace = book.explain(facts, datetime.date(2024, 1, 1))
    days = trace.definitions
    assert days["limitation_5_from_act"] == datetime.date(2021, 2, 28)
    assert days["limitation_10_from_act"] == datetime.date(2026, 2, 28)
    assert days["limitation_5_from_later"] == datetime.date(2024, 1, 10)
    undated, _ = adapt({"tracking_items": 50})
    assert "act_date_given" not in undated


@pytest.mark.parametrize(
    "name",
    ["q16b_50_20151031_50_20151101_true.json", "q15b_49_20151031_1_20151101_false.json"],
)
def test_dated_acts_on_the_first_day_of_amendment_ix_are_not_said_undated(adapt, book, name):
    """Finding 2: acts dated 2015-10-31 and 2015-11-01 were said to have no date ('taken as 1
    November 2015', undated_assumption true): the assumption is said only without a date."""
    record, day = _case(name)
    facts, notes = adapt(record)
    c = book.decide(facts, day).conclusions
    assert facts["acted_last"] == "2015-11-01" and c["undated_assumption"] is False
    assert not any(n["en"].startswith("no act date given") for n in notes)
    undated = {k: v for k, v in record.items() if k != "acts"}
    undated["acts"] = [{k: v for k, v in a.items() if k != "acted_on"} for a in record["acts"]]
    facts, _ = adapt(undated)
    assert book.decide(facts, day).conclusions["undated_assumption"] is True


def test_the_columnar_path_decides_the_limitation_as_eval_does(adapt, book):
    """`ruleengine run` takes the columnar path for pi2017 (it moves the act date by the
    years of the periods in columns); its decisions are the per-case path's."""
    day = datetime.date(2019, 1, 1)
    records = []
    for began in (None, "2015-03-15", "2015-03-16"):
        for more in ({}, {"evaded_after_filing": True}, {"victim_complained_not_filed": True}):
            extra = {**more, **({"prosecution_began_on": began} if began else {})}
            records.append(adapt(_case(Q30, **extra)[0])[0])
    records.append(adapt({"tracking_items": 500, "acted_last": "2016-05-01"})[0])
    assert columnar.how(book, day).startswith("columnar")
    rows = columnar.decide_chunk(book, records, day)
    assert [r.conclusions for r in rows] == [book.decide(f, day).conclusions for f in records]
    assert {r.conclusions["limitation"] for r in rows} == {
        "not_decided",
        "within_time",
        "time_barred",
        "not_limited_evaded",
        "not_limited_complaint",
        "within_time_at_judgment",
    }


def test_the_reply_s_two_limbs_are_named_where_later_acts_are_left_out(adapt):
    """Finding 3: the note on later acts left out cited only the reply's 'offences of the same
    kind'; item 2 also covers 'continuous offences' (连续犯罪), under which the later acts would
    be summed: both limbs are named, and which one the rulebook applies (our reading)."""
    record, _ = _case("q11b_600_2014_49_2016_earlier_true.json")
    _, notes = adapt(record)
    (left_out,) = [n for n in notes if n.get("value") == "left_out"]
    assert "连续犯罪" in left_out["zh"] and "同种类数罪" in left_out["zh"]
    assert "continuous offences" in left_out["en"] and "for counsel" in left_out["en"]


@pytest.mark.parametrize(
    ("name", "began", "headline"),
    [
        ("q16c_500_20151031_49_20151101_true.json", "2019-01-01", "serious_only_range"),
        ("q23_1996_only_600.json", None, "not_decided"),
    ],
)
def test_the_headline_names_no_level_the_text_applied_lacks(adapt, book, name, began, headline):
    """Finding 9: 'especially serious' headed a case under the Amendment VII text (one range,
    情节严重) and a 1996 act whose text is not decided. The headline, the first conclusion, is
    now the level as the text applied has it."""
    record, day = _case(name, **({"prosecution_began_on": began} if began else {}))
    facts, _ = adapt(record)
    c = book.decide(facts, day).conclusions
    assert c["level"] == "especially_serious"
    assert next(iter(book.rulebook.conclusions)) == "circumstances_applied"
    assert c["circumstances_applied"] == headline
