"""The CCDI jurisdiction: loaded as an installed plugin, its rule tests, its worked examples."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import gen_threshold_tests  # beside this file; pytest puts this folder on the path
import pytest

import ruleengine
from ruleengine.facts import loads_json, to_json_value
from ruleengine.plugins import adapter_chain, get_plugin_manager, rule_sources
from ruleengine.testing import run_tests
from ruleengine_ccdi import cases

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "ccdi"
CASE_FILES = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.fixture(scope="module")
def pm():
    return get_plugin_manager()


@pytest.fixture(scope="module")
def book(pm):
    _, source = rule_sources(pm)["ccdi"]
    return ruleengine.load_paths(list(source.paths), name="ccdi", pm=pm)


def test_plugin_is_discovered_by_entry_point(pm):
    assert "ccdi" in rule_sources(pm)
    assert not [e for e in pm.plugin_errors if e.plugin == "ccdi"]


def test_rulebook_loads_without_warnings(book):
    assert [w.render() for w in book.rulebook.warnings] == []


def test_every_rule_cites_and_quotes_its_provision(book):
    """A lawyer reads each provision's own words in the explanation (issue 11, item 5)."""
    for rule in book.rulebook.rules.values():
        assert rule.citation.parts, rule.name
        assert rule.text is not None and rule.title is not None, rule.name
        assert rule.text.to_json().get("zh") and rule.text.to_json().get("en"), rule.name


def test_rule_tests_all_pass(book, pm):
    results = run_tests(book, adapter_chain(pm, "ccdi"))
    assert len(results) >= 100
    failed = [r.render() for r in results if not r.passed]
    assert not failed, "\n".join(failed)


def test_threshold_tests_are_regenerated():
    assert gen_threshold_tests.TARGET.read_text(encoding="utf-8") == gen_threshold_tests.render()


def test_threshold_tests_can_fail(pm):
    """Moving one threshold by one yuan must break the tests written at it."""
    _, source = rule_sources(pm)["ccdi"]
    texts = []
    for path in sorted(Path(source.paths[0]).glob("*.rules")):
        text = path.read_text(encoding="utf-8")
        if path.name == "eb2016.rules":
            text = text.replace("embezzled >= 30000 yuan", "embezzled >= 30001 yuan")
            text = text.replace("misapp_profit >= 2000000 yuan", "misapp_profit >= 1999999 yuan")
            text = text.replace(
                "misapp_illegal_unreturned >= 3000000 yuan",
                "misapp_illegal_unreturned >= 3000001 yuan",
            )
        texts.append((str(path), text))
    from ruleengine.compiler import CompiledRulebook
    from ruleengine.loader import check_sources

    mutated = CompiledRulebook(check_sources("ccdi-mutated", texts, pm))
    failed = {r.name for r in run_tests(mutated) if not r.passed}
    assert "embezzlement 30000 yuan, no circumstance" in failed
    assert "misappropriation for profit 1999999 yuan" in failed
    assert "misappropriation for illegal activities 3000000 yuan, not_returned: true" in failed


def _shown(value, conclusion) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return to_json_value(value)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_example_outcomes(book, path):
    record = loads_json(path.read_text(encoding="utf-8"))
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    results = cases.evaluate_case(book, record)
    assert [r.name for r in results] == list(expected)
    for r in results:
        got = r.decision.conclusions
        assert not r.decision.conflicts
        for name, want in expected[r.name].items():
            shown = _shown(got[name], name)
            want = sorted(want) if isinstance(got[name], frozenset) else want
            assert shown == want, f"{r.name}: {name} = {shown}, expected {want}"


def test_every_example_is_told_in_the_readme():
    """The worked examples (issue 11, item 7) are told in examples/ccdi/README.md."""
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in CASE_FILES if f"`{p.name}`" not in readme] == []


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_fast_path_agrees_with_explain(book, path):
    record = loads_json(path.read_text(encoding="utf-8"))
    fast = cases.decide_case(book, record)
    for r in cases.evaluate_case(book, record):
        assert fast[r.name].conclusions == r.decision.conclusions
        assert fast[r.name].conflicts == r.decision.conflicts


def test_rule_tests_fast_path_agrees_with_explain(book):
    for test in book.rulebook.tests:
        facts = dict(test.given)
        assert book.decide(facts, test.as_of).conclusions == (
            book.explain(facts, test.as_of).decision.conclusions
        ), test.name


def test_explanation_names_the_acts_counted(book):
    record = loads_json((EXAMPLES / "land_requisition_compensation.json").read_text("utf-8"))
    secretary, accountant = cases.evaluate_case(book, record)
    counted = [n for n in secretary.notes if n.get("acts")]
    assert counted == [
        {
            "en": "embezzlement amount 260000 yuan = acts L1, L2",
            "zh": "贪污数额260000元＝行为L1、L2",
            "counted_in": "embezzlement",
            "acts": ["L1", "L2"],
            "total": "260000",
        }
    ]
    assert secretary.trace.to_json()["derivations"] == secretary.notes
    assert [n["counted_in"] for n in accountant.notes if "act" in n] == [None]


def test_non_state_functionary_demanding_without_a_benefit_is_not_counted(book):
    """CL 163(1) requires a benefit sought for money demanded too; the act's note says so."""
    record = {
        "name": "X",
        "decided_on": "2020-06-01",
        "acts": [
            {
                "id": "S1",
                "kind": "bribe_soliciting",
                "amount": "60000",
                "gravity": "minor",
                "acted_on": "2020-01-01",
                "state_functionary": False,
            }
        ],
    }
    (result,) = cases.evaluate_case(book, record)
    assert result.decision.value("nsf_bribery_band") == "none"
    (note,) = [n for n in result.notes if n.get("act") == "S1"]
    assert "CL Art. 163(1)" in note["en"] and note["counted_in"] is None


def _applied(book, acted_on: str, decided_on: str):
    facts = {
        "decided_on": decided_on,
        "acts": [
            {
                "kind": "renovation_allowance",
                "acted_on": acted_on,
                "state_functionary": True,
                "amount": "4000",
                "gravity": "relatively_serious",
                "poverty_relief": True,
                "for_self": False,
            }
        ],
    }
    d = book.decide(facts, datetime.date.fromisoformat(decided_on))
    return d.value("version_applied"), d.value("version_why"), d.value("sanction")


def test_version_is_chosen_by_act_date_and_the_lighter_later_text(book):
    """从旧兼从轻: the act-date version, the decision-date one only where lighter."""
    assert _applied(book, "2018-09-30", "2018-09-30") == (
        "v2015",
        "in_force_throughout",
        ("removal_from_post", "probation"),
    )
    # Act under 2015, decided under 2018 (which aggravates in the poverty field): the old text.
    assert _applied(book, "2017-06-01", "2018-10-08") == (
        "v2015",
        "act_time_version",
        ("removal_from_post", "probation"),
    )
    assert _applied(book, "2018-10-01", "2018-10-08") == (
        "v2018",
        "in_force_throughout",
        ("probation", "expulsion"),
    )
    # Act under 2018, decided under 2023 (no poverty-field aggravation): the later is lighter.
    assert _applied(book, "2023-12-31", "2024-01-01") == (
        "v2023",
        "later_is_lighter",
        ("removal_from_post", "probation"),
    )
    # Before the 2015 text took effect no Party regulation of this rulebook is in force.
    assert _applied(book, "2015-12-01", "2015-12-31") == (None, None, None)


def test_reviewer_cases_agree_with_the_rule_tests(book):
    """The reviewer's scratch cases that drove F1/F3/F6/F7 (kept as files beside the examples)."""
    rec = loads_json((EXAMPLES / "act_before_revision.json").read_text("utf-8"))
    (result,) = cases.evaluate_case(book, rec)
    assert result.decision.value("version_applied") == "v2015"
    assert result.decision.value("sanction") == ("removal_from_post", "probation")


def test_split_case_shares_the_decision_date():
    record = {
        "case": {"decided_on": "2021-01-01", "title": "x"},
        "officials": [{"name": "A", "acts": []}, {"acts": [], "decided_on": "2022-01-01"}],
    }
    assert cases.split_case(record) == [
        ("A", {"decided_on": "2021-01-01", "name": "A", "acts": []}),
        ("official-2", {"decided_on": "2022-01-01", "acts": []}),
    ]


def test_every_note_and_unverified_has_chinese_and_english():
    """A lawyer reads the explanation in either language: no single-language note."""
    rules = Path(__file__).resolve().parents[1] / "rules"
    single = [
        f"{path.name}:{n}"
        for path in sorted(rules.glob("*.rules"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip().startswith(("note", "unverified")) and " zh " not in f" {line} "
    ]
    assert single == []


def test_act_sentences_use_labels_not_member_names():
    from ruleengine_ccdi.adapter import adapt

    _, notes = adapt(
        {"name": "x", "acts": [{"id": "A", "kind": "subsidy_skimming", "gravity": "minor"}]}
    )
    act = next(n for n in notes if n.get("act") == "A")
    assert "subsidy_skimming" not in act["en"] and "skimming state subsidies" in act["en"]
    assert "克扣、套取国家补贴" in act["zh"] and "情节较轻" in act["zh"]


def test_other_use_within_three_months_says_the_party_sanction_is_not_decided():
    from ruleengine_ccdi.adapter import adapt

    act = {"id": "E", "kind": "misappropriation", "use": "other_use", "gravity": "minor"}
    _, notes = adapt({"acts": [act]})
    assert "Party sanction not decided (no provision encoded)" in notes[0]["en"]


def test_act_note_says_one_act_under_two_provisions_takes_the_heavier_alone():
    """Legal review, finding 5: a taken subsidy meets the mass-discipline article and the one on
    conduct the Criminal Law describes; the note says the heavier alone applies (2023 Art. 25).
    Withheld (not taken), it meets the mass-discipline article only."""
    from ruleengine_ccdi.adapter import adapt

    act = {"id": "S", "kind": "subsidy_skimming", "gravity": "minor", "amount": "8000"}
    _, notes = adapt({"acts": [act, dict(act, id="W", for_self=False)]})
    taken, withheld = (next(n for n in notes if n.get("act") == i) for i in ("S", "W"))
    assert "the heavier provision alone gives the range" in taken["en"]
    assert "依处分较重的条款处理" in taken["zh"]
    assert "heavier provision" not in withheld["en"]


def test_act_note_says_an_act_already_dealt_with_is_not_sanctioned_again():
    """An act dealt with is left out of the Party layer (common.rules): its note says so instead
    of naming the provisions it would meet."""
    from ruleengine_ccdi.adapter import adapt

    act = {"id": "S", "kind": "subsidy_skimming", "gravity": "minor", "amount": "8000"}
    _, notes = adapt({"acts": [dict(act, dealt_with=True)]})
    assert "Party findings: already dealt with: not sanctioned again" in notes[0]["en"]
    assert "党纪认定：已经处理：不再给予党纪处分" in notes[0]["zh"]
    assert "mass-discipline article" not in notes[0]["en"]


def test_act_notes_leave_out_misappropriation_and_dereliction_dealt_with():
    """Third legal review's brief, item 3: an act of misappropriation, or of abuse of power, dealt
    with was still counted (its amount in the total, its loss towards the crime); the notes now
    say it is not, and that this is our reading."""
    from ruleengine_ccdi.adapter import adapt

    used = {"kind": "misappropriation", "gravity": "minor", "state_functionary": True}
    used |= {"use": "profit_making", "acted_on": "2023-05-10"}
    _, notes = adapt(
        {
            "acts": [
                dict(used, id="M1", amount="40000", dealt_with=True),
                dict(used, id="M2", amount="20000"),
            ]
        }
    )
    assert "already dealt with: not added up again" in notes[0]["en"]
    assert "our reading" in notes[0]["en"] and "本规则" in notes[0]["zh"]
    totals = [n for n in notes if n.get("counted_in")]
    assert [(n["acts"], n["total"]) for n in totals if "total" in n] == [(["M2"], "20000")]
    abuse = {"kind": "abuse_of_power", "gravity": "minor", "organ_functionary": True}
    _, notes = adapt({"acts": [dict(abuse, id="A1", dealt_with=True, loss_at_filing="200000")]})
    assert "its casualties and loss are not counted again" in notes[0]["en"]


def test_readings_the_review_asked_for_are_stated_in_the_rules(book):
    """Legal review, findings 5, 6, 10 and 11: where the text is silent the rule says the choice
    is a reading, so the explanation shows it."""
    rb = book.rulebook

    def notes(rule):
        return " ".join(n.get("en") for n in rb.rules[rule].notes)

    for rule in ("ps2022_art10", "ps2022_art76"):  # finding 10
        assert "our reading" in notes(rule) and "60,000" in notes(rule)
    for rule in ("art11_encroachment_huge", "art11_nsf_bribery_huge"):  # finding 11
        assert "no threshold for 'especially huge'" in notes(rule)
    lighter = " ".join(n.get("en") for n in rb.lighters["party_law"].notes)  # finding 6
    assert "dated by the latest" in lighter and "our reading" in lighter
    for rule in ("r23_criminal_act_not_a_crime", "r18_crime_floor", "r15_crime_floor"):  # 5
        assert "our reading is the higher most severe sanction" in notes(rule)


def test_amendment_xi_tiers_are_quoted_as_the_amendment_has_them(book):
    """Review 2, finding 10: CL 163(1)'s top tier also turns on other especially serious
    circumstances; CL 271(1)'s on the amount alone (刑法修正案11.md)."""
    rb = book.rulebook

    def zh(rule):
        return " ".join(n.to_json()["zh"] for n in rb.rules[rule].notes)

    nsf = "数额特别巨大或者有其他特别严重情节的，处十年以上有期徒刑或者无期徒刑，并处罚金"
    enc = "数额巨大的，处三年以上十年以下有期徒刑，并处罚金；数额特别巨大的，处十年以上有期徒刑"
    for rule in ("art11_nsf_bribery_huge", "ps2022_art10"):
        assert nsf in zh(rule), rule
    for rule in ("art11_encroachment_huge", "ps2022_art76"):
        assert enc in zh(rule) and "其他特别严重情节" not in zh(rule), rule


def test_adapter_labels_match_the_rules():
    """The adapter's act-kind and gravity labels are copies of common.rules' enum labels."""
    import re

    from ruleengine_ccdi.adapter import GRAVITY_LABELS, KIND_LABELS

    text = (Path(__file__).resolve().parents[1] / "rules" / "common.rules").read_text("utf-8")
    from ruleengine_ccdi.adapter import USE_LABELS

    blocks = (
        ("enum misconduct", KIND_LABELS),
        ("scale gravity", GRAVITY_LABELS),
        ("enum fund_use", USE_LABELS),
    )
    for block, labels in blocks:
        body = text[text.index(block) :].split("}", 1)[0]
        found = dict(
            (m, (zh, en)) for m, zh, en in re.findall(r'(\w+): zh "([^"]*)"\s+en "([^"]*)"', body)
        )
        assert found == labels


def test_adapter_versions_match_the_rules(book):
    """The adapter names an act's own version (fifth legal review, finding 4) from a copy of
    regulations_in_force: the same days, the same labels."""
    from ruleengine_ccdi.adapter import VERSIONS_FROM

    param = book.rulebook.parameters["regulations_in_force"]
    labels = param.type.labels
    expected = [(day, (labels[v].get("zh"), labels[v].get("en"))) for day, v in param.values]
    assert list(reversed(VERSIONS_FROM)) == expected


def test_adapter_reads_each_act_field_as_the_rules_declare_it(book):
    """The adapter reads an act's fields before validation does, with the engine's readers:
    its types (and the values it assumes for absent fields) must be the rulebook's."""
    from ruleengine.ir import MISSING
    from ruleengine_ccdi.adapter import ACT_FIELDS

    declared = book.rulebook.inputs["acts"].type.element.fields
    for key, (t, absent, _) in ACT_FIELDS.items():
        spec = declared[key]
        assert (t.kind, getattr(t, "members", None), getattr(t, "currency", None)) == (
            spec.type.kind,
            getattr(spec.type, "members", None),
            getattr(spec.type, "currency", None),
        ), key
        if key != "id":  # an act without an id is numbered (act-1, ...)
            assert absent == (None if spec.default is MISSING else spec.default), key


@pytest.mark.parametrize(
    "record, path",
    [
        ({"officials": "A"}, "officials"),
        ({"officials": []}, "officials"),
        ({"officials": [{"name": "A"}, 3]}, "officials[1]"),
        ({"case": [1], "officials": [{"name": "A"}]}, "case"),
    ],
)
def test_split_case_names_what_is_wrong_with_the_record(record, path):
    with pytest.raises(ruleengine.FactsError) as err:
        cases.split_case(record)
    assert path in [p.path for p in err.value.problems]


def test_2015_article_28_is_quoted_without_the_clause_of_its_article_29(book):
    """Review 2, finding 4: "或者有其他违法行为…" is 2018 Art. 28; 2015 has it in Art. 29."""
    for name in ("r15_criminal_act_not_a_crime", "r15_crime_not_decided"):
        text = book.rulebook.rules[name].text.to_json()
        assert text["zh"].endswith("应当视具体情节给予警告直至开除党籍处分。"), name
        assert "其他违法行为" not in text["zh"] and "other unlawful" not in text["en"], name


def test_misappropriated_poverty_relief_funds_are_not_called_embezzled(book):
    """Review 2, finding 5: act M1 is lent out for profit, not taken: its label says so."""
    path = EXAMPLES / "misappropriation_poverty_relief_funds.json"
    record = loads_json(path.read_text("utf-8"))
    (result,) = cases.evaluate_case(book, record)
    applied = [r for r in result.trace.to_json()["rules"] if r["status"] == "applied"]
    titles = {r["name"]: r["title"]["en"] for r in applied}
    assert titles["r18_poverty_misappropriation_mass"].startswith("Misappropriating")
    assert not [t for t in titles.values() if "Embezzling poverty-relief" in t]


def test_between_amendment_and_thresholds_the_1997_text_is_said_to_decide(book):
    """Review 2, finding 6: decided 2016-01-15, the 1997 text decides (item 3, one to seven
    years); only the amended text has no threshold yet. The explanation says so."""
    from ruleengine.render.text import render

    record = {
        "name": "A",
        "decided_on": "2016-01-15",
        "acts": [
            {
                "id": "A1",
                "kind": "land_compensation",
                "acted_on": "2015-06-01",
                "state_functionary": True,
                "amount": "40000",
                "gravity": "serious",
            },
        ],
    }
    (result,) = cases.evaluate_case(book, loads_json(json.dumps(record)))
    text = render(result.trace, "en")
    assert "not decided under both" not in text
    assert "is not decided under the version in force on the as-of date (it is under" in text


def test_unverified_marks_name_the_copies_seen(book):
    """Review 2, finding 7: each mark says precisely what was seen where, and why it stays."""
    old = book.rulebook.documents["criminal_law_1997"].meta["unverified"].to_json()["en"]
    for copy in ("whalehearted.com/special/17336218", "m.64365.com/ask/841520.aspx"):
        assert copy in old
    assert "no official copy" in old
    for name in ("r23_crime_floor", "r23_criminal_act_not_a_crime", "r23_act_time_version"):
        marks = [u.to_json()["en"] for u in book.rulebook.rules[name].unverified]
        assert any("m.luckytm.com/dangji/info.aspx?itemid=2198" in m for m in marks), name


def test_unconfirmed_citations_are_marked_unverified(book):
    """Review 2, finding 11: the 2015 gifts article, its 'clearly exceed normal reciprocity', and
    the filing standard's 30,000 yuan cited beside Interp. Art. 11 carry unverified marks."""
    rules = book.rulebook.rules

    def marks(name):
        return " ".join(u.to_json()["zh"] for u in rules[name].unverified)

    gifts = marks("cl385_party_provision_not_encoded")
    assert "2015年条例第八十三条" in gifts and "明显超出正常礼尚往来" in gifts
    for name in (
        "art11_encroachment_large",
        "art11_encroachment_huge",
        "art11_nsf_bribery_large",
        "art11_nsf_bribery_huge",
    ):
        assert "公通字〔2022〕12号的三万元" in marks(name), name


def test_act_notes_say_which_crime_a_dereliction_loss_counts_towards(book):
    """Review 2, finding 1: each act's loss counts towards its own crime only."""
    acts = [
        {"id": "D1", "kind": "abuse_of_power", "loss_at_filing": "200000"},
        {"id": "D2", "kind": "neglect_of_duty", "loss_at_filing": "150000"},
    ]
    for act in acts:
        act.update(
            acted_on="2019-03-01", state_functionary=True, organ_functionary=True, gravity="minor"
        )
    record = {"name": "X", "decided_on": "2019-06-01", "acts": acts}
    (result,) = cases.evaluate_case(book, loads_json(json.dumps(record)))
    notes = {n["act"]: n["en"] for n in result.notes if "act" in n}
    assert "loss count towards abuse of power only" in notes["D1"]
    assert "loss count towards neglect of duty only" in notes["D2"]


def test_versions_of_the_regulations_are_named_in_words(book):
    """Third legal review, finding 9(3): the transitional provision's conditions printed
    'party_law.at_act: v2018; the provision needs anything but v2023', in en and zh."""
    from ruleengine.render.text import render

    act = {"kind": "subsidy_skimming", "amount": "8000", "gravity": "minor"}
    act |= {"state_functionary": True, "for_self": False}
    record = {"decided_on": "2024-06-01", "acts": [dict(act, id="S1", acted_on="2023-06-10")]}
    (result,) = cases.evaluate_case(book, loads_json(json.dumps(record)))
    en, zh = render(result.trace, "en"), render(result.trace, "zh")
    at_act = "in force when the acts were committed (the latest act not yet dealt with)"
    assert f"version of the regulations {at_act}: 2018 revision; " in en
    assert "the provision needs anything but 2023 revision" in en
    assert (
        "行为时施行的条例版本（以最后一个未经处理的行为为准）：2018年修订条例；须不为2023年修订条例"
        in zh
    )
    for text in (en, zh):
        assert "party_law." not in text and "v2018" not in text and "v2023" not in text
