"""The pytest plugin (ruleengine/pytest_plugin.py), driven through pytest's own ``pytester``."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

pytest_plugins = ["pytester"]

RULES = textwrap.dedent(
    """\
    input items: count = 0
    conclusion c: value count = 0
    rule r {
      cite article 1
      when items > 1
      then c = items
    }
    test "passes" {
      as of 2020-01-01
      given items = 2
      expect c = 2
    }
    test "fails" {
      as of 2020-01-01
      given items = 2
      expect c = 3
    }
    test "table" {
      as of 2020-01-01
      table items -> c {
        "none": 0 -> 0
        "five": 5 -> 5
        "wrong": 7 -> 8
      }
    }
    """
)


@pytest.fixture
def book(pytester):
    pytester.makefile(".rules", book=RULES)
    return pytester


def test_each_test_and_each_row_of_a_table_is_an_item(book):
    result = book.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "book.rules::passes",
            "book.rules::fails",
            "book.rules::table [[]none[]]",
            "book.rules::table [[]five[]]",
            "book.rules::table [[]wrong[]]",
        ]
    )


def test_a_failure_shows_expected_actual_and_the_trace(book):
    result = book.runpytest("-k", "fails")
    result.assert_outcomes(failed=1, deselected=4)
    result.stdout.fnmatch_lines(
        [
            '*book.rules:13:1: test "fails" failed',
            "  line 16: expected c = 3, got 2",
            "trace of c, as of 2020-01-01:*",
            "  Art. 1 [[]r[]]: applied",
            "    ✓ items = 2 > 1",
            "    gives c = 2",
        ]
    )


def test_k_selects_rows_and_x_stops_at_the_first_failure(book):
    book.runpytest("-k", "table and not wrong").assert_outcomes(passed=2, deselected=3)
    book.runpytest("-x").assert_outcomes(passed=1, failed=1)


def test_junitxml_names_each_test(book):
    book.runpytest("--junitxml=out.xml").assert_outcomes(passed=3, failed=2)
    xml = (book.path / "out.xml").read_text(encoding="utf-8")
    assert 'name="table [wrong]"' in xml
    assert "expected c = 8, got 7" in xml


def test_rules_that_do_not_load_are_a_collection_error_with_the_diagnostic(pytester):
    pytester.makefile(".rules", bad="input items: count = 0\nrule r { when }\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*bad.rules:2:15: error[[]E003[]]: unexpected '}'*"])


def test_collecting_rule_files_can_be_turned_off(book):
    book.makeini("[pytest]\nruleengine_collect_rules = false\n")
    assert book.runpytest().ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_rulebook_named_in_the_configuration_is_collected(pytester):
    pytester.makeini("[pytest]\nruleengine_rulebooks = pi2017\n")
    result = pytester.runpytest("-k", "combination and ten")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 3 and "failed" not in outcomes
    result.stdout.no_fnmatch_line("*error*")


def test_an_unknown_rulebook_in_the_configuration_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nruleengine_rulebooks = pi2071\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no rulebook named 'pi2071'*"])


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist missing")
def test_parallel_runs_with_xdist(book):
    result = book.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*expected c = 3, got 2*"])
