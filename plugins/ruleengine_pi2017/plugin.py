"""The pi2017 jurisdiction: its rulebook and the Art. 11 adapter that counts items from acts."""

from __future__ import annotations

from pathlib import Path

import ruleengine

from .counting import adapt, record_fields

HERE = Path(__file__).parent
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
            "passed on is no offence; a seized batch with nothing passed on is obtaining.",
            fields=record_fields(),
        )
    ]
