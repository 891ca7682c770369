"""The law in time, checked: ``lighter`` blocks (docs/language.md, "The law in time").

A provision's versions are the values of a dated parameter whose type is an enum: the value in
force on a day names the version in force that day. A ``lighter`` block names that parameter
(``versions``), the date the acts were committed (``act_date``, an expression), the conclusions
compared to tell which version is lighter (``compare``: in order, the lower value is lighter)
and any further conclusions that follow the version applied (``decides``). Evaluation is in
``lighter_eval.py``.

The checker calls :func:`declare` with the other value names, :func:`check` before the rules,
:func:`attribute` where an expression reads ``NAME.applied`` (``at_act``, ``at_decision``) and
:func:`order` when it orders the plan.
"""

from __future__ import annotations

from typing import Any

from ruleengine_dsl import syntax as s

from . import ir
from .types import DATE, EnumType, LocalText, MoneyType, is_numeric

KEYS = ("versions", "act_date", "compare", "decides", "note")
REQUIRED = ("versions", "act_date", "compare")


def declare(ck, d: s.LighterDecl) -> None:
    """The block's name, in the namespace of values (it is read as ``NAME.applied``)."""
    if ck.declare_value(d.name, "a lighter-law block"):
        ck.lighter_decls[d.name.name] = d


def _entries(ck, d: s.LighterDecl) -> dict[str, tuple[list[s.Expr], Any]]:
    found: dict[str, tuple[list[s.Expr], Any]] = {}
    for key, values, span in d.entries:
        if key.name not in KEYS:
            ck.error(
                "E209",
                f"unknown key '{key.name}' in lighter block '{d.name.name}'",
                key.span,
                ck.suggest(key.name, KEYS) or f"the keys are {', '.join(KEYS)}",
            )
        elif key.name in found:
            ck.error("E205", f"key '{key.name}' is given twice", key.span)
        else:
            found[key.name] = (values, span)
    return found


def versions_type(ck, d: s.LighterDecl) -> EnumType | None:
    """The enum of the block's versions parameter, if it names one (for reading attributes
    before the block itself is checked)."""
    for key, values, _ in d.entries:
        if key.name == "versions" and len(values) == 1 and isinstance(values[0], s.Name):
            param = ck.parameters.get(values[0].name)
            if param is not None and isinstance(param.type, EnumType):
                return param.type
    return None


def _names(ck, values: list[s.Expr], what: str) -> list[tuple[str, s.Expr]]:
    out = []
    for v in values:
        if not isinstance(v, s.Name):
            ck.error("E201", f"'{what}' takes names of conclusions", v.span)
        elif v.name not in ck.conclusions:
            ck.error(
                "E200",
                f"unknown conclusion '{v.name}'",
                v.span,
                ck.suggest(v.name, ck.conclusions),
            )
        else:
            out.append((v.name, v))
    return out


def _ordered(c: ir.Conclusion) -> bool:
    """A conclusion whose values have an order: a scale (highest, or value of a scale), a
    number, an amount or a date."""
    if c.kind == "highest":
        return True
    if c.kind != "value":
        return False
    t = c.type
    return (
        is_numeric(t)
        or isinstance(t, MoneyType)
        or t.kind == "date"
        or (isinstance(t, EnumType) and t.ordered)
    )


def check(ck, d: s.LighterDecl) -> ir.Lighter | None:
    """The block resolved and typed, or None after reporting what is wrong with it."""
    from .expr_check import Scope, Unresolved  # expr_check imports this module

    name = d.name.name
    entries = _entries(ck, d)
    missing = [k for k in REQUIRED if k not in entries]
    if missing:
        ck.error(
            "E215",
            f"lighter block '{name}' lacks {', '.join(repr(k) for k in missing)}",
            d.name.span,
            "a lighter block needs versions: PARAMETER, act_date: DATE and compare: CONCLUSION",
        )
        return None
    ok = True
    values, span = entries["versions"]
    param = None
    if len(values) != 1 or not isinstance(values[0], s.Name):
        ck.error("E201", "'versions' takes the name of one parameter", span)
        ok = False
    elif values[0].name not in ck.parameters:
        ck.error(
            "E200",
            f"unknown parameter '{values[0].name}'",
            values[0].span,
            ck.suggest(values[0].name, ck.parameters),
        )
        ok = False
    else:
        param = ck.parameters[values[0].name]
        if not isinstance(param.type, EnumType):
            ck.error(
                "E201",
                f"the versions parameter '{param.name}' must be of an enum or scale type, "
                f"not {param.type.describe()}",
                values[0].span,
                "declare an enum of the versions and give the parameter one member a date",
            )
            ok = False
        else:
            seen: set[str] = set()
            for _, member in param.values:
                if member in seen:
                    ck.error(
                        "E215",
                        f"version '{member}' is in force over two periods of '{param.name}'",
                        values[0].span,
                        "each version is in force from its date until the next one's",
                    )
                    ok = False
                seen.add(member)
    deps: set = set()
    values, span = entries["act_date"]
    act_date = None
    if len(values) != 1:
        ck.error("E201", "'act_date' takes one expression", span)
        ok = False
    else:
        try:
            act_date = ck.expr(values[0], Scope(), deps)
            ck.want(act_date, DATE, "'act_date' must be a date")
        except Unresolved:
            ok = False
    compare = _names(ck, entries["compare"][0], "compare")
    for c, v in compare:
        if not _ordered(ck.conclusions[c]):
            ck.error(
                "E204",
                f"conclusion '{c}' has no order to compare versions by",
                v.span,
                "compare highest conclusions, or values that are numbers, amounts, dates "
                "or members of a scale",
            )
            ok = False
    decides = compare + _names(ck, entries.get("decides", ([], None))[0], "decides")
    decided: list[str] = []
    for c, v in decides:
        other = ck.decided_by_lighter.get(c)
        if other is not None and other != name:
            ck.error("E215", f"conclusion '{c}' is decided by lighter block '{other}' too", v.span)
            ok = False
        elif c not in decided:
            decided.append(c)
            ck.decided_by_lighter[c] = name
    notes: list[LocalText] = []
    for v in entries.get("note", ([], None))[0]:
        if isinstance(v, s.Constant) and isinstance(v.value, (str, s.Text)):
            text = v.value if isinstance(v.value, s.Text) else s.Text({"": v.value}, v.span)
            notes.append(_text(text))
        else:
            ck.error("E201", "'note' takes texts", v.span)
            ok = False
    if len(compare) != len(entries["compare"][0]) or not ok or param is None:
        return None
    ck.lighter_deps[name] = deps
    return ir.Lighter(
        name=name,
        label=_text(d.label) if d.label is not None else None,
        versions=param.name,
        type=param.type,
        act_date=act_date,
        compare=[c for c, _ in compare],
        decides=decided,
        notes=notes,
        span=d.span,
    )


def _text(t: s.Text) -> LocalText:
    from .expr_check import local_text as text

    return text(t)


def attribute(ck, e: s.Attribute, text: str, deps: set) -> ir.Ref:
    """``NAME.applied``, ``NAME.at_act`` or ``NAME.at_decision``: a version of the block."""
    from .expr_check import Unresolved

    d = ck.lighter_decls[e.obj.name]
    if e.name.name not in ir.LIGHTER_ATTRIBUTES:
        ck.error(
            "E200",
            f"lighter block '{d.name.name}' has no '{e.name.name}'",
            e.name.span,
            ck.suggest(e.name.name, ir.LIGHTER_ATTRIBUTES)
            or f"read {', '.join(ir.LIGHTER_ATTRIBUTES)}",
        )
        raise Unresolved()
    t = versions_type(ck, d)
    if t is None:
        raise Unresolved()  # the block's own check reports its versions parameter
    deps.add(("lighter", d.name.name))
    return ir.Ref(t, e.span, text, "lighter", f"{d.name.name}.{e.name.name}")


def order(ck, before: dict, reads: dict) -> None:
    """Each block after the conclusions it decides and what its act date reads; every other
    step that reads one of those conclusions after the block (it reads the applied version's
    value). An act date that reads a conclusion its own block decides is a cycle (E207)."""
    for name, lighter in ck.lighters.items():
        step = ("lighter", name)
        own = ck.expand(ck.lighter_deps.get(name, set()))
        circular = sorted(c for k, c in own if k == "conclusion" and c in lighter.decides)
        if circular:
            ck.error(
                "E207",
                f"the act date of lighter block '{name}' reads '{circular[0]}', which the "
                "block decides",
                lighter.act_date.span,
            )
        reads[step] = own
        before[step] = own | {("conclusion", c) for c in lighter.decides}
    by_conclusion = {c: ("lighter", n) for n, x in ck.lighters.items() for c in x.decides}
    if not by_conclusion:
        return
    for table in (before, reads):
        for step, deps in table.items():
            hits = {d for d in deps if d[0] == "conclusion" and d[1] in by_conclusion}
            if step[0] == "lighter":
                hits = {d for d in hits if by_conclusion[d[1]] != step}
            if hits:
                deps -= hits
                deps |= {by_conclusion[d[1]] for d in hits}
