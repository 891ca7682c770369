"""``--set`` on a path into a list of the case: ``--set acts[1].amount=60000``.

The path is written as the errors and the what-if name a field (``acts[1].amount``): a field
of the record, then ``[index]`` into a list (from 0) and ``.field`` into an object, as often as
needed. The value replaces the one at that place, or adds the field to the object; the record
given is never changed in place. A path into a list the rulebook declares (ccdi's ``acts``) is
read as the declared field is read, so a mistake names the ``--set``; one into a list only an
input adapter reads (pi2017's ``acts``) is checked by that adapter, named by the same path.

``case.decided_on`` names a key of the shared ``case`` object of a record of several persons
(``officials``, ``subjects``; docs/batch.md): set there before the record is split, it reaches
every person as the file's ``case`` does (a person's own key wins), and a key ``case`` does
not take is refused as the file's would be, named by the ``--set``.
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
    """A ``--set`` path that is malformed (``usage``) or does not fit the case; ``zh`` says
    it in Chinese."""

    def __init__(self, message: str, usage: bool = False, zh: str | None = None):
        super().__init__(message)
        self.usage = usage
        self.zh = zh or message


def _refused(field: str, en: str, zh: str, usage: bool = False) -> SetPathError:
    """``--set field: en`` (``--set field：zh``)."""
    return SetPathError(f"--set {field}: {en}", usage, f"--set {field}：{zh}")


_CASE = re.compile(rf"case\.({_NAME})")


def is_case_key(field: str) -> bool:
    """Whether ``field`` is meant as a key of the shared ``case`` object (``case.decided_on``)."""
    return field.startswith("case.")


def case_key(field: str) -> str:
    """``decided_on`` of ``case.decided_on``; ``SetPathError`` (usage) for what is no key."""
    m = _CASE.fullmatch(field)
    if m is None:
        raise _refused(
            field,
            "not a key of the case; write case.field=value (case.decided_on=2024-05-20)",
            "不是案件的键；请写作 case.field=value（如 case.decided_on=2024-05-20）",
            usage=True,
        )
    return m.group(1)


def set_in_case(record: Any, field: str, value: Any, persons: str | None) -> Any:
    """``record`` with ``case.<key>`` set in its shared ``case`` object (made if absent);
    refused where the record lists no persons, since no one reads its ``case`` there."""
    key = case_key(field)
    if persons is None:
        raise _refused(
            field,
            "the case lists no persons (officials, subjects), so it has no shared case object "
            f"whose keys reach them; --set {key}=value sets the fact itself",
            f"案件未列出人员（officials、subjects），没有适用于各人的共同 case 对象；"
            f"--set {key}=value 直接设置该事实",
        )
    case = record.get("case")
    if case is not None and not isinstance(case, dict):
        return record  # splitting the record refuses it, named by the file
    return {**record, "case": {**(case or {}), key: value}}


def is_path(field: str) -> bool:
    """Whether ``field`` is meant as a path into a list (it holds a bracket)."""
    return "[" in field or "]" in field


def parse(field: str) -> tuple[str, list[int | str]]:
    """``acts[1].amount`` as ``("acts", [1, "amount"])``; ``SetPathError`` (usage) otherwise."""
    m = _PATH.fullmatch(field)
    if m is None:
        raise _refused(
            field,
            "not a path; write field=value, or a path into a list of the case "
            "such as acts[1].amount=value",
            "不是路径；请写作 field=value，或写案件中某列表内的路径，如 acts[1].amount=value",
            usage=True,
        )
    steps: list[int | str] = []
    for index, name in _STEP.findall(m.group(2)):
        if index and len(index) > MAX_INDEX_DIGITS:
            raise _refused(
                field,
                f"index {index} is out of any list's range",
                f"下标 {index} 超出任何列表的范围",
            )
        steps.append(int(index) if index else name)
    return m.group(1), steps


def apply(facts: Any, sets: list[tuple[str, Any]], inputs: dict) -> Any:
    """``facts`` with each ``(path, value)`` set; ``SetPathError`` names the first that does not
    fit (an index out of range, a step into something that is not a list or an object, an
    unknown field or an ill-typed value of a declared list)."""
    for field, value in sets:
        root, steps = parse(field)
        if not isinstance(facts, dict):
            raise _refused(field, "the facts must be an object", "事实必须是对象")
        if root not in facts:
            raise _refused(
                field,
                f"the case has no {root} to set a value in",
                f"案件中没有可设置值的 {root}",
            )
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
            raise _refused(
                field,
                f"{where} is {_what(node)}, not a list",
                f"{where} 是{_what(node, 'zh')}，不是列表",
            )
        if step >= len(node):
            last = f"{where}[{len(node) - 1}]"
            has = f"{len(node)} items ({where}[0] to {last})" if node else "none"
            has_zh = f"有 {len(node)} 项（{where}[0] 至 {last}）" if node else "没有任何项"
            raise _refused(
                field,
                f"index {step} is out of range: {where} has {has}",
                f"下标 {step} 超出范围：{where} {has_zh}",
            )
        out = list(node)
        here = f"{where}[{step}]"
    else:
        if not isinstance(node, dict):
            raise _refused(
                field,
                f"{where} is {_what(node)}, not an object",
                f"{where} 是{_what(node, 'zh')}，不是对象",
            )
        if rest and step not in node:
            raise _refused(field, f"{where} has no field {step}", f"{where} 没有字段 {step}")
        out = dict(node)
        here = f"{where}.{step}"
    out[step] = _put(out[step], here, rest, value, field) if rest else value
    return out


def unknown_field(
    option: str, field: str, known: list[str], rulebook=None, schema: str = "ruleengine schema"
):
    """What ``--set field=value`` of a field the rulebook does not declare (and no input
    adapter read) gets (a ``facts.Said``): the option as given, and what the name is where the
    rules compute it (a definition, a conclusion, a parameter), else the nearest ``known``
    field, else the command that lists them (``schema``)."""
    from .facts import Said, did_you_mean, known_fields

    ruled = _of_the_rules(field, rulebook) if rulebook is not None else None
    if ruled is not None:
        return Said(f"{option}: {ruled.en}", f"{option}：{ruled.zh}")
    close = difflib.get_close_matches(field, known, n=1)
    hint = did_you_mean(close[0]) if close else known_fields(known, schema)
    return Said(f"{option}: unknown field ({hint.en})", f"{option}：未知字段（{hint.zh}）")


#: How many of the facts a definition reads its message names.
_NAMED_READS = 4


def _of_the_rules(name: str, rulebook):
    """Why ``name`` is no fact where the rule text gives it a value (``limitation_5_from_act``
    is a definition: "computed by the rules from acted_last; not a fact"), else None."""
    from .analysis.nearest import _inputs_through
    from .facts import Said

    if name in rulebook.definitions:
        reads = sorted(_inputs_through(rulebook, rulebook.definitions[name].body))
        if not reads:
            return Said(
                "computed by the rules (a definition); not a fact",
                "由规则计算（定义）；不是事实",
            )
        shown = ", ".join(reads[:_NAMED_READS]) + (", ..." if len(reads) > _NAMED_READS else "")
        shown_zh = "、".join(reads[:_NAMED_READS]) + ("等" if len(reads) > _NAMED_READS else "")
        return Said(
            f"computed by the rules from {shown}; not a fact",
            f"由规则根据 {shown_zh} 计算；不是事实",
        )
    if name in rulebook.conclusions:
        return Said("a conclusion the rules decide; not a fact", "由规则认定的结论；不是事实")
    if name in rulebook.parameters:
        return Said(
            "a parameter of the rules (its value set by date); not a fact",
            "规则的参数（按日期取值）；不是事实",
        )
    return None


def _hint(name: str, known: list[str]):
    from .facts import did_you_mean, known_fields

    close = difflib.get_close_matches(name, known, n=1)
    return did_you_mean(close[0]) if close else known_fields(known)


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
                raise _refused(
                    field,
                    f"{where} has no field {step} ({hint.en})",
                    f"{where} 没有字段 {step}（{hint.zh}）",
                )
            spec = t.fields[step]
            t, minimum = spec.type, spec.minimum
        else:
            return value  # a step the declared type does not take: _put says why
        where += f"[{step}]" if isinstance(step, int) else f".{step}"
    try:
        read_value(value, t, field, minimum)
    except FactsError as err:
        raise _refused(field, err.problems[0].reason(), err.problems[0].reason("zh")) from None
    return value


def _what(node: Any, lang: str = "en") -> str:
    from .facts import _shown

    return _shown(node, lang)  # "an object", "a list", or the value itself
