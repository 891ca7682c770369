"""A solver's model as a case file, and the case run through the engine to show the finding.

A witness is written in the rulebook's own input form: a case file ``{"as_of", "facts"}``
whose facts are what validation reads (money as ``"5000 CNY"``, members by name, dates as
``YYYY-MM-DD``). Only the facts the rules in force read are given, with the others left to
their defaults (a required fact gets its least value). Input adapters of the shipped
rulebooks pass such facts through unchanged, so the witness is also their input; replaying
it (``replay``) is what makes a finding trustworthy rather than a claim of the encoding.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import z3

from ..ir import MISSING
from ..types import EnumType, ListType, MoneyType, RecordType, Type, format_number
from .encode import MONEY_SCALE, Encoder


def witness_case(book, enc: Encoder, model) -> dict:
    facts: dict[str, Any] = {}
    for name, spec in book.rulebook.inputs.items():
        if name in enc.vars:
            value = _value(enc, model, (name,), spec.type, spec.minimum)
            if spec.default is MISSING or not _is_default(value, spec):
                facts[name] = value
        elif spec.default is MISSING:
            facts[name] = _least(spec.type, spec.minimum)
    return {"as_of": enc.day.isoformat(), "facts": facts}


def _is_default(value: Any, spec) -> bool:
    """Whether a witness value is the field's default (then the witness leaves it out)."""
    default, t = spec.default, spec.type
    if isinstance(t, MoneyType):
        return isinstance(default, (int, Fraction)) and value == (
            f"{format_number(default)} {t.currency}"
        )
    if isinstance(default, datetime.date):
        return value == default.isoformat()
    if isinstance(default, tuple):
        return value == list(default)
    return type(value) is type(default) and value == default


def _model(model, enc: Encoder, path: tuple) -> Any:
    label = ".".join(str(p) for p in path)
    for leaf in enc.leaves:
        if leaf.path == path:
            return model.eval(leaf.term, model_completion=True)
    raise KeyError(label)


def _value(enc: Encoder, model, path: tuple, t: Type, minimum: int | None) -> Any:
    if isinstance(t, ListType):
        length = _model(model, enc, path + ("#length",)).as_long()
        return [_value(enc, model, path + (i,), t.element, t.minimum) for i in range(length)]
    if isinstance(t, RecordType):
        return {
            f.name: _value(enc, model, path + (f.name,), f.type, f.minimum)
            for f in t.fields.values()
        }
    v = _model(model, enc, path)
    if t.kind == "bool":
        return z3.is_true(v)
    if isinstance(t, MoneyType):
        return f"{format_number(Fraction(v.as_long(), MONEY_SCALE))} {t.currency}"
    if t.kind == "integer":
        return v.as_long()
    if t.kind == "decimal":
        value = Fraction(v.numerator_as_long(), v.denominator_as_long())
        return value.numerator if value.denominator == 1 else format_number(value)
    if isinstance(t, EnumType):
        return t.members[v.as_long()]
    if t.kind == "date":
        return datetime.date.fromordinal(v.as_long()).isoformat()
    if t.kind == "text":
        code = v.as_long()
        for text, c in enc.texts.items():
            if c == code:
                return text if isinstance(text, str) else dict(text).get("en") or text[0][1]
        return f"text {code}"
    raise ValueError(f"no witness value for {t.describe()}")


def _least(t: Type, minimum: int | None) -> Any:
    if isinstance(t, ListType):
        return []
    if isinstance(t, RecordType):
        return {f.name: _least(f.type, f.minimum) for f in t.fields.values()}
    if t.kind == "bool":
        return False
    if isinstance(t, EnumType):
        return t.members[0]
    if isinstance(t, MoneyType):
        return f"{minimum or 0} {t.currency}"
    if t.kind in ("integer", "decimal"):
        return minimum or 0
    if t.kind == "date":
        return "2000-01-01"
    return ""


def replay(book, finding, adapt=None) -> Any:
    """True when the engine, run on the witness (through ``adapt``, the rulebook's input
    adapters, as the command line runs it), shows the finding; else what it showed."""
    case = finding.witness
    if case is None:
        return None
    day = datetime.date.fromisoformat(case["as_of"])
    try:
        facts = case["facts"]
        if adapt is not None:
            facts, _ = adapt(dict(facts))
        trace = book.explain(facts, day)
    except Exception as err:  # noqa: BLE001 - any failure is reported, not raised
        return f"the engine could not run the witness: {err}"
    status = {r.name: r.status for r in trace.rules}
    code = finding.code
    if code == "P100":
        r1, r2 = finding.rules
        for c in trace.decision.conflicts:
            rules = {r for r, _ in c.claims}
            if c.conclusion == finding.conclusion and {r1, r2} <= rules:
                return True
        return f"no conflict on '{finding.conclusion}' (rules: {status.get(r1)}, {status.get(r2)})"
    if code == "P103":
        name = finding.rules[0]
        return True if status.get(name) == "set_aside" else f"'{name}' was {status.get(name)}"
    if code == "P102":
        exception, target = finding.rules
        ok = status.get(target) in ("applied", "set_aside") and status.get(exception) != "applied"
        return True if ok else f"'{target}' was {status.get(target)}"
    if code == "P104":
        for choice in trace.choices:  # decided by the act-date version of a lighter block
            block = book.rulebook.lighters[choice.lighter]
            if choice.reason == "act_version" and finding.conclusion in block.decides:
                deciders = choice.at_act_rules[block.decides.index(finding.conclusion)]
                if not deciders:
                    return True
                return f"'{finding.conclusion}' was decided by {', '.join(deciders)}"
        applied = [
            r.name
            for r in trace.rules
            if r.status == "applied" and any(c == finding.conclusion for c, _, _ in r.conclusions)
        ]
        if not applied:
            return True
        return f"'{finding.conclusion}' was decided by {', '.join(applied)}"
    return None
