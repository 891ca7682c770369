"""Running the tests written beside the rules (``test "..." { given ... expect ... }``).

Used by ``ruleengine test`` and by pytest (``ruleengine.testing.run_tests`` in a test file).
Each test's facts go through the rulebook's input adapters and validation like any case.
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from ruleengine_dsl.diagnostics import Span

from .compiler import CompiledRulebook
from .facts import FactsError, to_json_value
from .plugin_guards import PluginFailed
from .runtime import EvaluationError, Unset


@attrs.frozen
class TestResult:
    name: str
    passed: bool
    failures: tuple[str, ...]
    span: Span
    #: ``(conclusion or rule, value expected or None)`` of each expectation that failed, and
    #: the case's trace (when it could be decided): what a report shows to say why.
    failed: tuple[tuple[str, Any], ...] = ()
    trace: Any = attrs.field(default=None, eq=False, repr=False)
    #: The plugin whose adapter or function failed in this test, which then failed.
    plugin: str | None = None

    def render(self) -> str:
        head = f"{self.span.location()}: {'PASS' if self.passed else 'FAIL'} {self.name}"
        return "\n".join([head] + [f"    {f}" for f in self.failures])


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unset):
        return f"nothing ({value.why})"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(map(str, value))) + "]"
    if isinstance(value, tuple) and len(value) == 2:
        return f"{to_json_value(value[0])} .. {to_json_value(value[1])}"
    return str(to_json_value(value))


def run_tests(book: CompiledRulebook, adapt=None, today: datetime.date | None = None):
    """Run every test of the rulebook; ``adapt(raw) -> (facts, notes)`` applies adapters."""
    return [run_test(book, test, adapt, today) for test in book.rulebook.tests]


def run_test(book: CompiledRulebook, test, adapt=None, today: datetime.date | None = None):
    """Run one test (``ir.RuleTest``): the result keeps the trace, for a report of why."""
    failures: list[str] = []
    facts = dict(test.given)
    try:
        if adapt is not None:
            facts, _ = adapt(facts)
        day = test.as_of or (today if today else book.as_of(facts, None))
        trace = book.explain(facts, day)
    except FactsError as err:
        failures.extend(f"facts: {p.render()}" for p in err.problems)
        return TestResult(test.name, False, tuple(failures), test.span)
    except EvaluationError as err:
        return TestResult(test.name, False, (f"evaluation: {err}",), test.span)
    except PluginFailed as err:  # a failed test naming the plugin: the other tests still run
        return TestResult(
            test.name, False, tuple(err.report().splitlines()), test.span, plugin=err.plugin
        )
    decision = trace.decision
    targets: list[tuple[str, Any]] = []
    for x in test.expects:
        if x.kind == "value":
            got = decision.conclusions[x.target]
            want = (x.value, x.upper) if x.upper is not None else x.value
            if got != want:
                targets.append((x.target, want))
                failures.append(
                    f"line {x.span.line}: expected {x.target} = {_shown(want)}, got {_shown(got)}"
                )
        else:
            status = trace.rule(x.target).status
            ok = {
                "fired": status == "applied",
                "not_fired": status not in ("applied", "set_aside"),
                "set_aside": status == "set_aside",
            }[x.kind]
            if not ok:
                targets.append((x.target, None))
                wanted = x.kind.replace("_", " ")
                failures.append(
                    f"line {x.span.line}: expected rule {x.target} {wanted}, "
                    f"but it was {status.replace('_', ' ')}"
                )
    for c in decision.conflicts:
        targets.append((c.conclusion, None))
        failures.append(
            f"conflict on {c.conclusion}: "
            + ", ".join(f"{r} says {_shown(v)}" for r, v in c.claims)
        )
    return TestResult(test.name, not failures, tuple(failures), test.span, tuple(targets), trace)


def why(result: TestResult) -> list[str]:
    """The trace behind each failed expectation. For a rule: its status and the tests of its
    condition with their values. For a conclusion: the rules that decided it, and those that
    would have given the value expected (a constant in their ``then``) and why they did not."""
    from .ir import Const
    from .render.explanation import atom_line, rule_heading

    trace = result.trace
    if trace is None:
        return []
    rb = trace.rulebook
    lines: list[str] = []
    for target, want in dict.fromkeys(result.failed):
        if target in rb.rules:
            names = [target]
            lines.append(f"trace of rule {target}, as of {trace.as_of.isoformat()}:")
        else:
            names = []
            for r in trace.rules:
                assigns = [a for a in rb.rules[r.name].then if a.conclusion == target]
                if not assigns or r.status == "not_in_force":
                    continue
                value = assigns[0].value
                gives_wanted = isinstance(value, Const) and value.value in (
                    want if isinstance(want, tuple | frozenset) else (want,)
                )
                if r.status != "not_met" or gives_wanted:
                    names.append(r.name)
            lines.append(
                f"trace of {target}, as of {trace.as_of.isoformat()}: the rules that decided "
                "it, and those that would have given the value expected"
            )
        for name in names:
            r = trace.rule(name)
            status = r.status.replace("_", " ")
            if r.set_aside_by:
                status += " by " + ", ".join(r.set_aside_by)
            lines.append(f"  {rule_heading(rb, name, 'en', names=True)}: {status}")
            lines.extend(f"    {atom_line(rb, a, 'en', names=True).text}" for a in r.evidence)
            for conclusion, value, upper in r.conclusions:
                if conclusion == target or target == name:
                    shown = _shown((value, upper) if upper is not None else value)
                    lines.append(f"    gives {conclusion} = {shown}")
    return lines
