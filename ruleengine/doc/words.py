"""A rule's condition and conclusions in words, for a lawyer: inputs and definitions by their
labels, parameters by their labels and dated values, thresholds with their units, ``and``/``or``
as "all of" and "any of", and the outcomes the tests never saw (``coverage.Gap``). The pieces
(labels, values, the wording of comparisons) are the explanation's own
(``render/explanation.py``), so the documentation and an explanation say the same thing."""

from __future__ import annotations

import attrs

from .. import ir
from ..render.explanation import (
    LIST_SEP,
    WORDS,
    Line,
    citation,
    local,
    show_date,
    show_value,
)
from ..render.explanation import word as explanation_word
from ..types import EnumType, RecordType

_WORDS = {
    "all_of": {"en": "all of the following", "zh": "同时符合下列条件"},
    "any_of": {"en": "any one of the following", "zh": "符合下列条件之一"},
    "not": {"en": "this does not hold", "zh": "下列条件不成立"},
    "if": {"en": "if", "zh": "如果"},
    "then": {"en": "then", "zh": "则"},
    "else": {"en": "otherwise", "zh": "否则"},
    "one_of": {"en": "one of {items}", "zh": "为{items}之一"},
    "one_of_list": {"en": "one of the following", "zh": "为下列之一"},
    "with": {"en": "{label} (with {args})", "zh": "{label}（取{args}）"},
    "and": {"en": " and ", "zh": "、"},
    "quoted": {"en": "“{text}”", "zh": "“{text}”"},
    "gap_never_fired": {"en": "the rule never fired", "zh": "本规则从未适用"},
    "gap_never_failed": {"en": "the rule was never seen not to fire", "zh": "未见本规则不适用"},
    "gap_never_set_aside": {
        "en": "never seen setting aside {target}",
        "zh": "未见排除适用{target}",
    },
    "gap_true": {"en": "{cond}: never seen to hold", "zh": "{cond}：未见成立"},
    "gap_false": {"en": "{cond}: never seen not to hold", "zh": "{cond}：未见不成立"},
    "gap_both": {
        "en": "{cond}: never seen to hold nor not to hold",
        "zh": "{cond}：未见成立，也未见不成立",
    },
    "lighter_at_act": {"en": "the version in force on the act date", "zh": "行为时施行的版本"},
    "lighter_at_decision": {
        "en": "the version in force on the decision date",
        "zh": "处理时施行的版本",
    },
    "lighter_applied": {"en": "the version applied", "zh": "所适用的版本"},
    "of_block": {"en": "{what} ({block})", "zh": "{what}（{block}）"},
    "choice": {
        "en": "{then} if {cond}, otherwise {otherwise}",
        "zh": "{cond}时为{then}，否则为{otherwise}",
    },
    "always": {"en": "always (no condition)", "zh": "无条件适用"},
    "yes": {"en": "yes", "zh": "是"},
}


#: Between a parameter's dated values on one line, here and in the site's parameter section.
VALUE_SEP = {"en": "; ", "zh": "；"}


def word(key: str, lang: str, **kw) -> str:
    return _WORDS[key][lang].format(**kw)


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _label(rb, kind: str, name: str, lang: str) -> str | None:
    table = {
        "input": rb.inputs,
        "define": rb.definitions,
        "conclusion": rb.conclusions,
        "parameter": rb.parameters,
    }.get(kind)
    found = table.get(name) if table is not None else None
    return local(found.label, lang) or None if found is not None else None


def quoted(text: str, lang: str) -> str:
    return word("quoted", lang, text=text)


def value(v, t, lang: str) -> str:
    """A value as a reader writes it; a set of members with each member quoted, since a
    member's label may hold a comma or a 、 itself."""
    if isinstance(v, frozenset) and isinstance(t, EnumType):
        shown = [quoted(show_value(m, t, lang), lang) for m in t.members if m in v]
        return LIST_SEP[lang].join(shown) or "—"
    return show_value(v, t, lang)


def members(rb, items: list[ir.Expr], lang: str, t=None) -> str:
    """The members of a list on one line, each quoted: unambiguous whatever their labels."""
    return LIST_SEP[lang].join(quoted(side(rb, x, lang, t), lang) for x in items)


def parameter_values(rb, name: str, lang: str) -> tuple[str, ...]:
    """A parameter's dated values, as the site shows them everywhere: "from 2017-06-01: 50"."""
    p = rb.parameters[name]
    colon = _colon(lang)
    return tuple(
        explanation_word("since", lang, day=show_date(day, lang)) + colon + value(v, p.type, lang)
        for day, v in p.values
    )


def parameter(rb, name: str, lang: str) -> str:
    """A parameter in a condition: its label and its dated values, "quantity standard of
    Art. 5(1)(3) (items) (from 2017-06-01: 50)"."""
    label = _label(rb, "parameter", name, lang) or name
    values = VALUE_SEP[lang].join(parameter_values(rb, name, lang))
    return f"{label}（{values}）" if lang == "zh" else f"{label} ({values})"


def side(rb, e: ir.Expr, lang: str, t=None) -> str:
    """One side of a comparison, or a value: a name by its label, a parameter with its dated
    values, a constant as a reader writes it (with ``t``, the other side's type, for members
    and money); anything else as written in the rule."""
    if isinstance(e, ir.Const):
        return value(e.value, t if t is not None else e.type, lang)
    if isinstance(e, ir.Ref) and e.kind == "parameter" and e.name in rb.parameters:
        return parameter(rb, e.name, lang)
    if isinstance(e, ir.Ref) and e.kind == "lighter":  # party_law.at_act: a version, in words
        name, _, which = e.name.partition(".")
        what = word(f"lighter_{which}", lang)
        if len(rb.lighters) < 2:
            return what
        block = rb.lighters.get(name)
        label = (local(block.label, lang) if block is not None else "") or name
        return word("of_block", lang, what=what, block=label)  # which block's version
    if isinstance(e, ir.If):  # "life imprisonment if ..., otherwise ten years"
        test = getattr(e.type, "kind", None) == "bool"
        shown = [
            inline(rb, x, lang) if test else side(rb, x, lang, t) for x in (e.then, e.otherwise)
        ]
        return word(
            "choice", lang, then=shown[0], cond=inline(rb, e.cond, lang), otherwise=shown[1]
        )
    if isinstance(e, ir.Ref):
        return _label(rb, e.kind, e.name, lang) or e.name
    if isinstance(e, ir.CallDef):
        label = _label(rb, "define", e.name, lang)
        if label is None:
            return e.text
        # An argument that is a variable of a list being walked is the element itself: the
        # label says it (not "with a").
        args = [side(rb, a, lang) for a in e.args if not _is_local(a)]
        if not args:
            return label
        return word("with", lang, label=label, args=word("and", lang).join(args))
    if isinstance(e, ir.Attr):
        record = e.obj.type
        spec = record.fields.get(e.field) if isinstance(record, RecordType) else None
        if spec is not None and spec.label is not None:
            return local(spec.label, lang)
        return e.text
    if isinstance(e, ir.Aggregate):
        return _aggregate(rb, e, lang)
    if isinstance(e, ir.ListE):
        return members(rb, e.items, lang, t)
    if isinstance(e, ir.Binary) and e.op in _ARITHMETIC:
        return f"{_operand(rb, e.left, lang)} {_ARITHMETIC[e.op]} {_operand(rb, e.right, lang)}"
    return e.text


#: An aggregate over a list, in words: the list, the value or test for each element.
_AGGREGATES = {
    "sum": {"en": "the total of {body} over {items}", "zh": "{items}的{body}合计"},
    "count": {"en": "the number of {items}", "zh": "{items}的数量"},
    "any": {"en": "whether any of {items} has {body}", "zh": "{items}中是否有{body}"},
    "all": {"en": "whether all of {items} have {body}", "zh": "{items}是否均{body}"},
    "min": {"en": "the least {body} among {items}", "zh": "{items}中最小的{body}"},
    "max": {"en": "the greatest {body} among {items}", "zh": "{items}中最大的{body}"},
}


def _aggregate(rb, e: ir.Aggregate, lang: str) -> str:
    form = _AGGREGATES.get(e.func, {}).get(lang)
    if form is None:
        return e.text
    body = inline(rb, e.body, lang) if e.body is not None else ""
    text = form.format(body=body, items=side(rb, e.iterable, lang))
    if e.where is not None:
        where = inline(rb, e.where, lang)
        text += f"（限于{where}）" if lang == "zh" else f", counting only those where {where}"
    return text


def inline(rb, e: ir.Expr, lang: str) -> str:
    """A condition on one line: its parts joined by "and" / "or"."""
    if isinstance(e, ir.Binary) and e.op in ("and", "or"):
        joint = {"and": {"en": " and ", "zh": "且"}, "or": {"en": " or ", "zh": "或"}}[e.op][lang]
        return joint.join(inline(rb, x, lang) for x in _operands(e, e.op))
    if isinstance(e, ir.Unary) and e.op == "not":
        inner = inline(rb, e.operand, lang)
        return f"非（{inner}）" if lang == "zh" else f"not ({inner})"
    if isinstance(e, ir.If):
        return side(rb, e, lang)
    if isinstance(e, ir.Ref):
        return side(rb, e, lang)  # a yes-or-no input by its label, as a field is
    parts = _test(rb, e, lang)
    if parts is None:
        return side(rb, e, lang)  # a definition, a yes-or-no field: by its label
    return "".join(parts) if lang == "zh" else " ".join(parts)


#: Arithmetic as a reader writes it.
_ARITHMETIC = {"+": "+", "-": "−", "*": "×", "/": "÷"}


def _operand(rb, e: ir.Expr, lang: str) -> str:
    """An operand of arithmetic, in brackets when it is arithmetic itself."""
    shown = side(rb, e, lang)
    return f"({shown})" if isinstance(e, ir.Binary) and e.op in _ARITHMETIC else shown


def _operands(e: ir.Expr, op: str) -> list[ir.Expr]:
    """A chain ``a and b and c`` as its three operands."""
    if isinstance(e, ir.Binary) and e.op == op:
        return _operands(e.left, op) + _operands(e.right, op)
    return [e]


def condition(rb, e: ir.Expr | None, lang: str) -> Line:
    """A condition as a tree of lines: "all of the following" over its parts, each part a
    comparison in words ("items of tracking information: at least 50")."""
    if e is None:
        return Line(word("always", lang))
    if isinstance(e, ir.Binary) and e.op in ("and", "or"):
        key = "all_of" if e.op == "and" else "any_of"
        parts = tuple(condition(rb, x, lang) for x in _operands(e, e.op))
        return Line(word(key, lang), children=parts)
    if isinstance(e, ir.Unary) and e.op == "not":
        return Line(word("not", lang), children=(condition(rb, e.operand, lang),))
    if isinstance(e, ir.If):
        return Line(
            word("if", lang),
            children=(
                condition(rb, e.cond, lang),
                Line(word("then", lang), children=(condition(rb, e.then, lang),)),
                Line(word("else", lang), children=(condition(rb, e.otherwise, lang),)),
            ),
        )
    if isinstance(e, ir.Binary) and e.op == "in" and isinstance(e.right, ir.ListE):
        # One member a line: a label may hold a comma (or a 、) of its own.
        items = tuple(Line(side(rb, x, lang, e.left.type)) for x in e.right.items)
        what = f"{side(rb, e.left, lang)}{_colon(lang)}{word('one_of_list', lang)}"
        return Line(what, children=items)
    parts = _test(rb, e, lang)
    if parts is not None:
        return Line(f"{parts[0]}{_colon(lang)}{parts[1]}")
    return Line(side(rb, e, lang))


def _test(rb, e: ir.Expr, lang: str) -> tuple[str, str] | None:
    """An elementary test as (what, what it needs): ("illegal gains", "at least 5000 CNY")."""
    if isinstance(e, ir.Binary) and e.op in WORDS["needs_op"][lang]:
        what = side(rb, e.left, lang)
        if e.op == "=" and isinstance(e.right, ir.Const) and isinstance(e.right.value, bool):
            return what, show_value(e.right.value, None, lang)
        right = side(rb, e.right, lang, e.left.type)
        return what, WORDS["needs_op"][lang][e.op].format(right=right)
    if isinstance(e, ir.Binary) and e.op == "in":
        if isinstance(e.right, ir.ListE):
            items = side(rb, e.right, lang, e.left.type)
        else:
            items = side(rb, e.right, lang)
        return side(rb, e.left, lang), word("one_of", lang, items=items)
    if isinstance(e, ir.Ref) and e.kind == "input":
        return side(rb, e, lang), word("yes", lang)
    return None


def conclusion(rb, a: ir.Assignment, lang: str) -> str:
    """``level = serious`` as "circumstances: serious circumstances"."""
    c = rb.conclusions[a.conclusion]
    what = local(c.label, lang) or c.name
    value = side(rb, a.value, lang, c.type)
    if a.upper is not None:
        upper = side(rb, a.upper, lang, c.type)
        value = f"{value}至{upper}" if lang == "zh" else f"{value} – {upper}"
    return f"{what}{_colon(lang)}{value}"


def parameters_read(rb, e: ir.Expr | None) -> list[str]:
    """The parameters a condition reads, directly or through the definitions it calls, in
    the order first met."""
    found: dict[str, None] = {}
    seen: set[str] = set()
    stack = [e] if e is not None else []
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Ref) and x.kind == "parameter":
            found[x.name] = None
        if isinstance(x, ir.Ref | ir.CallDef) and (
            getattr(x, "kind", "define") == "define" and x.name in rb.definitions
        ):
            if x.name not in seen:
                seen.add(x.name)
                stack.append(rb.definitions[x.name].body)
        for value in _children(x):
            stack.append(value)
    return list(found)


def definitions_called(rb, e: ir.Expr | None) -> list[ir.Expr]:
    """The calls of definitions a condition makes itself (not those they make in turn), in
    order: a reference, or a call with its arguments (once for each set of arguments)."""
    found: dict[tuple, ir.Expr] = {}
    stack = [e] if e is not None else []
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Ref) and x.kind == "define" or isinstance(x, ir.CallDef):
            if x.name in rb.definitions:
                args = tuple(a.text for a in getattr(x, "args", ()))
                found.setdefault((x.name, args), x)
            if isinstance(x, ir.Ref):
                continue
        stack.extend(_children(x))
    return list(found.values())


def definition(rb, call: ir.Expr, lang: str) -> Line:
    """What a definition says, as ``call`` calls it: headed as the condition shows the call,
    its condition in words when it is a yes or no, else its value; with arguments, what it
    says of them, each parameter read as the argument given (``× k`` reads ``× 1``)."""
    d = rb.definitions[call.name]
    body = d.body
    if isinstance(call, ir.CallDef):
        body = bind(body, {p: a for (p, _), a in zip(d.params or [], call.args, strict=False)})
    head = side(rb, call, lang)
    if getattr(d.type, "kind", None) == "bool":
        return Line(head, children=(condition(rb, body, lang),))
    return Line(head, children=(Line(side(rb, body, lang)),))


def bind(e: ir.Expr, args: dict[str, ir.Expr]) -> ir.Expr:
    """``e`` with each reference to a parameter in ``args`` replaced by its argument (for
    words only: the copy is never evaluated). A list's own variable of the same name hides
    the parameter under it."""
    if not args:
        return e
    if isinstance(e, ir.Ref) and e.kind == "local" and e.name in args:
        return args[e.name]
    changes = {}
    for f in attrs.fields(type(e)):
        v = getattr(e, f.name)
        inner = args
        if isinstance(e, ir.Aggregate) and f.name in ("body", "where") and e.var in args:
            inner = {k: a for k, a in args.items() if k != e.var}
        if isinstance(v, ir.Expr):
            changes[f.name] = bind(v, inner)
        elif isinstance(v, list) and any(isinstance(i, ir.Expr) for i in v):
            changes[f.name] = [bind(i, inner) if isinstance(i, ir.Expr) else i for i in v]
    return attrs.evolve(e, **changes) if changes else e


def _is_local(e: ir.Expr) -> bool:
    return isinstance(e, ir.Ref) and e.kind == "local"


def gap(rb, g, lang: str) -> str:
    """An outcome the tests never saw (``coverage.Gap``), in words: the condition as the
    site words conditions, a rule by its citation and title."""
    if g.kind == "never_set_aside":
        return word("gap_never_set_aside", lang, target=rule_heading(rb, g.target, lang))
    if g.kind in ("never_fired", "never_failed"):
        return word(f"gap_{g.kind}", lang)
    cond = quoted(inline(rb, g.condition.expr, lang), lang)
    key = {(True,): "gap_true", (False,): "gap_false"}.get(g.missing, "gap_both")
    return word(key, lang, cond=cond)


def rule_heading(rb, name: str, lang: str) -> str:
    """A rule by its citation and title, as its heading on the site."""
    rule = rb.rules[name]
    return f"{citation(rb, name, lang)} {local(rule.title, lang)}".strip()


def _children(x) -> list:
    out = []
    for f in type(x).__attrs_attrs__:
        v = getattr(x, f.name)
        if isinstance(v, ir.Expr):
            out.append(v)
        elif isinstance(v, list):
            out.extend(i for i in v if isinstance(i, ir.Expr))
    return list(reversed(out))  # popped from a stack: first child first
