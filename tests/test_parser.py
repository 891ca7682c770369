"""Syntax errors: each says where the text went wrong and what was expected, in words.

Golden files pin the whole rendered diagnostic; regenerate with UPDATE_GOLDEN=1 (see
conftest.py) and review the diff.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import check_golden, diagnostics

from ruleengine_dsl import parse
from ruleengine_dsl.diagnostics import DiagnosticError
from ruleengine_dsl.parser import _lark

# (golden name, rule text, code, line, column, words the message must contain)
SYNTAX_CASES = [
    (
        "syntax_unexpected_token",
        "input x: count = 0\nrule r {\n  when x >= \n  then\n}\n",
        "E003",
        4,
        3,
        "unexpected 'then'",
    ),
    (
        "syntax_fullwidth_colon",
        'input tracking_items： count = 0 zh "行踪轨迹信息条数"\n',
        "E001",
        1,
        21,
        "unexpected character '：'",
    ),
    (
        "syntax_curly_quotes",
        "input x: text = “abc”\n",
        "E001",
        1,
        17,
        "unexpected character '“'",
    ),
    (
        "syntax_stray_character",
        "input x: count = 0 @\n",
        "E001",
        1,
        20,
        "unexpected character '@'",
    ),
    (
        "syntax_invalid_date",
        "document d {\n  effective: 2017-02-30\n}\n",
        "E005",
        2,
        14,
        "2017-02-30 is not a valid calendar date",
    ),
    (
        "syntax_missing_colon",
        "input x count = 0\n",
        "E003",
        1,
        9,
        "unexpected 'count'",
    ),
    (
        "syntax_reserved_word_as_name",
        "input when: count = 0\n",
        "E003",
        1,
        7,
        "unexpected 'when'",
    ),
    (
        "syntax_fractional_duration",
        "input d: date\ndefine later: date = d + 1.5 years\n",
        "E009",
        2,
        26,
        "a duration must be a whole number",
    ),
    (
        # Lark counts lines by "\n" only: U+2028 in a string is no line break, so the end of
        # the text is on line 3 (not on a "line 4" past the end), after '>='.
        "syntax_ended_after_line_separator",
        'input x: text = "a\u2028b"\nrule r {\n  when x >= \n',
        "E002",
        3,
        12,
        "the file ended too early",
    ),
    (
        # A form feed between two declarations is white space, not a line break.
        "syntax_form_feed_between_declarations",
        "input x: count\x0cinput y count\n",
        "E003",
        1,
        24,
        "unexpected 'count'",
    ),
    (
        "syntax_crlf_lines",
        "input x: count\r\ninput y count\r\n",
        "E003",
        2,
        9,
        "unexpected 'count'",
    ),
    (
        "syntax_unknown_escape",
        'input s: text = "a\\qb"\n',
        "E010",
        1,
        19,
        "unknown escape '\\q' in a string",
    ),
    (
        # A seventh QA round: the rule after a lone CR was part of the comment, with no word.
        "syntax_cr_inside_comment",
        "input x: integer = 0\n# later\rinput y: integer = 0\n",
        "E012",
        2,
        8,
        "line break (U+000D CARRIAGE RETURN) inside a comment",
    ),
    (
        "syntax_line_separator_inside_comment",
        "input x: integer = 0 # a\u2028input y: integer = 0\n",
        "E012",
        1,
        25,
        "line break (U+2028 LINE SEPARATOR) inside a comment",
    ),
    (
        "syntax_rule_clause_twice",
        "input x: count = 0\nrule r {\n  when x > 1\n  when x > 2\n}\n",
        "E007",
        4,
        8,
        "more than one 'when'",
    ),
    (  # which would win was not said: the last did, silently (sixth QA round)
        "syntax_test_as_of_twice",
        'test "t" {\n  as of 2020-01-01\n  as of 2021-01-01\n}\n',
        "E007",
        3,
        3,
        "test 't' has more than one 'as of'",
    ),
]


@pytest.mark.parametrize(
    "name, text, code, line, column, words", SYNTAX_CASES, ids=[c[0] for c in SYNTAX_CASES]
)
def test_syntax_error_is_pinpointed(name, text, code, line, column, words):
    diags = diagnostics(text, f"{name}.rules")
    assert len(diags) == 1, [d.render() for d in diags]
    d = diags[0]
    assert d.code == code
    assert (d.span.line, d.span.column) == (line, column)
    assert words in d.message
    check_golden(name, d.render())


def test_wide_character_caret_covers_two_cells():
    """A Chinese full-width colon occupies two terminal cells; the caret must too."""
    d = diagnostics("input x： count\n", "w.rules")[0]
    source_line, caret_line = d.span.excerpt().splitlines()
    assert source_line.endswith("input x： count")
    assert caret_line.endswith("|        ^^")
    assert d.help == "use ASCII punctuation outside strings"


def test_file_ending_early_points_at_the_end():
    text = "rule r {\n  when x >= 1\n"
    d = diagnostics(text, "eof.rules")[0]
    assert d.code in ("E002", "E003")
    assert "end of the file" in d.message or "ended too early" in d.message
    assert (d.span.line, d.span.column) == (2, 14)
    assert d.help.startswith("expected ") and "'then'" in d.help


def test_file_ending_early_has_its_own_code():
    d = diagnostics("rule r {\n  when x >= 1\n", "eof.rules")[0]
    assert d.code == "E002"
    assert d.message == "the file ended too early"


def test_unexpected_token_names_what_was_expected():
    d = diagnostics("input x: count = 0\nconclusion c: maximum x\n")[0]
    assert d.code == "E003"
    assert d.message == "unexpected 'maximum'"
    assert d.help == "expected 'highest', 'range', 'set' or 'value'"


def test_expected_categories_are_words():
    d = diagnostics("rule r {\n  cite 5\n}\n")[0]
    assert d.help == "expected article, paragraph, item, chapter or section"
    d = diagnostics("document d {\n  effective: 2017-06-01\n}\nrule r { from 5 }\n")[0]
    assert d.help == "expected a date (YYYY-MM-DD)"


_RAW = re.compile(r"__ANON|\$END|\b(NAME|INT|DECIMAL|STRING|LANG|DATE|COMPARE|ADD_OP|MUL_OP)\b")


def _damaged_texts(text: str):
    """Variants of a valid text cut or spoiled at every token: each is a syntax error."""
    for tok in _lark().lex(text):
        head, tail = text[: tok.start_pos], text[tok.end_pos :]
        yield head
        yield head + tail
        yield head + "@ " + text[tok.start_pos :]
        yield head + ") " + text[tok.start_pos :]
        yield head + "12 " + text[tok.start_pos :]


VALID = """\
document demo {
  title: zh "示例" en "Demo"
  effective: 2017-06-01
}
enum act_kind { obtain: zh "获取" en "obtain"  sell "出售" }
scale seriousness { none serious grave }
record act { kind: act_kind  items: count  recipient: text = "" }
input items: count = 0
input gain: money(CNY) = 0 yuan
input acts: list of act
parameter standard: count { reference: "x"  2017-06-01: 50 }
define meets(k: decimal): bool = items >= standard * k or gain >= 5000 yuan * k
conclusion level: highest seriousness
conclusion band: range of seriousness
rule serious {
  cite article 5 paragraph 1 item 3
  from 2017-06-01
  when meets(1) and count(a for a in acts where a.kind = sell) > 0
  then level = serious, band = none .. serious
}
test "t" {
  as of 2018-01-01
  given items = 50, acts = [{kind: sell, items: 3}]
  expect level = serious
  expect fired serious
}
"""


def test_valid_text_parses():
    module = parse(VALID, "valid.rules")
    assert len(module.decls) == 13


def test_syntax_errors_never_show_raw_terminal_names():
    seen = 0
    for text in _damaged_texts(VALID):
        try:
            parse(text, "damaged.rules")
        except DiagnosticError as err:
            for d in err.diagnostics:
                seen += 1
                shown = f"{d.message}\n{d.help or ''}"
                assert not _RAW.search(shown), d.render()
                assert d.code.startswith("E0")
                assert d.span is not None and d.span.line >= 1 and d.span.column >= 1
                if d.code in ("E001", "E002", "E003"):
                    assert d.help and (
                        d.help.startswith("expected ") or d.help.startswith("use ")
                    ), d.render()
    assert seen > 300


def test_syntax_error_in_file_names_the_path(tmp_path: Path):
    import ruleengine

    path = tmp_path / "broken.rules"
    path.write_text("input x: count = \n", encoding="utf-8")
    with pytest.raises(DiagnosticError) as info:
        ruleengine.load_paths([path])
    d = info.value.diagnostics[0]
    assert d.span.file == str(path)
    assert d.render().startswith(f"{path}:")


def test_decimal_literal_is_exact():
    from fractions import Fraction

    from ruleengine_dsl.parser import exact_number

    assert exact_number("0.1") == Fraction(1, 10)
    assert exact_number("2.50") == Fraction(5, 2)
    assert exact_number("3.0") == 3 and type(exact_number("3.0")) is int


@pytest.mark.parametrize(
    "text",
    [
        'input x: text = "a\u2028b\u2029c\x85d\x0be\x1cf"\nrule r {\n  when x >= \n',
        "input x: count\x0c\n\x0c\nrule r {\n  when x >= \n",
        "input x: count\r\nrule r {\r\n  when x >= \r\n\r\n",
        "input x: count\rrule r {\r  when x >= \r",
    ],
    ids=["separators_in_a_string", "form_feeds", "crlf", "lone_cr"],
)
def test_the_end_of_the_file_is_on_a_real_line(text):
    """Whatever characters Python's splitlines would break at, the place is a real line, and
    the caret stands right after the last thing written ('>=')."""
    d = diagnostics(text, "eof.rules")[0]
    assert d.code == "E002"
    lines = text.split("\n")
    assert 1 <= d.span.line <= len(lines)
    line = lines[d.span.line - 1].removesuffix("\r")
    assert line[: d.span.column - 1].rstrip().endswith(">=")


def test_characters_that_break_a_terminal_line_are_shown_as_one_cell():
    """A form feed, U+2028 or a bidirectional control in the shown line would break it or
    reorder it on screen; each is shown as U+FFFD, so the caret stays under its character."""
    d = diagnostics('input a: text = "x\u2028\u202ey"\x0cinput b: count = "no"\n', "c.rules")[0]
    assert d.code == "E208"
    source_line, caret_line = d.span.excerpt().splitlines()
    assert source_line == '   1 | input a: text = "x\ufffd\ufffdy"\ufffdinput b: count = "no"'
    assert caret_line.index("^") == source_line.index('"no"')


def test_known_escapes_are_read_and_an_unknown_one_is_pinpointed():
    module = parse('input s: text = "\\" \\\\ \\n \\t"\n')
    assert module.decls[0].default.value == '" \\ \n \t'
    # After Chinese text and a U+2028 (one column each), and in every kind of string.
    for text, column in [
        ('input s: text = "中文\u2028\\z"\n', 21),
        ('input s: text = zh "好" en "a\\x"\n', 29),
        ('rule r { cite article "5\\a" }\n', 25),
        ('test "a\\b" { }\n', 8),
        ('input s: text = "\\\u2028"\n', 18),
    ]:
        [d] = diagnostics(text)
        assert (d.code, d.span.line, d.span.column, d.span.end_column) == (
            "E010",
            1,
            column,
            column + 2,
        ), text
    assert diagnostics('input s: text = "\\\u2028"\n')[0].message == (
        "unknown escape '\\U+2028' in a string"
    )


def test_a_line_end_a_reader_sees_hides_nothing_when_nothing_follows_it():
    """CRLF line ends, a CR with only blanks after it at a comment's end, and a form feed
    (shown as ^L) hide no text: no E012."""
    for text in (
        "input x: integer = 0 # a\r\ninput y: integer = 0\r\n",
        "input x: integer = 0 # a\x0c b\ninput y: integer = 0\n",
        "input x: integer = 0 # a\r  \n",
        "input x: integer = 0 # a\r",
    ):
        assert all(d.code != "E012" for d in diagnostics(text)), repr(text)
