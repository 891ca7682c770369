"""The checked, typed tree: what the checker produces and both evaluators run.

Every name is resolved to what it refers to, every node knows its type, and every node keeps
its span and source text so that a trace can quote the rule as it was written.
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from ruleengine_dsl.diagnostics import Span

from .types import EnumType, LocalText, Type

ir = attrs.define(eq=False, slots=True)


@ir
class Expr:
    type: Type
    span: Span
    text: str


@ir
class Const(Expr):
    value: Any


@ir
class Ref(Expr):
    """A reference: to an input, parameter, definition, local (argument or loop variable)
    or conclusion, by ``kind``."""

    kind: str  # input | parameter | define | local | conclusion
    name: str


@ir
class Attr(Expr):
    obj: Expr
    field: str


@ir
class CallDef(Expr):
    """A call of a definition with parameters."""

    name: str
    args: list[Expr]


@ir
class CallFunc(Expr):
    """A call of a function provided by a plugin (built-ins included)."""

    name: str
    args: list[Expr]


@ir
class Aggregate(Expr):
    func: str  # sum | count | any | all | min | max
    body: Expr | None
    var: str
    iterable: Expr
    where: Expr | None


@ir
class ListE(Expr):
    items: list[Expr]


@ir
class Unary(Expr):
    op: str  # "-" | "not"
    operand: Expr


@ir
class Binary(Expr):
    """``op`` is one of + - * / = != < <= > >= in and or.

    ``scale`` is set for comparisons of scale members, which compare by rank.
    """

    op: str
    left: Expr
    right: Expr
    scale: EnumType | None = None


@ir
class If(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr


def children(node: Expr) -> list[Expr]:
    """The expressions directly under ``node``: for walks of the tree that keep their own
    stack (a rule text may nest deeper than Python's recursion allows)."""
    out: list[Expr] = []
    for f in attrs.fields(type(node)):
        v = getattr(node, f.name)
        if isinstance(v, Expr):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            out.extend(x for x in v if isinstance(x, Expr))
    return out


# ------------------------------------------------------------------ declarations
@attrs.frozen
class FieldSpec:
    """A typed field of the facts (an input) or of a record."""

    name: str
    type: Type
    minimum: int | None  # 0 for counts
    default: Any  # a runtime value, or MISSING
    label: LocalText | None
    span: Span | None = attrs.field(eq=False, default=None)
    #: Declared ``fixed``: a fact the what-if analyses never vary.
    fixed: bool = False


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"  # pickled by name: the one MISSING, also in a cached rulebook


MISSING = _Missing()


@ir
class Definition:
    name: str
    params: list[tuple[str, Type]] | None
    body: Expr
    type: Type
    label: LocalText | None
    span: Span


@ir
class Parameter:
    name: str
    type: Type
    label: LocalText | None
    values: list[tuple[datetime.date, Any]]  # sorted by date
    reference: LocalText | None  # its source, in one language or both
    span: Span

    def value_on(self, day: datetime.date) -> Any:
        found = MISSING
        for since, value in self.values:
            if since <= day:
                found = value
        return found


@ir
class Conclusion:
    name: str
    kind: str  # highest | set | range | value
    type: Type  # the scale or enum for highest/set/range-of-scale; the value type otherwise
    default: Any
    label: LocalText | None
    span: Span
    #: Declared ``always decided``: check --prove reports where no rule decides it.
    always_decided: bool = False


@ir
class Citation:
    parts: list[tuple[str, str]]  # (unit, number)
    document: str | None

    def short(self) -> str:
        """``Art. 5(1)(3)``: article, then paragraph and item in brackets."""
        out = ""
        for unit, number in self.parts:
            if unit == "article":
                out += f"Art. {number}"
            elif unit in ("paragraph", "item"):
                out += f"({number})"
            else:
                out += f"{unit.capitalize()} {number} "
        return out.strip()

    def chinese(self) -> str:
        """``第五条第一款第三项``, as Chinese legal texts cite."""
        out = ""
        for unit, number in self.parts:
            if unit == "article" and "-" in number:
                main, sub = number.split("-", 1)
                out += f"第{_zh_number(main)}条之{_zh_number(sub)}"
            else:
                out += _ZH_UNITS[unit].format(_zh_number(number))
        return out

    def to_json(self) -> dict:
        return {
            "parts": [{"unit": u, "number": n} for u, n in self.parts],
            "en": self.short(),
            "zh": self.chinese(),
        }


_ZH_UNITS = {
    "article": "第{}条",
    "paragraph": "第{}款",
    "item": "第{}项",
    "chapter": "第{}章",
    "section": "第{}节",
}


def _zh_number(number: str) -> str:
    """Numbers as Chinese legal texts write them: 5 -> 五, 253 -> 二百五十三."""
    if not number.isdigit() or int(number) >= 1000:
        return number
    digits = "零一二三四五六七八九"
    n = int(number)
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    out = digits[hundreds] + "百"
    if rest == 0:
        return out
    if rest < 10:
        return out + "零" + digits[rest]
    tens, ones = divmod(rest, 10)
    return out + digits[tens] + "十" + (digits[ones] if ones else "")


@ir
class Assignment:
    conclusion: str
    value: Expr
    upper: Expr | None
    span: Span


@ir
class Rule:
    name: str
    document: str | None
    citation: Citation
    title: LocalText | None
    text: LocalText | None
    in_force_from: datetime.date | None
    in_force_until: datetime.date | None
    overrides: list[str]
    when: Expr | None
    then: list[Assignment]
    notes: list[LocalText]
    unverified: list[LocalText]
    span: Span
    #: ``may overlap``: rule name -> (the reason, where it is written).
    overlaps: dict[str, tuple[LocalText, Span]] = attrs.field(factory=dict)

    def in_force(self, day: datetime.date) -> bool:
        if self.in_force_from and day < self.in_force_from:
            return False
        return not (self.in_force_until and day >= self.in_force_until)


@ir
class Lighter:
    """A ``lighter`` block: the conclusions it ``decides`` are judged under the version (a
    member of the ``versions`` parameter's enum) in force on ``act_date``, unless the version
    in force on the as-of date is lighter by ``compare``, conclusion by conclusion, lower first
    (ruleengine/lighter.py checks it, lighter_eval.py evaluates it)."""

    name: str
    label: LocalText | None
    versions: str  # a parameter whose type is an enum: its value on a day is the version
    type: EnumType
    act_date: Expr
    compare: list[str]
    decides: list[str]  # every conclusion that takes the applied version's value, compare first
    notes: list[LocalText]
    span: Span


#: What reading ``L.applied``, ``L.at_act`` and ``L.at_decision`` gives: a version.
LIGHTER_ATTRIBUTES = ("applied", "at_act", "at_decision")


@ir
class DocumentInfo:
    name: str
    title: LocalText | None
    citation: LocalText | None
    statute: LocalText | None
    effective: datetime.date | None
    until: datetime.date | None
    date_input: str | None
    meta: dict[str, Any]
    span: Span
    #: The conclusions a summary shows when not asked for others (``headline:``).
    headline: tuple[str, ...] = ()
    #: The articles it declares (``articles 1 .. 13``), in order; none if it declares none.
    articles: tuple[str, ...] = ()
    #: Article -> why no rule encodes it (``article 11 not encoded because ...``).
    not_encoded: dict[str, LocalText] = attrs.field(factory=dict)


@ir
class Expectation:
    kind: str  # value | fired | not_fired | set_aside
    target: str
    value: Any
    upper: Any
    span: Span


@ir
class RuleTest:
    name: str
    as_of: datetime.date | None
    given: dict[str, Any]  # raw fact values, validated like any facts
    given_spans: dict[str, Span]
    expects: list[Expectation]
    span: Span
