"""check --prove on the law in time: a ``lighter`` block is encoded exactly (the act-date
version's outcome unless the as-of version's is lighter), so what is alive, dead or in
conflict only through the block is proven as the engine evaluates it."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs
import pytest

from ruleengine.loader import load_paths
from ruleengine.prove import prove_rulebook
from ruleengine.prove.witness import replay
from ruleengine.runtime import Unset

z3 = pytest.importorskip("z3")

from ruleengine.prove.encode import Encoder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def book():
    return load_paths([ROOT / "tests" / "prove_lighter" / "lighter.rules"])


def test_what_only_the_block_decides_is_proven(book):
    report = prove_rulebook(book)
    assert report.not_proven == []
    # Dead only because the act-date version applies where both give prison; alive only
    # because it applies where it gives a fine; not in conflict only because the act-date
    # version applies wherever both label rules fire.
    assert [(f.code, f.rules) for f in report.findings] == [("P101", ("old_but_not_prison",))]
    assert "'most != penalty.prison'" in report.findings[0].proof


def _encoded(book, facts: dict, day: datetime.date) -> dict:
    """The encoding's values of the conclusions for these facts, read from the solver."""
    enc = Encoder(book, day)
    solver = z3.Solver()
    solver.add(*enc.bounds)
    solver.add(enc.vars["items"] == facts["items"])
    solver.add(enc.vars["acted_on"] == facts["acted_on"].toordinal())
    assert solver.check() == z3.sat
    model = solver.model()
    codes = {code: text for text, code in enc.texts.items()}
    rank = book.rulebook.conclusions["most"].type.members
    out = {"most": rank[model.eval(enc.conclusions["most"]).as_long()]}
    for name in ("label", "note"):
        decided = not z3.is_true(model.eval(enc.undecided[name], model_completion=True))
        value = model.eval(enc.conclusions[name], model_completion=True).as_long()
        out[name] = codes[value] if decided else None
    applied = model.eval(enc.version("in_time", "applied"), model_completion=True).as_long()
    out["applied"] = ("old", "new")[applied]
    at_act = model.eval(enc.version("in_time", "at_act"), model_completion=True).as_long()
    out["at_act"] = ("old", "new")[at_act] if facts["acted_on"].year >= 2010 else None
    return out


ACTED = ["2009-06-01", "2015-01-01", "2019-12-31", "2020-01-01", "2030-01-01"]
ITEMS = [0, 9, 10, 49, 50, 79, 80, 99, 100, 150]


@pytest.mark.parametrize("as_of", ["2015-06-01", "2021-06-01"])
def test_the_encoding_gives_what_the_engine_gives(book, as_of):
    """Case by case, the encoded block takes the version the engine takes, with its values,
    and names the act's version as the engine does: after the as-of date, the version truly
    in force then (a case judged before its acts; it was the as-of version)."""
    day = datetime.date.fromisoformat(as_of)
    for acted in ACTED:
        for items in ITEMS:
            facts = {"acted_on": datetime.date.fromisoformat(acted), "items": items}
            trace = book.explain(facts, day)
            got = trace.decision.conclusions
            [choice] = trace.choices
            engine = {
                "most": got["most"],
                "label": None if isinstance(got["label"], Unset) else got["label"],
                "note": None if isinstance(got["note"], Unset) else got["note"],
                "applied": choice.applied,
                "at_act": choice.at_act,
            }
            assert _encoded(book, facts, day) == engine, (acted, items)


def test_a_block_whose_versions_begin_later_is_not_read_before(tmp_path):
    """Before any version is in force the outcome stands and the versions cannot be read:
    the engine stops on every case there (the rules read ``in_time.applied``), so the
    prover neither crashes nor claims more than it does after 2010: the same dead rule."""
    path = tmp_path / "early.rules"
    text = (ROOT / "tests" / "prove_lighter" / "lighter.rules").read_text()
    path.write_text(text.replace("  effective: 2010-01-01\n", ""))
    report = prove_rulebook(load_paths([path]))
    assert [(f.code, f.rules) for f in report.findings] == [("P101", ("old_but_not_prison",))]
    assert report.not_proven == []


def test_a_gap_the_act_date_version_leaves_is_found_and_replayed(tmp_path):
    """Under the new version a rule always decides 'kind'; under the old one only from 100
    items. Judged under the new version, the gap is where the old version applies with fewer
    items; a witness of it, run through explain, shows the old version applied and no rule
    of it deciding 'kind'."""
    text = (ROOT / "tests" / "prove_lighter" / "lighter.rules").read_text()
    text = text.replace("  decides: label\n", "  decides: label, kind\n")
    text += (
        "conclusion kind: value text always decided\n"
        "rule kind_old { cite article 9  from 2010-01-01  until 2020-01-01  when items >= 100\n"
        '  then kind = "old" }\n'
        'rule kind_new { cite article 10  from 2020-01-01  then kind = "new" }\n'
    )
    path = tmp_path / "gap.rules"
    path.write_text(text)
    book = load_paths([path])
    [gap] = [f for f in prove_rulebook(book).findings if f.code == "P104"]
    assert gap.conclusion == "kind" and gap.replayed is True
    new = (datetime.date(2020, 1, 1), None)
    assert new in gap.periods  # found under the new version, through the block only
    judged_old = {"as_of": "2021-06-01", "facts": {"acted_on": "2015-01-01", "items": 5}}
    judged_new = {"as_of": "2021-06-01", "facts": {"acted_on": "2021-01-01", "items": 5}}
    assert replay(book, attrs.evolve(gap, witness=judged_old)) is True
    assert replay(book, attrs.evolve(gap, witness=judged_new)) == "'kind' was decided by kind_new"


def test_facts_on_which_the_engine_stops_are_no_case(tmp_path):
    """Reading ``NAME.at_act`` where no version was in force on the act date stops the engine
    (exit 5), so such facts are no case: a rule that could fire only on them is dead. (It was
    reported alive: the version that cannot be read was left open, any version.) Where the
    engine does not read it (the right side of an ``and`` that failed), the facts are a case,
    and a rule that fires only on them is alive: here the engine stops on the early acts of
    7 items only."""
    text = (ROOT / "tests" / "prove_lighter" / "lighter.rules").read_text()
    text += (
        "conclusion flag: value text\n"
        "rule only_unreadable { cite article 11\n"
        "  when items = 7 and in_time.at_act = version.new and acted_on < 2010-01-01\n"
        '  then flag = "never" }\n'
        "rule guarded { cite article 12\n"
        "  when acted_on >= 2010-01-01 and in_time.at_act = version.old\n"
        '  then flag = "old act" }\n'
        "rule early { cite article 13\n"
        "  when acted_on < 2010-01-01 and items > 5\n"
        '  then flag = "early" }\n'
    )
    path = tmp_path / "stops.rules"
    path.write_text(text)
    book = load_paths([path])
    report = prove_rulebook(book)
    dead = {f.rules[0] for f in report.findings if f.code == "P101"}
    assert "only_unreadable" in dead and "early" not in dead and "guarded" not in dead
    assert all(f.replayed in (True, None) for f in report.findings)


def test_a_conclusion_no_rule_decided_stops_the_engine_where_it_is_read():
    """A value conclusion without a default that no rule decided has no value: a rule that
    reads it stops the engine. A rule that could fire only there is dead (it was reported
    alive: the value was left open)."""
    from ruleengine.loader import load_text

    book = load_text(
        "input items: count = 0\n"
        "conclusion label: value text\n"
        "conclusion flag: value text\n"
        'rule labelled { cite article 1  when items >= 10  then label = "a" }\n'
        'rule reads { cite article 2  when items < 10 and label != "a"  then flag = "b" }\n'
        'rule fine { cite article 3  when items >= 10 and label = "a"  then flag = "c" }\n'
    )
    report = prove_rulebook(book)
    assert [(f.code, f.rules) for f in report.findings] == [("P101", ("reads",))]
    assert "'label' cannot be read" in report.findings[0].proof
