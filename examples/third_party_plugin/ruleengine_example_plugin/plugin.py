"""The hooks of the example plugin: one of each kind ruleengine offers.

ruleengine imports this module through the entry point in pyproject.toml and registers it
under the entry point's name (``example``). Every hook returns a list; a plugin implements
only the hooks it needs.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import ruleengine
from ruleengine.types import DECIMAL, MoneyType, Type, is_numeric, normalize

RULES = Path(__file__).resolve().parent / "rules"


@ruleengine.hookimpl
def ruleengine_rule_sources():
    """A demonstration rulebook; it is made up and is not law (see the rule file)."""
    return [
        ruleengine.RuleSource(
            name="late_filing_demo",
            paths=(RULES,),
            title="Late filing (demonstration rulebook, not law)",
        )
    ]


def _percent_of_signature(args: list[Type]) -> Type:
    """Two numbers, or two amounts in the same currency; the result is a decimal."""
    if len(args) != 2:
        raise TypeError("takes two values: the part and the whole")
    a, b = args
    if is_numeric(a) and is_numeric(b):
        return DECIMAL
    if isinstance(a, MoneyType) and isinstance(b, MoneyType):
        if a.currency != b.currency:
            raise TypeError(f"cannot compare {a.describe()} with {b.describe()}")
        return DECIMAL
    raise TypeError(f"takes two numbers or two amounts, not {a.describe()} and {b.describe()}")


def percent_of(part, whole):
    """``part`` as a percentage of ``whole``, exact: percent_of(1, 3) is 100/3, not 33.33."""
    if whole == 0:
        raise ZeroDivisionError("percent_of: the whole is zero")
    return normalize(Fraction(part) * 100 / Fraction(whole))


@ruleengine.hookimpl
def ruleengine_functions():
    return [
        ruleengine.FunctionSpec(
            "percent_of", _percent_of_signature, percent_of, "a as a percentage of b, exact"
        )
    ]


@ruleengine.hookimpl
def ruleengine_types():
    return [ruleengine.CustomType("percent", DECIMAL, 0, "a percentage, never below 0")]


def render_oneline(trace, lang: str = "en", color: bool = False) -> str:
    """One line per conclusion, ``name = value (rules)``, for grep and shell scripts."""
    data = trace.to_json()
    lines = []
    for c in data["conclusions"]:
        value = c["value"]
        if isinstance(value, list):
            value = "[" + ", ".join(map(str, value)) + "]"
        elif value is None:
            value = "-"
        decided_by = ", ".join(c["decided_by"]) or "no rule"
        lines.append(f"{c['name']} = {value} ({decided_by})")
    return "\n".join(lines) + "\n"


@ruleengine.hookimpl
def ruleengine_renderers():
    return [ruleengine.Renderer("oneline", render_oneline, "one line per conclusion")]
