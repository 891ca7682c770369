"""One canonical layout for rule texts (``ruleengine fmt``).

Works on Lark's own parse tree of the text, with every token kept (``keep_all_tokens``: the
parentheses an author wrote stay) and the comments collected as the lexer meets them; the
syntax tree of ``syntax.py`` has neither. The layout:

- two spaces of indent per block; one declaration, member, field or clause a line, in the
  order written; comments kept, each on a line of its own, or at the end of the line where
  it was; a run of blank lines kept as one;
- what fits in :data:`WIDTH` columns (a CJK character counts two) stays on one line; what does
  not breaks at its widest structure first: the languages of a bilingual text each on a line,
  aligned under the first tag; a condition before each ``and``/``or``; a definition's body
  under its head; the assignments of ``then`` and the facts of ``given`` aligned;
- a comment inside a multi-line expression moves above the declaration or clause holding it.

The text is parsed by :func:`ruleengine_dsl.parse` first, so a text with a syntax error gets
the parser's diagnostic (a :class:`DiagnosticError`), never a half-formatted text. Formatting
is idempotent and changes no meaning: the tests check both on every shipped rule file and on
generated texts. The layout engine is the usual one of Wadler's "prettier printer" (groups
that break as a whole, nesting, alignment), kept small here.
"""

from __future__ import annotations

import contextvars
import functools
import unicodedata

import attrs
import lark
from lark import Token, Tree

from .diagnostics import Diagnostic, DiagnosticError, Source, Span
from .parser import GRAMMAR, _cache_file, parse

#: Columns a line may take before it is broken (as the project's Python code).
WIDTH = 100
INDENT = "  "

# Terminals with a text of their own; every other token is a keyword or punctuation.
_NAMED = {
    "NAME",
    "STRING",
    "INT",
    "DECIMAL",
    "DATE",
    "LANG",
    "CITE_UNIT",
    "CURRENCY",
    "DURATION_UNIT",
    "COMPARE",
    "ADD_OP",
    "MUL_OP",
    "FIXED",
    "SIGNED",
}

_COMMENTS: contextvars.ContextVar[list[Token]] = contextvars.ContextVar("ruleengine_fmt_comments")


def _comment(token: Token) -> Token:
    collected = _COMMENTS.get(None)  # None: a lexing outside format_text
    if collected is not None:
        collected.append(token)
    return token


@functools.lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    grammar = GRAMMAR.read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        keep_all_tokens=True,
        cache=_cache_file(grammar + "\n// formatter"),
        lexer_callbacks={"COMMENT": _comment},
    )


# ------------------------------------------------------------------ the layout engine
@attrs.frozen
class _Line:
    """A space (``soft``: nothing) when its group fits on the line, else a new line."""

    soft: bool = False


@attrs.frozen
class _Group:
    doc: object


@attrs.frozen
class _Nest:
    by: int
    doc: object


@attrs.frozen
class _Align:
    """Lines broken inside continue at the column where this starts."""

    doc: object


LINE, SOFT = _Line(), _Line(soft=True)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _join(sep, docs) -> list:
    out: list = []
    for i, d in enumerate(docs):
        if i:
            out.append(sep)
        out.append(d)
    return out


_FLAT, _BREAK = 0, 1


def _fits(rest: list, room: int) -> bool:
    """Whether what follows, up to its first broken line, takes at most ``room`` columns."""
    stack = list(rest)
    while stack:
        if room < 0:
            return False
        indent, mode, doc = stack.pop()
        if isinstance(doc, str):
            room -= _width(doc)
        elif isinstance(doc, list):
            stack.extend((indent, mode, d) for d in reversed(doc))
        elif isinstance(doc, _Line):
            if mode == _BREAK:
                return True
            room -= 0 if doc.soft else 1
        elif isinstance(doc, _Group):
            stack.append((indent, mode, doc.doc))
        elif isinstance(doc, _Nest | _Align):
            stack.append((indent, mode, doc.doc))
    return room >= 0


def _render(doc, indent: int, mode: int = _BREAK) -> str:
    """Lay out ``doc`` starting at column ``indent`` (the indent itself not written)."""
    out: list[str] = []
    column = indent
    stack: list = [(indent, mode, doc)]
    while stack:
        ind, mode, d = stack.pop()
        if isinstance(d, str):
            out.append(d)
            column += _width(d)
        elif isinstance(d, list):
            stack.extend((ind, mode, x) for x in reversed(d))
        elif isinstance(d, _Line):
            if mode == _FLAT:
                if not d.soft:
                    out.append(" ")
                    column += 1
            else:
                out.append("\n" + " " * ind)
                column = ind
        elif isinstance(d, _Group):
            flat = (ind, _FLAT, d.doc)
            # The rest of the line counts too: a label's closing " {" or a value's ",".
            mode_of = _FLAT if _fits([*stack, flat], WIDTH - column) else _BREAK
            stack.append((ind, mode_of if mode == _BREAK else _FLAT, d.doc))
        elif isinstance(d, _Nest):
            stack.append((ind + d.by, mode, d.doc))
        elif isinstance(d, _Align):
            stack.append((column, mode, d.doc))
    return "".join(out)


# ------------------------------------------------------------------ the printer
def _tokens(tree: Tree) -> list:
    """The children with a meaning of their own: trees, named tokens, absent parts (None)."""
    return [c for c in tree.children if not isinstance(c, Token) or c.type in _NAMED or c is None]


def _start(node) -> tuple[int, int]:
    if isinstance(node, Token):
        return (node.line, node.column)
    return (node.meta.line, node.meta.column)


def _end(node) -> tuple[int, int]:
    if isinstance(node, Token):
        return (node.end_line, node.end_column)
    return (node.meta.end_line, node.meta.end_column)


_KEYWORD = {
    "document": "document",
    "enum_decl": "enum",
    "scale_decl": "scale",
    "record_decl": "record",
    "parameter_decl": "parameter",
    "rule_decl": "rule",
    "test_decl": "test",
    "table": "table",
    "lighter_decl": "lighter",
}


_BLOCKS = frozenset(_KEYWORD)  # declarations with a body in braces


class _Printer:
    def __init__(self, comments: list[Token]):
        self.comments = sorted(comments, key=_start)
        self.next = 0
        self.lines: list[str] = []
        self.at = 1  # the line of the declaration or clause being laid out
        self.columns: list[list[int]] = []  # widths of the columns of the table being laid out

    # -- comments and blank lines
    def _take_before(self, pos: tuple[int, int]) -> list[Token]:
        taken = []
        while self.next < len(self.comments) and _start(self.comments[self.next]) < pos:
            taken.append(self.comments[self.next])
            self.next += 1
        return taken

    def _trailing(self, line: int) -> Token | None:
        if self.next < len(self.comments) and self.comments[self.next].line == line:
            self.next += 1
            return self.comments[self.next - 1]
        return None

    def _emit(self, depth: int, text: str) -> None:
        self.lines.append((INDENT * depth + text).rstrip())

    def sequence(self, items: list, depth: int, opened: int, close: tuple[int, int] | None):
        """Items of a block (or of the file), each with the comments before and beside it;
        then the comments before ``close`` (the closing brace; ``None``: the end of file)."""
        last = opened  # the source line where the previous thing ended
        first = True

        def blank_before(line: int) -> None:
            nonlocal first
            if not first and line - last >= 2:
                self.lines.append("")
            first = False

        for item in items:
            self.at = item.meta.line
            for c in self._take_before(_start(item)):
                blank_before(c.line)
                self._emit(depth, str(c).rstrip())
                last = c.line
            blank_before(item.meta.line)
            body = item.data in _BLOCKS
            inner_end = _start(self._brace(item, "{")) if body else _end(item)
            # A comment inside a clause or a declaration's head goes above it.
            for c in self._take_before(inner_end):
                self._emit(depth, str(c).rstrip())
            if body:
                self.block(item, depth)
            else:
                self._emit(depth, _render(self.doc(item), len(INDENT) * depth))
            trailing = self._trailing(item.meta.end_line)
            if trailing is not None:
                self.lines[-1] += "  " + str(trailing).rstrip()
            last = item.meta.end_line
        for c in self._take_before(close) if close else self.comments[self.next :]:
            blank_before(c.line)
            self._emit(depth, str(c).rstrip())
            last = c.line
        if close is None:
            self.next = len(self.comments)

    @staticmethod
    def _brace(tree: Tree, which: str) -> Token:
        return next(c for c in tree.children if isinstance(c, Token) and c.value == which)

    def block(self, tree: Tree, depth: int) -> None:
        open_brace, close_brace = self._brace(tree, "{"), self._brace(tree, "}")
        self._emit(depth, _render([self.head(tree), " {"], len(INDENT) * depth))
        # A comment after the opening brace stays on its line (`rule r {  # why`).
        if self.next < len(self.comments):
            comment = self.comments[self.next]
            if comment.line == open_brace.line and _start(comment) < _start(close_brace):
                self.next += 1
                self.lines[-1] += "  " + str(comment).rstrip()
        items = [c for c in tree.children if isinstance(c, Tree)]
        items = [c for c in items if _start(c) > _start(open_brace)]
        if tree.data == "table":
            self.columns = self._columns(items)
        self.sequence(items, depth + 1, open_brace.line, _start(close_brace))
        self._emit(depth, "}")

    # -- heads of blocks
    def head(self, t: Tree):
        kw = _KEYWORD[t.data]
        parts = _tokens(t)
        if t.data == "document":
            return [kw, " ", str(parts[0])]
        if t.data == "test_decl":
            return [kw, " ", str(parts[0])]
        if t.data == "rule_decl":
            return [kw, " ", str(parts[0])]
        if t.data == "table":
            return [kw, " ", self.doc(parts[0]), " -> ", self.doc(parts[1])]
        name = str(parts[0])
        doc: list = [kw, " ", name]
        if t.data == "parameter_decl":
            doc += [": ", self.doc(parts[1])]
            rest = parts[2:]
        else:
            rest = parts[1:]
        label = next((p for p in rest if isinstance(p, Tree) and p.data.endswith("_text")), None)
        if label is not None:
            doc += [" ", self.doc(label)]
        return _Group(doc)

    # -- everything else: a doc per grammar rule
    def doc(self, node):
        if node is None:
            return ""
        if isinstance(node, Token):
            return str(node)
        method = getattr(self, "_" + node.data, None)
        if method is None:
            raise NotImplementedError(f"no layout for {node.data}")  # pragma: no cover
        return method(node, _tokens(node))

    def _spaced(self, t, parts):
        return _join(" ", [self.doc(p) for p in parts if p is not None])

    # header and texts
    def _meta_entry(self, t, p):
        return _Group([self.doc(p[0]), ": ", self.doc(p[1])])

    def _meta_key(self, t, p):
        return str(t.children[0])

    def _names(self, t, p):  # headline: level, sentence
        return _Align(_join([",", LINE], map(str, p)))

    def _articles(self, t, p):  # articles 1 .. 13, "253-1"
        return _Group(["articles ", _Align(_join([",", LINE], map(self.doc, p)))])

    def _article_range(self, t, p):
        return f"{p[0]} .. {p[1]}"

    def _article_one(self, t, p):
        return str(p[0])

    def _not_encoded(self, t, p):
        return _Group([f"{p[0]} {p[1]} not encoded because ", self.doc(p[2])])

    def _plain_text(self, t, p):
        return str(p[0])

    def _lang_text(self, t, p):
        return _Align(_Group(_join(LINE, [self.doc(x) for x in p])))

    _lang_literal = _lang_text

    def _lang_string(self, t, p):
        return f"{p[0]} {p[1]}"

    # types
    def _member(self, t, p):
        if len(p) == 1:
            return str(p[0])
        return _Group([str(p[0]), ": ", self.doc(p[1])])

    def _field(self, t, p):
        doc: list = [str(p[0]), ": ", self.doc(p[1])]
        for extra in p[2:]:
            if extra is not None:
                doc += [" ", self.doc(extra)]
        return _Group(doc)

    def _input_decl(self, t, p):
        return ["input ", self._field(t, p)]

    def _default(self, t, p):
        return ["= ", self.doc(p[0])]

    def _simple_type(self, t, p):
        return self._spaced(t, p)

    def _currency_type(self, t, p):
        return [*(["signed "] if p[0] is not None else []), str(p[1]), "(", str(p[2]), ")"]

    def _list_type(self, t, p):
        return ["list of ", str(p[0])]

    # parameters, definitions, conclusions
    def _param_value(self, t, p):
        return _Group([str(p[0]), ": ", self.doc(p[1])])

    _param_meta = _meta_entry

    def _define_decl(self, t, p):
        head: list = ["define ", str(p[0])]
        for item in p[1:-1]:
            if item is None:
                continue
            if item.data == "params":
                head.append(self.doc(item))
            elif item.data.endswith("_text"):
                head += [" ", self.doc(item)]
            else:
                head += [": ", self.doc(item)]
        return _Group([_Group(head), " =", _Nest(2, [LINE, self.doc(p[-1])])])

    def _params(self, t, p):
        return ["(", _join(", ", map(self.doc, p)), ")"]  # short: never broken

    def _param(self, t, p):
        return [str(p[0]), ": ", self.doc(p[1])]

    def _conclusion_decl(self, t, p):
        doc: list = ["conclusion ", str(p[0]), ": ", self.doc(p[1])]
        for extra in p[2:]:
            if extra is not None:
                doc += [" ", self.doc(extra)]
        return _Group(doc)

    def _always_decided(self, t, p):
        return "always decided"

    def _highest_kind(self, t, p):
        return ["highest ", str(p[0])]

    def _set_kind(self, t, p):
        return ["set of ", str(p[0])]

    def _range_kind(self, t, p):
        return ["range of ", self.doc(p[0])]

    def _value_kind(self, t, p):
        return ["value ", self.doc(p[0])]

    # rule clauses
    def _clause(self, keyword: str, doc) -> list:
        return [keyword, " ", doc]

    def _cite(self, t, p):
        return _Group(["cite ", _Align(_join(LINE, map(self.doc, p)))])

    def _cite_part(self, t, p):
        return f"{p[0]} {p[1]}"

    def _title(self, t, p):
        return ["title ", self.doc(p[0])]

    def _rule_text(self, t, p):
        return ["text ", self.doc(p[0])]

    def _note(self, t, p):
        return ["note ", self.doc(p[0])]

    def _unverified(self, t, p):
        return ["unverified ", self.doc(p[0])]

    def _in_force_from(self, t, p):
        return f"from {p[0]}"

    def _in_force_until(self, t, p):
        return f"until {p[0]}"

    def _overrides(self, t, p):
        return _Group(["overrides ", _Align(_join([",", LINE], map(str, p)))])

    def _may_overlap(self, t, p):
        names = _Align(_join([",", LINE], map(str, p[:-1])))
        return _Group(["may overlap ", names, " because ", self.doc(p[-1])])

    # lighter blocks (the law in time)
    def _lighter_entry(self, t, p):
        values = _Align(_join([",", LINE], map(self.doc, p[1:])))
        return _Group([self.doc(p[0]), ": ", values])

    def _lighter_key(self, t, p):
        return str(t.children[0])

    def _when(self, t, p):
        return _Nest(2, ["when ", self.doc(p[0])])

    def _then(self, t, p):
        return _Group(["then ", _Align(_join([",", LINE], map(self.doc, p)))])

    def _assignment(self, t, p):
        doc = [str(p[0]), " = ", self.doc(p[1])]
        if p[2] is not None:
            doc += [" .. ", self.doc(p[2])]
        return doc

    # tests
    def _test_as_of(self, t, p):
        return f"as of {p[0]}"

    def _given(self, t, p):
        return _Group(["given ", _Align(_join([",", LINE], map(self.doc, p)))])

    def _given_item(self, t, p):
        return [str(p[0]), " = ", self.doc(p[1])]

    def _expect_value(self, t, p):
        doc = ["expect ", str(p[0]), " = ", self.doc(p[1])]
        if p[2] is not None:
            doc += [" .. ", self.doc(p[2])]
        return doc

    def _expect_fired(self, t, p):
        return f"expect fired {p[0]}"

    def _expect_not_fired(self, t, p):
        return f"expect not fired {p[0]}"

    def _expect_set_aside(self, t, p):
        return f"expect set aside {p[0]}"

    # tables: each column as wide as its widest cell
    def _cells(self, row: Tree) -> list[list[str]]:
        """A row's name, its values given and its values expected, laid flat, with commas."""
        name, given, expected = _tokens(row)
        out = [[str(name) + ":"]]
        for part in (given, expected):
            cells = [_render(self.doc(c), 0, _FLAT) for c in _tokens(part)]
            out.append([c + "," for c in cells[:-1]] + cells[-1:])
        return out

    def _columns(self, rows: list[Tree]) -> list[list[int]]:
        widths: list[list[int]] = [[], [], []]
        for row in rows:
            for part, cells in zip(widths, self._cells(row), strict=True):
                for i, cell in enumerate(cells):
                    if i == len(part):
                        part.append(0)
                    part[i] = max(part[i], _width(cell))
        return widths

    def _table_row(self, t, p):
        parts = [
            " ".join(cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths))
            for cells, widths in zip(self._cells(t), self.columns, strict=True)
        ]
        return f"{parts[0]} {parts[1]} -> {parts[2]}".rstrip()

    def _table_head(self, t, p):
        return ", ".join(map(str, p))

    def _table_cell(self, t, p):
        doc = [self.doc(p[0])]
        if len(p) > 1 and p[1] is not None:
            doc += [" .. ", self.doc(p[1])]
        return doc

    # expressions
    def _chain(self, t: Tree) -> list:
        """The operands of a run of the same ``and`` or ``or``, left to right (a long run is
        as deep as it is long, so it is walked without recursion)."""
        right = []
        while isinstance(t, Tree) and t.data in ("or_op", "and_op"):
            left, last = _tokens(t)
            right.append(last)
            if not (isinstance(left, Tree) and left.data == t.data):
                break
            t = left
        return [self.doc(x) for x in [left, *reversed(right)]]

    def _or_op(self, t, p):
        op = "or " if t.data == "or_op" else "and "
        operands = self._chain(t)
        return _Group([operands[0], *[[LINE, op, x] for x in operands[1:]]])

    _and_op = _or_op

    def _if_expr(self, t, p):
        parts: list = []
        while True:
            cond, then, other = p
            parts += ["if ", self.doc(cond), LINE, "then ", self.doc(then), LINE, "else "]
            if isinstance(other, Tree) and other.data == "if_expr":
                p = _tokens(other)
                continue
            parts.append(self.doc(other))
            return _Group(parts)

    def _not_op(self, t, p):
        return ["not ", self.doc(p[0])]

    def _operator(self, left, op: str, right):
        """``left op right``, broken (when it must be) before the operator, as and/or are."""
        return _Group([self.doc(left), _Nest(2, [LINE, op, " ", self.doc(right)])])

    def _binary(self, t, p):
        return self._operator(p[0], str(p[1]), p[2])

    _compare = _binary

    def _compare_eq(self, t, p):
        return self._operator(p[0], "=", p[1])

    def _member_of(self, t, p):
        return self._operator(p[0], "in", p[1])

    def _negate(self, t, p):
        return ["-", self.doc(p[0])]

    def _attribute(self, t, p):
        return [self.doc(p[0]), ".", str(p[1])]

    def _atom(self, t, p):
        """Parentheses as written, but a pair directly around another pair is redundant: the
        run is written as one pair. The parser drops parentheses, so the checker accepts any
        number of them; laid out one inside another they were as deep as they were many
        (5,000 of them exhausted Python's stack)."""
        inner = p[0]
        while isinstance(inner, Tree) and inner.data == "atom":
            inner = _tokens(inner)[0]
        return ["(", _Align(self.doc(inner)), ")"]

    def _name(self, t, p):
        return str(p[0])

    def _call(self, t, p):
        args = [self.doc(a) for a in p[1:] if a is not None]
        return _Group([str(p[0]), "(", _Nest(4, [SOFT, _join([",", LINE], args)]), SOFT, ")"])

    def _aggregate(self, t, p):
        func, body, var, iterable, *where = [x for x in p if x is not None]
        inner: list = [self.doc(body), LINE, "for ", str(var), " in ", self.doc(iterable)]
        if where:
            inner += [LINE, "where ", self.doc(where[0])]
        return _Group([str(func), "(", _Align(inner), ")"])

    def _list_expr(self, t, p):
        items = [self.doc(x) for x in p if x is not None]
        return _Group(["[", _Align(_join([",", LINE], items)), "]"])

    _list_literal = _list_expr

    def _record_literal(self, t, p):
        items = [self.doc(x) for x in p if x is not None]
        return _Group(["{", _Align(_join([",", LINE], items)), "}"])

    def _record_item(self, t, p):
        return [str(p[0]), ": ", self.doc(p[1])]

    # literals
    def _number(self, t, p):
        return str(p[0])

    def _money(self, t, p):
        return [self.doc(p[0]), " ", str(p[1])]

    _duration = _money

    def _negative(self, t, p):
        return ["-", self.doc(p[0])]

    def _negative_money(self, t, p):
        return ["-", self._money(t, p)]

    def _date(self, t, p):
        return str(p[0])

    _string = _bare_name = _date

    def _true(self, t, p):
        return "true"

    def _false(self, t, p):
        return "false"


def format_text(text: str, name: str = "<string>") -> str:
    """``text`` in the canonical layout. Raises :class:`DiagnosticError` where it does not parse."""
    parse(text, name)  # the parser's own diagnostics, and its bounds, for a text that is wrong
    text = text.removeprefix("\ufeff")
    comments: list[Token] = []
    collecting = _COMMENTS.set(comments)
    try:
        tree = _lark().parse(text)
    finally:
        _COMMENTS.reset(collecting)
    printer = _Printer(comments)
    decls = [c for c in tree.children if isinstance(c, Tree)]
    try:
        printer.sequence(decls, 0, 0, None)
    except RecursionError:
        # Deeper than any text the checker accepts (it stops at 64 levels); said, not raised.
        line = printer.at
        raise DiagnosticError(
            [
                Diagnostic(
                    "E011",
                    "an expression too deeply nested to format",
                    Span(Source(name, text), line, 1, line, 2),
                    help="the checker refuses expressions nested more than 64 deep (E212)",
                )
            ]
        ) from None
    return "\n".join(printer.lines).strip("\n") + "\n" if printer.lines else ""
