"""The checker: syntax trees in, one resolved and typed rulebook out, or every error found.

It resolves names (with "did you mean"), infers and checks types, rejects cycles among
definitions and among conclusions, checks that exceptions name rules that exist and that each
conclusion is given a value of its kind, and warns about rules that can never fire. Every
diagnostic carries a stable code and a span; docs/language.md lists the codes.

Parts of the check live in modules of their own, each called with the checker: expressions
(``expr_check.py``: names, types, nesting), the document's articles (``articles.py``),
``lighter`` blocks (``lighter.py``) and ``test`` blocks (``rule_tests.py``).
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs

from ruleengine_dsl import syntax as s
from ruleengine_dsl.collector import gc_paused
from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError, Severity, Span

from . import expr_check, ir, lighter, rule_tests
from .articles import check as check_articles
from .articles import declare as declare_articles
from .expr_check import AGGREGATES, MAX_EXPR_DEPTH, Scope, Unresolved, local_text
from .facts import convert_value
from .ir import MISSING
from .types import (
    BOOL,
    DATE,
    DECIMAL,
    DURATION,
    INTEGER,
    TEXT,
    Duration,
    EnumType,
    ListType,
    LocalText,
    MoneyType,
    RecordType,
    Type,
    assignable,
    is_numeric,
    runs_down,
    same_type,
)

#: How long a chain of definitions with parameters, each calling the next, may be: each call is
#: a Python call when a case is evaluated (definitions without parameters are computed once, in
#: order, and may chain without bound).
MAX_CALL_DEPTH = 100

HEADER_KEYS = {
    "title": "text",
    "citation": "text",
    "statute": "text",
    "effective": "date",
    "until": "date",
    "date": "name",
    "source": "text",
    "version": "text",
    "note": "text",
    "unverified": "text",
    "headline": "names",
}


@attrs.frozen
class CustomType:
    """A named type a plugin adds: a base type plus a lower bound (``count`` is one)."""

    name: str
    base: Type
    minimum: int | None = None
    description: str = ""


@attrs.frozen
class FunctionSpec:
    """A function callable from rule texts.

    ``signature`` receives the argument types and returns the result type, or raises
    ``TypeError`` with a message for the rule author. ``impl`` must be pure.
    """

    name: str
    signature: Callable[[list[Type]], Type]
    impl: Callable[..., Any]
    description: str = ""


@attrs.define
class Rulebook:
    """A checked set of rule files: the input of the compiler."""

    name: str
    documents: dict[str, ir.DocumentInfo]
    types: dict[str, Type]
    inputs: dict[str, ir.FieldSpec]
    parameters: dict[str, ir.Parameter]
    definitions: dict[str, ir.Definition]
    conclusions: dict[str, ir.Conclusion]
    rules: dict[str, ir.Rule]
    tests: list[ir.RuleTest]
    functions: dict[str, FunctionSpec]
    #: Evaluation order: ("define" | "rule" | "conclusion", name), dependencies first.
    plan: list[tuple[str, str]]
    #: Zero-argument definitions and conclusions each plan step reads (through calls too).
    reads: dict[tuple[str, str], set[tuple[str, str]]]
    warnings: list[Diagnostic]
    #: The ``lighter`` blocks (the law in time), by name; each is a plan step ("lighter", name).
    lighters: dict[str, ir.Lighter] = attrs.Factory(dict)

    @property
    def headline(self) -> tuple[str, ...]:
        """The conclusions the documents' headers name as the headline, in order."""
        out: dict[str, None] = {}
        for doc in self.documents.values():
            out.update(dict.fromkeys(doc.headline))
        return tuple(out)

    @property
    def date_input(self) -> str | None:
        for doc in self.documents.values():
            if doc.date_input:
                return doc.date_input
        return None

    def change_dates(self) -> list[datetime.date]:
        """Every date on which a rule, a document or a parameter value changes."""
        dates: set[datetime.date] = set()
        for doc in self.documents.values():
            dates.update(d for d in (doc.effective, doc.until) if d)
        for rule in self.rules.values():
            dates.update(d for d in (rule.in_force_from, rule.in_force_until) if d)
        for param in self.parameters.values():
            dates.update(d for d, _ in param.values)
        return sorted(dates)


class _TooDeep(Exception):
    """A literal value nested more than ``MAX_EXPR_DEPTH`` deep, at ``span``."""

    def __init__(self, span: Span):
        super().__init__()
        self.span = span


def _names_in(e: s.Expr) -> set[str]:
    """Every name an expression reads or calls, as written (found without recursion)."""
    names: set[str] = set()
    stack: list[Any] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, s.Name):
            names.add(x.name)
        elif isinstance(x, s.Call):
            names.add(x.func.name)
        for f in attrs.fields(type(x)):
            v = getattr(x, f.name)
            if isinstance(v, list):
                stack.extend(v)
            elif v is not None and not isinstance(v, (str, Span, s.Ident)) and attrs.has(type(v)):
                stack.append(v)
    return names


class Checker:
    def __init__(
        self,
        custom_types: dict[str, CustomType],
        functions: dict[str, FunctionSpec],
    ):
        self.custom_types = custom_types
        self.functions = functions
        self.diags: list[Diagnostic] = []
        self.types: dict[str, Type] = {}
        self.type_decls: dict[str, Any] = {}
        self.members: dict[str, list[EnumType]] = {}
        self.inputs: dict[str, ir.FieldSpec] = {}
        self.parameters: dict[str, ir.Parameter] = {}
        self.define_decls: dict[str, s.DefineDecl] = {}
        self.definitions: dict[str, ir.Definition] = {}
        self.conclusions: dict[str, ir.Conclusion] = {}
        self.rules: dict[str, ir.Rule] = {}
        self.documents: dict[str, ir.DocumentInfo] = {}
        self.article_spans: dict[str, dict[str, Span]] = {}  # document -> article -> where
        self.headline_names: list[list[s.Ident]] = []  # each header's, checked in pass 2
        self.tests: list[ir.RuleTest] = []
        self.values: dict[str, tuple[str, Span]] = {}  # value namespace: name -> (kind, span)
        self.define_stack: list[str] = []
        self.define_deps: dict[str, set[tuple[str, str]]] = {}
        self.used_inputs: set[str] = set()
        self.rule_deps: dict[str, set] = {}
        self.suggestion_work = 0
        self.failed_definitions: set[str] = set()
        self.call_depth: dict[str, int] = {}  # definition -> longest chain of calls it starts
        self.lighter_decls: dict[str, s.LighterDecl] = {}
        self.lighters: dict[str, ir.Lighter] = {}
        self.lighter_deps: dict[str, set] = {}
        self.decided_by_lighter: dict[str, str] = {}  # conclusion -> the lighter block deciding it

    # ------------------------------------------------------------------ reporting
    def error(self, code: str, message: str, span: Span | None, help: str | None = None):
        self.diags.append(Diagnostic(code, message, span, Severity.ERROR, help))

    def warn(self, code: str, message: str, span: Span | None, help: str | None = None):
        self.diags.append(Diagnostic(code, message, span, Severity.WARNING, help))

    #: Known names compared with unknown ones for "did you mean", over a whole rulebook. Each
    #: unknown name is compared with every known one: a large text full of mistakes would take
    #: hours. Past this many comparisons, mistakes are reported without the hint.
    MAX_SUGGESTION_WORK = 500_000

    def suggest(self, name: str, candidates) -> str | None:
        if self.suggestion_work >= self.MAX_SUGGESTION_WORK:
            return None
        pool = list(candidates)
        self.suggestion_work += len(pool)
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
        return f"did you mean '{close[0]}'?" if close else None

    # ------------------------------------------------------------------ entry point
    def check(self, book_name: str, modules: list[s.Module]) -> Rulebook:
        with gc_paused():
            return self.check_all(book_name, modules)

    def check_all(self, book_name: str, modules: list[s.Module]) -> Rulebook:
        decls_by_module = [(m, m.decls) for m in modules]
        for module in modules:
            if not module.decls:
                self.empty_file(module)
        # Pass 1: documents and type declarations.
        doc_of_module: dict[int, str | None] = {}
        for module, decls in decls_by_module:
            docs = [d for d in decls if isinstance(d, s.Document)]
            for extra in docs[1:]:
                self.error("E210", "a file may hold one document header", extra.span)
            doc_of_module[id(module)] = docs[0].name.name if docs else None
            if docs:
                self.declare_document(docs[0])
        for _, decls in decls_by_module:
            for d in decls:
                if isinstance(d, s.EnumDecl):
                    self.declare_enum(d)
                elif isinstance(d, s.RecordDecl):
                    self.declare_type_name(d.name, d)
                    self.types[d.name.name] = RecordType(name=d.name.name)
        for _, decls in decls_by_module:
            for d in decls:
                if isinstance(d, s.RecordDecl):
                    self.fill_record(d)
        # Pass 2: value names (inputs, parameters, definitions, conclusions).
        for _, decls in decls_by_module:
            for d in decls:
                if isinstance(d, s.Field):
                    self.declare_input(d)
                elif isinstance(d, s.ParameterDecl):
                    self.declare_parameter(d)
                elif isinstance(d, s.DefineDecl):
                    if self.declare_value(d.name, "definition"):
                        self.define_decls[d.name.name] = d
                elif isinstance(d, s.ConclusionDecl):
                    self.declare_conclusion(d)
                elif isinstance(d, s.LighterDecl):
                    lighter.declare(self, d)
        self.check_headlines()
        for doc in self.documents.values():
            if doc.date_input and doc.date_input not in self.inputs:
                self.error(
                    "E200",
                    f"the header names '{doc.date_input}' as the date input, but no such input",
                    doc.span,
                    self.suggest(doc.date_input, self.inputs),
                )
            elif doc.date_input and self.inputs[doc.date_input].type != DATE:
                self.error("E201", f"the date input '{doc.date_input}' must be a date", doc.span)
        # Pass 3: bodies.
        for name in self.definition_order():
            self.check_definition(name)
        for d in self.lighter_decls.values():
            checked = lighter.check(self, d)
            if checked is not None:
                self.lighters[checked.name] = checked
        rule_decls: list[tuple[s.RuleDecl, str | None]] = []
        for module, decls in decls_by_module:
            for d in decls:
                if isinstance(d, s.RuleDecl):
                    rule_decls.append((d, doc_of_module[id(module)]))
        first_rule: dict[str, Span] = {}
        for d, doc in rule_decls:
            if d.name.name in first_rule:
                self.error(
                    "E205",
                    f"rule '{d.name.name}' is defined twice",
                    d.name.span,
                    f"the first is at {first_rule[d.name.name].location()}",
                )
                continue
            first_rule[d.name.name] = d.name.span
            rule = self.check_rule(d, doc)
            if rule is not None:
                self.rules[rule.name] = rule
        for d, _ in rule_decls:
            self.check_overrides(d)
        check_articles(self, rule_decls)
        self.tests = rule_tests.check(
            self, (d for _, decls in decls_by_module for d in decls if isinstance(d, s.TestDecl))
        )
        self.check_cost()
        plan, reads = self.make_plan()
        errors = [d for d in self.diags if d.severity is Severity.ERROR]
        if errors:
            # Warnings about a rulebook that does not check are mostly echoes of its errors.
            raise DiagnosticError(sorted(errors, key=_position))
        self.lint()
        return Rulebook(
            name=book_name,
            documents=self.documents,
            types=self.types,
            inputs=self.inputs,
            parameters=self.parameters,
            definitions=self.definitions,
            conclusions=self.conclusions,
            rules=self.rules,
            tests=self.tests,
            functions=self.functions,
            plan=plan,
            reads=reads,
            warnings=[d for d in self.diags if d.severity is Severity.WARNING],
            lighters=self.lighters,
        )

    # ------------------------------------------------------------------ declarations
    def empty_file(self, module: s.Module):
        """A rule file that declares nothing: saved empty, everything commented out, or the
        wrong file. An error, since a rulebook quietly missing a file is worse than a stop."""
        message = "the file declares nothing"
        hint = "a rule file holds declarations (input, rule, test, ...); delete it if unused"
        if module.source is None:
            self.diags.append(Diagnostic("E214", message, None, help=hint, file=module.source_name))
        else:
            self.error("E214", message, Span(module.source, 1, 1, 1, 1), hint)

    def declare_document(self, d: s.Document):
        meta: dict[str, Any] = {}
        for entry in d.meta:
            key = entry.key.name
            if key not in HEADER_KEYS:
                self.error(
                    "E209",
                    f"unknown header field '{key}'",
                    entry.key.span,
                    self.suggest(key, HEADER_KEYS) or f"known fields: {', '.join(HEADER_KEYS)}",
                )
                continue
            if key in meta:
                self.error("E205", f"header field '{key}' given twice", entry.key.span)
            want = HEADER_KEYS[key]
            value = entry.value
            if want == "names" and isinstance(value, s.Ident):
                value = [value]
            ok = (
                (want == "text" and isinstance(value, s.Text))
                or (want == "date" and isinstance(value, datetime.date))
                or (want == "name" and isinstance(value, s.Ident))
                or (want == "names" and isinstance(value, list))
            )
            if isinstance(value, list) and want != "names":
                ok = False
            if not ok:
                shown = {"text": "a text", "names": "names (a, b, ...)"}.get(want, "a " + want)
                self.error("E201", f"header field '{key}' takes {shown}", entry.span)
                continue
            if want == "names":
                meta[key] = value
                self.headline_names.append(value)  # checked once conclusions are declared
                continue
            meta[key] = (
                local_text(value)
                if isinstance(value, s.Text)
                else (value.name if isinstance(value, s.Ident) else value)
            )
        if d.name.name in self.documents:
            self.error("E205", f"document '{d.name.name}' is declared twice", d.name.span)
        articles, not_encoded, self.article_spans[d.name.name] = declare_articles(self, d)
        if meta.get("effective") and meta.get("until") and meta["until"] <= meta["effective"]:
            self.error(
                "E211", "the document's 'until' date is not after its 'effective' date", d.span
            )
        self.documents[d.name.name] = ir.DocumentInfo(
            name=d.name.name,
            title=meta.get("title"),
            citation=meta.get("citation"),
            statute=meta.get("statute"),
            effective=meta.get("effective"),
            until=meta.get("until"),
            date_input=meta.get("date"),
            headline=tuple(dict.fromkeys(i.name for i in meta.get("headline", ()))),
            articles=articles,
            not_encoded=not_encoded,
            meta={
                k: v for k, v in meta.items() if k in ("source", "version", "note", "unverified")
            },
            span=d.span,
        )

    def check_headlines(self) -> None:
        """Each name of a ``headline:`` is a conclusion, named once."""
        for names in self.headline_names:
            seen: set[str] = set()
            for ident in names:
                if ident.name not in self.conclusions:
                    self.error(
                        "E200",
                        f"the headline names '{ident.name}', but no such conclusion",
                        ident.span,
                        self.suggest(ident.name, self.conclusions),
                    )
                elif ident.name in seen:
                    self.error("E205", f"the headline names '{ident.name}' twice", ident.span)
                seen.add(ident.name)

    def declare_type_name(self, name: s.Ident, decl) -> bool:
        if (
            name.name in self.type_decls
            or name.name in self.custom_types
            or name.name
            in (
                "integer",
                "decimal",
                "bool",
                "date",
                "duration",
                "text",
                "money",
            )
        ):
            self.error("E205", f"type '{name.name}' is declared twice", name.span)
            return False
        self.type_decls[name.name] = decl
        return True

    def declare_enum(self, d: s.EnumDecl):
        if not self.declare_type_name(d.name, d):
            return
        names: list[str] = []
        labels = {}
        for m in d.members:
            if m.name.name in names:
                self.error("E205", f"member '{m.name.name}' appears twice", m.name.span)
                continue
            names.append(m.name.name)
            labels[m.name.name] = local_text(m.label)
        t = EnumType(name=d.name.name, members=tuple(names), ordered=d.ordered, labels=labels)
        self.types[d.name.name] = t
        for m in names:
            self.members.setdefault(m, []).append(t)

    def fill_record(self, d: s.RecordDecl):
        t = self.types.get(d.name.name)
        if not isinstance(t, RecordType):
            return
        for f in d.fields:
            if f.name.name in t.fields:
                self.error("E205", f"field '{f.name.name}' appears twice", f.name.span)
                continue
            spec = self.field_spec(f, record=d.name.name)
            if spec is not None:
                t.fields[f.name.name] = spec

    def resolve_type(self, ref: s.TypeRef, given: bool = False) -> tuple[Type, int | None] | None:
        """The type written, and the least value it allows (``None``: no bound).

        ``given`` is true where the value is given (an input, a record field, a parameter):
        there an amount of money is never below 0 unless it is declared ``signed``. A computed
        value (a definition, a conclusion) may be negative, so ``signed`` means nothing there.
        """
        name = ref.name.name
        if ref.signed is not None and not (given and name == "money"):
            self.error(
                "E201",
                f"'signed' applies to money, not to {name}"
                if name != "money"
                else "'signed' applies where money is given: an input, a record field or a "
                "parameter; a computed amount may be negative anyway",
                ref.signed,
                "integer and decimal take negative values as they are; count never does"
                if name != "money"
                else "remove 'signed'",
            )
        if ref.list_of:
            element = self.resolve_type(s.TypeRef(ref.name, None, False, ref.span))
            return (ListType(element=element[0], minimum=element[1]), None) if element else None
        if name == "money":
            currency = ref.currency.name if ref.currency else "CNY"
            return MoneyType(currency=currency), (None if ref.signed else 0)
        if ref.currency is not None:
            self.error("E201", f"only money takes a currency, not {name}", ref.currency.span)
        builtin = {
            "integer": INTEGER,
            "decimal": DECIMAL,
            "bool": BOOL,
            "date": DATE,
            "duration": DURATION,
            "text": TEXT,
        }
        if name in builtin:
            return builtin[name], None
        if name in self.custom_types:
            custom = self.custom_types[name]
            return custom.base, custom.minimum
        if name in self.types:
            return self.types[name], None
        known = list(builtin) + ["money"] + list(self.custom_types) + list(self.types)
        self.error(
            "E200",
            f"unknown type '{name}'",
            ref.name.span,
            self.suggest(name, known) or f"known types: {', '.join(known)}",
        )
        return None

    def literal_value(self, lit: s.Literal, depth: int = 0) -> Any:
        """A literal as a raw value, to be converted like a fact."""
        if depth > MAX_EXPR_DEPTH:
            raise _TooDeep(lit.span)
        if isinstance(lit, s.Constant):
            v = lit.value
            if isinstance(v, s.MoneyLit):
                return {"amount": v.amount, "currency": v.currency}
            if isinstance(v, s.DurationLit):
                return Duration.of(v.amount, v.unit)
            if isinstance(v, s.Text):
                return LocalText(tuple(v.values.items()))
            if isinstance(v, Fraction):
                return v
            return v
        if isinstance(lit, s.BareName):
            return lit.name
        if isinstance(lit, s.ListLiteral):
            return [self.literal_value(x, depth + 1) for x in lit.items]
        if isinstance(lit, s.RecordLiteral):
            return {k.name: self.literal_value(v, depth + 1) for k, v in lit.items}
        raise AssertionError(lit)

    def typed_literal(self, lit: s.Literal, t: Type, minimum: int | None, what: str) -> Any:
        if (
            isinstance(t, MoneyType)
            and isinstance(lit, (s.Constant))
            and isinstance(lit.value, (int, Fraction))
            and not isinstance(lit.value, bool)
        ):
            # In rule texts amounts carry their currency, as in expressions (E201 there).
            self.error(
                "E208",
                f"{what}: an amount of money needs its currency",
                lit.span,
                f"write {lit.value} {'yuan' if t.currency == 'CNY' else t.currency}",
            )
            return MISSING
        try:
            return convert_value(self.literal_value(lit), t, minimum)
        except _TooDeep as err:
            self.error("E212", f"{what}: a value nested more than {MAX_EXPR_DEPTH} deep", err.span)
            return MISSING
        except ValueError as err:
            self.error("E208", f"{what}: {err}", lit.span, self.signed_hint(lit, t, minimum))
            return MISSING

    def signed_hint(self, lit: s.Literal, t: Type, minimum: int | None) -> str | None:
        """For a negative amount where money is never below 0: how to allow it."""
        if not isinstance(t, MoneyType) or minimum is None:
            return None
        try:
            below = convert_value(self.literal_value(lit), t) < minimum
        except ValueError:
            return None
        return f"if it may be negative, declare it 'signed {t.describe()}'" if below else None

    def field_spec(self, f: s.Field, record: str | None = None) -> ir.FieldSpec | None:
        resolved = self.resolve_type(f.type, given=True)
        if resolved is None:
            return None
        t, minimum = resolved
        default = MISSING
        if f.default is not None:
            default = self.typed_literal(f.default, t, minimum, f"default of '{f.name.name}'")
        elif isinstance(t, ListType):
            default = ()
        return ir.FieldSpec(
            f.name.name, t, minimum, default, local_text(f.label), f.name.span, f.fixed is not None
        )

    def declare_value(self, name: s.Ident, kind: str) -> bool:
        if name.name in self.values:
            prev_kind, prev_span = self.values[name.name]
            self.error(
                "E205",
                f"'{name.name}' is already declared as {prev_kind}",
                name.span,
                f"see {prev_span.location()}",
            )
            return False
        if name.name in self.functions or name.name in AGGREGATES:
            self.error("E205", f"'{name.name}' is the name of a function", name.span)
            return False
        self.values[name.name] = (kind, name.span)
        return True

    def declare_input(self, f: s.Field):
        if not self.declare_value(f.name, "an input"):
            return
        spec = self.field_spec(f)
        if spec is not None:
            self.inputs[spec.name] = spec

    def declare_parameter(self, d: s.ParameterDecl):
        if not self.declare_value(d.name, "a parameter"):
            return
        resolved = self.resolve_type(d.type, given=True)
        if resolved is None:
            return
        t, minimum = resolved
        values = []
        seen: set[datetime.date] = set()
        for day, lit, span in d.values:
            if day in seen:
                self.error("E205", f"two values of '{d.name.name}' from {day}", span)
                continue
            seen.add(day)
            value = self.typed_literal(lit, t, minimum, f"value of '{d.name.name}' from {day}")
            values.append((day, value))
        reference = None
        for m in d.meta:
            if m.key.name != "reference":
                self.error(
                    "E209",
                    f"unknown parameter field '{m.key.name}'",
                    m.key.span,
                    "a parameter holds 'reference: \"...\"' and 'YYYY-MM-DD: value' lines",
                )
            elif isinstance(m.value, s.Text):
                reference = local_text(m.value)
        self.parameters[d.name.name] = ir.Parameter(
            d.name.name,
            t,
            local_text(d.label),
            sorted(values, key=lambda v: v[0]),
            reference,
            d.span,
        )

    def declare_conclusion(self, d: s.ConclusionDecl):
        if not self.declare_value(d.name, "a conclusion"):
            return
        if d.kind in ("highest", "set"):
            t = self.types.get(d.scale.name)
            if not isinstance(t, EnumType):
                enums = [n for n, x in self.types.items() if isinstance(x, EnumType)]
                self.error(
                    "E200",
                    f"unknown {'scale' if d.kind == 'highest' else 'enum'} '{d.scale.name}'",
                    d.scale.span,
                    self.suggest(d.scale.name, enums),
                )
                return
            if d.kind == "highest" and not t.ordered:
                self.error(
                    "E204",
                    f"'highest' needs an ordered scale; '{t.name}' is an enum",
                    d.scale.span,
                    "declare it with 'scale' instead of 'enum'",
                )
                return
        else:
            resolved = self.resolve_type(d.type)
            if resolved is None:
                return
            t = resolved[0]
            if d.kind == "range" and not (
                is_numeric(t)
                or isinstance(t, MoneyType)
                or t.kind in ("date", "duration")
                or (isinstance(t, EnumType) and t.ordered)
            ):
                self.error(
                    "E204", f"a range needs an ordered type, not {t.describe()}", d.type.span
                )
                return
        default: Any = MISSING
        if d.kind == "highest":
            default = t.members[0]
            if d.default is not None:
                default = self.typed_literal(d.default, t, None, f"default of '{d.name.name}'")
        elif d.kind == "set":
            default = frozenset()
            if d.default is not None:
                self.error(
                    "E204", "a set conclusion starts empty; it takes no default", d.default.span
                )
        elif d.default is not None:
            if d.kind == "range":
                self.error("E204", "a range conclusion takes no default", d.default.span)
            else:
                default = self.typed_literal(d.default, t, None, f"default of '{d.name.name}'")
        if d.always_decided is not None and d.kind in ("highest", "set"):
            self.error(
                "E216",
                f"'{d.name.name}' is a {d.kind} conclusion: it always has a value "
                f"({'its lowest member or default' if d.kind == 'highest' else 'empty'}), "
                "so 'always decided' says nothing",
                d.always_decided,
                "write 'always decided' on a value or range conclusion",
            )
        self.conclusions[d.name.name] = ir.Conclusion(
            d.name.name,
            d.kind,
            t,
            default,
            local_text(d.label),
            d.span,
            d.always_decided is not None,
        )

    # ------------------------------------------------------------------ definitions
    def definition_order(self) -> list[str]:
        """Definitions, each after those its body names, found without recursion.

        Checked in this order, a definition finds those it reads already checked, so a long
        chain of definitions does not nest the checker. Definitions that name one another in a
        circle (strongly connected, by Tarjan's algorithm) come in the order declared, so a
        cycle is reported (E202) at the first of them. Names are read from the syntax: a
        parameter that shadows a definition adds an edge that only changes the order.
        """
        declared = {name: i for i, name in enumerate(self.define_decls)}
        deps = {
            name: sorted(_names_in(d.body) & declared.keys(), key=declared.__getitem__)
            for name, d in self.define_decls.items()
        }
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        order: list[str] = []
        for root in declared:
            if root in index:
                continue
            work = [(root, iter(deps[root]))]
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            while work:
                name, pending = work[-1]
                for dep in pending:
                    if dep not in index:
                        index[dep] = low[dep] = len(index)
                        stack.append(dep)
                        on_stack.add(dep)
                        work.append((dep, iter(deps[dep])))
                        break
                    if dep in on_stack:
                        low[name] = min(low[name], index[dep])
                else:
                    work.pop()
                    if work:
                        caller = work[-1][0]
                        low[caller] = min(low[caller], low[name])
                    if low[name] == index[name]:
                        component = []
                        while not component or component[-1] != name:
                            component.append(stack.pop())
                            on_stack.discard(component[-1])
                        order.extend(sorted(component, key=declared.__getitem__))
        return order

    def check_definition(self, name: str, depth: int = 0) -> ir.Definition | None:
        """Check one definition; ``depth`` is the nesting of the expression that reads it, when
        it is reached before its turn (through a cycle), so that the nesting stays bounded."""
        if name in self.definitions:
            return self.definitions[name]
        if name in self.failed_definitions:
            return None  # already reported where it is defined
        d = self.define_decls[name]
        if name in self.define_stack:
            cycle = self.define_stack[self.define_stack.index(name) :] + [name]
            self.error(
                "E202",
                f"definitions form a cycle: {' -> '.join(cycle)}",
                d.name.span,
                "a definition cannot depend on itself, directly or through others",
            )
            raise Unresolved()
        self.define_stack.append(name)
        try:
            params = None
            scope = Scope()
            if d.params is not None:
                params = []
                for p in d.params:
                    resolved = self.resolve_type(p.type)
                    if resolved is None:
                        raise Unresolved()
                    if scope.get(p.name.name):
                        self.error("E205", f"parameter '{p.name.name}' appears twice", p.name.span)
                    params.append((p.name.name, resolved[0]))
                    scope.names[p.name.name] = resolved[0]
            deps: set[tuple[str, str]] = set()
            body = self.expr(d.body, scope, deps, None, depth)
            if d.result is not None:
                resolved = self.resolve_type(d.result)
                if resolved and not assignable(resolved[0], body.type):
                    self.error(
                        "E201",
                        f"'{name}' is declared {resolved[0].describe()} but its value is "
                        f"{body.type.describe()}",
                        d.body.span,
                    )
            # Each call of a definition with parameters is a call at run time: bound the chain.
            calls = max((self.call_depth[n] for k, n in deps if k == "call"), default=0)
            self.call_depth[name] = calls + (params is not None)
            if self.call_depth[name] > MAX_CALL_DEPTH:
                self.error(
                    "E212",
                    f"'{name}' starts a chain of more than {MAX_CALL_DEPTH} definitions with "
                    "parameters, each calling the next",
                    d.name.span,
                    "compute the intermediate values in definitions without parameters",
                )
                raise Unresolved()
            definition = ir.Definition(name, params, body, body.type, local_text(d.label), d.span)
            self.definitions[name] = definition
            self.define_deps[name] = deps
            return definition
        except Unresolved:
            self.failed_definitions.add(name)
            return None
        finally:
            self.define_stack.pop()

    # ------------------------------------------------------------------ expressions
    def expr(
        self, e: s.Expr, scope: Scope, deps: set, expected: Type | None = None, depth: int = 0
    ) -> ir.Expr:
        """Check one expression (``expr_check.py``); record in ``deps`` the plan steps it reads."""
        return expr_check.check(self, e, scope, deps, expected, depth)

    def want(self, e: ir.Expr, t: Type, message: str):
        expr_check.want(self, e, t, message)

    # ------------------------------------------------------------------ rules
    def check_rule(self, d: s.RuleDecl, document: str | None) -> ir.Rule | None:
        deps: set = set()
        ok = True
        when = None
        if d.when is not None:
            try:
                when = self.expr(d.when, Scope(), deps)
                self.want(when, BOOL, "'when' takes a condition")
            except Unresolved:
                ok = False
        then = []
        for a in d.then:
            try:
                assignment = self.assignment(a, deps)
                if assignment is not None:
                    then.append(assignment)
            except Unresolved:
                ok = False
        if not d.then and not d.overrides:
            self.warn(
                "W303",
                f"rule '{d.name.name}' concludes nothing and overrides nothing",
                d.name.span,
                "add 'then conclusion = value' or 'overrides rule'",
            )
        if not d.cite:
            self.warn(
                "W306",
                f"rule '{d.name.name}' cites no provision",
                d.name.span,
                "add 'cite article N paragraph N item N'",
            )
        start = d.in_force_from[0] if d.in_force_from else None
        end = d.in_force_until[0] if d.in_force_until else None
        if start and end and end <= start:
            self.error(
                "E211",
                f"rule '{d.name.name}' is never in force: until {end} is not after {start}",
                d.in_force_until[1],
            )
        if not ok:
            return None
        rule = ir.Rule(
            name=d.name.name,
            document=document,
            citation=ir.Citation([(p.unit, p.number) for p in d.cite], document),
            title=local_text(d.title),
            text=local_text(d.text),
            in_force_from=start,
            in_force_until=end,
            overrides=[o.name for o in d.overrides],
            when=when,
            then=then,
            notes=[local_text(n) for n in d.notes],
            unverified=[local_text(n) for n in d.unverified],
            span=d.span,
            overlaps={
                o.name: (local_text(reason), o.span) for names, reason in d.overlaps for o in names
            },
        )
        self.rule_deps[rule.name] = deps
        return rule

    def assignment(self, a: s.Assignment, deps: set) -> ir.Assignment | None:
        name = a.target.name
        c = self.conclusions.get(name)
        if c is None:
            kind = self.values.get(name, (None,))[0]
            self.error(
                "E200" if kind is None else "E204",
                f"unknown conclusion '{name}'"
                if kind is None
                else f"'{name}' is {kind}, not a conclusion",
                a.target.span,
                self.suggest(name, self.conclusions),
            )
            return None
        value = self.expr(a.value, Scope(), deps, c.type)
        upper = self.expr(a.upper, Scope(), deps, c.type) if a.upper is not None else None
        members = ", ".join(c.type.members) if isinstance(c.type, EnumType) else ""
        if c.kind == "range":
            if upper is None:
                self.error("E204", f"'{name}' is a range; write {name} = low .. high", a.span)
                return None
            for side in (value, upper):
                if not assignable(c.type, side.type):
                    self.error(
                        "E204",
                        f"'{name}' is a range of {c.type.describe()}; "
                        f"'{side.text}' is {side.type.describe()}",
                        side.span,
                    )
                    return None
            if (
                isinstance(value, ir.Const)
                and isinstance(upper, ir.Const)
                and runs_down(c.type, value.value, upper.value)
            ):
                self.error(
                    "E204",
                    f"the range {value.text} .. {upper.text} given to '{name}' runs downward",
                    a.span,
                    f"write the lower end first: {name} = {upper.text} .. {value.text}",
                )
                return None
        else:
            if upper is not None:
                self.error("E204", f"'{name}' is not a range; it takes one value", a.upper.span)
                return None
            fits = assignable(c.type, value.type) or (
                c.kind == "set"
                and isinstance(value.type, ListType)
                and same_type(value.type.element, c.type)
            )
            if not fits:
                what = {
                    "highest": f"the highest of scale {c.type.describe()}",
                    "set": f"a set of {c.type.describe()}",
                    "value": f"a value of type {c.type.describe()}",
                }[c.kind]
                self.error(
                    "E204",
                    f"'{name}' is {what}; '{value.text}' is {value.type.describe()}",
                    value.span,
                    f"give one of: {members}" if members else None,
                )
                return None
        return ir.Assignment(name, value, upper, a.span)

    def check_overrides(self, d: s.RuleDecl):
        for o in d.overrides:
            if o.name not in self.rules:
                self.error(
                    "E203",
                    f"rule '{d.name.name}' overrides '{o.name}', but no such rule",
                    o.span,
                    self.suggest(o.name, self.rules),
                )
            elif o.name == d.name.name:
                self.error("E203", f"rule '{o.name}' cannot override itself", o.span)
        for names, _ in d.overlaps:
            for o in names:
                if o.name not in self.rules:
                    self.error(
                        "E203",
                        f"rule '{d.name.name}' may overlap '{o.name}', but no such rule",
                        o.span,
                        self.suggest(o.name, self.rules),
                    )
                elif o.name == d.name.name:
                    self.error("E203", f"rule '{o.name}' cannot overlap itself", o.span)

    # ------------------------------------------------------------------ cost
    MAX_COST = 1_000_000

    def check_cost(self):
        """Refuse rules whose evaluation, with every definition they call expanded, would take
        more than a million steps (definitions calling definitions twice, and so on)."""
        memo: dict[str, int] = {}

        def cost(e: ir.Expr) -> int:  # recursion bounded by MAX_EXPR_DEPTH
            total = 1
            if isinstance(e, ir.CallDef):
                if e.name not in memo:
                    memo[e.name] = 0  # cycles are reported elsewhere (E202)
                    memo[e.name] = cost(self.definitions[e.name].body)
                total += memo[e.name]
            for f in attrs.fields(type(e)):
                v = getattr(e, f.name)
                if isinstance(v, ir.Expr):
                    total += cost(v)
                elif isinstance(v, list):
                    total += sum(cost(x) for x in v if isinstance(x, ir.Expr))
                if total > self.MAX_COST:
                    return total
            return total

        # In the order they were checked, each definition comes after those it calls: their
        # costs are known when its own is computed, so no call is followed through.
        for name, definition in self.definitions.items():
            if name not in memo:
                memo[name] = 0
                memo[name] = cost(definition.body)
        for rule in self.rules.values():
            parts = [rule.when] if rule.when is not None else []
            parts += [x for a in rule.then for x in (a.value, a.upper) if x is not None]
            if sum(cost(x) for x in parts) > self.MAX_COST:
                self.error(
                    "E213",
                    f"rule '{rule.name}' would take more than {self.MAX_COST:,} steps to evaluate",
                    rule.span,
                    "definitions that call other definitions several times multiply; "
                    "compute shared values once, in definitions without parameters",
                )

    # ------------------------------------------------------------------ plan
    def expand(self, deps: set) -> set[tuple[str, str]]:
        """Plan steps read by an expression, following calls of definitions."""
        out: set[tuple[str, str]] = set()
        seen: set[str] = set()
        stack = list(deps)
        while stack:
            kind, name = stack.pop()
            if kind == "call":
                if name not in seen:
                    seen.add(name)
                    stack.extend(self.define_deps.get(name, ()))
            else:
                out.add((kind, name))
        return out

    def make_plan(self):
        """Order definitions, rules and conclusions so each comes after what it reads."""
        reads: dict[tuple[str, str], set] = {}
        before: dict[tuple[str, str], set] = {}
        for name, definition in self.definitions.items():
            if definition.params is None:
                step = ("define", name)
                reads[step] = self.expand(self.define_deps[name])
                before[step] = set(reads[step])
        for c in self.conclusions:
            before[("conclusion", c)] = set()
        for name, rule in self.rules.items():
            step = ("rule", name)
            reads[step] = self.expand(self.rule_deps.get(name, set()))
            before.setdefault(step, set()).update(reads[step])
            for a in rule.then:
                before[("conclusion", a.conclusion)].add(step)
            for target in rule.overrides:
                if target in self.rules and target != name:  # a self-override is E203
                    before.setdefault(("rule", target), set()).add(step)
        lighter.order(self, before, reads)
        order: list[tuple[str, str]] = []
        state: dict[tuple[str, str], int] = {}
        index = {step: i for i, step in enumerate(before)}

        def deps(step):
            return iter(sorted(before.get(step, ()), key=lambda x: index.get(x, 0)))

        # Depth first, with a stack of its own: a chain of exceptions can be as long as the text.
        for root in before:
            if state.get(root) == 2:
                continue
            state[root] = 1
            stack = [(root, deps(root))]
            while stack:
                step, pending = stack[-1]
                for dep in pending:
                    if state.get(dep) == 2:
                        continue
                    if state.get(dep) == 1:
                        path = [s for s, _ in stack]
                        cycle = path[path.index(dep) :] + [dep]
                        shown = " -> ".join(f"{k} {n}" for k, n in cycle)
                        span = {
                            "rule": self.rules,
                            "conclusion": self.conclusions,
                            "define": self.definitions,
                            "lighter": self.lighters,
                        }[dep[0]][dep[1]].span
                        self.error(
                            "E207",
                            f"rules, conclusions and exceptions form a cycle: {shown}",
                            span,
                            "a rule cannot read a conclusion that it, or a rule it overrides, "
                            "decides",
                        )
                        return [], reads
                    state[dep] = 1
                    stack.append((dep, deps(dep)))
                    break
                else:
                    stack.pop()
                    state[step] = 2
                    order.append(step)
        return order, reads

    # ------------------------------------------------------------------ warnings
    def lint(self):
        concluded = {a.conclusion for r in self.rules.values() for a in r.then}
        for name, c in self.conclusions.items():
            if name not in concluded:
                self.warn("W302", f"no rule concludes '{name}'", c.span)
        for name, spec in self.inputs.items():
            used = name in self.used_inputs or any(
                d.date_input == name for d in self.documents.values()
            )
            if not used:
                self.warn(
                    "W305", f"input '{name}' is not used by any rule or definition", spec.span
                )
        for rule in self.rules.values():
            if rule.when is None:
                continue
            reason = never_true(rule.when, self.inputs)
            if reason:
                self.warn("W301", f"rule '{rule.name}' can never fire: {reason}", rule.when.span)


def _position(d: Diagnostic) -> tuple:
    if d.span is None:
        return ("", 0, 0)
    return (d.span.file, d.span.line, d.span.column)


# ------------------------------------------------------------------ decidable never-fires
def never_true(e: ir.Expr, inputs: dict[str, ir.FieldSpec]) -> str | None:
    """Why a condition can never hold, where that is decidable from its shape.

    Handles constant ``false`` and conjunctions whose comparisons of one input with
    constants leave no possible value (counts start at 0).
    """
    if isinstance(e, ir.Const) and e.value is False:
        return "its condition is false"
    atoms: list[ir.Binary] = []

    def conj(x):
        if isinstance(x, ir.Binary) and x.op == "and":
            conj(x.left)
            conj(x.right)
        elif isinstance(x, ir.Binary) and x.op in ("<", "<=", ">", ">=", "="):
            atoms.append(x)

    conj(e)
    bounds: dict[str, list] = {}
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    for a in atoms:
        ref, const, op = a.left, a.right, a.op
        if isinstance(ref, ir.Const) and isinstance(const, ir.Ref):
            ref, const, op = const, ref, flip[op]
        if not (isinstance(ref, ir.Ref) and ref.kind == "input" and isinstance(const, ir.Const)):
            continue
        if isinstance(const.value, (bool, str)) or not isinstance(const.value, (int, Fraction)):
            continue
        spec = inputs.get(ref.name)
        lo, lo_strict, hi, hi_strict, texts = bounds.setdefault(
            ref.name, [spec.minimum if spec else None, False, None, False, []]
        )
        v = const.value
        texts.append(a.text)
        if op in (">", ">=", "="):
            if lo is None or v > lo or (v == lo and op == ">"):
                lo, lo_strict = v, op == ">"
        if op in ("<", "<=", "="):
            if hi is None or v < hi or (v == hi and op == "<"):
                hi, hi_strict = v, op == "<"
        bounds[ref.name] = [lo, lo_strict, hi, hi_strict, texts]
        if (
            lo is not None
            and hi is not None
            and (lo > hi or (lo == hi and (lo_strict or hi_strict)))
        ):
            if spec and spec.minimum is not None and len(texts) == 1:
                what = "an amount of money" if isinstance(spec.type, MoneyType) else "a count"
                return f"{ref.name} is {what}, never below {spec.minimum}, so {a.text} never holds"
            return f"{' and '.join(texts)} cannot all hold"
    return None
