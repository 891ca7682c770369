"""Plugin code run while a case is handled: adapters, renderers and functions, wrapped so
that a crash or a malformed result becomes ``PluginFailed`` naming the plugin (exit 6 on the
command line) instead of an error that names no one, or a wrong value that reaches a decision.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from ruleengine_dsl.diagnostics import Span

from .checker import FunctionSpec
from .facts import HANDED_ON, MAX_DEPTH, FactsError, to_json_value
from .runtime import MAX_BITS, EvaluationError, too_big
from .types import Duration, EnumType, ListType, LocalText, RecordType, Type, normalize

if TYPE_CHECKING:
    from .plugins import InputAdapter, Renderer

#: What plugin code may raise that must not end the command unexplained.
CAUGHT = (Exception, SystemExit, GeneratorExit)


class PluginFailed(Exception):
    """A plugin's adapter, renderer or function failed while a case was handled."""

    def __init__(self, plugin: str, what: str, problem: str):
        self.plugin = plugin
        self.what = what
        self.problem = problem
        super().__init__(f"plugin '{plugin}' failed: {what} {problem}")


def shown(value: Any, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str) -> str:
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


def describe_exception(err: BaseException) -> str:
    message = one_line(str(err))
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


def guard_adapter(plugin: str, adapter: InputAdapter) -> InputAdapter:
    """The adapter, run so that a crash or a malformed result names it. ``FactsError`` (the
    adapter's own report of facts it cannot use) passes through. A value it made that no fact
    can be (a float) is its bug, named by the field; one it handed on as given is the user's,
    left to validation, which names it by the user's path."""
    what = f"input adapter '{adapter.name}'"

    def adapt(record: dict, derivations: bool = True) -> tuple[dict, list]:
        given = dict(record)  # what the user (or the adapter before) wrote, kept against changes
        try:
            result = adapter.adapt(record)
        except FactsError:
            raise
        except CAUGHT as err:
            raise PluginFailed(plugin, what, f"raised {describe_exception(err)}") from err
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise PluginFailed(
                plugin, what, f"returned {shown(result)}, expected a pair (facts, derivations)"
            )
        facts, notes = result
        if not isinstance(facts, dict) or not all(type(k) is str for k in facts):
            raise PluginFailed(
                plugin,
                what,
                f"returned {shown(result)}: its facts, {shown(facts)}, are not an object with "
                "named fields (expected a pair (facts, derivations))",
            )
        for key, value in facts.items():
            if key == HANDED_ON:
                continue
            problem = _no_fact(value, key, given=given.get(key, _UNWRITTEN))
            if problem is not None:
                raise PluginFailed(plugin, what, f"returned {problem}")
        if not isinstance(notes, (list, tuple)):
            raise PluginFailed(
                plugin, what, f"returned derivations {shown(notes)}, expected a list"
            )
        if not derivations:  # not shown (eval, summary): not converted, not paid for
            return facts, []
        try:
            return facts, [exact_json(n, f"derivations[{i}]", 0) for i, n in enumerate(notes)]
        except NotJson as err:
            raise PluginFailed(
                plugin, what, f"returned a derivation that is not JSON-ready: {err}"
            ) from None

    return attrs.evolve(adapter, adapt=adapt)


def _same(given: Any, value: Any) -> bool:
    """Whether the adapter handed ``given`` on unchanged (the same value of the same type)."""
    if value is given:
        return True
    try:
        return type(value) is type(given) and bool(value == given)
    except Exception:  # an object of the adapter's own whose == fails: not the user's value
        return False


#: What the user wrote where the adapter's facts have a value the user did not write.
_UNWRITTEN = object()


def _no_fact(value: Any, path: str, depth: int = 0, given: Any = _UNWRITTEN) -> str | None:
    """Why a value an adapter produced can be no fact of any type (a float, an object of its
    own, a number past the engine's bounds), as ``path = value, why``; ``None`` if it can be
    one. Whether it fits the declared input is validation's to say, as for a file's facts.

    ``given`` is what the user wrote at ``path``: a value handed on as written, at any depth
    (a ``null`` inside an act the adapter copied to add its id), is the user's, left to
    validation, which names it by the user's path."""
    if given is not _UNWRITTEN and _same(given, value):
        return None
    kind = type(value)
    big = f"{path} = a number of more than {MAX_BITS * 3 // 10} digits"
    if kind in (bool, int, Fraction):
        return big if too_big(value) else None
    if kind in (datetime.date, Duration, LocalText):
        return None
    if kind is str:
        return None if _valid_text(value) else f"{path} = text that is not valid Unicode"
    if kind is Decimal:
        if not value.is_finite():
            return f"{path} = {value}, which is not a number"
        return big if _digits(value) > MAX_BITS * 3 // 10 else None
    if kind is float:
        return (
            f"{path} = {value!r}, a binary floating-point number (give exact numbers: an int, "
            'a Fraction, a Decimal or a text such as "1.5")'
        )
    if depth >= MAX_DEPTH:
        return f"{path} = a value nested more than {MAX_DEPTH} levels deep"
    if kind in (list, tuple):
        wrote = given if isinstance(given, (list, tuple)) else ()
        for i, item in enumerate(value):
            was = wrote[i] if i < len(wrote) else _UNWRITTEN
            problem = _no_fact(item, f"{path}[{i}]", depth + 1, was)
            if problem is not None:
                return problem
        return None
    if kind is dict:
        wrote = given if isinstance(given, dict) else {}
        for key, item in value.items():
            if type(key) is not str:
                return f"{path} = an object with the key {shown(key)}, which is not a text"
            problem = _no_fact(item, f"{path}.{key}", depth + 1, wrote.get(key, _UNWRITTEN))
            if problem is not None:
                return problem
        return None
    return f"{path} = {shown(value)}, a value of type {kind.__name__}, which no fact can be"


def _digits(value: Decimal | Fraction) -> int:
    """About how many digits a number has, without writing it out."""
    if isinstance(value, Fraction):
        return max(value.numerator.bit_length(), value.denominator.bit_length()) * 3 // 10
    sign, digits, exponent = value.as_tuple()
    return len(digits) + abs(exponent)


class NotJson(Exception):
    pass


def exact_json(value: Any, path: str, depth: int) -> Any:
    """A derivation as JSON, converted exactly (a Decimal or Fraction becomes an int or an
    exact decimal text, a date its ISO form); anything JSON cannot hold is refused."""
    if depth > MAX_DEPTH:
        problem = f"nested more than {MAX_DEPTH} levels deep"
    elif value is None or isinstance(value, bool):
        return value
    elif isinstance(value, int):
        if not too_big(value):
            return value
        problem = f"a number of more than {MAX_BITS * 3 // 10} digits"
    elif isinstance(value, str):
        if _valid_text(value):
            return value
        problem = "text that is not valid Unicode"
    elif isinstance(value, (Decimal, Fraction)) and (
        not isinstance(value, Decimal) or value.is_finite()
    ):
        exact = Fraction(value) if _digits(value) <= MAX_BITS * 3 // 10 else None
        if exact is not None and not too_big(exact):
            return to_json_value(exact)
        problem = f"a number of more than {MAX_BITS * 3 // 10} digits"
    elif isinstance(value, (datetime.date, Duration, LocalText)) and not isinstance(
        value, datetime.datetime
    ):
        return to_json_value(value)
    elif isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: exact_json(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
        problem = "an object with a key that is not a text"
    elif isinstance(value, (list, tuple)):
        return [exact_json(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    elif isinstance(value, float):
        problem = f"the binary floating-point number {value!r} (give exact numbers)"
    else:
        problem = f"a value of type {type(value).__name__}, which JSON cannot hold"
    raise NotJson(f"{path} is {problem}")


def guard_renderer(plugin: str, renderer: Renderer) -> Renderer:
    what = f"renderer '{renderer.name}'"

    def render(*args, **kwargs) -> str:
        try:
            out = renderer.render(*args, **kwargs)
        except CAUGHT as err:
            raise PluginFailed(plugin, what, f"raised {describe_exception(err)}") from err
        if not isinstance(out, str):
            raise PluginFailed(plugin, what, f"returned {shown(out)}, not text")
        if not _valid_text(out):
            raise PluginFailed(plugin, what, "returned text that cannot be written (not UTF-8)")
        return out

    return attrs.evolve(renderer, render=render)


def guard_function(plugin: str, spec: FunctionSpec) -> FunctionSpec:
    what = f"function {spec.name}()"

    def signature(args):
        try:
            result = spec.signature(args)
        except TypeError:
            raise  # the rule author's mistake: a diagnostic (E206) at the call
        except CAUGHT as err:
            raise PluginFailed(plugin, what, f"signature raised {describe_exception(err)}") from err
        if not isinstance(result, Type):
            raise PluginFailed(
                plugin,
                what,
                f"signature returned {shown(result)}, not a type from ruleengine.types",
            )
        return result

    return attrs.evolve(spec, signature=signature, impl=PluginFunction(plugin, what, spec.impl))


@attrs.frozen(eq=False)
class PluginFunction:
    """A plugin's function as rule texts call it: its failures name the plugin.

    ``ValueError`` and ``ArithmeticError`` pass through: the function cannot be computed on
    these values, which is reported at the call in the rule text (exit 5). Any other
    exception, an inexact result (a float, ``None``) or, once the compiled code has said
    which call this is (``for_call``: the type it was checked at, its place in the rule
    text), a result of another type is ``PluginFailed``.
    """

    plugin: str
    what: str
    impl: Callable[..., Any]
    expected: Type | None = None
    span: Span | None = None

    def for_call(self, expected: Type, span: Span | None) -> PluginFunction:
        return attrs.evolve(self, expected=expected, span=span)

    def _failed(self, problem: str) -> PluginFailed:
        failed = PluginFailed(self.plugin, self.what, problem)
        if self.span is not None:
            failed.add_note(f"{self.span.location()}: called here\n{self.span.excerpt()}")
        return failed

    def __call__(self, *args):
        try:
            value = self.impl(*args)
        except (ValueError, ArithmeticError, EvaluationError):
            raise
        except CAUGHT as err:
            raise self._failed(f"raised {describe_exception(err)}") from err
        if type(value) is Fraction:
            value = normalize(value)
        elif type(value) is list:
            value = tuple(value)
        if not _fits(value, self.expected):
            if too_big(value):
                raise self._failed(f"returned a number of more than {MAX_BITS * 3 // 10} digits")
            expected = self.expected.describe() if self.expected else "an exact value"
            if isinstance(value, float):
                expected += " (exact: an int or a Fraction, never a float)"
            raise self._failed(f"returned {shown(value)}, expected {expected}")
        return value


def _valid_text(value: Any) -> bool:
    """Text that can be written out: no lone surrogates."""
    if type(value) is not str:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fits(value: Any, t: Type | None, depth: int = 0) -> bool:
    """Whether ``value`` is a runtime value of type ``t`` (``None``: of any type), within the
    engine's bounds on numbers."""
    kind = type(value)
    if depth > 32 or too_big(value):
        return False
    if kind is str and not _valid_text(value):
        return False
    if t is None or t.kind == "any":
        if kind in (list, tuple):
            return all(_fits(v, None, depth + 1) for v in value)
        if kind is dict:
            return all(type(k) is str and _fits(v, None, depth + 1) for k, v in value.items())
        return kind in (bool, int, Fraction, str, datetime.date, Duration, LocalText)
    if t.kind == "integer":
        return kind is int
    if t.kind in ("decimal", "money"):
        return kind in (int, Fraction)
    if t.kind == "bool":
        return kind is bool
    if t.kind == "date":
        return kind is datetime.date
    if t.kind == "duration":
        return kind is Duration
    if t.kind == "text":
        return kind in (str, LocalText)
    if isinstance(t, EnumType):
        return kind is str and value in t.members
    if isinstance(t, ListType):
        return kind in (list, tuple) and all(_fits(v, t.element, depth + 1) for v in value)
    if isinstance(t, RecordType):
        return (
            kind is dict
            and set(value) == set(t.fields)
            and all(_fits(value[k], f.type, depth + 1) for k, f in t.fields.items())
        )
    return False
