"""Checker diagnostics: each kind of mistake has a stable code, a precise span and help.

Each case pins the code, line and column, and compares the full rendering with a golden
file (tests/golden/<case>.txt; regenerate with UPDATE_GOLDEN=1 and review).
"""

from __future__ import annotations

import datetime

import pytest
from conftest import check_golden, diagnostics, first, load

from ruleengine import DiagnosticError, EvaluationError, FactsError
from ruleengine.checker import never_true
from ruleengine.testing import run_tests

DAY = datetime.date(2020, 1, 1)

# A small preamble most cases share: line 1 input, line 2 scale, line 3 conclusion.
P = "input x: count = 0\nscale s { a b c }\nconclusion level: highest s\n"


def rule(body: str, name: str = "r", cite: str = "cite article 1") -> str:
    return f"rule {name} {{\n  {cite}\n{body}}}\n"


#: The preamble and a rule (lines 1 to 8), for the cases of tests: they start at line 9.
RT = P + rule("  when x > 1\n  then level = b\n")


# (golden name, rule text, code, line, column, words the message must contain, help or None)
CASES = [
    (
        "unknown_name",
        "input tracking_items: count = 0\nscale s { a b }\nconclusion level: highest s\n"
        + rule("  when trackng_items >= 50\n  then level = b\n"),
        "E200",
        6,
        8,
        "unknown name 'trackng_items'",
        "did you mean 'tracking_items'?",
    ),
    (
        "unknown_function",
        P + "define big: bool = maxx(x, 3) > 4\n" + rule("  when big\n  then level = b\n"),
        "E200",
        4,
        20,
        "unknown function 'maxx'",
        "did you mean 'max'?",
    ),
    (
        "unknown_field",
        "record act { items: count }\ninput acts: list of act\nscale s { a b }\n"
        "conclusion level: highest s\n"
        + rule("  when sum(a.itms for a in acts) > 1\n  then level = b\n"),
        "E200",
        7,
        14,
        "record act has no field 'itms'",
        "did you mean 'items'?",
    ),
    (
        "unknown_type",
        "input x: cout = 0\n",
        "E200",
        1,
        10,
        "unknown type 'cout'",
        "did you mean 'count'?",
    ),
    (
        "unknown_member",
        P + rule("  when x > 1\n  then level = s.bb\n"),
        "E200",
        7,
        18,
        "'bb' is not a member of s",
        "did you mean 'b'?",
    ),
    (
        "money_compared_with_number",
        "input gain: money(CNY) = 0 yuan\nscale s { a b }\nconclusion level: highest s\n"
        + rule("  when gain >= 5000\n  then level = b\n"),
        "E201",
        6,
        8,
        "cannot order money(CNY) against integer",
        "write amounts with their currency, for example 5000 CNY",
    ),
    (
        "and_on_number",
        P + rule("  when x and true\n  then level = b\n"),
        "E201",
        6,
        8,
        "'and' joins conditions; 'x' is integer",
        None,
    ),
    (
        "if_branches_differ",
        P
        + "define y: decimal = if x > 1 then 1 else true\n"
        + rule("  when y > 0\n  then level = b\n"),
        "E201",
        4,
        21,
        "the branches of 'if' differ: integer and bool",
        None,
    ),
    (
        "enum_ordered",
        "enum k { p q }\ninput kind: k = p\nscale s { a b }\nconclusion level: highest s\n"
        + rule("  when kind > p\n  then level = b\n"),
        "E201",
        7,
        8,
        "k is an enum, not an ordered scale",
        None,
    ),
    (
        "definition_cycle",
        P
        + "define p: bool = q\ndefine q: bool = p or x > 1\n"
        + rule("  when p\n  then level = b\n"),
        "E202",
        4,
        8,
        "definitions form a cycle: p -> q -> p",
        "a definition cannot depend on itself, directly or through others",
    ),
    (
        "override_unknown_rule",
        P
        + rule("  overrides rr2\n  when x > 1\n  then level = b\n")
        + rule("  when x > 2\n  then level = c\n", name="rr"),
        "E203",
        6,
        13,
        "rule 'r' overrides 'rr2', but no such rule",
        "did you mean 'rr'?",
    ),
    (
        "override_itself",
        P + rule("  overrides r\n  when x > 1\n  then level = b\n"),
        "E203",
        6,
        13,
        "rule 'r' cannot override itself",
        None,
    ),
    (
        "conclusion_wrong_kind",
        P + rule("  when x > 1\n  then level = 3\n"),
        "E204",
        7,
        16,
        "'level' is the highest of scale s; '3' is integer",
        "give one of: a, b, c",
    ),
    (
        "range_needs_two_ends",
        P + "conclusion band: range of s\n" + rule("  when x > 1\n  then band = b\n"),
        "E204",
        8,
        8,
        "'band' is a range; write band = low .. high",
        None,
    ),
    (
        "assign_to_input",
        P + rule("  when x > 1\n  then x = 3\n"),
        "E204",
        7,
        8,
        "'x' is an input, not a conclusion",
        None,
    ),
    (
        "duplicate_rule",
        P + rule("  when x > 1\n  then level = b\n") + rule("  when x > 2\n  then level = c\n"),
        "E205",
        9,
        6,
        "rule 'r' is defined twice",
        "the first is at duplicate_rule.rules:4:6",
    ),
    (
        "duplicate_input",
        P + "input x: bool = false\n" + rule("  when x > 1\n  then level = b\n"),
        "E205",
        4,
        7,
        "'x' is already declared as an input",
        "see duplicate_input.rules:1:7",
    ),
    (
        "conclusion_cycle",
        P + rule("  when level >= b\n  then level = c\n"),
        "E207",
        3,
        1,
        "rules, conclusions and exceptions form a cycle: "
        "conclusion level -> rule r -> conclusion level",
        "a rule cannot read a conclusion that it, or a rule it overrides, decides",
    ),
    (
        "unknown_header_key",
        'document d {\n  titel: "x"\n  effective: 2017-06-01\n}\n'
        + P
        + rule("  when x > 1\n  then level = b\n"),
        "E209",
        2,
        3,
        "unknown header field 'titel'",
        "did you mean 'title'?",
    ),
    (
        "too_deep",
        P + "define d: integer = " + " + ".join(["x"] * 100) + "\n",
        "E212",
        4,
        21,
        "expression nested more than 64 deep",
        "give parts of it names with 'define', and use the names",
    ),
    (
        "range_runs_downward",
        "input x: count = 0\nconclusion sentence: range of integer\n"
        + rule("  when x > 1\n  then sentence = 7 .. 3\n"),
        "E204",
        6,
        8,
        "the range 7 .. 3 given to 'sentence' runs downward",
        "write the lower end first: sentence = 3 .. 7",
    ),
    (
        "empty_file",
        "# Article 5, to be written.\n\n",
        "E214",
        1,
        1,
        "the file declares nothing",
        "a rule file holds declarations (input, rule, test, ...); delete it if unused",
    ),
    (
        "duplicate_test",
        P
        + rule("  when x > 1\n  then level = b\n")
        + 'test "two" {\n  given x = 2\n  expect level = b\n}\n'
        + 'test "two" {\n  given x = 0\n  expect level = a\n}\n',
        "E205",
        13,
        6,
        "test 'two' is declared twice",
        "the first is at duplicate_test.rules:9:6",
    ),
    (
        "duplicate_test_but_spacing",
        P
        + rule("  when x > 1\n  then level = b\n")
        + 'test "two cases" {\n  given x = 2\n  expect level = b\n}\n'
        + 'test "two  cases" {\n  given x = 0\n  expect level = a\n}\n',
        "E205",
        13,
        6,
        "test 'two  cases' is declared twice",
        "the first is at duplicate_test_but_spacing.rules:9:6",
    ),
    (
        "negative_money_default",
        "input loss: money(CNY) = -5000 yuan\n",
        "E208",
        1,
        26,
        "default of 'loss': expected an amount of money in CNY",
        "if it may be negative, declare it 'signed money(CNY)'",
    ),
    (
        "signed_count",
        "input n: signed count = 0\n",
        "E201",
        1,
        10,
        "'signed' applies to money, not to count",
        "integer and decimal take negative values as they are; count never does",
    ),
    (
        "rule_never_in_force",
        P + rule("  from 2020-01-01\n  until 2019-01-01\n  when x > 1\n  then level = b\n"),
        "E211",
        7,
        9,
        "rule 'r' is never in force: until 2019-01-01 is not after 2020-01-01",
        None,
    ),
    (
        "never_fires_contradiction",
        P + rule("  when x >= 50 and x < 10\n  then level = b\n"),
        "W301",
        6,
        8,
        "rule 'r' can never fire: x >= 50 and x < 10 cannot all hold",
        None,
    ),
    (
        "never_fires_negative_count",
        P + rule("  when x < 0\n  then level = b\n"),
        "W301",
        6,
        8,
        "rule 'r' can never fire: x is a count, never below 0, so x < 0 never holds",
        None,
    ),
    (
        "never_concluded",
        P + "conclusion other: value text\n" + rule("  when x > 1\n  then level = b\n"),
        "W302",
        4,
        1,
        "no rule concludes 'other'",
        None,
    ),
    (
        "unused_input",
        P + "input unused_thing: bool = false\n" + rule("  when x > 1\n  then level = b\n"),
        "W305",
        4,
        7,
        "input 'unused_thing' is not used by any rule or definition",
        None,
    ),
    (
        "rule_cites_nothing",
        P + "rule r {\n  when x > 1\n  then level = b\n}\n",
        "W306",
        4,
        6,
        "rule 'r' cites no provision",
        "add 'cite article N paragraph N item N'",
    ),
    # A document's declared articles (docs/language.md, "The document's articles").
    (
        "article_cited_not_declared",
        "document d { articles 1 .. 3 }\n" + P + rule("  then level = b\n", cite="cite article 4"),
        "E219",
        6,
        8,
        "rule 'r' cites article 4, which document 'd' does not declare",
        "add it to the document's 'articles' line",
    ),
    (
        "article_not_encoded_undeclared",
        'document d {\n  articles 1 .. 3\n  article 31 not encoded because "x"\n}\n'
        + P
        + rule("  then level = b\n"),
        "E219",
        3,
        3,
        "article 31 is said to be not encoded, but the document does not declare it",
        "did you mean '3'?",
    ),
    (
        "article_declared_twice",
        "document d { articles 1 .. 3, 2 }\n" + P + rule("  then level = b\n"),
        "E220",
        1,
        31,
        "article 2 is declared twice",
        "the first is at article_declared_twice.rules:1:23",
    ),
    (
        "article_two_reasons",
        'document d {\n  articles 1, 2\n  article 2 not encoded because "x"\n'
        '  article 2 not encoded because "y"\n}\n' + P + rule("  then level = b\n"),
        "E220",
        4,
        3,
        "article 2 is given two reasons for not being encoded",
        "the first is at article_two_reasons.rules:3:3",
    ),
    (
        "article_range_downward",
        "document d { articles 13 .. 1 }\n" + P + rule("  then level = b\n"),
        "E221",
        1,
        23,
        "the range of articles 13 .. 1 runs downward",
        "write 1 .. 13",
    ),
    (
        "article_not_encoded_but_cited",
        'document d {\n  articles 1\n  article 1 not encoded because "x"\n}\n'
        + P
        + rule("  then level = b\n"),
        "E221",
        9,
        8,
        "rule 'r' encodes article 1, which document 'd' says is not encoded",
        "remove its 'not encoded' line at article_not_encoded_but_cited.rules:3:3",
    ),
    (
        "article_without_reason",
        'document d { articles 1, "253-1" }\n' + P + rule("  then level = b\n"),
        "W307",
        1,
        26,
        "article 253-1 of document 'd' is declared, but no rule encodes it",
        'add \'article "253-1" not encoded because "..."\' to the header',
    ),
    # A test that cannot fail, and one a report cannot name (a fifth QA round).
    (
        "test_expects_nothing",
        P + rule("  when x > 1\n  then level = b\n") + 'test "t" {\n  given x = 2\n}\n',
        "W308",
        9,
        1,
        "test 't' expects nothing: it always passes",
        None,
    ),
    (
        "test_without_a_name",
        P + rule("  when x > 1\n  then level = b\n") + 'test "" {\n  expect level = a\n}\n',
        "E205",
        9,
        6,
        "a test needs a name",
        None,
    ),
    # Tests that ran beside others of their name, or could never fail as written, or never
    # ran at all: accepted silently until the sixth QA round (issue 7, item 10).
    (
        "table_row_named_like_a_test",
        RT
        + 'test "t [a]" {\n  given x = 2\n  expect level = b\n}\n'
        + 'test "t" {\n  table x -> level {\n    "a": 0 -> a\n  }\n}\n',
        "E205",
        15,
        5,
        "row 'a' makes a test named 't [a]', a name already taken",
        "the first is at table_row_named_like_a_test.rules:9:6",
    ),
    (
        "test_named_like_a_table_row",
        RT
        + 'test "t" {\n  table x -> level {\n    "a": 0 -> a\n  }\n}\n'
        + 'test "t  [a]" {\n  given x = 2\n  expect level = b\n}\n',
        "E205",
        14,
        6,
        "test 't  [a]' is declared twice",
        "the first is row 'a' of a table, at test_named_like_a_table_row.rules:11:5",
    ),
    (
        "table_row_in_two_tables",
        RT
        + 'test "t" {\n  table x -> level {\n    "a": 0 -> a\n  }\n'
        + '  table x -> level {\n    "a": 2 -> b\n  }\n}\n',
        "E205",
        14,
        5,
        "row 'a' makes a test named 't [a]', a name already taken",
        "the first is at table_row_in_two_tables.rules:11:5",
    ),
    (
        "table_row_twice_but_spacing",
        RT + 'test "t" {\n  table x -> level {\n    "a b": 0 -> a\n    "a  b": 2 -> b\n  }\n}\n',
        "E205",
        12,
        5,
        "row 'a  b' is in the table twice",
        "the first is at table_row_twice_but_spacing.rules:11:5",
    ),
    (
        "table_row_without_a_name",
        RT + 'test "t" {\n  table x -> level {\n    " ": 0 -> a\n  }\n}\n',
        "E205",
        11,
        5,
        "a row of a table needs a name",
        None,
    ),
    (
        "table_without_rows",
        RT + 'test "t" {\n  expect not fired r\n  table x -> level {\n  }\n}\n',
        "E217",
        11,
        3,
        "a table of test 't' has no rows",
        None,
    ),
    (
        "table_column_also_expected",
        RT + 'test "t" {\n  expect level = b\n  table x -> level {\n    "a": 0 -> a\n  }\n}\n',
        "E205",
        11,
        14,
        "'level' is a column and also expected by the test",
        None,
    ),
    (
        "test_expects_twice",
        RT + 'test "t" {\n  given x = 2\n  expect level = b\n  expect level = c\n}\n',
        "E205",
        12,
        10,
        "test 't' expects conclusion 'level' twice",
        "a test states one value of a conclusion, one outcome of a rule",
    ),
    (
        "test_expects_a_rule_twice",
        RT + 'test "t" {\n  given x = 2\n  expect fired r\n  expect not fired r\n}\n',
        "E205",
        12,
        20,
        "test 't' expects rule 'r' twice",
        "a test states one value of a conclusion, one outcome of a rule",
    ),
    (
        "range_expected_of_a_value",
        RT + 'test "t" {\n  given x = 2\n  expect level = a .. b\n}\n',
        "E204",
        11,
        23,
        "'level' is not a range; expect level = one value",
        None,
    ),
    (
        "test_expects_an_input",
        RT + 'test "t" {\n  given x = 2\n  expect x = 2\n}\n',
        "E200",
        11,
        10,
        "unknown conclusion 'x'",
        "'x' is an input: a test gives it (given x = ...)",
    ),
]


@pytest.mark.parametrize(
    "name, text, code, line, column, words, help", CASES, ids=[c[0] for c in CASES]
)
def test_diagnostic(name, text, code, line, column, words, help):
    diags = diagnostics(text, f"{name}.rules")
    d = first(diags, code)
    assert (d.span.line, d.span.column) == (line, column)
    assert words in d.message
    assert d.help == help
    assert d.severity.value == ("warning" if code.startswith("W") else "error")
    check_golden(name, d.render())


def test_errors_raise_and_warnings_do_not():
    with pytest.raises(DiagnosticError) as info:
        load(P + rule("  when x > 1\n  then level = 3\n"))
    assert {d.code for d in info.value.diagnostics} >= {"E204"}
    book = load(P + rule("  when x >= 50 and x < 10\n  then level = b\n"))
    assert [w.code for w in book.rulebook.warnings] == ["W301"]


def test_all_errors_are_reported_together():
    text = P + rule("  when y > 1\n  then level = 3\n") + rule("  when z\n  then level = b\n", "r2")
    codes = sorted(d.code for d in diagnostics(text))
    assert codes.count("E200") == 2  # y and z, in two rules
    assert "E204" not in codes or codes.count("E204") == 1


def test_clean_rulebook_has_no_warnings():
    book = load(P + rule("  when x >= 10 and x < 50\n  then level = b\n"))
    assert book.rulebook.warnings == []


def test_satisfiable_bounds_are_not_flagged():
    for cond in ("x >= 10 and x <= 10", "x > 0", "x < 1", "50 <= x and x < 100"):
        book = load(P + rule(f"  when {cond}\n  then level = b\n"))
        assert book.rulebook.warnings == [], cond


def test_flipped_and_equal_bounds_are_flagged():
    for cond in ("50 <= x and x < 50", "x = 3 and x > 3", "x > 5 and 5 > x"):
        book = load(P + rule(f"  when {cond}\n  then level = b\n"))
        assert [w.code for w in book.rulebook.warnings] == ["W301"], cond


def test_never_true_of_constant_false():
    book = load(P + rule("  when false\n  then level = b\n"))
    (w,) = [w for w in book.rulebook.warnings if w.code == "W301"]
    assert "its condition is false" in w.message
    assert never_true(book.rulebook.rules["r"].when, book.rulebook.inputs) is not None


def test_type_error_span_covers_whole_comparison():
    d = first(
        diagnostics(
            "input gain: money(CNY) = 0 yuan\nscale s { a b }\nconclusion level: highest s\n"
            + rule("  when gain >= 5000\n  then level = b\n")
        ),
        "E201",
    )
    assert (d.span.end_line, d.span.end_column) == (6, 20)


def test_definition_cycle_reported_once():
    text = (
        P
        + "define p: bool = q\ndefine q: bool = p or x > 1\n"
        + rule("  when p\n  then level = b\n")
    )
    rendered = [d.render() for d in diagnostics(text) if d.code == "E202"]
    assert len(rendered) == len(set(rendered))


def test_no_warning_echoes_after_an_error():
    """A rule that fails to check must not make its conclusion look never concluded."""
    text = P + rule("  when x > 1 and y\n  then level = b\n")
    assert [d.code for d in diagnostics(text)] == ["E200"]


def test_both_sides_of_and_are_checked():
    text = P + rule("  when y > 1 and z\n  then level = b\n")
    diags = diagnostics(text)
    assert [(d.code, d.span.column) for d in diags] == [("E200", 8), ("E200", 18)]


def test_a_member_may_share_its_name_with_an_input():
    book = load(
        "enum aggravator { impact prior }\n"
        "input impact: bool = false\n"
        "input present: list of finding\n"
        "record finding { kind: aggravator }\n"
        "scale sanction { warning serious_warning }\n"
        "conclusion sanction: range of sanction\n"
        "rule r { cite article 1\n"
        "  when impact and any(f.kind = impact for f in present)\n"
        "  then sanction = sanction.warning .. serious_warning }\n"
    )
    decision = book.decide({"impact": True, "present": [{"kind": "impact"}]}, DAY)
    assert decision.conclusions["sanction"] == ("warning", "serious_warning")


def test_a_rule_that_would_take_too_long_is_refused():
    lines = ["input n: integer = 1", "define d0(x: integer): integer = x + n"]
    for i in range(1, 30):
        lines.append(f"define d{i}(x: integer): integer = d{i - 1}(x) + d{i - 1}(x)")
    lines += ["conclusion c: value integer", "rule r { cite article 1  then c = d29(n) }"]
    d = diagnostics("\n".join(lines) + "\n", "costly.rules")[0]
    assert d.code == "E213"
    assert "more than 1,000,000 steps" in d.message


def test_a_definition_that_grows_a_number_without_bound_stops_with_an_error():
    lines = ["input n: integer = 10", "define d0: integer = n"]
    for i in range(1, 31):
        lines.append(f"define d{i}: integer = d{i - 1} * d{i - 1}")
    lines += ["conclusion z: value bool", "rule s { cite article 1  then z = d30 > 0 }"]
    book = load("\n".join(lines) + "\n")
    for path in (book.decide, book.explain):
        with pytest.raises(EvaluationError, match="more than 1200 digits"):
            path({}, DAY)


def test_amounts_in_rule_texts_need_their_currency():
    d = diagnostics("input gain: money(CNY) = 5000\n", "money.rules")[0]
    assert (d.code, d.span.line, d.span.column) == ("E208", 1, 26)
    assert d.help == "write 5000 yuan"


def test_a_test_given_is_checked_when_the_file_loads():
    d = diagnostics('input items: count = 0\ntest "t" { given items = -3 }\n', "given.rules")[0]
    assert d.code == "E208" and "given 'items'" in d.message


def test_a_column_in_error_is_reported_once_not_at_every_row():
    rows = "".join(f'    "r{i}": {i} -> a\n' for i in range(5))
    text = RT + f'test "t" {{\n  given x = 2\n  table x -> level {{\n{rows}  }}\n}}\n'
    diags = diagnostics(text, "rows.rules")
    assert [(d.code, d.span.line, d.message) for d in diags] == [
        ("E205", 11, "'x' is a column and also given by the test")
    ]


def test_the_rows_of_a_table_are_tests_named_by_test_and_row():
    book = load(RT + 'test "t" {\n  table x -> level {\n    "a": 0 -> a\n    "b": 2 -> b\n  }\n}\n')
    assert [r.name for r in run_tests(book)] == ["t [a]", "t [b]"]
    assert all(r.passed for r in run_tests(book))


def test_a_set_conclusion_is_tested_with_in_not_compared():
    d = diagnostics(
        "enum k { a b }\nconclusion ks: set of k\nconclusion x: value bool = false\n"
        "rule r1 { cite article 1 then ks = a }\n"
        "rule r2 { cite article 2 when ks = [a] then x = true }\n",
        "sets.rules",
    )[0]
    assert d.code == "E201" and "test its members with 'in'" in d.message


# ------------------------------------------------------------------ nesting (E212)
def test_too_deep_is_pinpointed_and_the_rest_of_the_file_is_still_checked():
    """However deep (here far past what a recursive parser could take), E212 has its place,
    and a real mistake elsewhere in the same file is reported with it."""
    for terms in (100, 5_000):
        deep = " + ".join(["x"] * terms)
        text = P + f"define d: integer = {deep}\n" + rule("  when y > 1\n  then level = b\n")
        diags = diagnostics(text)
        assert [(d.code, d.span.line, d.span.column) for d in diags] == [
            ("E212", 4, 21),
            ("E200", 7, 8),
        ]


def test_a_value_nested_too_deeply_is_pinpointed():
    text = "input l: list of count = " + "[" * 10_000 + "]" * 10_000 + "\ninput y: cout\n"
    diags = diagnostics(text)
    assert [(d.code, d.span.line) for d in diags] == [("E212", 1), ("E200", 2)]
    assert diags[0].message == "default of 'l': a value nested more than 64 deep"


# Expressions of every shape, nested n deep; each level of a shape may cost the generated
# Python code several brackets, of which Python's own parser takes at most 200.
NESTED_FORMS = {
    "sum": lambda n: " + ".join(["y"] * n),
    "brackets": lambda n: "(" * n + "y" + " * 3 + 1)" * n,
    "division": lambda n: "(" * n + "y" + " / 3)" * n,
    "money": lambda n: "(" * n + "m" + " - 1 yuan) / 2" * n,
    "negation": lambda n: "-" * n + "y",
    "not": lambda n: "not " * n + "(y > 1)",
    "if": lambda n: "if y > 1 then " * n + "y" + " else 2" * n,
    "call": lambda n: "max(" * n + "y" + ", 1)" * n,
    "round": lambda n: "round(" * n + "y / 3" + ", 2)" * n,
    "aggregate": lambda n: "sum(" * n + "y" + " for a in l)" * n,
    "compare": lambda n: "(if " * n + "y > 1" + " then y / 2 else y) > 1" * n,
}


def _nested(body: str) -> str:
    return (
        "input y: decimal = 1\ninput m: money = 1 yuan\ninput l: list of count = [1]\n"
        f"conclusion c: value bool\ndefine q = {body}\n"
        "rule r { cite article 1  when q = q then c = q = q }\n"
    )


@pytest.mark.parametrize("shape", list(NESTED_FORMS))
def test_the_deepest_expression_the_checker_accepts_can_be_evaluated(shape):
    """Whatever nesting passes the checker compiles and runs on both paths; one level more is
    E212. (A bound above what the generated code can hold made exit 70 of 'not not ... x'.)"""
    form = NESTED_FORMS[shape]
    low, high = 1, 80  # the deepest accepted lies between
    while low < high:
        mid = (low + high + 1) // 2
        codes = [d.code for d in diagnostics(_nested(form(mid))) if d.severity.value == "error"]
        assert codes in ([], ["E212"]), codes
        low, high = (mid, high) if not codes else (low, mid - 1)
    assert low < 80
    book = load(_nested(form(low)))
    assert book.decide({}, DAY).conclusions["c"] is True
    assert book.explain({}, DAY).decision.conclusions["c"] is True


def _chain(n: int, with_parameters: bool) -> str:
    """Definitions d0 .. d(n-1), each using the next; the last reads the input."""
    lines = ["input x: count = 1", "conclusion c: value integer"]
    for i in range(n):
        if with_parameters:
            nxt = f"d{i + 1}(k)" if i < n - 1 else "x"
            lines.append(f"define d{i}(k: integer): integer = {nxt} + k")
        else:
            lines.append(f"define d{i}: integer = {f'd{i + 1}' if i < n - 1 else 'x'} + 1")
    lines.append(f"rule r {{ cite article 1  then c = {'d0(1)' if with_parameters else 'd0'} }}")
    return "\n".join(lines) + "\n"


def test_a_long_chain_of_definitions_is_checked_without_nesting():
    """Definitions are checked each after those it reads, so a chain of a thousand neither
    nests the checker nor ends in a spanless E212."""
    book = load(_chain(1000, with_parameters=False))
    assert book.decide({}, DAY).conclusions["c"] == 1001


def test_a_chain_of_calls_is_bounded_where_it_starts():
    from ruleengine.checker import MAX_CALL_DEPTH

    book = load(_chain(MAX_CALL_DEPTH, with_parameters=True))
    assert book.decide({}, DAY).conclusions["c"] == MAX_CALL_DEPTH + 1
    diags = diagnostics(_chain(300, with_parameters=True))
    assert [d.code for d in diags] == ["E212"]
    first_too_long = 300 - MAX_CALL_DEPTH - 1  # d199 starts a chain of 101
    assert diags[0].message.startswith(f"'d{first_too_long}' starts a chain of more than 100")
    assert (diags[0].span.line, diags[0].span.column) == (first_too_long + 3, 8)


def test_a_cycle_is_reported_at_the_first_definition_declared_in_it():
    text = (
        P
        + "define p: bool = q\ndefine q: bool = r\ndefine r: bool = p\n"
        + rule("  when p\n  then level = b\n")
    )
    d = first(diagnostics(text), "E202")
    assert d.message == "definitions form a cycle: p -> q -> r -> p"
    assert d.span.line == 4


# ------------------------------------------------------------------ ranges that run downward
RANGE = "input x: count = 0\nscale s { a b c }\nconclusion sentence: range of integer\n"


def test_a_range_that_runs_downward_at_run_time_is_reported_at_the_rule():
    """Not at the conclusion's declaration (nor at 1:1): at the assignment that gives it."""
    book = load(RANGE + rule("  when x > 1\n  then sentence = x .. 3\n"))
    for evaluate in (book.decide, book.explain):
        with pytest.raises(EvaluationError) as info:
            evaluate({"x": 7}, DAY)
        assert info.value.message == "rule 'r' gives 'sentence' a range from 7 down to 3"
        assert (info.value.span.line, info.value.span.column) == (7, 8)


def test_a_scale_range_written_downward_is_an_error():
    d = first(
        diagnostics(
            RANGE + "conclusion band: range of s\n" + rule("  when x > 1\n  then band = c .. a\n")
        ),
        "E204",
    )
    assert d.message == "the range c .. a given to 'band' runs downward"


def test_an_expected_range_written_downward_is_an_error():
    text = (
        RANGE
        + rule("  when x > 1\n  then sentence = 3 .. 7\n")
        + 'test "t" {\n  given x = 2\n  expect sentence = 7 .. 3\n}\n'
    )
    d = first(diagnostics(text), "E208")
    assert d.message == "the expected range of 'sentence' runs downward"
    assert (d.span.line, d.span.column) == (11, 3)


# ------------------------------------------------------------------ money is never below 0
MONEY = (
    "input gain: money(CNY) = 0 yuan\n"
    "input loss: signed money(CNY) = -1 yuan\n"
    "record act { amount: money  refund: signed money = 0 yuan }\n"
    "input acts: list of act\n"
    "conclusion c: value money(CNY)\n"
    "rule r { cite article 1  then c = gain + loss + sum(a.amount + a.refund for a in acts) }\n"
)


def test_money_given_is_never_below_zero_unless_declared_signed():
    book = load(MONEY)
    inputs = book.rulebook.inputs
    assert (inputs["gain"].minimum, inputs["loss"].minimum) == (0, None)
    fields = book.rulebook.types["act"].fields
    assert (fields["amount"].minimum, fields["refund"].minimum) == (0, None)
    facts = {"gain": "5000", "loss": "-200", "acts": [{"amount": 100, "refund": "-30 CNY"}]}
    assert book.decide(facts, DAY).conclusions["c"] == 4870
    for bad, path in (
        ({"gain": -5000}, "gain"),
        ({"gain": "-5000"}, "gain"),  # the string fast path too
        ({"gain": {"amount": "-1", "currency": "CNY"}}, "gain"),
        ({"acts": [{"amount": "-60000"}]}, "acts[0].amount"),
    ):
        for evaluate in (book.decide, book.explain):
            with pytest.raises(FactsError) as info:
                evaluate(bad, DAY)
            [problem] = info.value.problems
            assert problem.path == path and "cannot be below 0" in problem.message


def test_negative_amounts_in_rule_texts_need_signed():
    d = first(diagnostics(MONEY + 'test "t" { as of 2020-01-01  given gain = -5 yuan }\n'), "E208")
    assert d.message.startswith("given 'gain': ") and "cannot be below 0" in d.message
    text = MONEY + "parameter lowest: money { 2020-01-01: -5 yuan }\n"
    assert "cannot be below 0" in first(diagnostics(text), "E208").message
    book = load(
        MONEY.replace("input gain: money(CNY)", "input gain: signed money(CNY)")
        + "parameter lowest: signed money { 2020-01-01: -5 yuan }\n"
        + 'test "t" { as of 2020-01-01  given gain = -5 yuan, loss = -2 CNY  expect c = -7 yuan }\n'
    )
    assert book.rulebook.parameters["lowest"].values[0][1] == -5
    assert [r.passed for r in run_tests(book)] == [True]


def test_signed_means_nothing_where_money_is_computed():
    for text in (
        "conclusion c: value signed money\n",
        "define d: signed money = 1 yuan\n",
        "define f(k: signed money): money = k\n",
    ):
        d = first(diagnostics(text), "E201")
        assert d.message.startswith("'signed' applies where money is given"), text
        assert d.span.line == 1 and d.help == "remove 'signed'"


def test_a_comparison_below_zero_of_unsigned_money_never_holds():
    text = (
        MONEY
        + "conclusion odd: value bool = false\n"
        + rule("  when gain < 0 yuan\n  then odd = true\n", "r2")
    )
    d = first(diagnostics(text), "W301")
    assert d.message == (
        "rule 'r2' can never fire: gain is an amount of money, never below 0, "
        "so gain < 0 yuan never holds"
    )


def test_set_a_negative_gain_on_the_command_line_is_invalid_facts():
    from pathlib import Path

    from typer.testing import CliRunner

    from ruleengine.cli import EXIT_BAD_FACTS, app

    quick = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
    args = ["eval", "--rules", str(quick / "article5.rules"), str(quick / "case.json")]
    result = CliRunner().invoke(app, [*args, "--set", "illegal_gain=-5000"])
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "illegal_gain: " in result.stderr and "cannot be below 0" in result.stderr


def test_every_diagnostic_about_a_rule_text_has_a_place():
    """Over every case above and every error example of the language reference, each
    diagnostic points into the text (a file-level E004 is about a file, not a place in it)."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text("utf-8")
    texts = [c[1] for c in CASES] + re.findall(r"^```rules-error E\d+\n(.*?)^```", doc, re.M | re.S)
    assert len(texts) > 60
    for text in texts:
        for d in diagnostics(text):
            assert d.span is not None and d.span.line >= 1 and d.span.column >= 1, d.render()
            assert d.span.line <= text.count("\n") + 1, d.render()


HEAD = 'document d {\n  title: "d"\n  effective: 2020-01-01\n  headline: {names}\n}\n'


def test_the_headline_names_conclusions_in_order():
    book = load(HEAD.replace("{names}", "level, other") + P + "conclusion other: value bool\n")
    assert book.rulebook.headline == ("level", "other")
    assert load(HEAD.replace("{names}", "level") + P).rulebook.headline == ("level",)


@pytest.mark.parametrize(
    "names, code, words, help",
    [
        ("levl", "E200", "the headline names 'levl', but no such conclusion", "did you mean"),
        ("level, level", "E205", "the headline names 'level' twice", None),
        ('"level"', "E201", "header field 'headline' takes names (a, b, ...)", None),
    ],
)
def test_a_headline_names_each_conclusion_once(names, code, words, help):
    d = first(diagnostics(HEAD.replace("{names}", names) + P, "h.rules"), code)
    assert words in d.message and d.span.line == 4
    assert (help is None and d.help is None) or help in d.help


def test_decide_cited_gives_the_decision_and_the_rules_that_applied():
    text = (
        P + rule("  when x > 1\n  then level = b\n") + rule("  when x > 5\n  then level = c\n", "q")
    )
    text += rule("  when x > 9\n  then level = a\n", "z")
    book = load(text)
    for x in (0, 3, 7):
        decision, applied = book.decide_cited({"x": x}, DAY)
        assert decision == book.decide({"x": x}, DAY)
        trace = book.explain({"x": x}, DAY).to_json()
        fired = [r["name"] for r in trace["rules"] if r["status"] == "applied"]
        assert list(applied) == fired, x
    assert book.decide_cited({"x": 7}, DAY)[1] == ("r", "q")
