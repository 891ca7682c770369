"""``--set`` on a path into a list of the case: ``--set acts[1].amount=60000``.

The path is written as the errors and the what-if name a field (``acts[1].amount``): a field
of the record, then ``[index]`` into a list (from 0) and ``.field`` into an object, as often as
needed. The value replaces the one at that place, or adds the field to the object; the record
given is never changed in place. A path into a list the rulebook declares (ccdi's ``acts``) is
read as the declared field is read, so a mistake names the ``--set``; one into a list only an
input adapter reads (pi2017's ``acts``) is checked by that adapter, named by the same path.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .types import ListType, RecordType

_NAME = r"[^\W\d]\w*"
_PATH = re.compile(rf"({_NAME})((?:\[[0-9]+\]|\.{_NAME})*\[[0-9]+\](?:\[[0-9]+\]|\.{_NAME})*)")
_STEP = re.compile(rf"\[([0-9]+)\]|\.({_NAME})")
#: An index longer than this is no index into a case (lists hold at most 100,000 items).
MAX_INDEX_DIGITS = 6


class SetPathError(Exception):
    """A ``--set`` path that is malformed (``usage``) or does not fit the case."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def is_path(field: str) -> bool:
    """Whether ``field`` is meant as a path into a list (it holds a bracket)."""
    return "[" in field or "]" in field


def parse(field: str) -> tuple[str, list[int | str]]:
    """``acts[1].amount`` as ``("acts", [1, "amount"])``; ``SetPathError`` (usage) otherwise."""
    m = _PATH.fullmatch(field)
    if m is None:
        raise SetPathError(
            f"--set {field}: not a path; write field=value, or a path into a list of the case "
            "such as acts[1].amount=value",
            usage=True,
        )
    steps: list[int | str] = []
    for index, name in _STEP.findall(m.group(2)):
        if index and len(index) > MAX_INDEX_DIGITS:
            raise SetPathError(f"--set {field}: index {index} is out of any list's range")
        steps.append(int(index) if index else name)
    return m.group(1), steps


def apply(facts: Any, sets: list[tuple[str, Any]], inputs: dict) -> Any:
    """``facts`` with each ``(path, value)`` set; ``SetPathError`` names the first that does not
    fit (an index out of range, a step into something that is not a list or an object, an
    unknown field or an ill-typed value of a declared list)."""
    for field, value in sets:
        root, steps = parse(field)
        if not isinstance(facts, dict):
            raise SetPathError(f"--set {field}: the facts must be an object")
        if root not in facts:
            raise SetPathError(f"--set {field}: the case has no {root} to set a value in")
        spec = inputs.get(root)
        if spec is not None:
            value = _checked(field, root, steps, value, spec.type)
        facts = {**facts, root: _put(facts[root], root, steps, value, field)}
    return facts


def _put(node: Any, where: str, steps: list[int | str], value: Any, field: str) -> Any:
    """A copy of ``node`` with ``value`` at ``steps`` (``where``: the path to ``node``)."""
    step, rest = steps[0], steps[1:]
    if isinstance(step, int):
        if not isinstance(node, list):
            raise SetPathError(f"--set {field}: {where} is {_what(node)}, not a list")
        if step >= len(node):
            has = f"{len(node)} items ({where}[0] to {where}[{len(node) - 1}])" if node else "none"
            raise SetPathError(f"--set {field}: index {step} is out of range: {where} has {has}")
        out = list(node)
        here = f"{where}[{step}]"
    else:
        if not isinstance(node, dict):
            raise SetPathError(f"--set {field}: {where} is {_what(node)}, not an object")
        if rest and step not in node:
            raise SetPathError(f"--set {field}: {where} has no field {step}")
        out = dict(node)
        here = f"{where}.{step}"
    out[step] = _put(out[step], here, rest, value, field) if rest else value
    return out


def unknown_field(option: str, field: str, known: list[str]) -> str:
    """What ``--set field=value`` of a field the rulebook does not declare (and no input
    adapter read) gets: the option as given, and the nearest ``known`` field."""
    return f"{option}: unknown field ({_hint(field, known, 'known fields')})"


def _hint(name: str, known: list[str], what: str = "known") -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"did you mean {close[0]!r}?" if close else f"{what}: {', '.join(known)}"


def _checked(field: str, root: str, steps: list[int | str], value: Any, t: Any) -> Any:
    """``value`` read as the declared type at ``steps`` reads it (it stays as given: the
    adapters and validation read it again); an unknown field is named with a suggestion."""
    from .facts import FactsError, read_value

    where, minimum = root, None
    for step in steps:
        if isinstance(step, int) and isinstance(t, ListType):
            t, minimum = t.element, t.minimum
        elif isinstance(step, str) and isinstance(t, RecordType):
            if step not in t.fields:
                hint = _hint(step, list(t.fields))
                raise SetPathError(f"--set {field}: {where} has no field {step} ({hint})")
            spec = t.fields[step]
            t, minimum = spec.type, spec.minimum
        else:
            return value  # a step the declared type does not take: _put says why
        where += f"[{step}]" if isinstance(step, int) else f".{step}"
    try:
        read_value(value, t, field, minimum)
    except FactsError as err:
        problem = err.problems[0]
        shown = f"{problem.message} ({problem.help})" if problem.help else problem.message
        raise SetPathError(f"--set {field}: {shown}") from None
    return value


def _what(node: Any) -> str:
    from .facts import _shown

    return _shown(node)  # "an object", "a list", or the value itself
