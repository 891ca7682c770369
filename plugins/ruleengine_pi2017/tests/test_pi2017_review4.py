"""pi2017: the fourth legal review's findings (its cases copied into review4/)."""

# ruff: noqa: F811 (the fixtures of test_pi2017, imported, are the tests' arguments)

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from test_pi2017 import adapt, book, pm  # noqa: F401 (the fixtures)

from ruleengine.facts import loads_json

REVIEW4 = Path(__file__).parent / "review4"


def _review4(adapt, name: str):
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
def test_a_dated_seizure_keeps_art_11_3(adapt, book, dated, undated, items, level):
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


def test_the_2019_interpretation_is_named_for_arts_8_and_9(book):
    """Finding 4: the notes and labels on Arts. 8 and 9 said no standard exists for CL 286-1's
    'serious consequences' and CL 287-1's 'serious circumstances'; the 2019 interpretation
    (法释〔2019〕15号, in force 2019-11-01) sets them in Arts. 4 and 10. Named, in both languages,
    and said to be not encoded."""
    rb = book.rulebook
    label = rb.inputs["users_information_leaked_serious"].label.to_json()
    notes = {
        n: [x.to_json() for x in rb.rules[n].notes] for n in ("art9", "art8_network_offence_only")
    }
    value = rb.types["network_offence_kind"].labels["cl287_1_not_decided"].to_json()
    for text, zh_art, en_art in (
        (label, "第四条", "Art. 4"),
        (notes["art9"][0], "第四条", "Art. 4"),
        (notes["art8_network_offence_only"][0], "第十条", "Art. 10"),
        (value, "第十条", "Art. 10"),
    ):
        assert "法释〔2019〕15号" in text["zh"] and zh_art in text["zh"]
        assert "2019年11月1日" in text["zh"] and "未编码" in text["zh"]
        assert en_art in text["en"] and "Interpretation [2019] No. 15" in text["en"]
        assert "1 November 2019" in text["en"] and "not encoded" in text["en"]
        assert "sets no standard for 'serious consequences': it must" not in text["en"]


def test_the_item_counts_leave_out_anonymised_information(book):
    """Finding 5: Art. 3 para. 2's proviso ("经过处理无法识别特定个人且不能复原的除外") was nowhere:
    the labels of the counts (and of an act's items) now tell the analyst to leave such
    information out, in both languages."""
    from ruleengine_pi2017.counting import CATEGORIES, record_fields

    (acts,) = record_fields()
    labels = [book.rulebook.inputs[field].label for field, _, _ in CATEGORIES.values()]
    labels.append(acts.type.element.fields["items"].label)
    for label in labels:
        text = label.to_json()
        assert "无法识别特定个人且不能复原" in text["zh"] and "第三条第二款" in text["zh"]
        assert "cannot identify a specific person and cannot be restored" in text["en"]
        assert "Art. 3 para. 2" in text["en"]


def test_combining_work_items_with_bought_ones_is_marked_our_reading(book):
    """Finding 6: whether in-duty items (against item 8's halved standard) combine with items
    from elsewhere (full standard) in item 6's proportional sum is a reading: 20/25 + 20/50 =
    1.2 would be serious. The note and the example stated the engine's 'no' as settled; both
    now mark it ours, name the alternative and flag it for counsel."""
    from test_pi2017 import ROOT

    (note,) = [
        n.to_json() for n in book.rulebook.rules["art5_1_8"].notes if "20" in n.to_json()["en"]
    ]
    assert "our reading, for counsel" in note["en"] and "1.2" in note["en"]
    assert "本规则的理解，请律师核对" in note["zh"] and "1.2" in note["zh"]
    example = ROOT / "examples" / "pi2017" / "clerk_sells_work_and_bought_whereabouts.json"
    description = loads_json(example.read_text("utf-8"))["description"]
    assert "our reading (for counsel" in description and "1.2" in description
