"""Parse rule texts into the syntax tree (``syntax.py``), or fail with a pinpointed error.

One Lark grammar (``grammar.lark``), LALR, positions kept. Lark's own exceptions never leave
this module: they become a :class:`~ruleengine_dsl.diagnostics.Diagnostic` that names what
was expected in words, at the line and column where the text went wrong.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import lark
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from . import syntax as s
from .collector import gc_paused  # noqa: F401 - importable from here, as it was
from .diagnostics import Diagnostic, DiagnosticError, Source, Span

GRAMMAR = Path(__file__).with_name("grammar.lark")

#: Bounds that keep a hostile or broken rule text from exhausting the machine.
MAX_SOURCE_CHARS = 2_000_000
MAX_NUMBER_DIGITS = 40

# Words for the grammar's terminals, so that errors never show names like ``__ANON_3``.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a string in double quotes ("...")',
    "INT": "a whole number",
    "DECIMAL": "a decimal number",
    "DATE": "a date (YYYY-MM-DD)",
    "LANG": "a language tag (zh or en)",
    "CITE_UNIT": "article, paragraph, item, chapter or section",
    "CURRENCY": "a currency (CNY, yuan, 元, ...)",
    "DURATION_UNIT": "a unit of time (years, months, weeks, days)",
    "COMPARE": "a comparison (>=, <=, <, >, !=)",
    "ADD_OP": "+ or -",
    "MUL_OP": "* or /",
    "$END": "the end of the file",
}


RESERVED = s.RESERVED  # kept in the syntax module, to be read without loading Lark


class _ReservedWord(Exception):
    def __init__(self, token: Token):
        super().__init__(str(token))
        self.token = token


def _refuse_reserved(token: Token) -> Token:
    """A reserved word where the lexer would take a name is an error at that word.

    (Done here rather than with a look-ahead in the NAME pattern, which made every scanner
    of the contextual lexer slower to build.)"""
    if token.value in RESERVED:
        raise _ReservedWord(token)
    return token


#: What editors show as the end of a line, though the language ends a line, and so a comment,
#: at LF only: CR not before LF (an old Mac's line end), NEL, and the Unicode line and
#: paragraph separators. (A form feed or vertical tab is shown as a control character, ^L.)
HIDDEN_BREAKS = {
    "\r": "CARRIAGE RETURN",
    "\x85": "NEXT LINE",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
}


class _HiddenBreak(Exception):
    def __init__(self, token: Token, at: int):
        super().__init__(str(token))
        self.token, self.at = token, at


def _refuse_hidden_break(token: Token) -> Token:
    """A comment that goes on past what a reader sees as its end: the text after a lone CR
    (an old Mac's line end) or a U+2028 looks like a line of its own, a rule, say, and was
    silently part of the comment (a seventh QA round: a rule swallowed so, with no word).
    Refused where something follows the break; a break with only blanks after it hides
    nothing, and a CRLF's CR is the line's end."""
    text = str(token)
    for at, char in enumerate(text):
        if char in HIDDEN_BREAKS and text[at + 1 :].strip():
            raise _HiddenBreak(token, at)
    return token


def cache_home() -> str:
    """This user's cache folder, as the XDG Base Directory spec has it: ``$XDG_CACHE_HOME``
    where that is an absolute path (a relative one is ignored, not made in the working
    folder: a seventh QA round), else ``~/.cache``. (The engine's disk cache uses it too.)"""
    import os

    base = os.environ.get("XDG_CACHE_HOME", "")
    return base if os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")


def _cache_file(grammar: str) -> str | bool:
    """Where Lark keeps the analysed grammar: a folder of this user's own (never a shared
    temporary folder, since the cache is a pickle); no cache when there is none to be had."""
    import hashlib
    import os
    import stat
    import sys

    folder = os.path.join(cache_home(), "ruleengine")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
        if info.st_uid != os.getuid() or info.st_mode & 0o022:
            return False
    except (OSError, AttributeError):
        return False
    key = hashlib.sha256(f"{grammar}{lark.__version__}{sys.version_info[:2]}".encode()).hexdigest()
    path = os.path.join(folder, f"grammar-{key[:16]}.lark")
    try:  # a FIFO there would block Lark's read for ever, a folder fail it (a seventh QA round)
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return path


class _Node(lark.Tree):
    """A node of the parse as Lark makes it, its children already built into the syntax tree.

    Lark gives a node its position just after making it, and before it makes the node above;
    so each node is built when its parent is made, and the parse tree as a whole never exists
    (for a large text it would take about a hundred times the memory of the text).
    """

    def __init__(self, data, children, meta=None):
        builder = _BUILDER.get(None)
        if builder is not None:
            if data.startswith("__"):  # a repetition, such as the declarations of a file
                builder.grown(data, children)
            else:
                children = builder.built(children)
        super().__init__(data, children, meta)


#: The builder of the text being parsed (one per parse; threads and tasks each have their own).
_BUILDER: contextvars.ContextVar[_Builder] = contextvars.ContextVar("ruleengine_dsl_builder")


@functools.lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    grammar = GRAMMAR.read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=_cache_file(grammar),
        # NAME last: Lark 1.3 chains a callback after its own keyword check with a closure
        # over its loop's variable, so only the last such callback would ever run (the
        # pinpointed-syntax tests fail the other way round).
        lexer_callbacks={"COMMENT": _refuse_hidden_break, "NAME": _refuse_reserved},
        tree_class=_Node,
    )


@functools.lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """Every word the grammar spells out (``rule``, ``when``, ``may``, ``fixed``, ...): what an
    editor completes and highlights as a keyword. Read from the grammar, so never out of date."""
    return frozenset(
        t.pattern.value
        for t in _lark().terminals
        if isinstance(t.pattern, lark.lexer.PatternStr) and t.pattern.value.isalpha()
    )


# Where any operand may start, one phrase says so instead of a dozen tokens.
_OPERAND_STARTS = {"NAME", "INT", "DECIMAL", "STRING", "DATE", "LANG"}
_OPERAND_KEYWORDS = {"(", "[", "-", "true", "false", "not", "if"}


#: Keywords of declarations for ``check --prove`` (``may overlap``, ``always decided``).
_PROVER_KEYWORDS = frozenset(("'may'", "'always'"))


def _describe_expected(parser: lark.Lark, expected: set[str]) -> str:
    words: list[str] = []
    by_name = {t.name: t for t in parser.terminals}
    if {"NAME", "INT"} <= expected:
        words.append("a value or expression (a name, a number, an amount, a date or a string)")
        expected = {
            n
            for n in expected
            if n not in _OPERAND_STARTS
            and not (
                n in by_name
                and isinstance(by_name[n].pattern, lark.lexer.PatternStr)
                and by_name[n].pattern.value in _OPERAND_KEYWORDS
            )
        }
    for name in sorted(expected):
        if name in _TERMINAL_WORDS:
            word = _TERMINAL_WORDS[name]
        elif name in by_name and isinstance(by_name[name].pattern, lark.lexer.PatternStr):
            word = f"'{by_name[name].pattern.value}'"
        else:
            word = name.lower()
        if word not in words:
            words.append(word)
    # Keywords first (the prover's declarations last among them: a rule is rarely missing
    # one), then categories; a handful at most.
    words.sort(
        key=lambda w: (
            not w.startswith("'"),
            w in _PROVER_KEYWORDS,
            not w.startswith("a value"),
            w,
        )
    )
    if len(words) > 6:
        words = words[:6] + ["..."]
    if not words:
        return "nothing more here"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(source: Source, err: UnexpectedInput) -> Diagnostic:
    parser = _lark()
    line = getattr(err, "line", 1) or 1
    column = getattr(err, "column", 1) or 1
    if isinstance(err, UnexpectedCharacters):
        char = source.text[err.pos_in_stream] if err.pos_in_stream < len(source.text) else ""
        span = Span(source, line, column, line, column + 1)
        hint = None
        if char in "“”":
            hint = 'use straight double quotes (") around strings'
        elif char in "（），：":
            hint = "use ASCII punctuation outside strings"
        return Diagnostic(
            "E001",
            f"unexpected character {char!r}",
            span,
            help=hint or f"expected {_describe_expected(parser, set(err.allowed or ()))}",
        )
    token = getattr(err, "token", None)
    if isinstance(err, UnexpectedEOF) or (token is not None and token.type == "$END"):
        # LALR reports the end of the text as an unexpected "$END" token, placed at the last
        # token read: the text stops right after it. (Counted by Lark, by "\n" only, so the
        # place is on a real line even when a string holds U+2028 or a form feed separates
        # declarations.)
        if token is not None and token.end_line is not None:
            line, column = token.end_line, token.end_column
        else:
            line, column = source.position(len(source.text.rstrip()))
        return Diagnostic(
            "E002",
            "the file ended too early",
            Span(source, line, column, line, column + 1),
            help=f"expected {_describe_expected(parser, set(err.expected))}",
        )
    width = max(len(str(token)), 1)
    return Diagnostic(
        "E003",
        f"unexpected {str(token)!r}",
        Span(source, line, column, line, column + width),
        help=f"expected {_describe_expected(parser, set(err.expected))}",
    )


def parse(text: str, name: str = "<string>") -> s.Module:
    """Parse one rule text. Raises :class:`DiagnosticError` on any syntax error."""
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the text
    source = Source(name, text)
    if len(text) > MAX_SOURCE_CHARS:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E004", f"rule text longer than {MAX_SOURCE_CHARS} characters", None, file=name
                )
            ]
        )
    builder = _Builder(source)
    building = _BUILDER.set(builder)
    try:
        with gc_paused():
            tree = _lark().parse(text)
    except UnexpectedInput as err:
        raise DiagnosticError([_syntax_error(source, err)]) from None
    except _ReservedWord as err:
        tok = err.token
        raise DiagnosticError(
            [
                Diagnostic(
                    "E003",
                    f"unexpected {str(tok)!r}",
                    Span(source, tok.line, tok.column, tok.end_line, tok.end_column),
                    help=f"expected a name or a value here; '{tok}' is a reserved word",
                )
            ]
        ) from None
    except _HiddenBreak as err:
        raise DiagnosticError([_hidden_break(source, err)]) from None
    finally:
        _BUILDER.reset(building)
    try:
        decls = builder.finish(tree)
    except VisitError as err:
        if isinstance(err.orig_exc, DiagnosticError):
            raise err.orig_exc from None
        raise
    return s.Module(name, decls, source)


def _hidden_break(source: Source, err: _HiddenBreak) -> Diagnostic:
    tok, at = err.token, err.at
    char = str(tok)[at]
    after = str(tok)[at + 1 :].strip()
    shown = after if len(after) <= 40 else after[:37] + "..."
    column = tok.column + at
    return Diagnostic(
        "E012",
        f"a line break (U+{ord(char):04X} {HIDDEN_BREAKS[char]}) inside a comment: "
        f"{shown!r} after it belongs to the comment, though an editor shows it as a new line",
        Span(source, tok.line, column, tok.line, column + 1),
        help="end lines with LF or CRLF only: replace the character with a line feed, or remove it",
    )


def parse_file(path: str | Path) -> s.Module:
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), str(path))


#: The escapes a string may hold; any other backslash is an error (E010), not a silent letter.
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def exact_number(digits: str) -> int | Fraction:
    """An exact value for a decimal literal: ``"0.1"`` is exactly one tenth."""
    if "." in digits:
        value = Fraction(Decimal(digits))
        return value.numerator if value.denominator == 1 else value
    return int(digits)


class _Failed:
    """A mistake met while building, kept until the text has parsed: a syntax error anywhere
    in the text is reported before it, as when the tree was built after parsing."""

    __slots__ = ("error",)

    def __init__(self, error: VisitError):
        self.error = error


class _Builder:
    """Lark's nodes to the syntax tree, as the parser completes them (see ``_Node``): a method
    for each rule of the grammar, given where Lark found it and its children, already built."""

    def __init__(self, source: Source):
        self.source = source
        self.repeating: dict[str, tuple[list, int]] = {}  # repetition -> (its list, built up to)

    # -- building as Lark parses
    def build(self, tree: _Node):
        """The syntax of one node; a mistake found in it (or below it) is kept, and raised by
        :meth:`finish` once the whole text has parsed."""
        for child in tree.children:
            if type(child) is _Failed:
                return child  # the first mistake below, as a walk of the finished tree meets it
        method = getattr(self, tree.data, None)
        try:
            if method is None:
                return lark.Tree(tree.data, tree.children, tree.meta)
            return method(tree.meta, tree.children)
        except Exception as err:  # as a Lark transformer reports it
            return _Failed(VisitError(tree.data, tree, err))

    def built(self, children: list) -> list:
        """The children of a node, built (a new list: Lark still reads the one it gave)."""
        return [self.build(c) if type(c) is _Node else c for c in children]

    def grown(self, data: str, children: list) -> None:
        """Build the items a repetition (``_decl*``) has grown by. Lark appends each item to
        the same list and makes a node of it again: copying the list each time would take
        time in the square of its length. A list that is not the one last seen (a repetition
        nested in another of the same rule) is left to the node it belongs to."""
        seen = self.repeating.get(data)
        if seen is not None and seen[0] is children:
            for i in range(seen[1], len(children)):
                if type(children[i]) is _Node:
                    children[i] = self.build(children[i])
        self.repeating[data] = (children, len(children))

    def finish(self, tree: _Node):
        """The syntax of the whole text, or the first mistake in it (as a ``VisitError``)."""
        result = self.build(tree)
        if type(result) is _Failed:
            raise result.error
        return result

    # -- helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 1, 1, 1, 1)
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, tok: Token) -> Span:
        return Span(self.source, tok.line, tok.column, tok.end_line, tok.end_column)

    def _unquote(self, tok: Token) -> str:
        """A string token's text, its escapes replaced; an unknown escape is E010 at itself."""
        body = str(tok)[1:-1]

        def escape(m: re.Match) -> str:
            if m.group(1) in ESCAPES:
                return ESCAPES[m.group(1)]
            # A string holds no line break, so the escape is on the token's line.
            column = tok.column + 1 + m.start()
            char = m.group(1) if m.group(1).isprintable() else f"U+{ord(m.group(1)):04X}"
            self._error(
                "E010",
                f"unknown escape '\\{char}' in a string",
                Span(self.source, tok.line, column, tok.line, column + 2),
                'the escapes are \\" (a quote), \\\\ (a backslash), \\n (a new line) and '
                "\\t (a tab); a backslash itself is written \\\\",
            )

        return _ESCAPE.sub(escape, body)

    def _ident(self, tok: Token) -> s.Ident:
        return s.Ident(str(tok), self._tspan(tok))

    def _error(self, code: str, message: str, span: Span, help: str | None = None):
        raise DiagnosticError([Diagnostic(code, message, span, help=help)])

    def _date(self, tok: Token) -> datetime.date:
        try:
            return datetime.date.fromisoformat(str(tok))
        except ValueError:
            self._error("E005", f"{tok} is not a valid calendar date", self._tspan(tok))

    # -- top level
    def start(self, meta, children):
        return list(children)

    def document(self, meta, c):
        entries = c[1:]
        return s.Document(
            self._ident(c[0]),
            [e for e in entries if isinstance(e, s.Meta)],
            self._span(meta),
            [a for e in entries if isinstance(e, list) for a in e],
            [e for e in entries if isinstance(e, s.NotEncoded)],
        )

    def articles(self, meta, c):
        return list(c)

    def article_range(self, meta, c):
        return s.ArticleSpan(str(c[0]), str(c[1]), self._span(meta))

    def article_one(self, meta, c):
        number = self._unquote(c[0]) if c[0].type == "STRING" else str(c[0])
        return s.ArticleSpan(number, None, self._span(meta))

    def not_encoded(self, meta, c):
        number = self._unquote(c[1]) if c[1].type == "STRING" else str(c[1])
        return s.NotEncoded(str(c[0]), number, c[2], self._span(meta))

    def meta_key(self, meta, c):
        return c[0]

    def meta_entry(self, meta, c):
        key, value = c
        if isinstance(value, Token):
            if value.type == "DATE":
                value = self._date(value)
            else:
                value = self._ident(value)
        return s.Meta(self._ident(key), value, self._span(meta))

    def names(self, meta, c):
        return [self._ident(t) for t in c]

    def plain_text(self, meta, c):
        return s.Text({"": self._unquote(c[0])}, self._span(meta))

    def lang_text(self, meta, c):
        values: dict[str, str] = {}
        for lang, text in c:
            if str(lang) in values:
                self._error("E006", f"language {lang} given twice", self._tspan(lang))
            values[str(lang)] = self._unquote(text)
        return s.Text(values, self._span(meta))

    def lang_string(self, meta, c):
        return (c[0], c[1])

    # -- types
    def _enum(self, meta, c, ordered):
        label = c[1] if len(c) > 1 and isinstance(c[1], s.Text) else None
        members = [m for m in c[1:] if isinstance(m, s.Member)]
        return s.EnumDecl(self._ident(c[0]), label, members, ordered, self._span(meta))

    def enum_decl(self, meta, c):
        return self._enum(meta, c, False)

    def scale_decl(self, meta, c):
        return self._enum(meta, c, True)

    def member(self, meta, c):
        return s.Member(self._ident(c[0]), c[1] if len(c) > 1 else None)

    def record_decl(self, meta, c):
        label = c[1] if isinstance(c[1], s.Text) else None
        fields = [f for f in c[1:] if isinstance(f, s.Field)]
        return s.RecordDecl(self._ident(c[0]), label, fields, self._span(meta))

    def field(self, meta, c):
        name, type_ref, default, label, fixed = c[0], c[1], None, None, None
        for extra in c[2:]:
            if isinstance(extra, s.Text):
                label = extra
            elif isinstance(extra, Token) and extra.type == "FIXED":
                fixed = self._tspan(extra)
            elif extra is not None:
                default = extra
        return s.Field(self._ident(name), type_ref, default, label, self._span(meta), fixed)

    input_decl = field

    def default(self, meta, c):
        return c[0]

    def simple_type(self, meta, c):
        signed = self._tspan(c[0]) if c[0] is not None else None
        return s.TypeRef(self._ident(c[1]), None, False, self._span(meta), signed)

    def currency_type(self, meta, c):
        signed = self._tspan(c[0]) if c[0] is not None else None
        return s.TypeRef(self._ident(c[1]), self._ident(c[2]), False, self._span(meta), signed)

    def list_type(self, meta, c):
        return s.TypeRef(self._ident(c[0]), None, True, self._span(meta))

    # -- parameters and definitions
    def parameter_decl(self, meta, c):
        name, type_ref = c[0], c[1]
        label = None
        values, metas = [], []
        for item in c[2:]:
            if isinstance(item, s.Text):
                label = item
            elif isinstance(item, s.Meta):
                metas.append(item)
            else:
                values.append(item)
        return s.ParameterDecl(self._ident(name), type_ref, label, values, metas, self._span(meta))

    def param_value(self, meta, c):
        return (self._date(c[0]), c[1], self._span(meta))

    def param_meta(self, meta, c):
        return self.meta_entry(meta, c)

    def define_decl(self, meta, c):
        name = self._ident(c[0])
        params = result = label = None
        for item in c[1:-1]:
            if isinstance(item, list):
                params = item
            elif isinstance(item, s.TypeRef):
                result = item
            elif isinstance(item, s.Text):
                label = item
        return s.DefineDecl(name, params, result, label, c[-1], self._span(meta))

    def params(self, meta, c):
        return list(c)

    def param(self, meta, c):
        return s.Param(self._ident(c[0]), c[1])

    # -- conclusions
    def conclusion_decl(self, meta, c):
        name, (kind, target) = c[0], c[1]
        default = label = always = None
        for item in c[2:]:
            if isinstance(item, s.Text):
                label = item
            elif isinstance(item, tuple) and item[0] == "always_decided":
                always = item[1]
            elif item is not None:
                default = item
        scale = target if isinstance(target, s.Ident) else None
        type_ref = target if isinstance(target, s.TypeRef) else None
        return s.ConclusionDecl(
            self._ident(name), kind, scale, type_ref, default, label, self._span(meta), always
        )

    def always_decided(self, meta, c):
        return ("always_decided", self._span(meta))

    def highest_kind(self, meta, c):
        return ("highest", self._ident(c[0]))

    def set_kind(self, meta, c):
        return ("set", self._ident(c[0]))

    def range_kind(self, meta, c):
        return ("range", c[0])

    def value_kind(self, meta, c):
        return ("value", c[0])

    # -- the law in time
    def lighter_decl(self, meta, c):
        label = c[1] if len(c) > 1 and isinstance(c[1], s.Text) else None
        entries = [e for e in c[1:] if isinstance(e, tuple)]
        return s.LighterDecl(self._ident(c[0]), label, entries, self._span(meta))

    def lighter_key(self, meta, c):
        return c[0]

    def lighter_entry(self, meta, c):
        return (self._ident(c[0]), list(c[1:]), self._span(meta))

    # -- rules
    def rule_decl(self, meta, c):
        rule = s.RuleDecl(
            self._ident(c[0]), [], None, None, None, None, [], None, [], [], [], self._span(meta)
        )
        for kind, value in c[1:]:
            if kind in ("cite", "overrides", "then"):
                getattr(rule, kind).extend(value)
            elif kind == "overlaps":
                rule.overlaps.append(value)
            elif kind in ("notes", "unverified"):
                getattr(rule, kind).append(value)
            else:
                if getattr(rule, kind) is not None:
                    span = value[1] if isinstance(value, tuple) else getattr(value, "span", None)
                    self._error(
                        "E007",
                        f"rule {rule.name.name} has more than one "
                        f"'{kind.replace('in_force_', '')}'",
                        span or rule.span,
                    )
                setattr(rule, kind, value)
        return rule

    def cite(self, meta, c):
        return ("cite", list(c))

    def cite_part(self, meta, c):
        number = self._unquote(c[1]) if c[1].type == "STRING" else str(c[1])
        return s.CitePart(str(c[0]), number, self._span(meta))

    def title(self, meta, c):
        return ("title", c[0])

    def rule_text(self, meta, c):
        return ("text", c[0])

    def in_force_from(self, meta, c):
        return ("in_force_from", (self._date(c[0]), self._tspan(c[0])))

    def in_force_until(self, meta, c):
        return ("in_force_until", (self._date(c[0]), self._tspan(c[0])))

    def overrides(self, meta, c):
        return ("overrides", [self._ident(t) for t in c])

    def may_overlap(self, meta, c):
        return ("overlaps", ([self._ident(t) for t in c[:-1]], c[-1]))

    def when(self, meta, c):
        return ("when", c[0])

    def then(self, meta, c):
        return ("then", list(c))

    def assignment(self, meta, c):
        return s.Assignment(self._ident(c[0]), c[1], c[2], self._span(meta))

    def note(self, meta, c):
        return ("notes", c[0])

    def unverified(self, meta, c):
        return ("unverified", c[0])

    # -- tests
    def test_decl(self, meta, c):
        test = s.TestDecl(
            self._unquote(c[0]), None, [], [], self._span(meta), name_span=self._tspan(c[0])
        )
        for kind, value in c[1:]:
            if kind == "as_of":
                day, span = value
                if test.as_of is not None:  # which would win is not for the reader to guess
                    self._error("E007", f"test '{test.name}' has more than one 'as of'", span)
                test.as_of = day
            elif kind == "given":
                test.given.extend(value)
            elif kind == "table":
                test.tables.append(value)
            else:
                test.expects.append(value)
        return test

    def test_as_of(self, meta, c):
        return ("as_of", (self._date(c[0]), self._span(meta)))

    def given(self, meta, c):
        return ("given", list(c))

    def given_item(self, meta, c):
        return (self._ident(c[0]), c[1])

    def expect_value(self, meta, c):
        return ("expect", s.Expect("value", self._ident(c[0]), c[1], c[2], self._span(meta)))

    def expect_fired(self, meta, c):
        return ("expect", s.Expect("fired", self._ident(c[0]), None, None, self._span(meta)))

    def expect_not_fired(self, meta, c):
        return ("expect", s.Expect("not_fired", self._ident(c[0]), None, None, self._span(meta)))

    def expect_set_aside(self, meta, c):
        return ("expect", s.Expect("set_aside", self._ident(c[0]), None, None, self._span(meta)))

    def table(self, meta, c):
        inputs, conclusions, *rows = c
        return ("table", s.Table(inputs, conclusions, rows, self._span(meta)))

    def table_head(self, meta, c):
        return [self._ident(t) for t in c]

    def table_row(self, meta, c):
        name, given, expects = c
        return s.TableRow(self._unquote(name), given, expects, self._span(meta), self._tspan(name))

    def table_cells(self, meta, c):
        return list(c)

    def table_cell(self, meta, c):
        return (c[0], c[1])

    # -- expressions
    def if_expr(self, meta, c):
        return s.IfExpr(c[0], c[1], c[2], self._span(meta))

    def or_op(self, meta, c):
        return s.Binary("or", c[0], c[1], self._span(meta))

    def and_op(self, meta, c):
        return s.Binary("and", c[0], c[1], self._span(meta))

    def not_op(self, meta, c):
        return s.Unary("not", c[0], self._span(meta))

    def compare(self, meta, c):
        return s.Binary(str(c[1]), c[0], c[2], self._span(meta))

    def compare_eq(self, meta, c):
        return s.Binary("=", c[0], c[1], self._span(meta))

    def member_of(self, meta, c):
        return s.Binary("in", c[0], c[1], self._span(meta))

    def binary(self, meta, c):
        return s.Binary(str(c[1]), c[0], c[2], self._span(meta))

    def negate(self, meta, c):
        return s.Unary("-", c[0], self._span(meta))

    def attribute(self, meta, c):
        return s.Attribute(c[0], self._ident(c[1]), self._span(meta))

    def name(self, meta, c):
        return s.Name(str(c[0]), self._span(meta))

    def call(self, meta, c):
        args = [a for a in c[1:] if a is not None]
        return s.Call(self._ident(c[0]), args, self._span(meta))

    def aggregate(self, meta, c):
        func, body, var, iterable, where = c
        return s.Aggregate(
            self._ident(func), body, self._ident(var), iterable, where, self._span(meta)
        )

    def list_expr(self, meta, c):
        return s.ListExpr([x for x in c if x is not None], self._span(meta))

    # -- literals
    def number(self, meta, c):
        digits = str(c[0])
        if len(digits) > MAX_NUMBER_DIGITS:
            self._error("E008", f"number longer than {MAX_NUMBER_DIGITS} digits", self._span(meta))
        return s.Constant(exact_number(digits), self._span(meta))

    def money(self, meta, c):
        currency = "CNY" if str(c[1]) in ("yuan", "元") else str(c[1])
        return s.Constant(s.MoneyLit(c[0].value, currency), self._span(meta))

    def negative_money(self, meta, c):
        amount = self.money(meta, c).value
        return s.Constant(s.MoneyLit(-amount.amount, amount.currency), self._span(meta))

    def duration(self, meta, c):
        amount = c[0].value
        if not isinstance(amount, int):
            self._error("E009", "a duration must be a whole number", self._span(meta))
        unit = str(c[1])
        return s.Constant(
            s.DurationLit(amount, unit if unit.endswith("s") else unit + "s"), self._span(meta)
        )

    def date(self, meta, c):
        return s.Constant(self._date(c[0]), self._span(meta))

    def string(self, meta, c):
        return s.Constant(self._unquote(c[0]), self._span(meta))

    def lang_literal(self, meta, c):
        return s.Constant(self.lang_text(meta, c), self._span(meta))

    def true(self, meta, c):
        return s.Constant(True, self._span(meta))

    def false(self, meta, c):
        return s.Constant(False, self._span(meta))

    def negative(self, meta, c):
        return s.Constant(-c[0].value, self._span(meta))

    def bare_name(self, meta, c):
        return s.BareName(str(c[0]), self._span(meta))

    def list_literal(self, meta, c):
        return s.ListLiteral([x for x in c if x is not None], self._span(meta))

    def record_literal(self, meta, c):
        return s.RecordLiteral([x for x in c if x is not None], self._span(meta))

    def record_item(self, meta, c):
        return (self._ident(c[0]), c[1])
