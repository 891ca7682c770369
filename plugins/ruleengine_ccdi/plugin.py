"""Entry point of the CCDI jurisdiction: its rulebook and the adapter for case records."""

from __future__ import annotations

from pathlib import Path

import ruleengine

from .adapter import adapt

HERE = Path(__file__).parent


@ruleengine.hookimpl
def ruleengine_rule_sources():
    return [
        ruleengine.RuleSource(
            "ccdi",
            (HERE / "rules",),
            title="Party discipline (CCDI) with the criminal layer for graft (法释〔2016〕9号)",
            examples=HERE.parent.parent / "examples" / "ccdi",
            persons="officials",
        )
    ]


@ruleengine.hookimpl
def ruleengine_input_adapters():
    return [
        ruleengine.InputAdapter(
            "ccdi-official",
            "ccdi",
            adapt,
            "One official's record: drops the name, numbers unnamed acts, and notes which acts "
            "count towards which criminal amount and which Party provision they meet.",
        )
    ]
