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
from .runtime import EvaluationError, Unset


@attrs.frozen
class TestResult:
    name: str
    passed: bool
    failures: tuple[str, ...]
    span: Span

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
    results = []
    for test in book.rulebook.tests:
        failures: list[str] = []
        facts = dict(test.given)
        try:
            if adapt is not None:
                facts, _ = adapt(facts)
            day = test.as_of or (today if today else book.as_of(facts, None))
            trace = book.explain(facts, day)
        except FactsError as err:
            failures.extend(f"facts: {p.render()}" for p in err.problems)
            results.append(TestResult(test.name, False, tuple(failures), test.span))
            continue
        except EvaluationError as err:
            results.append(TestResult(test.name, False, (f"evaluation: {err}",), test.span))
            continue
        decision = trace.decision
        for x in test.expects:
            if x.kind == "value":
                got = decision.conclusions[x.target]
                want = (x.value, x.upper) if x.upper is not None else x.value
                if got != want:
                    failures.append(
                        f"line {x.span.line}: expected {x.target} = {_shown(want)}, "
                        f"got {_shown(got)}"
                    )
            else:
                status = trace.rule(x.target).status
                ok = {
                    "fired": status == "applied",
                    "not_fired": status not in ("applied", "set_aside"),
                    "set_aside": status == "set_aside",
                }[x.kind]
                if not ok:
                    wanted = x.kind.replace("_", " ")
                    failures.append(
                        f"line {x.span.line}: expected rule {x.target} {wanted}, "
                        f"but it was {status.replace('_', ' ')}"
                    )
        for c in decision.conflicts:
            failures.append(
                f"conflict on {c.conclusion}: "
                + ", ".join(f"{r} says {_shown(v)}" for r, v in c.claims)
            )
        results.append(TestResult(test.name, not failures, tuple(failures), test.span))
    return results
