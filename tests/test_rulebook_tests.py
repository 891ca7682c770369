"""``ruleengine test``: the tests written beside the rules, over one rulebook or all of them.

With ``--all``, one rulebook whose rules do not load is reported by name, with its
diagnostics, and every other rulebook is still tested (docs/cli.md gives the exit codes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import ruleengine
from ruleengine import cli
from ruleengine.cli import EXIT_BAD_RULES, EXIT_FAILED, EXIT_OK, EXIT_PLUGIN, app
from ruleengine.types import DECIMAL

PASSING = """\
input x: count = 0
conclusion big: value bool = false
rule r { cite article 1  when x > 10 then big = true }
test "eleven is big" { as of 2020-01-01  given x = 11  expect big = true }
"""
FAILING = PASSING.replace("expect big = true", "expect big = false")
BROKEN = "input x: cout\n"


@pytest.fixture
def installed(monkeypatch, tmp_path):
    """Install rulebooks named as given, each one rule file with the text given."""

    def install(plugin=None, **books: str) -> None:
        """``plugin``: one more plugin object, registered as ``test-plugin``."""
        sources = []
        for name, text in books.items():
            path = tmp_path / f"{name}.rules"
            path.write_text(text, encoding="utf-8")
            sources.append(ruleengine.RuleSource(name, (Path(path),), name))

        class Books:
            @ruleengine.hookimpl
            def ruleengine_rule_sources(self):
                return sources

        def pm():
            pm = ruleengine.get_plugin_manager(load_entry_points=False)
            pm.register(Books(), name="test-books")
            if plugin is not None:
                pm.register(plugin, name="test-plugin")
            return pm

        monkeypatch.setattr(cli, "_pm", pm)

    return install


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_one_broken_rulebook_does_not_stop_the_others(installed):
    installed(alpha=PASSING, broken=BROKEN, omega=FAILING)
    result = run("test", "--all")
    assert result.exit_code == EXIT_BAD_RULES
    assert "alpha: 1 passed, 0 failed" in result.stdout
    assert "omega: 0 passed, 1 failed" in result.stdout  # tested after the broken one
    assert "broken: not tested: its rules have errors (listed above)" in result.stdout
    assert "broken.rules:1:10: error[E200]: unknown type 'cout'" in result.stderr
    assert result.stdout.rstrip().endswith(
        "1 passed, 1 failed; not tested, rules with errors: broken"
    )


def test_failed_tests_without_broken_rules_exit_1(installed):
    installed(alpha=PASSING, omega=FAILING)
    result = run("test", "--all")
    assert result.exit_code == EXIT_FAILED
    assert result.stdout.rstrip().endswith("1 passed, 1 failed")


def test_all_passing_exits_0(installed):
    installed(alpha=PASSING, omega=PASSING)
    assert run("test", "--all").exit_code == EXIT_OK


def test_a_single_rulebook_named_that_does_not_load_exits_3(installed):
    installed(alpha=PASSING, broken=BROKEN)
    result = run("test", "--rulebook", "broken")
    assert result.exit_code == EXIT_BAD_RULES
    assert "unknown type 'cout'" in result.stderr


class Weird:
    """A plugin function that returns a binary float, which a plugin may not."""

    @ruleengine.hookimpl
    def ruleengine_functions(self):
        return [ruleengine.FunctionSpec("weird", lambda args: DECIMAL, lambda x: 1.5, "weird")]


WEIRD = """\
input x: integer = 0
conclusion c: value decimal = 0
rule r { cite article 1  then c = weird(x) }
test "weird" { as of 2020-01-01  given x = 2  expect c = 1 }
"""


def test_a_plugin_failing_in_a_test_fails_that_test_and_the_others_still_run(installed):
    """A sixth QA round (E10): ``test --all`` stopped at the first plugin failure (exit 6),
    the later rulebooks untested and no total printed."""
    installed(plugin=Weird(), alpha=WEIRD, omega=PASSING)
    result = run("test", "--all")
    assert result.exit_code == EXIT_PLUGIN, result.output
    assert "alpha.rules:4:1: FAIL weird\n    plugin 'test-plugin' failed: function weird()" in (
        result.stdout
    )
    assert "alpha: 0 passed, 1 failed" in result.stdout
    assert "omega: 1 passed, 0 failed" in result.stdout
    assert result.stdout.rstrip().endswith("1 passed, 1 failed; a plugin failed: test-plugin")


def test_a_plugin_failing_in_the_one_rulebook_tested_is_a_failed_test(installed):
    """E10: ``test -r X`` aborted at the plugin's failure instead of reporting the test."""
    installed(plugin=Weird(), alpha=WEIRD)
    result = run("test", "--rulebook", "alpha")
    assert result.exit_code == EXIT_PLUGIN, result.output
    assert "FAIL weird" in result.stdout
    assert result.stdout.rstrip().endswith("0 passed, 1 failed; a plugin failed: test-plugin")


class WeirdSignature:
    """A plugin function whose signature raises as the rules are checked."""

    @ruleengine.hookimpl
    def ruleengine_functions(self):
        def signature(args):
            raise ValueError("sig boom")

        return [ruleengine.FunctionSpec("weird", signature, lambda x: 1, "weird")]


def test_a_plugin_failing_as_a_rulebook_loads_leaves_the_others_tested(installed):
    """E10: a plugin failing while one rulebook's rules were checked ended ``test --all``."""
    installed(plugin=WeirdSignature(), alpha=WEIRD, omega=PASSING)
    result = run("test", "--all")
    assert result.exit_code == EXIT_PLUGIN, result.output
    assert "function weird() signature raised ValueError: sig boom" in result.stderr
    assert "alpha: not tested: plugin 'test-plugin' failed (above)" in result.stdout
    assert "omega: 1 passed, 0 failed" in result.stdout
    assert result.stdout.rstrip().endswith("1 passed, 0 failed; a plugin failed: test-plugin")
