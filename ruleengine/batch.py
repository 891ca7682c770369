"""Many cases at once: a JSON Lines file summarised as counts per value of each conclusion.

Analysts holding hundreds of cases want the kind of table a disciplinary body publishes (how
many persons and cases per discipline breached, per sanction, per criminal band), not one
decision each. This module streams the file line by line, runs the fast path (``decide``)
on every person, and counts. It knows no jurisdiction: a record is split into persons by a
generic rule (an ``officials`` or ``subjects`` list), and each person's facts go through the
rulebook's input adapters exactly as ``ruleengine eval`` sends them. A bad line is reported
and skipped; it never costs another case, and neither does a bug in a plugin or in the engine
met on one line: every line is counted, blank, or skipped with its number and why
(docs/batch.md).
"""

from __future__ import annotations

import datetime
import difflib
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Any, BinaryIO

import attrs

from .facts import FactProblem, FactsError, loads_json, read_field, to_json_value
from .plugin_guards import PluginFailed
from .runtime import EvaluationError, Unset
from .types import DATE, TEXT, EnumType

#: A line longer than this is reported and skipped without being held in memory.
MAX_LINE_BYTES = 10_000_000
#: Keys of a record that hold its persons, each merged over the record's shared "case" object.
PERSON_LISTS = ("officials", "subjects")
#: A person's identifier, dropped after the adapters unless the rulebook has an input so named.
NAME_KEY = "name"

_CHUNK = 1 << 20
#: What JSON counts as white space: a line of nothing else is blank (U+2028 is not).
JSON_SPACE = " \t\r"


class _Empty:
    """The bucket of a set conclusion no member of which was concluded."""

    def __repr__(self) -> str:
        return "EMPTY"


class _Undecided:
    """The bucket of a conclusion no rule decided, or in conflict."""

    def __repr__(self) -> str:
        return "UNDECIDED"


EMPTY = _Empty()
UNDECIDED = _Undecided()

WORDS = {
    "persons": {"en": "persons", "zh": "人数"},
    "cases": {"en": "cases", "zh": "案件数"},
    "value": {"en": "value", "zh": "认定"},
    "floor": {"en": "floor (least the rules allow)", "zh": "下限"},
    "ceiling": {"en": "ceiling (most the rules allow)", "zh": "上限"},
    "empty": {"en": "none", "zh": "无"},
    "undecided": {"en": "not decided", "zh": "未认定"},
    "totals": {
        "en": "{rulebook}: {cases} cases, {persons} persons; {skipped} of {lines} lines skipped",
        "zh": "{rulebook}：案件{cases}件，涉及{persons}人；共{lines}行，跳过{skipped}行",
    },
    "faults": {
        "en": "{n} line(s) skipped because of a bug in a plugin or in ruleengine, not because of "
        "their content (see standard error)",
        "zh": "{n}行因插件或ruleengine的程序错误而跳过，并非数据有误（见标准错误输出）",
    },
    "conflicts": {
        "en": "{n} person(s) with conflicting rules (counted as not decided there)",
        "zh": "{n}人存在规则冲突（相应结论计为未认定）",
    },
    "not_in_force": {
        "en": "{n} person(s) judged on a date when no provision was in force",
        "zh": "{n}人的适用日期无生效条款",
    },
}


def word(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


class BadLine(Exception):
    """A line that cannot be counted; the message says why (the line number is added)."""


class Fault(Exception):
    """Code, not data, failed on a case: a plugin's (``cause`` "plugin") or ruleengine's own
    (``cause`` "ruleengine"). ``error`` is the exception it came from, if any."""

    def __init__(self, message: str, cause: str, error: BaseException | None = None):
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.error = error


#: Why a line was skipped: its content, or a bug in a plugin or in ruleengine (docs/batch.md).
CAUSES = ("data", "plugin", "ruleengine")


@attrs.frozen
class Skipped:
    line: int
    reason: str
    cause: str = "data"  # one of CAUSES


@attrs.frozen
class Part:
    """One way of counting a conclusion: a set by member, a range by floor or by ceiling."""

    conclusion: str
    kind: str  # highest | set | range | value
    part: str | None  # "floor" | "ceiling" for ranges, else None
    type: Any

    def buckets(self, value: Any) -> dict:
        """``{bucket: value shown}`` for one person's value (a set: one per member)."""
        if isinstance(value, Unset):
            return {UNDECIDED: UNDECIDED}
        if self.kind == "set":
            return {_key(m): m for m in value} if value else {EMPTY: EMPTY}
        if self.kind == "range":
            value = value[0] if self.part == "floor" else value[1]
        return {_key(value): value}


def _key(value: Any) -> Any:
    """A hashable, type-faithful bucket: True and 1 stay apart, 1/2 and 0.5 meet."""
    if isinstance(value, str):
        return value
    return ("json", json.dumps(to_json_value(value), sort_keys=True, ensure_ascii=False))


def parts_of(rulebook) -> list[Part]:
    out = []
    for name, c in rulebook.conclusions.items():
        if c.kind == "range":
            out += [Part(name, c.kind, "floor", c.type), Part(name, c.kind, "ceiling", c.type)]
        else:
            out.append(Part(name, c.kind, None, c.type))
    return out


@attrs.define
class Counter:
    """Persons and cases per bucket, and one original value per bucket to show it."""

    persons: dict = attrs.field(factory=dict)
    cases: dict = attrs.field(factory=dict)
    shown: dict = attrs.field(factory=dict)


@attrs.define
class Summary:
    rulebook: str
    as_of: datetime.date | None
    parts: list[Part]
    counters: list[Counter]
    lines: int = 0  # lines read that are not blank: cases + skipped
    blank: int = 0
    cases: int = 0
    persons: int = 0
    conflicts: int = 0
    not_in_force: int = 0
    skipped: list[Skipped] = attrs.field(factory=list)


# ------------------------------------------------------------------ reading
def read_lines(
    stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str | None, str | None]]:
    """``(line number, text, problem)`` per physical line; never holds more than one line."""
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # drain the rest of the long line
                raw = stream.readline(_CHUNK)
            yield number, None, f"line longer than {max_bytes} bytes"
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            yield number, None, f"not UTF-8 text (byte {err.start + 1})"
            continue
        yield number, text.rstrip("\r\n"), None


#: The keys of a case file: its facts, the date it is judged at, and what describes it.
CASE_KEYS = ("facts", "as_of", "id", "description", "expect")


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
            hint = f"did you mean {close[0]!r}?" if close else f"a case file has {_keys()}"
            problems.append(FactProblem(str(key), "unknown field of the case file", hint))
    facts = record.get("facts")
    if "facts" not in record:
        problems.append(
            FactProblem("facts", "missing", "a case file gives the facts of the case under 'facts'")
        )
    elif not isinstance(facts, dict):
        problems.append(
            FactProblem("facts", f"expected an object (the facts of the case), got {_what(facts)}")
        )
    day = read_field(record, "as_of", DATE, default=None, problems=problems)
    for key in ("id", "description"):
        read_field(record, key, TEXT, default=None, problems=problems)
    if "expect" in record and not isinstance(record["expect"], dict):
        problems.append(FactProblem("expect", f"expected an object, got {_what(record['expect'])}"))
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
    every person and the person's own keys win; the other keys (id, title) describe the case.
    """
    if not isinstance(record, dict):
        raise BadLine(f"expected a JSON object, got {_what(record)}")
    field = next((f for f in PERSON_LISTS if f in record and f not in inputs), None)
    if field is None:
        return [("", record)]
    people = record[field]
    if not isinstance(people, list) or not people:
        raise BadLine(f"'{field}' must be a non-empty list of objects")
    case = record.get("case")
    case = {} if case is None else case
    if not isinstance(case, dict):
        raise BadLine(f"'case' must be an object, got {_what(case)}")
    shared = {k: v for k, v in case.items() if k in inputs}
    out = []
    for i, person in enumerate(people, start=1):
        label = f"{field}[{i - 1}]"
        if not isinstance(person, dict):
            raise BadLine(f"{label}: expected an object, got {_what(person)}")
        name = person.get(NAME_KEY)
        if isinstance(name, str) and name:
            label += f" ({name})"
        out.append((label, {**shared, **person}))
    return out


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
        raise fault(err, "while adapting the record") from err
    if isinstance(facts, dict) and NAME_KEY in facts and NAME_KEY not in inputs:
        facts = {k: v for k, v in facts.items() if k != NAME_KEY}
    return facts, notes


#: Libraries ruleengine calls into: a failure inside one is blamed on the code that called it.
_LIBRARIES = frozenset(("attr", "attrs", "lark", "pluggy", "yaml", "typer", "click", "rich"))


def fault(err: BaseException, during: str) -> Fault:
    """An unexpected exception as a ``Fault``, blamed on the innermost module of ruleengine or
    of a plugin it passed through (the standard library and the libraries we call excluded).

    An exception that names the plugin it comes from (a ``plugin`` text, as the plugin
    manager's own reports of a failing plugin carry) is that plugin's fault, in its words.
    """
    if isinstance(getattr(err, "plugin", None), str):
        text = "\n".join([str(err), *getattr(err, "__notes__", ())])
        return Fault(f"{text} ({during}); not a mistake in the case", "plugin", err)
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
        text = f"a bug in ruleengine ({where}) {during}: {what}; please report it"
    else:
        text = (
            f"a bug in the plugin module {module} (line {line}) {during}: {what}; not a "
            "mistake in the case: please report it to the plugin's authors"
        )
    return Fault(text, "ruleengine" if ours else "plugin", err)


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a number"


# ------------------------------------------------------------------ counting
Adapt = Callable[[dict], tuple[dict, list]]


def summarise(
    book,
    lines: Iterable[tuple[int, str | None, str | None]],
    adapt: Adapt | None = None,
    as_of: datetime.date | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    on_note: Callable[[int, str], None] | None = None,
    on_fault: Callable[[int, Fault], None] | None = None,
) -> Summary:
    """Count the decisions of every good line; report and skip the others.

    ``adapt`` is the rulebook's adapter chain (``plugins.adapter_chain``). A line counts only
    when every person in it was decided, so the case counts never hold half a case. Every
    line is accounted for: blank, counted, or skipped with its number and the reason, and no
    line's content stops the others: an exception from a plugin or from the engine itself
    skips that line as a ``Fault`` (``on_fault`` receives it, for a debugging traceback).
    """
    rb = book.rulebook
    inputs = rb.inputs
    adapt = adapt or (lambda record: (record, []))
    parts = parts_of(rb)
    summary = Summary(rb.name, as_of, parts, [Counter() for _ in parts])
    for number, text, problem in lines:
        if problem is None and not text.strip(JSON_SPACE):
            summary.blank += 1  # blank lines separate nothing and are not cases
            continue
        summary.lines += 1
        try:
            if problem is not None:
                raise BadLine(problem)
            decisions = _decide_line(book, text, inputs, adapt, as_of)
            counts = _buckets(summary, decisions)
        except BadLine as bad:
            skip = Skipped(number, str(bad))
        except Fault as err:
            skip = Skipped(number, err.message, err.cause)
            if on_fault is not None:
                on_fault(number, err)
        except Exception as err:  # a bug, not the data: skip the line and say where
            bug = fault(err, "while deciding the case")
            skip = Skipped(number, bug.message, bug.cause)
            if on_fault is not None:
                on_fault(number, bug)
        else:
            _count(summary, decisions, counts, number, on_note)
            continue
        summary.skipped.append(skip)
        if on_skip is not None:
            on_skip(skip)
    return summary


def _decide_line(book, text: str, inputs, adapt: Adapt, as_of) -> list[tuple[str, Any]]:
    try:
        record = loads_json(text)
    except json.JSONDecodeError as err:
        raise BadLine(f"not valid JSON: {err.msg} (column {err.colno})") from None
    except ValueError as err:  # NaN, Infinity
        raise BadLine(f"not valid JSON: {err}") from None
    except RecursionError:
        raise BadLine("not valid JSON: nested too deeply") from None
    try:
        record, day = unwrap(record, inputs, as_of)
    except FactsError as err:
        raise BadLine(f"not a valid case file: {_problems(err)}") from None
    out = []
    for label, raw in split_record(record, inputs):
        where = f"{label}: " if label else ""
        try:
            facts, _ = subject_facts(raw, inputs, adapt)
            out.append((label, book.decide(facts, day)))
        except FactsError as err:
            raise BadLine(
                f"{where}the facts do not fit the rulebook's inputs: {_problems(err)}"
            ) from None
        except EvaluationError as err:
            at = f" ({err.span.location()})" if err.span is not None else ""
            raise BadLine(f"{where}cannot evaluate: {err.message}{at}") from None
        except Fault as err:
            raise Fault(f"{where}{err.message}", err.cause, err.error) from None
    return out


def _problems(err: FactsError) -> str:
    return "; ".join(p.render() for p in err.problems)


def _buckets(summary: Summary, decisions) -> list[list[dict]]:
    """Each person's buckets per part, computed before anything is counted, so that a line
    that fails here leaves the counts as they were."""
    return [
        [part.buckets(decision.conclusions[part.conclusion]) for part in summary.parts]
        for _, decision in decisions
    ]


def _count(summary: Summary, decisions, counts, number: int, on_note) -> None:
    summary.cases += 1
    summary.persons += len(decisions)
    case_keys: list[set] = [set() for _ in summary.parts]
    for (label, decision), buckets in zip(decisions, counts, strict=True):
        if decision.conflicts:
            summary.conflicts += 1
            if on_note is not None:
                names = ", ".join(c.conclusion for c in decision.conflicts)
                where = f"{label}: " if label else ""
                on_note(number, f"{where}rules conflict on {names}; counted as not decided")
        if not decision.in_force:
            summary.not_in_force += 1
        for i, found in enumerate(buckets):
            counter = summary.counters[i]
            for key, shown in found.items():
                counter.persons[key] = counter.persons.get(key, 0) + 1
                if key not in counter.shown and shown is not EMPTY and shown is not UNDECIDED:
                    counter.shown[key] = shown
                case_keys[i].add(key)
    for i, keys in enumerate(case_keys):
        counter = summary.counters[i]
        for key in keys:
            counter.cases[key] = counter.cases.get(key, 0) + 1


# ------------------------------------------------------------------ presenting
def rows(summary: Summary, index: int) -> list[tuple[Any, Any]]:
    """``(key, value)`` in reading order: members as declared (all of them, even at zero),
    other values sorted, then "none" and "not decided" when they occur."""
    part, counter = summary.parts[index], summary.counters[index]
    if isinstance(part.type, EnumType):
        out = [(m, m) for m in part.type.members]
        known = set(part.type.members)
        out += sorted(
            ((k, v) for k, v in counter.shown.items() if k not in known), key=lambda kv: str(kv[0])
        )
    else:
        out = sorted(counter.shown.items(), key=lambda kv: _order(kv[1]))
    for special in (EMPTY, UNDECIDED):
        if counter.persons.get(special):
            out.append((special, special))
    return out


def _order(value: Any) -> tuple:
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, (int, Fraction)):
        return (1, value, "")
    return (2, 0, json.dumps(to_json_value(value), sort_keys=True, ensure_ascii=False))


def _label(book, part: Part, lang: str) -> str:
    from .render.explanation import local

    c = book.rulebook.conclusions[part.conclusion]
    label = local(c.label, lang, part.conclusion)
    sep = "：" if lang == "zh" else ": "
    return f"{label}{sep}{word(part.part, lang)}" if part.part else label


def _value_label(part: Part, value: Any, lang: str) -> str:
    from .render.explanation import show_value

    if value is EMPTY:
        return word("empty", lang)
    if value is UNDECIDED:
        return word("undecided", lang)
    return show_value(value, part.type, lang)


def to_json(summary: Summary, book, lang: str = "en") -> dict:
    """Machine-readable and deterministic: same file, same arguments, same bytes."""
    out_parts = []
    for i, part in enumerate(summary.parts):
        counter = summary.counters[i]
        out_rows = []
        for key, value in rows(summary, i):
            row: dict[str, Any] = {
                "value": None if value is EMPTY or value is UNDECIDED else to_json_value(value),
                "label": _value_label(part, value, lang),
                "persons": counter.persons.get(key, 0),
                "cases": counter.cases.get(key, 0),
            }
            if value is EMPTY:
                row["special"] = "none"
            elif value is UNDECIDED:
                row["special"] = "not_decided"
            out_rows.append(row)
        out_parts.append(
            {
                "conclusion": part.conclusion,
                "kind": part.kind,
                "part": part.part,
                "label": _label(book, part, lang),
                "rows": out_rows,
            }
        )
    return {
        "rulebook": summary.rulebook,
        "as_of": summary.as_of.isoformat() if summary.as_of else None,
        "totals": {
            "lines": summary.lines,
            "lines_counted": summary.cases,
            "lines_skipped": len(summary.skipped),
            "lines_skipped_by_cause": {
                cause: sum(s.cause == cause for s in summary.skipped) for cause in CAUSES
            },
            "lines_blank": summary.blank,
            "cases": summary.cases,
            "persons": summary.persons,
            "persons_with_conflicts": summary.conflicts,
            "persons_not_in_force": summary.not_in_force,
        },
        "skipped": [
            {"line": s.line, "reason": s.reason, "cause": s.cause} for s in summary.skipped
        ],
        "conclusions": out_parts,
    }


def render_text(summary: Summary, book, lang: str = "en", color: bool = False) -> str:
    """A table per conclusion (a range: one for its floor, one for its ceiling)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(
        file=out,
        width=120,
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(
        word(
            "totals",
            lang,
            rulebook=summary.rulebook,
            cases=summary.cases,
            persons=summary.persons,
            skipped=len(summary.skipped),
            lines=summary.lines,
        )
    )
    faults = sum(s.cause != "data" for s in summary.skipped)
    if faults:
        console.print(word("faults", lang, n=faults))
    if summary.conflicts:
        console.print(word("conflicts", lang, n=summary.conflicts))
    if summary.not_in_force:
        console.print(word("not_in_force", lang, n=summary.not_in_force))
    for i, part in enumerate(summary.parts):
        counter = summary.counters[i]
        console.print()
        console.print(_label(book, part, lang), style="bold" if color else None)
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold" if color else None)
        table.add_column(word("value", lang), overflow="fold")
        table.add_column(word("persons", lang), justify="right")
        table.add_column(word("cases", lang), justify="right")
        for key, value in rows(summary, i):
            table.add_row(
                _value_label(part, value, lang),
                str(counter.persons.get(key, 0)),
                str(counter.cases.get(key, 0)),
            )
        console.print(table)
    return out.getvalue()
