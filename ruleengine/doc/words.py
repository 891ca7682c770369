"""A rule's condition and conclusions in words, for a lawyer: inputs, definitions and
parameters by their labels, thresholds with their units, ``and``/``or`` as "all of" and
"any of". The pieces (labels, values, the wording of comparisons) are the explanation's own
(``render/explanation.py``), so the documentation and an explanation say the same thing."""

from __future__ import annotations

from .. import ir
from ..render.explanation import WORDS, Line, local, show_value
from ..types import RecordType

_WORDS = {
    "all_of": {"en": "all of the following", "zh": "同时符合下列条件"},
    "any_of": {"en": "any one of the following", "zh": "符合下列条件之一"},
    "not": {"en": "this does not hold", "zh": "下列条件不成立"},
    "if": {"en": "if", "zh": "如果"},
    "then": {"en": "then", "zh": "则"},
    "else": {"en": "otherwise", "zh": "否则"},
    "one_of": {"en": "one of {items}", "zh": "为{items}之一"},
    "always": {"en": "always (no condition)", "zh": "无条件适用"},
    "yes": {"en": "yes", "zh": "是"},
}


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


def side(rb, e: ir.Expr, lang: str, t=None) -> str:
    """One side of a comparison, or a value: a name by its label, a constant as a reader
    writes it (with ``t``, the other side's type, for members and money); anything else as
    written in the rule."""
    if isinstance(e, ir.Const):
        return show_value(e.value, t if t is not None else e.type, lang)
    if isinstance(e, ir.Ref):
        return _label(rb, e.kind, e.name, lang) or e.name
    if isinstance(e, ir.CallDef):
        label = _label(rb, "define", e.name, lang)
        if label is None:
            return e.text
        params = rb.definitions[e.name].params or []
        given = [(p, side(rb, a, lang)) for (p, _), a in zip(params, e.args, strict=False)]
        args = ", ".join(f"{p} = {v}" for p, v in given if v != p)  # not "a = a" in a loop
        if not args:
            return label
        return f"{label}（{args}）" if lang == "zh" else f"{label} ({args})"
    if isinstance(e, ir.Attr):
        record = e.obj.type
        spec = record.fields.get(e.field) if isinstance(record, RecordType) else None
        if spec is not None and spec.label is not None:
            return local(spec.label, lang)
        return e.text
    if isinstance(e, ir.Aggregate):
        return _aggregate(rb, e, lang)
    if isinstance(e, ir.ListE):
        sep = "、" if lang == "zh" else ", "
        return sep.join(side(rb, x, lang, t) for x in e.items)
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
        return e.text
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


def definitions_called(rb, e: ir.Expr | None) -> list[str]:
    """The definitions a condition calls itself (not those they call in turn), in order."""
    found: dict[str, None] = {}
    stack = [e] if e is not None else []
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Ref) and x.kind == "define" or isinstance(x, ir.CallDef):
            if x.name in rb.definitions:
                found[x.name] = None
            if isinstance(x, ir.Ref):
                continue
        stack.extend(_children(x))
    return list(found)


def definition(rb, name: str, lang: str) -> Line:
    """What a definition says: its condition in words when it is a yes or no, else its
    value as written with labels."""
    d = rb.definitions[name]
    params = ", ".join(p for p, _ in d.params or [])
    head = (local(d.label, lang) or name) + (f" ({params})" if params else "")
    if getattr(d.type, "kind", None) == "bool":
        return Line(head, children=(condition(rb, d.body, lang),))
    return Line(head, children=(Line(side(rb, d.body, lang)),))


def _children(x) -> list:
    out = []
    for f in type(x).__attrs_attrs__:
        v = getattr(x, f.name)
        if isinstance(v, ir.Expr):
            out.append(v)
        elif isinstance(v, list):
            out.extend(i for i in v if isinstance(i, ir.Expr))
    return list(reversed(out))  # popped from a stack: first child first
