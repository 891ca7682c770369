"""One line of a batch: a record, the persons in it, and why a line cannot be decided.

A record is the facts of one person, a case file (``{"as_of": ..., "facts": ...}``) or a
case with several persons (an ``officials`` or ``subjects`` list, with a shared ``case``
object). This module knows no jurisdiction: it splits a record into persons by that generic
rule and sends each person's facts through the rulebook's input adapters, exactly as
``ruleengine eval`` does. What cannot be decided is a ``BadLine`` (its content) or a ``Fault``
(a bug in a plugin or in ruleengine), each costing that line only (docs/batch.md).
"""

from __future__ import annotations

import datetime
import difflib
import re
import sys
from typing import Any

import attrs

from ..facts import UNKNOWN_FIELD, FactProblem, FactsError, Said, did_you_mean, read_field
from ..plugin_guards import PluginFailed
from ..types import DATE, TEXT

#: Keys of a record that hold its persons, each merged over the record's shared "case" object.
PERSON_LISTS = ("officials", "subjects")
#: Keys that describe a case with several persons (beside the list or in its ``case``): read
#: for the case's id, never facts.
DESCRIBING = ("id", "title", "description")
#: A person's identifier, dropped after the adapters unless the rulebook has an input so named.
NAME_KEY = "name"
#: Why a line was skipped: its content, or a bug in a plugin or in ruleengine (docs/batch.md).
CAUSES = ("data", "plugin", "ruleengine")


class BadLine(Exception):
    """A line that cannot be decided; the message says why (the line number is added),
    ``field`` the path of the first fact at fault, when one is (``officials[1].acts[0].amount``),
    and ``problems`` every mistake found, each a (field path or None, reason) pair: facts
    validation reports all of a record's at once (by default one, the message)."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        problems: tuple[tuple[str | None, str], ...] | None = None,
        zh: str | None = None,
    ):
        super().__init__(message)
        self.field = field
        self.problems = problems if problems else ((field, message),)
        self.zh = zh or message  # the message in Chinese, for --lang zh


class Fault(Exception):
    """Code, not data, failed on a case: a plugin's (``cause`` "plugin") or ruleengine's own
    (``cause`` "ruleengine"). ``error`` is the exception it came from, if any; ``zh`` the
    message in Chinese (what the code raised stays as it said it)."""

    def __init__(
        self,
        message: str,
        cause: str,
        error: BaseException | None = None,
        zh: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.error = error
        self.zh = zh or message


@attrs.frozen
class Skipped:
    """A line not decided: its number, why, whose fault (one of ``CAUSES``), and where."""

    line: int
    reason: str
    cause: str = "data"
    case: str | None = None
    field: str | None = None
    #: Every mistake found on the line, (field path or None, reason), the first at ``field``;
    #: empty: the one of ``field`` and ``reason``.
    problems: tuple[tuple[str | None, str], ...] = ()
    #: ``reason`` in Chinese, for ``--lang zh`` (None: said in English only).
    zh: str | None = attrs.field(default=None, kw_only=True, eq=False)

    def text(self, lang: str = "en") -> str:
        """Why the line was skipped, in ``lang`` where it can be said in it."""
        return self.zh if lang == "zh" and self.zh else self.reason

    def to_json(self, lang: str = "en") -> dict:
        """The English (what machines read); with ``lang`` "zh", the Chinese beside it."""
        problems = self.problems or ((self.field, self.reason),)
        out = {
            "line": self.line,
            "case": self.case,
            "field": self.field,
            "reason": self.reason,
            "cause": self.cause,
            "problems": [{"field": field, "reason": reason} for field, reason in problems],
        }
        if lang == "zh":
            out["zh"] = self.text("zh")
        return out


#: The batch's own words for what was going on when code failed on a line.
ADAPTING = Said("while adapting the record", "适配记录时")
DECIDING = Said("while deciding the case", "判定案件时")


def problems_text(err: FactsError, lang: str = "en") -> str:
    return ("；" if lang == "zh" else "; ").join(p.render(lang) for p in err.problems)


def first_field(err: FactsError, label: str = "") -> str | None:
    """The path of the first fact at fault, under the person's place in the record."""
    return field_path(err.problems[0].path if err.problems else "", label)


def field_path(path: str, label: str = "") -> str | None:
    """A fact's path under the person's place in the record (``officials[1].acts[0]``)."""
    prefix = person_path(label)
    if not prefix:
        return path or None
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def fact_problems(err: FactsError, label: str = "") -> tuple[tuple[str | None, str], ...]:
    """Each problem of ``err`` as (its path under the person's place, what is wrong)."""
    out = []
    for p in err.problems:
        reason = f"{p.message} ({p.help})" if p.help else p.message
        out.append((field_path(p.path, label), reason))
    return tuple(out)


def person_path(label: str) -> str:
    """``officials[1]`` of the label ``officials[1] (B)``."""
    m = re.match(r"\w+\[\d+\]", label)
    return m.group(0) if m else ""


def case_id(record: Any, inputs) -> str | None:
    """What identifies a case, when the record says: a case file's ``id``, the shared
    ``case`` object's ``id``, or an ``id`` that is not an input of the rulebook."""
    if not isinstance(record, dict):
        return None
    for holder in (record, record.get("case"), record.get("facts")):
        if isinstance(holder, dict) and "id" in holder and "id" not in inputs:
            value = holder["id"]
            if isinstance(value, str):
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
    return None


#: The keys of a case file: its facts, the date it is judged at, and what describes it.
CASE_KEYS = ("facts", "as_of", "id", "description", "expect")


def tabular_case(record: Any, inputs) -> Any:
    """A row of a CSV or Parquet file as the case it describes. A table is flat, so its
    columns named as a case file's own keys (``as_of``, ``id``, ``description``, ``expect``;
    not inputs of the rulebook) are read as the case's, and the other columns as its facts:
    ``as_of,illegal_gain`` is ``{"as_of": ..., "facts": {"illegal_gain": ...}}``. A row with
    a ``facts`` column is a case file already, read as it is (docs/batch.md)."""
    if not isinstance(record, dict) or ("facts" in record and "facts" not in inputs):
        return record
    own = {k: record[k] for k in CASE_KEYS if k in record and k not in inputs}
    if not own:
        return record
    return {**own, "facts": {k: v for k, v in record.items() if k not in own}}


def is_case_file(record: Any, inputs) -> bool:
    """A record is a case file when it has ``facts`` or ``as_of`` and the rulebook has no
    input of that name; so a record with an ``as_of`` is never read as facts without it."""
    return isinstance(record, dict) and any(
        k in record and k not in inputs for k in ("facts", "as_of")
    )


def unwrap(record: Any, inputs, as_of: datetime.date | None):
    """The facts and as-of date of a case file ``{"as_of": ..., "facts": {...}}``, as eval.

    The case file's own keys are checked like facts: an unknown key (``as_off``), an ``as_of``
    that is not a date (null too) or ``facts`` that are not an object raise ``FactsError``.
    A date given (``--as-of``) wins over the file's ``as_of``.
    """
    if not is_case_file(record, inputs):
        return record, as_of
    problems: list[FactProblem] = []
    for key in record:
        if key not in CASE_KEYS:
            close = difflib.get_close_matches(str(key), CASE_KEYS, n=1)
            hint = (
                did_you_mean(close[0])
                if close
                else Said(f"a case file has {_keys()}", f"案件文件的键为 {'、'.join(CASE_KEYS)}")
            )
            unknown = Said(f"{UNKNOWN_FIELD.en} of the case file", "案件文件的未知字段")
            problems.append(FactProblem.said(str(key), unknown, hint))
    facts = record.get("facts")
    if "facts" not in record:
        problems.append(
            FactProblem.said(
                "facts",
                Said("missing", "缺少此字段"),
                Said(
                    "a case file gives the facts of the case under 'facts'",
                    "案件文件在 'facts' 下给出案件的事实",
                ),
            )
        )
    elif not isinstance(facts, dict):
        said = Said(
            f"expected an object (the facts of the case), got {_what(facts)}",
            f"应为对象（案件的事实），实际为 {_what(facts, 'zh')}",
        )
        problems.append(FactProblem.said("facts", said))
    day = read_field(record, "as_of", DATE, default=None, problems=problems)
    for key in ("id", "description"):
        read_field(record, key, TEXT, default=None, problems=problems)
    if "expect" in record and not isinstance(record["expect"], dict):
        got = record["expect"]
        said = Said(f"expected an object, got {_what(got)}", f"应为对象，实际为 {_what(got, 'zh')}")
        problems.append(FactProblem.said("expect", said))
    if problems:
        raise FactsError(problems)
    return facts, as_of if as_of is not None else day


def _keys() -> str:
    return ", ".join(CASE_KEYS)


def split_record(record: Any, inputs) -> list[tuple[str, dict]]:
    """``[(label, raw facts)]``: one per item of an ``officials``/``subjects`` list, else the
    record itself with an empty label.

    Mirrors the CCDI plugin's ``split_case``: each item is one person; of the shared
    ``case`` object, the keys that are inputs of the rulebook (``decided_on``) are copied into
    every person and the person's own keys win; ``DESCRIBING`` keys describe the case. Any
    other key, in ``case`` or beside the list, is refused: no one would read it.
    """
    if not isinstance(record, dict):
        raise BadLine(
            f"expected a JSON object, got {_what(record)}",
            zh=f"应为 JSON 对象，实际为 {_what(record, 'zh')}",
        )
    field = next((f for f in PERSON_LISTS if f in record and f not in inputs), None)
    if field is None:
        return [("", record)]
    people = record[field]
    if not isinstance(people, list) or not people:
        raise BadLine(
            f"'{field}' must be a non-empty list of objects",
            field,
            zh=f"'{field}' 必须是由对象组成的非空列表",
        )
    case = record.get("case", {})
    if not isinstance(case, dict):  # null too: a case file's ``facts: null`` is refused
        raise BadLine(
            f"'case' must be an object, got {_what(case)}",
            "case",
            zh=f"'case' 必须是对象，实际为 {_what(case, 'zh')}",
        )
    stray = _stray_keys(record, field, case, inputs) + _describing(record, case, inputs)
    if stray:
        raise BadLine(
            "; ".join(f"{k}: {en}" for k, en, _ in stray),
            stray[0][0],
            tuple((k, en) for k, en, _ in stray),
            zh="；".join(f"{k}：{zh}" for k, _, zh in stray),
        )
    shared = {k: v for k, v in case.items() if k in inputs}
    out = []
    for i, person in enumerate(people, start=1):
        label = f"{field}[{i - 1}]"
        if not isinstance(person, dict):
            raise BadLine(
                f"{label}: expected an object, got {_what(person)}",
                label,
                zh=f"{label}：应为对象，实际为 {_what(person, 'zh')}",
            )
        name = person.get(NAME_KEY)
        if isinstance(name, str) and name:
            label += f" ({name})"
        out.append((label, {**shared, **person}))
    return out


def _describing(record: dict, case: dict, inputs) -> list[tuple[str, str, str]]:
    """(path, reason, its Chinese) for each key describing a case with several persons
    (``id``, ``title``, ``description``, beside the list or in ``case``) that is not text, as a
    case file's ``id`` must be: ``"case": {"id": 7}`` is refused (``case.id``), not taken."""
    problems: list[FactProblem] = []
    for holder, at in ((record, ""), (case, "case")):
        for key in DESCRIBING:
            if key in holder and not (at and key in inputs):  # an input in ``case`` is a fact
                read_field(holder, key, TEXT, at, default=None, problems=problems)
    return [(p.path, p.reason("en"), p.reason("zh")) for p in problems]


def _stray_keys(record: dict, field: str, case: dict, inputs) -> list[tuple[str, str, str]]:
    """(path, reason, its Chinese) for each key of a record with several persons that would be
    read by no one: beside the list, only the list, ``case`` and what describes the case; in
    ``case``, the rulebook's inputs (given to every person) and what describes the case. A typo
    there (``decided_onn``), or a fact put beside the list, would otherwise be dropped unseen."""
    out = []
    for key in record:
        if key in (field, "case") or key in DESCRIBING:
            continue
        if key in inputs:
            en = (
                f"a fact beside '{field}' is given to no one: put it in 'case' to give it to"
                f" every person, or in a person's record"
            )
            zh = (
                f"与 '{field}' 并列的事实不属于任何人：放入 'case' 则适用于每个人，或放入某人的记录"
            )
        else:
            en, zh = f"unknown field beside '{field}'", f"与 '{field}' 并列的未知字段"
            en, zh = _hinted(en, zh, key, (field, "case", *DESCRIBING))
        out.append((str(key), en, zh))
    for key in case:
        if key not in inputs and key not in DESCRIBING:
            en, zh = _hinted(
                "unknown field of 'case'", "'case' 中的未知字段", key, (*DESCRIBING, *inputs)
            )
            out.append((f"case.{key}", en, zh))
    return out


def _hinted(en: str, zh: str, key: Any, known) -> tuple[str, str]:
    close = difflib.get_close_matches(str(key), list(known), n=1)
    if not close:
        return en, zh
    return f"{en} (did you mean {close[0]!r}?)", f"{zh}（您是否指 {close[0]!r}？）"


def subject_facts(raw: Any, inputs, adapt) -> tuple[Any, list]:
    """One person's facts after the rulebook's input adapters, and their derivations; a
    ``name`` that only labels the person is dropped unless the rulebook declares it.

    An adapter that finds the facts wrong raises ``FactsError``; any other exception is a bug
    in the adapter (or in ruleengine), raised as a ``Fault`` that says where.
    """
    if not isinstance(raw, dict):
        return raw, []
    try:
        facts, notes = adapt(raw)
    except (FactsError, PluginFailed):  # bad facts; a plugin's failure that names it
        raise
    except Exception as err:
        raise fault(err, ADAPTING) from err
    if isinstance(facts, dict) and NAME_KEY in facts and NAME_KEY not in inputs:
        facts = {k: v for k, v in facts.items() if k != NAME_KEY}
    return facts, notes


#: Libraries ruleengine calls into: a failure inside one is blamed on the code that called it.
_LIBRARIES = frozenset(
    ("attr", "attrs", "lark", "pluggy", "yaml", "typer", "click", "rich", "duckdb", "pyarrow")
)


def fault(err: BaseException, during: Said) -> Fault:
    """An unexpected exception as a ``Fault``, blamed on the innermost module of ruleengine or
    of a plugin it passed through (the standard library and the libraries we call excluded).

    An exception that names the plugin it comes from (a ``plugin`` text, as the plugin
    manager's own reports of a failing plugin carry) is that plugin's fault, in its words.
    """
    if isinstance(getattr(err, "plugin", None), str):
        text = "\n".join([str(err), *getattr(err, "__notes__", ())])
        text_zh = err.report("zh") if isinstance(err, PluginFailed) else text
        return Fault(
            f"{text} ({during.en}); not a mistake in the case",
            "plugin",
            err,
            zh=f"{text_zh}（{during.zh}）；并非案件有误",
        )
    module, line = "ruleengine", None
    tb = err.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        name = tb.tb_frame.f_globals.get("__name__")
        if code.co_filename.startswith("<ruleengine"):  # generated from a rulebook
            module, line = "ruleengine (generated code)", None
        elif isinstance(name, str):
            top = name.partition(".")[0]
            if top not in sys.stdlib_module_names and top not in _LIBRARIES:
                module, line = name, tb.tb_lineno
        tb = tb.tb_next
    ours = module.partition(".")[0] in ("ruleengine", "ruleengine_dsl") or module.startswith(
        "ruleengine ("
    )
    what = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    if ours:
        where = f"{module}, line {line}" if line else module
        where_zh = f"{module}，第 {line} 行" if line else module
        text = f"a bug in ruleengine ({where}) {during.en}: {what}; please report it"
        zh = f"ruleengine 的程序错误（{where_zh}），{during.zh}：{what}；请报告此问题"
    else:
        text = (
            f"a bug in the plugin module {module} (line {line}) {during.en}: {what}; not a "
            "mistake in the case: please report it to the plugin's authors"
        )
        zh = (
            f"插件模块 {module}（第 {line} 行）的程序错误，{during.zh}：{what}；"
            "并非案件有误：请向插件作者报告"
        )
    return Fault(text, "ruleengine" if ours else "plugin", err, zh=zh)


def _what(value: Any, lang: str = "en") -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        kind = ("a boolean", "布尔值")
    elif isinstance(value, str):
        kind = ("a string", "字符串")
    elif isinstance(value, list):
        kind = ("a list", "列表")
    elif isinstance(value, dict):
        kind = ("an object", "对象")
    else:
        kind = ("a number", "数字")
    return kind[lang == "zh"]
