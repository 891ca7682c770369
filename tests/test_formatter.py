"""``ruleengine fmt``: one layout, idempotent, and never a change of meaning.

"Same meaning" is checked twice: the syntax tree of the formatted text equals the original's
(spans aside), and the checked rulebook of the formatted files equals the original's (spans,
quoted source text and warnings' positions aside).
"""

from __future__ import annotations

import datetime
import enum
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lark import Tree

from ruleengine import ir
from ruleengine.loader import check_sources, read_sources, rule_files
from ruleengine.plugins import get_plugin_manager, rule_sources
from ruleengine_dsl import DiagnosticError, parse
from ruleengine_dsl.diagnostics import Diagnostic, Source, Span
from ruleengine_dsl.formatter import _lark, format_text

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for folder in ("plugins", "examples") for p in (ROOT / folder).rglob("*.rules"))


def shape(value, seen=None):
    """A comparable form of a syntax or checked tree: positions and quoted source left out."""
    seen = set() if seen is None else seen
    if isinstance(value, Span | Source | Diagnostic):
        return None
    if isinstance(value, str | int | bool | Fraction | datetime.date | enum.Enum | type(None)):
        return value
    if isinstance(value, dict):
        return {shape(k, seen): shape(v, seen) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [shape(v, seen) for v in value]
        return tuple(sorted(items, key=repr) if isinstance(value, set | frozenset) else items)
    if attrs.has(type(value)):
        if id(value) in seen:  # a type that refers back to itself
            return ("seen", type(value).__name__)
        seen = seen | {id(value)}
        fields = attrs.fields(type(value))
        skip = {"text"} if isinstance(value, ir.Expr) else set()
        return (
            type(value).__name__,
            tuple(shape(getattr(value, f.name), seen) for f in fields if f.name not in skip),
        )
    return repr(value)


def comments(text: str) -> list[str]:
    """The comments of a text, in order (the lexer alone: basic, so one pass)."""
    return [str(t).rstrip() for t in _lark().lex(text, dont_ignore=True) if t.type == "COMMENT"]


def same_tree(a: str, b: str) -> bool:
    return shape(parse(a).decls) == shape(parse(b).decls)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_file_formats_to_the_same_tree_and_stays_formatted(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path))
    assert same_tree(text, once)
    assert format_text(once, str(path)) == once
    assert comments(once) == comments(text)


@pytest.mark.parametrize("rulebook", ["pi2017", "ccdi"])
def test_a_shipped_rulebook_formatted_checks_to_the_same_rulebook(rulebook):
    pm = get_plugin_manager()
    _, source = rule_sources(pm)[rulebook]
    files = [f for p in source.paths for f in rule_files(p)]
    sources = read_sources(files)
    formatted = [(name, format_text(text, name)) for name, text in sources]
    assert shape(check_sources(rulebook, formatted, pm)) == shape(
        check_sources(rulebook, sources, pm)
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_rule_file_is_formatted(path):
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text, f"run: ruleengine fmt {path}"


# ------------------------------------------------------------------ the layout itself
def test_comments_blank_lines_and_bilingual_labels():
    text = (
        "# the header\n\n\n"
        'enum kind zh "种类" en "kind" {  # beside the head\n'
        "  # before a member\n"
        '  a zh "甲" en "a"\n\n\n'
        "  b   # beside b\n"
        "  # last in the block\n"
        "}\n"
        "# at the end\n"
    )
    assert format_text(text) == (
        "# the header\n\n"
        'enum kind zh "种类" en "kind" {  # beside the head\n'
        "  # before a member\n"
        '  a: zh "甲" en "a"\n\n'
        "  b  # beside b\n"
        "  # last in the block\n"
        "}\n"
        "# at the end\n"
    )


def test_a_long_label_puts_each_language_on_its_own_line_aligned():
    text = f'input x: count zh "{"甲" * 30}" en "{"a" * 50}"'
    assert format_text(text) == f'input x: count zh "{"甲" * 30}"\n               en "{"a" * 50}"\n'


def test_a_long_condition_breaks_before_each_operator_and_keeps_parentheses():
    cond = " and ".join(f"long_name_{i} > {i}" for i in range(6)) + " and (p or q)"
    text = f"rule r {{ cite article 1 when {cond} then c = 1 }}"
    out = format_text(text)
    assert out == (
        "rule r {\n"
        "  cite article 1\n"
        "  when long_name_0 > 0\n"
        + "".join(f"    and long_name_{i} > {i}\n" for i in range(1, 6))
        + "    and (p or q)\n"
        "  then c = 1\n"
        "}\n"
    )
    assert same_tree(text, out)


def test_a_comment_after_an_opening_brace_stays_beside_it():
    text = "rule r { # why\n  cite article 1\n  when a then c = 1\n}\n"
    out = format_text(text)
    assert out == "rule r {  # why\n  cite article 1\n  when a\n  then c = 1\n}\n"
    assert format_text(out) == out


def test_a_comment_inside_an_expression_moves_above_its_clause():
    text = "define d: bool =\n  a  # why a\n  and b\n"
    assert format_text(text) == "# why a\ndefine d: bool = a and b\n"


def test_a_text_that_does_not_parse_gets_the_parsers_diagnostic():
    with pytest.raises(DiagnosticError) as info:
        format_text("rule r { when }", "bad.rules")
    assert info.value.diagnostics[0].code in ("E002", "E003")


# ------------------------------------------------------------------ generated texts
NAMES = st.sampled_from(["a", "b", "items", "x.y", "f(a)", "count(l)"])
LEAVES = NAMES | st.sampled_from(["1", "0.5", "10 yuan", "3 years", '"s"', "true", "2020-01-01"])


def _compose(children):
    binary = st.tuples(
        children, st.sampled_from(["and", "or", "+", "-", "*", ">=", "=", "in", "!="]), children
    ).map(lambda t: f"{t[0]} {t[1]} {t[2]}")
    return (
        binary
        | children.map(lambda e: f"({e})")
        | children.map(lambda e: f"not {e}")
        | st.tuples(children, children, children).map(
            lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"
        )
        | st.lists(children, max_size=3).map(lambda xs: f"g({', '.join(xs)})")
    )


EXPRESSIONS = st.recursive(LEAVES, _compose, max_leaves=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from(["define", "rule"]))
def test_generated_expressions_format_to_the_same_tree_idempotently(expr, where):
    if where == "define":
        text = f"define d_name: bool =\n {expr}\n"
    else:
        text = f"rule r {{\ncite article 1 when {expr}\n then c = {expr}, e = 2 }}\n"
    try:
        parse(text)
    except DiagnosticError:
        assume(False)
    once = format_text(text)
    assert same_tree(text, once)
    assert format_text(once) == once
    assert all(len(line) <= 100 or '"' in line for line in once.splitlines()) or len(expr) > 90


SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", "\n    ", " \n\n\n  "])


TABLE = """\
# a table, with comments in it
test "t" {
  as of 2020-01-01
  given in_duty = false  # shared
  table items, acts -> level, band {
    # the first row
    "below": 499, [{kind: sell, n: 1}] -> none, none .. none  # a note
    "at": 500, [] -> serious, zh "甲" en "a" .. serious
  }
}
"""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHIPPED[:4] + SHIPPED[-4:] + [TABLE]), st.data())
def test_shipped_files_with_their_spacing_mangled_format_the_same_way(path, data):
    """Any spacing between the tokens (comments kept, each ended by its line) formats to the
    same tree and is then stable."""
    text = path if isinstance(path, str) else path.read_text(encoding="utf-8")
    tokens = list(_lark().lex(text, dont_ignore=True))
    tokens = [t for t in tokens if t.type != "WS"]
    # A few whole declarations (with the comments before them), cut where one starts.
    starts = [i for i, t in enumerate(tokens) if t.column == 1 and t != "}"] + [len(tokens)]
    first = data.draw(st.integers(0, len(starts) - 2))
    tokens = tokens[starts[first] : starts[min(first + 6, len(starts) - 1)]]
    pieces = []
    for t in tokens:
        pieces.append(str(t))
        pieces.append("\n" if t.type == "COMMENT" else data.draw(SEPARATORS))
    mangled = "".join(pieces)
    try:
        parse(mangled)
    except DiagnosticError:
        assume(False)
    once = format_text(mangled)
    assert same_tree(mangled, once)
    assert comments(once) == comments(mangled)
    assert format_text(once) == once
    # Without comments and blank lines, the layout does not depend on the spacing at all.
    plain = " ".join(str(t) for t in tokens if t.type != "COMMENT")
    plain_mangled = "".join(
        str(t) + data.draw(st.sampled_from([" ", "\n", "\n    "]))
        for t in tokens
        if t.type != "COMMENT"
    )
    assert format_text(plain_mangled) == format_text(plain)


# ------------------------------------------------------------------ the command
def _fmt(*args: str, input: str | None = None):
    from typer.testing import CliRunner

    from ruleengine.cli import app

    return CliRunner().invoke(app, ["fmt", *args], input=input)


def test_fmt_check_shows_a_diff_and_exits_1_without_writing(tmp_path):
    path = tmp_path / "a.rules"
    path.write_text("rule  r {cite article 1 then c=1}\n", encoding="utf-8")
    result = _fmt("--check", str(tmp_path))
    assert result.exit_code == 1
    assert f"--- {path}\n+++ {path} (formatted)\n" in result.stdout
    assert "+  then c = 1\n" in result.stdout
    assert path.read_text(encoding="utf-8") == "rule  r {cite article 1 then c=1}\n"


def test_fmt_writes_the_layout_and_then_check_passes(tmp_path):
    path = tmp_path / "a.rules"
    path.write_text("rule  r {cite article 1 then c=1}\n", encoding="utf-8")
    assert _fmt(str(path)).exit_code == 0
    assert path.read_text(encoding="utf-8") == "rule r {\n  cite article 1\n  then c = 1\n}\n"
    result = _fmt("--check", str(path))
    assert (result.exit_code, result.stdout) == (0, "")


def test_fmt_leaves_a_file_that_does_not_parse_and_exits_3(tmp_path):
    bad, good = tmp_path / "bad.rules", tmp_path / "good.rules"
    bad.write_text("rule r { when }\n", encoding="utf-8")
    good.write_text("rule  r {cite article 1 then c=1}\n", encoding="utf-8")
    result = _fmt(str(tmp_path))
    assert result.exit_code == 3
    assert f"{bad}:1:15: error[E003]: unexpected '}}'" in result.stderr
    assert bad.read_text(encoding="utf-8") == "rule r { when }\n"
    assert good.read_text(encoding="utf-8").startswith("rule r {\n")


def test_fmt_on_a_file_that_may_not_change_leaves_it_whole_and_exits_2(tmp_path, monkeypatch):
    """A seventh QA round: ``fmt`` on a read-only mount (or a ``chattr +i`` file) was exit 70;
    and it wrote in place, so a disk full midway would have cut the rule file short. The text
    is now written beside the file and moved into its place, or the file is left whole."""
    import errno
    import os

    mine, theirs = tmp_path / "mine.rules", tmp_path / "theirs.rules"
    for path in (mine, theirs):
        path.write_text("rule  r {cite article 1 then c=1}\n", encoding="utf-8")
    (tmp_path / "link.rules").symlink_to(mine)
    moved = os.replace

    def replace(src, dst):
        if str(dst).endswith("theirs.rules"):
            raise OSError(errno.EROFS, "Read-only file system")
        return moved(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = _fmt(str(tmp_path / "link.rules"), str(theirs))
    assert result.exit_code == 2, result.output
    assert f"{theirs}: cannot write (Read-only file system); left as it was" in result.stderr
    assert theirs.read_text(encoding="utf-8") == "rule  r {cite article 1 then c=1}\n"
    assert mine.read_text(encoding="utf-8").startswith("rule r {\n")  # through the link
    assert (tmp_path / "link.rules").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "link.rules",
        "mine.rules",
        "theirs.rules",
    ]


def test_fmt_dash_is_a_filter():
    result = _fmt("-", input="input  x : count\n")
    assert (result.exit_code, result.stdout) == (0, "input x: count\n")
    result = _fmt("--check", "-", input="input  x : count\n")
    assert result.exit_code == 1 and "+input x: count\n" in result.stdout


def test_fmt_refuses_standard_input_that_is_not_utf8_with_exit_3():
    result = _fmt("-", input=b"input x: count # \xff\n")
    assert result.exit_code == 3
    assert "<stdin>: error[E004]: not UTF-8 text" in result.stderr


def test_a_text_nested_too_deeply_to_lay_out_is_a_diagnostic_not_a_traceback():
    text = "input x: count\ndefine d: bool = " + "not " * 2000 + "a"
    with pytest.raises(DiagnosticError) as info:
        format_text(text)
    (d,) = info.value.diagnostics
    assert (d.code, d.span.line) == ("E011", 2)


def test_parentheses_the_checker_accepts_are_formatted_however_many(tmp_path):
    """Issue 7: 5,000 pairs around a comparison passed ``check`` (the parser drops them) but
    ``fmt`` said E011 "nested more than 64 deep". A run of pairs is written as one pair."""
    text = "rule r { cite article 1 when " + "(" * 5000 + "x > 1" + ")" * 5000 + " then v = 1 }"
    once = format_text(text)
    assert "when (x > 1)" in once and same_tree(text, once)
    assert format_text(once) == once
    mixed = "define d: bool = ((a)) and ((((b or c)) and (d)))"
    assert format_text(mixed) == "define d: bool = (a) and ((b or c) and (d))\n"


def _parenthesised(children):
    """An expression in a run of pairs of parentheses: a few, or very many."""
    runs = st.sampled_from([1, 1, 2, 3, 700])
    return st.tuples(children, runs).map(lambda t: "(" * t[1] + t[0] + ")" * t[1])


DEEPLY_PARENTHESISED = st.recursive(
    LEAVES | _parenthesised(LEAVES),
    lambda children: _compose(children) | _parenthesised(children),
    max_leaves=10,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DEEPLY_PARENTHESISED)
def test_runs_of_parentheses_format_to_the_same_tree_idempotently(expr):
    text = f"rule r {{\ncite article 1 when {expr}\n then c = 1 }}\n"
    try:
        parse(text)
    except DiagnosticError:
        assume(False)
    once = format_text(text)
    assert same_tree(text, once)
    assert format_text(once) == once
    pairs = list(_lark().parse(once).find_data("atom"))
    assert not any(isinstance(a.children[1], Tree) and a.children[1].data == "atom" for a in pairs)


def test_a_long_run_of_and_is_laid_out_without_recursion():
    text = "define d: bool = a" + " and a" * 3000
    out = format_text(text)
    assert out == "define d: bool =\n  a\n" + "  and a\n" * 3000


def test_a_tables_columns_are_aligned():
    text = (
        'test "t" { as of 2020-01-01 table items, in_duty -> level, band {\n'
        '"below": 499, false -> none, none .. none  # a comment\n'
        '"at the standard": 500,false->serious, none .. serious } }\n'
    )
    out = format_text(text)
    assert out == (
        'test "t" {\n'
        "  as of 2020-01-01\n"
        "  table items, in_duty -> level, band {\n"
        '    "below":           499, false -> none,    none .. none  # a comment\n'
        '    "at the standard": 500, false -> serious, none .. serious\n'
        "  }\n"
        "}\n"
    )
    assert same_tree(text, out) and format_text(out) == out


def test_the_provers_declarations_and_a_headline_are_laid_out():
    text = (
        "document d {\n  headline:   level ,sentence\n}\n"
        "input x: count = 0\n"
        "conclusion level: value count = 0   always   decided\n"
        "conclusion sentence: value count = 0\n"
        "rule a {\n  cite article 1\n  when x > 1\n  then level = 1\n"
        '  may   overlap b ,c because "the law orders them"\n}\n'
        "rule b {\n  cite article 2\n  when x > 2\n  then level = 1\n}\n"
        "rule c {\n  cite article 3\n  when x > 3\n  then level = 1\n}\n"
    )
    formatted = format_text(text)
    assert "  headline: level, sentence\n" in formatted
    assert "conclusion level: value count = 0 always decided\n" in formatted
    assert '  may overlap b, c because "the law orders them"\n' in formatted
    assert same_tree(text, formatted) and format_text(formatted) == formatted


def test_a_documents_articles_and_reasons_are_laid_out():
    text = (
        'document d {\n   articles 1..3 ,"253-1",  7  # the articles\n'
        '  article   2 not   encoded   because zh "定义" en "a definition"\n'
        '  article "253-1" not encoded because "' + "a long reason " * 8 + '"\n}\n'
        "conclusion c: value bool = false\n"
        "rule r {\n  cite article 1\n  then c = true\n}\n"
    )
    formatted = format_text(text)
    assert '  articles 1 .. 3, "253-1", 7  # the articles\n' in formatted
    assert '  article 2 not encoded because zh "定义" en "a definition"\n' in formatted
    assert '  article "253-1" not encoded because "a long reason' in formatted
    assert same_tree(text, formatted) and format_text(formatted) == formatted
