"""Names of a rulebook and where each is written: what hover, go to definition, find references
and completion answer from.

Built from the syntax trees alone (``ruleengine_dsl.syntax``), not from the checked rulebook, so
it still answers while the text has a type error: an editor is used most on texts that do not
check yet. Names resolve as the checker resolves them, without types: a name in an expression
is a local (a definition's parameter, an aggregate's variable), else a declaration, else an
enum or scale member; ``x.m`` is a member of ``x`` when ``x`` is an enum or scale, else a field
of any record that has one so named.
"""

from __future__ import annotations

import datetime

import attrs

from ruleengine_dsl import syntax as s
from ruleengine_dsl.diagnostics import Span

from ..checker import MAX_EXPR_DEPTH


@attrs.define(eq=False)
class Symbol:
    """A declared name: ``kind`` is the declaration's keyword, or ``member`` / ``field``."""

    name: str
    kind: str
    ident: s.Ident
    decl: object
    owner: str | None = None  # the enum, scale or record of a member or field


@attrs.define
class Ref:
    """A name as written somewhere (its declaration too), with what it names."""

    span: Span
    targets: list[Symbol]


def _contains(span: Span, line: int, column: int) -> bool:
    """Whether the 1-based ``line``/``column`` lies in the span (its end included: the cursor
    just after a name is on it)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


class Index:
    """Every declaration and every use of a name in some parsed rule files."""

    def __init__(self, modules: list[s.Module]):
        self.symbols: dict[str, list[Symbol]] = {}
        self.members: dict[str, list[Symbol]] = {}  # by member name
        self.fields: dict[str, list[Symbol]] = {}  # record fields, by field name
        self.refs: list[Ref] = []
        for module in modules:
            for decl in module.decls:
                self._declare(decl)
        for module in modules:
            for decl in module.decls:
                self._uses(decl)

    # ------------------------------------------------------------------ queries
    def at(self, file: str, line: int, column: int) -> Ref | None:
        """The name written at a position of a file, if any (the narrowest)."""
        found = [r for r in self.refs if r.span.file == file and _contains(r.span, line, column)]
        return min(found, key=lambda r: (r.span.end_line, r.span.end_column), default=None)

    def references(self, symbol: Symbol) -> list[Span]:
        """Every place the symbol is written, its declaration first."""
        return [r.span for r in self.refs if any(t is symbol for t in r.targets)]

    def members_of(self, name: str) -> list[Symbol]:
        """The members of an enum or scale, or the fields of a record (or of an input's or
        parameter's record type), named ``name``."""
        out: list[Symbol] = []
        for sym in self.symbols.get(name, []):
            if sym.kind in ("enum", "scale"):
                out += [m for ms in self.members.values() for m in ms if m.owner == name]
            elif sym.kind == "record":
                out += [f for fs in self.fields.values() for f in fs if f.owner == name]
            elif sym.kind in ("input", "parameter") and not sym.decl.type.list_of:
                out += self.members_of(sym.decl.type.name.name)
        return out

    # ------------------------------------------------------------------ declarations
    def _add(self, table: dict, sym: Symbol) -> None:
        table.setdefault(sym.name, []).append(sym)
        self.refs.append(Ref(sym.ident.span, [sym]))

    def _declare(self, decl) -> None:
        match decl:
            case s.TestDecl():
                return
            case s.EnumDecl():
                kind = "scale" if decl.ordered else "enum"
                self._add(self.symbols, Symbol(decl.name.name, kind, decl.name, decl))
                for m in decl.members:
                    self._add(
                        self.members, Symbol(m.name.name, "member", m.name, m, decl.name.name)
                    )
                return
            case s.RecordDecl():
                self._add(self.symbols, Symbol(decl.name.name, "record", decl.name, decl))
                for f in decl.fields:
                    self._add(self.fields, Symbol(f.name.name, "field", f.name, f, decl.name.name))
                return
        kind = {
            s.Document: "document",
            s.Field: "input",
            s.ParameterDecl: "parameter",
            s.DefineDecl: "define",
            s.ConclusionDecl: "conclusion",
            s.RuleDecl: "rule",
            s.LighterDecl: "lighter",
        }.get(type(decl))
        if kind is not None:
            self._add(self.symbols, Symbol(decl.name.name, kind, decl.name, decl))

    # ------------------------------------------------------------------ uses
    def _use(self, ident_or_name, kinds: tuple[str, ...] | None = None) -> None:
        """A name written where a declaration (of one of ``kinds``) or a member is meant."""
        name, span = ident_or_name.name, ident_or_name.span
        targets = [t for t in self.symbols.get(name, []) if kinds is None or t.kind in kinds]
        if not targets and kinds is None:
            targets = self.members.get(name, [])
        if targets:
            self.refs.append(Ref(span, targets))

    def _type(self, ref: s.TypeRef | None) -> None:
        if ref is not None:
            self._use(ref.name, ("enum", "scale", "record"))

    def _literal(self, lit, depth: int = 0) -> None:
        if depth > MAX_EXPR_DEPTH:  # the checker reports it (E212); no deeper
            return
        match lit:
            case s.BareName():
                if lit.name in self.members:
                    self.refs.append(Ref(lit.span, self.members[lit.name]))
            case s.ListLiteral():
                for item in lit.items:
                    self._literal(item, depth + 1)
            case s.RecordLiteral():
                for key, value in lit.items:
                    if key.name in self.fields:
                        self.refs.append(Ref(key.span, self.fields[key.name]))
                    self._literal(value, depth + 1)

    def _expr(self, e, local: frozenset[str], depth: int = 0) -> None:
        if depth > MAX_EXPR_DEPTH:  # the checker reports it (E212); no deeper
            return
        match e:
            case s.Name():
                if e.name not in local:
                    self._use(e)
            case s.Attribute():
                self._expr(e.obj, local, depth + 1)
                owner = (
                    e.obj.name if isinstance(e.obj, s.Name) and e.obj.name not in local else None
                )
                members = self.members_of(owner) if owner else []
                targets = [m for m in members if m.name == e.name.name] or self.fields.get(
                    e.name.name, []
                )
                if targets:
                    self.refs.append(Ref(e.name.span, targets))
            case s.Call():
                self._use(e.func, ("define",))
                for arg in e.args:
                    self._expr(arg, local, depth + 1)
            case s.Aggregate():
                self._expr(e.iterable, local, depth + 1)
                inner = local | {e.var.name}
                self._expr(e.body, inner, depth + 1)
                if e.where is not None:
                    self._expr(e.where, inner, depth + 1)
            case s.ListExpr():
                for item in e.items:
                    self._expr(item, local, depth + 1)
            case s.Unary():
                self._expr(e.operand, local, depth + 1)
            case s.Binary():
                self._expr(e.left, local, depth + 1)
                self._expr(e.right, local, depth + 1)
            case s.IfExpr():
                for part in (e.cond, e.then, e.otherwise):
                    self._expr(part, local, depth + 1)

    def _uses(self, decl) -> None:
        none: frozenset[str] = frozenset()
        match decl:
            case s.Document():
                for meta in decl.meta:
                    values = meta.value if isinstance(meta.value, list) else [meta.value]
                    for v in values:
                        if isinstance(v, s.Ident):
                            self._use(v, ("input", "conclusion", "define"))
            case s.RecordDecl():
                for f in decl.fields:
                    self._type(f.type)
                    self._literal(f.default)
            case s.Field():
                self._type(decl.type)
                self._literal(decl.default)
            case s.ParameterDecl():
                self._type(decl.type)
                for _day, value, _span in decl.values:
                    self._literal(value)
            case s.DefineDecl():
                params = decl.params or []
                for p in params:
                    self._type(p.type)
                self._type(decl.result)
                self._expr(decl.body, frozenset(p.name.name for p in params))
            case s.ConclusionDecl():
                if decl.scale is not None:
                    self._use(decl.scale, ("enum", "scale"))
                self._type(decl.type)
                self._literal(decl.default)
            case s.RuleDecl():
                for name in decl.overrides:
                    self._use(name, ("rule",))
                for names, _why in decl.overlaps:
                    for name in names:
                        self._use(name, ("rule",))
                if decl.when is not None:
                    self._expr(decl.when, none)
                for a in decl.then:
                    self._use(a.target, ("conclusion",))
                    self._expr(a.value, none)
                    if a.upper is not None:
                        self._expr(a.upper, none)
            case s.TestDecl():
                for name, value in decl.given:
                    self._use(name, ("input",))
                    self._literal(value)
                for x in decl.expects:
                    self._use(x.target, ("conclusion",) if x.kind == "value" else ("rule",))
                    self._literal(x.value)
                    self._literal(x.upper)
                for table in decl.tables:
                    for name in table.inputs:
                        self._use(name, ("input",))
                    for name in table.conclusions:
                        self._use(name, ("conclusion",))
                    for row in table.rows:
                        for low, high in row.given + row.expects:
                            self._literal(low)
                            self._literal(high)
            case s.LighterDecl():
                for _key, exprs, _span in decl.entries:
                    for e in exprs:
                        self._expr(e, none)


# ------------------------------------------------------------------ what hover shows
def span_text(span: Span) -> str:
    """The source text a span covers."""
    lines = span.source.lines[span.line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span.column - 1 : span.end_column - 1]
    return "\n".join([lines[0][span.column - 1 :], *lines[1:-1], lines[-1][: span.end_column - 1]])


def _label(text: s.Text | None) -> list[str]:
    if text is None:
        return []
    return [f"{lang}: {value}" if lang else value for lang, value in text.values.items()]


def describe(sym: Symbol, today: datetime.date, inferred_type: str | None = None) -> str:
    """Markdown for hover: the declaration's kind, name and type, its label and citation, and
    for a parameter the value in force today."""
    d = sym.decl
    head = f"{sym.kind} {sym.owner + '.' if sym.owner else ''}{sym.name}"
    lines: list[str] = []
    match d:
        case s.Field() | s.ParameterDecl():
            head += f": {span_text(d.type.span)}"
        case s.DefineDecl():
            params = ", ".join(f"{p.name.name}: {span_text(p.type.span)}" for p in d.params or [])
            head += f"({params})" if d.params else ""
            typ = span_text(d.result.span) if d.result is not None else inferred_type
            head += f": {typ}" if typ else ""
        case s.ConclusionDecl():
            what = d.scale.name if d.scale is not None else span_text(d.type.span)
            head += f": {'set of' if d.kind == 'set' else d.kind} {what}"
        case s.RuleDecl():
            cite = " ".join(f"{p.unit} {p.number}" for p in d.cite)
            if cite:
                lines.append(f"cite {cite}")
            lines += _label(d.title)
    label = getattr(d, "label", None)
    lines += _label(label)
    if isinstance(d, s.ParameterDecl):
        now = [(day, value) for day, value, _ in d.values if day <= today]
        if now:
            day, value = max(now, key=lambda dv: dv[0])
            lines.append(f"today ({today}): {span_text(value.span)} (since {day})")
        else:
            lines.append(f"today ({today}): no value in force")
        lines += [f"from {day}: {span_text(value.span)}" for day, value, _ in d.values]
    body = "\n\n".join(lines)
    return f"```ruleengine\n{head}\n```" + (f"\n\n{body}" if body else "")
