"""The syntax tree of the rule language: plain attrs classes, each carrying its source span.

Nodes compare by identity (``eq=False``) so that later passes can key tables by node.
Literal values are already exact here: integers stay ``int``, decimals become
``fractions.Fraction`` straight from their digits, never via binary floating point.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

import attrs

from .diagnostics import Source, Span

#: Words of the language that cannot be names.
RESERVED = frozenset(
    ("if", "then", "else", "and", "or", "not", "in", "for", "where", "when", "true", "false")
)

node = attrs.define(eq=False, slots=True)


@node
class Ident:
    """A name as written, with where it was written."""

    name: str
    span: Span


@node
class Text:
    """Text in one or more languages; ``""`` keys a string written without a language."""

    values: dict[str, str]
    span: Span

    def get(self, lang: str) -> str:
        return self.values.get(lang) or self.values.get("") or next(iter(self.values.values()))


# ------------------------------------------------------------------ expressions
@node
class Constant:
    """A literal: int, Fraction, bool, str, Text, date, MoneyLit or DurationLit."""

    value: object
    span: Span


@node
class MoneyLit:
    amount: int | Fraction
    currency: str


@node
class DurationLit:
    amount: int
    unit: str  # "years", "months", "weeks" or "days"


@node
class Name:
    name: str
    span: Span


@node
class Attribute:
    obj: Expr
    name: Ident
    span: Span


@node
class Call:
    func: Ident
    args: list[Expr]
    span: Span


@node
class Aggregate:
    """``sum(a.items for a in acts where a.kind = sell)`` and the like."""

    func: Ident
    body: Expr
    var: Ident
    iterable: Expr
    where: Expr | None
    span: Span


@node
class ListExpr:
    items: list[Expr]
    span: Span


@node
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span


@node
class Binary:
    """Arithmetic (``+ - * /``), comparison (``= != < <= > >=``), ``in``, ``and``, ``or``."""

    op: str
    left: Expr
    right: Expr
    span: Span


@node
class IfExpr:
    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span


Expr = Constant | Name | Attribute | Call | Aggregate | ListExpr | Unary | Binary | IfExpr


# ------------------------------------------------------------------ literal values
@node
class BareName:
    """An enum or scale member written as a value, resolved by the checker."""

    name: str
    span: Span


@node
class ListLiteral:
    items: list[Literal]
    span: Span


@node
class RecordLiteral:
    items: list[tuple[Ident, Literal]]
    span: Span


Literal = Constant | BareName | ListLiteral | RecordLiteral


# ------------------------------------------------------------------ declarations
@node
class Meta:
    key: Ident
    value: object  # Text, datetime.date, Ident, a list of Ident, int or Fraction
    span: Span


@node
class ArticleSpan:
    """``articles 1 .. 13`` (``last`` set) or ``articles "253-1"`` (one article)."""

    first: str
    last: str | None
    span: Span


@node
class NotEncoded:
    """``article 11 not encoded because "..."``: a declared article no rule encodes, and why."""

    unit: str  # as written: the checker accepts only "article"
    number: str
    reason: Text
    span: Span


@node
class Document:
    name: Ident
    meta: list[Meta]
    span: Span
    articles: list[ArticleSpan] = attrs.Factory(list)
    not_encoded: list[NotEncoded] = attrs.Factory(list)


@node
class Member:
    name: Ident
    label: Text | None


@node
class EnumDecl:
    """An enumeration, or (``ordered``) a scale whose members run lowest first."""

    name: Ident
    label: Text | None
    members: list[Member]
    ordered: bool
    span: Span


@node
class TypeRef:
    name: Ident
    currency: Ident | None
    list_of: bool
    span: Span
    signed: Span | None = None  # where ``signed`` is written, if it is


@node
class Field:
    """A typed field: an input of the facts schema or a field of a record."""

    name: Ident
    type: TypeRef
    default: Literal | None
    label: Text | None
    span: Span
    fixed: Span | None = None  # where ``fixed`` is written: never varied by what-if analyses


@node
class RecordDecl:
    name: Ident
    label: Text | None
    fields: list[Field]
    span: Span


@node
class ParameterDecl:
    """A threshold whose value depends on the date from which each value holds."""

    name: Ident
    type: TypeRef
    label: Text | None
    values: list[tuple[datetime.date, Literal, Span]]
    meta: list[Meta]
    span: Span


@node
class Param:
    name: Ident
    type: TypeRef


@node
class DefineDecl:
    name: Ident
    params: list[Param] | None
    result: TypeRef | None
    label: Text | None
    body: Expr
    span: Span


@node
class ConclusionDecl:
    """A declared outcome. ``kind`` is highest, set, range or value."""

    name: Ident
    kind: str
    scale: Ident | None  # highest / set
    type: TypeRef | None  # range / value
    default: Literal | None
    label: Text | None
    span: Span
    #: ``always decided``: where it was written, or None.
    always_decided: Span | None = None


@node
class CitePart:
    unit: str  # article, paragraph, item, chapter, section
    number: str
    span: Span


@node
class Assignment:
    target: Ident
    value: Expr
    upper: Expr | None  # for ranges: ``value .. upper``
    span: Span


@node
class RuleDecl:
    name: Ident
    cite: list[CitePart]
    title: Text | None
    text: Text | None
    in_force_from: tuple[datetime.date, Span] | None
    in_force_until: tuple[datetime.date, Span] | None
    overrides: list[Ident]
    when: Expr | None
    then: list[Assignment]
    notes: list[Text]
    unverified: list[Text]
    span: Span
    #: ``may overlap a, b because "..."``: (the rules named, the reason).
    overlaps: list[tuple[list[Ident], Text]] = attrs.field(factory=list)


@node
class Expect:
    """``expect x = v``, ``expect fired r``, ``expect not fired r``, ``expect set aside r``."""

    kind: str  # value, fired, not_fired, set_aside
    target: Ident
    value: Literal | None
    upper: Literal | None
    span: Span


@node
class TableRow:
    """One row of a test's table: its name, a value per input column and per conclusion
    column, each with the other end of a range (only a conclusion's may have one), or None."""

    name: str
    given: list[tuple[Literal, Literal | None]]
    expects: list[tuple[Literal, Literal | None]]
    span: Span
    name_span: Span


@node
class Table:
    """``table in1, in2 -> c1 { "row": v1, v2 -> e1 ... }``: one test per row."""

    inputs: list[Ident]
    conclusions: list[Ident]
    rows: list[TableRow]
    span: Span


@node
class TestDecl:
    name: str
    as_of: datetime.date | None
    given: list[tuple[Ident, Literal]]
    expects: list[Expect]
    span: Span
    name_span: Span | None = None  # the quoted name
    tables: list[Table] = attrs.Factory(list)


@node
class LighterDecl:
    """``lighter NAME { versions: p  act_date: e  compare: c, ...  decides: c, ... }``: the
    conclusions named are judged under the version in force on the act date, unless the
    version in force on the as-of date is lighter by the order of ``compare``."""

    name: Ident
    label: Text | None
    entries: list[tuple[Ident, list[Expr], Span]]
    span: Span


Decl = (
    Document
    | EnumDecl
    | RecordDecl
    | Field
    | ParameterDecl
    | DefineDecl
    | ConclusionDecl
    | RuleDecl
    | TestDecl
    | LighterDecl
)


@node
class Module:
    """One parsed rule file."""

    source_name: str
    decls: list[Decl]
    source: Source | None = None
