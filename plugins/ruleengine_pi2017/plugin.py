"""The pi2017 jurisdiction: its rulebook and the Art. 11 adapter that counts items from acts."""

from __future__ import annotations

from pathlib import Path

import ruleengine

from .counting import adapt, record_fields

HERE = Path(__file__).parent
#: The rulebook's facts the adapter computes (counting.py): refused where it computes them, by
#: the core. The counts, illegal_gain and acted_last it checks itself, category by category
#: and act by act (given beside acts that do not give them, they are the record's).
COMPUTED = (
    ruleengine.Computed("act_date_given", ("acted_last", "acts"), always=True),
    ruleengine.Computed("acts_in_time", ("acts",)),
    ruleengine.Computed("joined_across_amendment9", ("acts",)),
    ruleengine.Computed("earlier_limitation_end", ("acts",)),
)
ROOT = HERE.parent.parent


@ruleengine.hookimpl
def ruleengine_rule_sources():
    examples = ROOT / "examples" / "pi2017"
    return [
        ruleengine.RuleSource(
            "pi2017",
            (HERE / "rules",),
            title="法释〔2017〕10号 侵犯公民个人信息刑事案件解释 + 刑法第二百五十三条之一 "
            "(2017 interpretation on infringing citizens' personal information, CL Art. 253-1)",
            examples=examples if examples.is_dir() else None,
        )
    ]


@ruleengine.hookimpl
def ruleengine_input_adapters():
    return [
        ruleengine.InputAdapter(
            "pi2017-acts",
            "pi2017",
            adapt,
            "Art. 11 counting: turns a list of acts (obtain, sell, provide, seize) into item "
            "counts per category; obtained-then-sold counted once (acts without a batch are "
            "one body of information), each recipient counted and different information to "
            "one recipient added, a batch counted as seized less what is proven untrue or "
            "duplicated. An obtain act says how (how: stolen, bought, received, exchanged, "
            "other_illegal, collected_in_duty_unlawfully, collected_in_duty_lawfully): only "
            "illegal obtaining (Art. 4) sets the conduct to obtaining (CL 253-1 para. 3), or to "
            "both where the acts also sell or provide; lawful collection in duties with nothing "
            "passed on is no offence; a seized batch with nothing passed on is obtaining. "
            "Information obtained in duties or services is counted apart (Art. 5(1)(8)): the "
            "in-duty items sold or provided, by the items of Art. 5(1) (item3_items_in_duty, "
            "item4_items_in_duty, item5_items_in_duty), and their gains (illegal_gain_in_duty). "
            "The acts' dates (acted_on: all or none) decide which acts count (CL Art. 12, "
            "in_time.py): an act that the text of Art. 253-1 in force on its day did not make "
            "an offence is left out, with the reason; where that turns on a fact not given and "
            "changes the counts, the case is not decided (acts_in_time); acts before "
            "2015-11-01 are joined with later ones (joined_across_amendment9) only where they "
            "were an offence on their own (earlier_acts_offence_on_their_own: true joined, false "
            "left out, not given not decided where it changes the counts) and the later acts, "
            "judged alone by the rulebook, were one too (else the later acts are left out and "
            "the earlier offence judged under its own text), and the earlier ones, judged alone "
            "with the filing date, were not time-barred (else they are left out; without a "
            "filing date the rules measure their period, earlier_limitation_end); a seizure counts "
            "only as far as the obtaining it measures, dated by it. The last act "
            "counted gives acted_last; without dates the rulebook takes 2015-11-01, the "
            "Amendment IX text, and says so (act_date_given says a date was given). A date "
            "before 1900-01-01 (acts, acted_last, later_crime_on, prosecution_began_on) is "
            "refused: the rulebook's law in time begins there.",
            # The filing date is the rulebook's input, and the adapter reads it too: it decides
            # whether acts across Amendment IX are joined (alone.prosecutable). Listed, so that
            # a what-if of it in a case of acts reads the acts again (docs/whatif.md).
            fields=(*record_fields(), _filing_date()),
            computes=COMPUTED,
        )
    ]


def _filing_date():
    """The rulebook's ``prosecution_began_on``, as a field the adapter reads (its type and
    label are the rulebook's: the analyses take them from there)."""
    from ruleengine.ir import FieldSpec
    from ruleengine.types import DATE, LocalText

    label = LocalText((("en", "the date prosecution began"), ("zh", "立案侦查或者受理案件之日")))
    return FieldSpec("prosecution_began_on", DATE, None, None, label)
