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
from .facts import (
    HANDED_ON,
    MAX_DEPTH,
    FactProblem,
    FactsError,
    Said,
    describe_expected,
    hand_on,
    to_json_value,
)
from .runtime import MAX_BITS, EvaluationError, too_big
from .types import Duration, EnumType, ListType, LocalText, RecordType, Type, normalize

if TYPE_CHECKING:
    from .plugins import InputAdapter, Renderer

#: What plugin code may raise that must not end the command unexplained.
CAUGHT = (Exception, SystemExit, GeneratorExit)


class PluginFailed(Exception):
    """A plugin's adapter, renderer or function failed while a case was handled. ``what``
    and ``problem`` are English, or ``Said`` (English and Chinese: ``--lang zh`` says it in
    Chinese, ``report``); ``str(err)``, ``what`` and ``problem`` are the English."""

    def __init__(self, plugin: str, what: str | Said, problem: str | Said):
        what_said = what if isinstance(what, Said) else Said(what, what)
        said = problem if isinstance(problem, Said) else Said(problem, problem)
        self.plugin = plugin
        self.what, self.what_zh = what_said.en, what_said.zh
        self.problem, self.problem_zh = said.en, said.zh
        self.notes_zh: list[str] = []  # the notes (``add_note``) in Chinese, in their order
        super().__init__(f"plugin '{plugin}' failed: {self.what} {self.problem}")

    def note(self, said: Said) -> None:
        """A note (where it happened) in both languages."""
        self.add_note(said.en)
        self.notes_zh.append(said.zh)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang``, without its notes."""
        if lang != "zh":
            return str(self)
        return f"插件 '{self.plugin}' 出错：{self.what_zh}{self.problem_zh}"

    def report(self, lang: str = "en") -> str:
        """The message with its notes, as the command line shows it in ``lang``."""
        notes = list(getattr(self, "__notes__", ()))
        if lang == "zh" and len(self.notes_zh) == len(notes):
            notes = self.notes_zh  # else a note added by other code: all left in English
        return "\n".join([self.text(lang), *notes])


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


def raised(err: BaseException) -> Said:
    """What plugin code raised (its own words stay as it said them)."""
    described = describe_exception(err)
    return Said(f"raised {described}", f"引发了异常 {described}")


def guard_adapter(plugin: str, adapter: InputAdapter) -> InputAdapter:
    """The adapter, run so that a crash or a malformed result names it. ``FactsError`` (the
    adapter's own report of facts it cannot use) passes through. A value it made that no fact
    can be (a float) is its bug, named by the field; one it handed on as given is the user's,
    left to validation, which names it by the user's path."""
    what = Said(f"input adapter '{adapter.name}'", f"输入适配器 '{adapter.name}' ")

    def adapt(record: dict, derivations: bool = True) -> tuple[dict, list]:
        facts, notes = checked(record, derivations)
        refused = computed_given(adapter, record)
        if not refused:
            return facts, notes
        handed = getattr(facts.get(HANDED_ON), "problems", ())
        return hand_on(facts, [*refused, *handed]), []

    def checked(record: dict, derivations: bool) -> tuple[dict, list]:
        given = dict(record)  # what the user (or the adapter before) wrote, kept against changes
        try:
            result = adapter.adapt(record)
        except FactsError as err:
            refused = computed_given(adapter, record)
            if refused:
                raise FactsError([*refused, *err.problems], err.source) from None
            raise
        except CAUGHT as err:
            raise PluginFailed(plugin, what, raised(err)) from err
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise PluginFailed(
                plugin,
                what,
                Said(
                    f"returned {shown(result)}, expected a pair (facts, derivations)",
                    f"返回了 {shown(result)}，应为一对值（facts, derivations）",
                ),
            )
        facts, notes = result
        if not isinstance(facts, dict) or not all(type(k) is str for k in facts):
            raise PluginFailed(
                plugin,
                what,
                Said(
                    f"returned {shown(result)}: its facts, {shown(facts)}, are not an object "
                    "with named fields (expected a pair (facts, derivations))",
                    f"返回了 {shown(result)}：其中的事实 {shown(facts)} 不是带字段名的对象"
                    "（应为一对值（facts, derivations））",
                ),
            )
        for key, value in facts.items():
            if key == HANDED_ON:
                continue
            problem = _no_fact(value, key, given=given.get(key, _UNWRITTEN))
            if problem is not None:
                said = Said(f"returned {problem.en}", f"返回了 {problem.zh}")
                raise PluginFailed(plugin, what, said)
        if not isinstance(notes, (list, tuple)):
            raise PluginFailed(
                plugin,
                what,
                Said(
                    f"returned derivations {shown(notes)}, expected a list",
                    f"返回的推导说明 {shown(notes)} 不是列表",
                ),
            )
        if not derivations:  # not shown (eval, summary): not converted, not paid for
            return facts, []
        try:
            return facts, [exact_json(n, f"derivations[{i}]", 0) for i, n in enumerate(notes)]
        except NotJson as err:
            said = Said(
                f"returned a derivation that is not JSON-ready: {err}",
                f"返回的推导说明不能写成 JSON：{err.zh}",
            )
            raise PluginFailed(plugin, what, said) from None

    return attrs.evolve(adapter, adapt=adapt)


def computed_given(adapter: InputAdapter, record: Any) -> list[FactProblem]:
    """A problem for each fact the record gives that ``adapter`` computes from what the
    record also gives (``InputAdapter.computes``): overwritten or left standing, it would
    change the case unseen (sixth QA round: pi2017's ``act_date_given=false`` beside a date)."""
    if not isinstance(record, dict):
        return []
    out = []
    for c in adapter.computes:
        if c.field not in record or not (c.always or any(s in record for s in c.sources)):
            continue
        sources, sources_zh = " or ".join(c.sources), " 或 ".join(c.sources)
        name = adapter.name
        if c.always:
            en = f"computed by the input adapter '{name}' (from {sources}), never given"
            zh = f"由输入适配器 '{name}' 计算（根据 {sources_zh}），不应给出"
            help_en, help_zh = "leave it out", "请删去该字段"
        else:
            given = ", ".join(s for s in c.sources if s in record)
            en = f"given beside {given}, from which the input adapter '{name}' computes it"
            zh = f"与 {given} 一并给出，而输入适配器 '{name}' 根据后者计算该字段"
            help_en = f"give {sources} or {c.field}, not both"
            help_zh = f"请只给出 {sources_zh} 或 {c.field}，不要两者都给"
        out.append(FactProblem(c.field, en, help_en, zh=zh, help_zh=help_zh))
    return out


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


def _no_fact(value: Any, path: str, depth: int = 0, given: Any = _UNWRITTEN) -> Said | None:
    """Why a value an adapter produced can be no fact of any type (a float, an object of its
    own, a number past the engine's bounds), as ``path = value, why``; ``None`` if it can be
    one. Whether it fits the declared input is validation's to say, as for a file's facts.

    ``given`` is what the user wrote at ``path``: a value handed on as written, at any depth
    (a ``null`` inside an act the adapter copied to add its id), is the user's, left to
    validation, which names it by the user's path."""
    if given is not _UNWRITTEN and _same(given, value):
        return None
    kind = type(value)
    n = MAX_BITS * 3 // 10
    big = Said(f"{path} = a number of more than {n} digits", f"{path} = 超过 {n} 位的数")
    if kind in (bool, int, Fraction):
        return big if too_big(value) else None
    if kind in (datetime.date, Duration, LocalText):
        return None
    if kind is str:
        if _valid_text(value):
            return None
        return Said(f"{path} = text that is not valid Unicode", f"{path} = 无效的 Unicode 文本")
    if kind is Decimal:
        if not value.is_finite():
            return Said(f"{path} = {value}, which is not a number", f"{path} = {value}，不是数")
        return big if _digits(value) > n else None
    if kind is float:
        return Said(
            f"{path} = {value!r}, a binary floating-point number (give exact numbers: an int, "
            'a Fraction, a Decimal or a text such as "1.5")',
            f"{path} = {value!r}，是二进制浮点数（请给出精确的数：int、Fraction、Decimal，"
            '或 "1.5" 这样的文本）',
        )
    if depth >= MAX_DEPTH:
        return Said(
            f"{path} = a value nested more than {MAX_DEPTH} levels deep",
            f"{path} = 嵌套超过 {MAX_DEPTH} 层的值",
        )
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
                return Said(
                    f"{path} = an object with the key {shown(key)}, which is not a text",
                    f"{path} = 含键 {shown(key)} 的对象，该键不是文本",
                )
            problem = _no_fact(item, f"{path}.{key}", depth + 1, wrote.get(key, _UNWRITTEN))
            if problem is not None:
                return problem
        return None
    return Said(
        f"{path} = {shown(value)}, a value of type {kind.__name__}, which no fact can be",
        f"{path} = {shown(value)}，类型为 {kind.__name__} 的值，不能作为任何事实",
    )


def _digits(value: Decimal | Fraction) -> int:
    """About how many digits a number has, without writing it out."""
    if isinstance(value, Fraction):
        return max(value.numerator.bit_length(), value.denominator.bit_length()) * 3 // 10
    sign, digits, exponent = value.as_tuple()
    return len(digits) + abs(exponent)


class NotJson(Exception):
    """A derivation JSON cannot hold exactly; ``zh``: the same in Chinese."""

    def __init__(self, message: str, zh: str = ""):
        super().__init__(message)
        self.zh = zh or message

    def __reduce__(self):
        return type(self), (str(self), self.zh)


def exact_json(value: Any, path: str, depth: int) -> Any:
    """A derivation as JSON, converted exactly (a Decimal or Fraction becomes an int or an
    exact decimal text, a date its ISO form); anything JSON cannot hold is refused."""
    n = MAX_BITS * 3 // 10
    if depth > MAX_DEPTH:
        problem = Said(f"nested more than {MAX_DEPTH} levels deep", f"嵌套超过 {MAX_DEPTH} 层")
    elif value is None or isinstance(value, bool):
        return value
    elif isinstance(value, int):
        if not too_big(value):
            return value
        problem = Said(f"a number of more than {n} digits", f"超过 {n} 位的数")
    elif isinstance(value, str):
        if _valid_text(value):
            return value
        problem = Said("text that is not valid Unicode", "无效的 Unicode 文本")
    elif isinstance(value, (Decimal, Fraction)) and (
        not isinstance(value, Decimal) or value.is_finite()
    ):
        exact = Fraction(value) if _digits(value) <= n else None
        if exact is not None and not too_big(exact):
            return to_json_value(exact)
        problem = Said(f"a number of more than {n} digits", f"超过 {n} 位的数")
    elif isinstance(value, (datetime.date, Duration, LocalText)) and not isinstance(
        value, datetime.datetime
    ):
        return to_json_value(value)
    elif isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: exact_json(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
        problem = Said("an object with a key that is not a text", "含非文本键的对象")
    elif isinstance(value, (list, tuple)):
        return [exact_json(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    elif isinstance(value, float):
        problem = Said(
            f"the binary floating-point number {value!r} (give exact numbers)",
            f"二进制浮点数 {value!r}（请给出精确的数）",
        )
    else:
        name = type(value).__name__
        problem = Said(
            f"a value of type {name}, which JSON cannot hold", f"类型为 {name} 的值，JSON 无法容纳"
        )
    raise NotJson(f"{path} is {problem.en}", f"{path} 是{problem.zh}")


def guard_renderer(plugin: str, renderer: Renderer) -> Renderer:
    what = Said(f"renderer '{renderer.name}'", f"渲染器 '{renderer.name}' ")

    def render(*args, **kwargs) -> str:
        try:
            out = renderer.render(*args, **kwargs)
        except CAUGHT as err:
            raise PluginFailed(plugin, what, raised(err)) from err
        if not isinstance(out, str):
            said = Said(f"returned {shown(out)}, not text", f"返回了 {shown(out)}，不是文本")
            raise PluginFailed(plugin, what, said)
        if not _valid_text(out):
            said = Said(
                "returned text that cannot be written (not UTF-8)",
                "返回的文本无法写出（不是 UTF-8）",
            )
            raise PluginFailed(plugin, what, said)
        return out

    return attrs.evolve(renderer, render=render)


def guard_function(plugin: str, spec: FunctionSpec) -> FunctionSpec:
    what = Said(f"function {spec.name}()", f"函数 {spec.name}() ")

    def signature(args):
        try:
            result = spec.signature(args)
        except TypeError:
            raise  # the rule author's mistake: a diagnostic (E206) at the call
        except CAUGHT as err:
            said = raised(err)
            said = Said(f"signature {said.en}", f"的签名{said.zh}")
            raise PluginFailed(plugin, what, said) from err
        if not isinstance(result, Type):
            raise PluginFailed(
                plugin,
                what,
                Said(
                    f"signature returned {shown(result)}, not a type from ruleengine.types",
                    f"的签名返回了 {shown(result)}，不是 ruleengine.types 中的类型",
                ),
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
    what: Said
    impl: Callable[..., Any]
    expected: Type | None = None
    span: Span | None = None

    def for_call(self, expected: Type, span: Span | None) -> PluginFunction:
        return attrs.evolve(self, expected=expected, span=span)

    def _failed(self, problem: Said) -> PluginFailed:
        failed = PluginFailed(self.plugin, self.what, problem)
        if self.span is not None:
            where, excerpt = self.span.location(), self.span.excerpt()
            failed.note(Said(f"{where}: called here\n{excerpt}", f"{where}：在此调用\n{excerpt}"))
        return failed

    def __call__(self, *args):
        try:
            value = self.impl(*args)
        except (ValueError, ArithmeticError, EvaluationError):
            raise
        except CAUGHT as err:
            raise self._failed(raised(err)) from err
        if type(value) is Fraction:
            value = normalize(value)
        elif type(value) is list:
            value = tuple(value)
        if not _fits(value, self.expected):
            if too_big(value):
                n = MAX_BITS * 3 // 10
                raise self._failed(
                    Said(f"returned a number of more than {n} digits", f"返回了超过 {n} 位的数")
                )
            expected = self.expected.describe() if self.expected else "an exact value"
            expected_zh = (
                describe_expected(self.expected, lang="zh") if self.expected else "精确的值"
            )
            if isinstance(value, float):
                expected += " (exact: an int or a Fraction, never a float)"
                expected_zh += "（须为精确的数：int 或 Fraction，不可为 float）"
            raise self._failed(
                Said(
                    f"returned {shown(value)}, expected {expected}",
                    f"返回了 {shown(value)}，应为 {expected_zh}",
                )
            )
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
