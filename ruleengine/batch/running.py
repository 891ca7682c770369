"""Deciding a batch: chunk by chunk, in this process or on every core, in input order.

``decide_chunk(context, items)`` decides a chunk of lines and is the one place where cases
meet the rulebook: its persons go to ``context.decide``, by default ``decide_auto``, the
columnar path (ruleengine/columnar/) when the rulebook qualifies on the date, one by one
otherwise, each row saying which path it took. ``run`` feeds it chunks read from
the input, in this process (``jobs=1``) or in a pool of worker processes, and hands what each
chunk gives to a sink in input order, with a bounded number of chunks in flight, so memory
stays flat whatever the input's size.

On Linux the workers are forked from the command once it has built the rulebook, and decide
with it at once; elsewhere each builds the rulebook itself from its rule texts (a
``BookSpec``: names and texts, not compiled code) and finds its plugins as the command does.
When the rulebook decides in columns, a worker's chunks are larger. A line's content, or a
bug in a plugin or in ruleengine met on it, costs that line only (a ``Skipped`` with its
cause); a worker that dies (killed, out of memory) costs the line it was deciding: the chunk
is decided again line by line in a new pool, and the line that kills a worker again is
skipped.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import gc
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import attrs

from ..facts import FactsError, Said, json_problem_zh, loads_json
from ..runtime import EvaluationError
from ..stopping import signals_held
from .inputs import JSON_SPACE, Item, Reader, is_blank
from .records import (
    CAUSES,
    DECIDING,
    NAME_KEY,
    BadLine,
    Fault,
    Skipped,
    case_id,
    fact_problems,
    fault,
    first_field,
    problems_text,
    split_record,
    subject_facts,
    tabular_case,
    unwrap,
)
from .table import Schema
from .writing import Encoder

#: Lines decided together; fewer when each row carries its trace.
CHUNK_LINES = 500
TRACE_CHUNK_LINES = 20
#: Lines a worker decides together when the rulebook decides in columns, where a line costs
#: little and what a chunk costs whatever its size (handing it to a worker and back, the
#: file of its rows) weighs more: at most this many lines and this much of the input.
COLUMNAR_CHUNK_LINES = 2_000
COLUMNAR_CHUNK_BYTES = 512 << 10
#: Once a run is stopped (Ctrl-C, SIGTERM, a failure), the seconds its workers have to finish
#: the chunk in hand and end, before they are terminated, and then killed.
STOP_GRACE = 3.0


@attrs.frozen
class BookSpec:
    """What a worker needs to build the rulebook on its own: the rule texts themselves."""

    name: str
    sources: tuple[tuple[str, str], ...]
    #: The rulebook whose plugins' input adapters apply (the installed rulebook's name).
    adapters: str
    entry_points: bool = True

    def build(self):
        from ..compiler import CompiledRulebook
        from ..loader import check_sources
        from ..plugins import get_plugin_manager

        pm = get_plugin_manager(load_entry_points=self.entry_points)
        return CompiledRulebook(check_sources(self.name, list(self.sources), pm)), pm


@attrs.frozen
class Options:
    """How lines are decided and how rows come out (``output``: a format of ``writing``)."""

    as_of: datetime.date | None = None
    trace: bool = False
    output: str = "rows"


class Context:
    """A rulebook ready to decide lines: its schema, its plugins' input adapters, and the
    function that decides a chunk's persons (by default ``decide_auto``)."""

    def __init__(
        self, book, adapt: Callable | None, options: Options, decide: Callable | None = None
    ):
        self.book = book
        #: ``decide(book, records, day) -> [(Decision, applied[, path]) or the exception]``.
        self.decide = decide or decide_auto
        self.inputs = book.rulebook.inputs
        self.schema = Schema(book.rulebook, trace=options.trace)
        self.encoder = Encoder(self.schema, options.output)
        self.adapt = adapt or (lambda record: (record, []))
        self.options = options
        #: The fields of a record the input adapters say they read beyond the inputs.
        self.read: tuple[str, ...] = ()

    @classmethod
    def with_plugins(cls, book, pm, adapters: str, options: Options) -> Context:
        """The rulebook's input adapters those of ``pm``'s plugins for ``adapters``."""
        from ..plugins import adapter_chain, input_adapters

        context = cls(book, adapter_chain(pm, adapters, derivations=options.trace), options)
        context.read = tuple(f.name for a in input_adapters(pm, adapters) for f in a.fields)
        return context

    @classmethod
    def from_spec(cls, spec: BookSpec, options: Options) -> Context:
        book, pm = spec.build()
        return cls.with_plugins(book, pm, spec.adapters, options)


@attrs.define
class Decided:
    """What deciding a chunk gives: the rows (encoded for the output; from a worker, JSON
    Lines, CSV or Parquet rows may be ``Spooled``, in a file), the lines skipped, the counts of
    the totals."""

    rows: Any
    skipped: list[Skipped] = attrs.Factory(list)
    lines: int = 0  # not blank: cases + skipped
    blank: int = 0
    cases: int = 0
    persons: int = 0
    conflicts: int = 0
    not_in_force: int = 0
    #: (line, text): persons whose rules conflict; (line, traceback): bugs, for debugging.
    notes: list[tuple[int, Said]] = attrs.Factory(list)  # in English and Chinese
    tracebacks: list[tuple[int, str]] = attrs.Factory(list)
    #: Persons decided, by the path each took (``columnar.COLUMNAR``, ``one by one: why``).
    paths: dict[str, int] = attrs.Factory(dict)
    first: int | None = None  # the first line of the chunk
    last: int | None = None


@attrs.define
class Totals:
    """Where every line went: ``lines = cases + skipped``, blank lines apart."""

    lines: int = 0
    blank: int = 0
    cases: int = 0
    persons: int = 0
    conflicts: int = 0
    not_in_force: int = 0
    skipped: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(CAUSES, 0))
    #: Persons decided, by the path each took.
    paths: dict[str, int] = attrs.Factory(dict)

    def add(self, d: Decided) -> None:
        self.lines += d.lines
        self.blank += d.blank
        self.cases += d.cases
        self.persons += d.persons
        self.conflicts += d.conflicts
        self.not_in_force += d.not_in_force
        for s in d.skipped:
            self.skipped[s.cause] += 1
        _count(self.paths, d.paths)

    @property
    def lines_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_json(self, paths: bool = True) -> dict:
        """The counts; with ``paths``, also the persons decided by each path (``run`` gives
        them, a summary, which is about the cases, does not)."""
        out = {
            "lines": self.lines,
            "lines_counted": self.cases,
            "lines_skipped": self.lines_skipped,
            "lines_skipped_by_cause": dict(self.skipped),
            "lines_blank": self.blank,
            "cases": self.cases,
            "persons": self.persons,
            "persons_with_conflicts": self.conflicts,
            "persons_not_in_force": self.not_in_force,
        }
        if paths:
            out["persons_by_path"] = dict(self.paths)
        return out


def _count(into: dict[str, int], more: dict[str, int]) -> None:
    for path, n in more.items():
        into[path] = into.get(path, 0) + n


# ------------------------------------------------------------------ one chunk
#: The path of a person decided by a decider that does not say (``decide_each``).
ONE_BY_ONE = "one by one"


def decide_auto(book, records: list, day: datetime.date | None = None) -> list:
    """The default: the records of each date go through the columnar path when the rulebook
    qualifies on it (numpy installed, the constructs it takes: docs/batch.md), each record
    that does not fit in columns and every record of a date that does not one by one; each
    result says its path, and why one by one (``columnar.decide_cited``)."""
    from .. import columnar

    return columnar.decide_cited(book, records, day)


def decide_each(book, records: list, day: datetime.date | None = None) -> list:
    """The per-case path, one record at a time: for each record (a person's facts, after the
    adapters), in order, ``(Decision, the rules that applied)`` or the exception raised for
    it. Every chunk of a batch is decided by a function of this shape (``Context.decide``);
    one may add a third item to a result, the path it took (``decide_auto`` does)."""
    out: list = []
    for facts in records:
        try:
            out.append(book.decide_cited(facts, day))
        except Exception as err:  # noqa: BLE001 - the row says what went wrong
            out.append(err)
    return out


def decide_chunk(context: Context, items: Iterable[Item]) -> Decided:
    """Decide every line of a chunk: rows for the good ones (encoded for ``options.output``),
    a ``Skipped`` for each other. No line's content, and no bug met on a line, stops the
    others. The persons of the chunk are decided together, a call of ``context.decide`` for
    each date given (``--as-of``, a case file's ``as_of``, or none: each person's own)."""
    out = Decided([])
    lines: list[_Line] = []
    inputs = context.inputs
    first = last = None
    blank = 0
    for number, payload, problem in items:
        if first is None:
            first = number
        last = number
        if (
            problem is None
            and isinstance(payload, str)
            and (not payload or payload[0] in JSON_SPACE)
            and is_blank(payload)
        ):
            blank += 1  # blank lines separate nothing and are not cases
            continue
        line = _Line(number)
        try:
            if problem is not None:  # a reader's: ``Said``, or English text (the service's)
                said = problem if isinstance(problem, Said) else Said(problem, problem)
                raise BadLine(said.en, zh=said.zh)
            record = _record(payload)
            if not isinstance(payload, str):  # a row of a table (CSV, Parquet)
                record = tabular_case(record, inputs)
            line.case = case_id(record, inputs)
            line.day, line.persons = read_record(context, record)
        except Exception as err:  # noqa: BLE001 - each line's failure is its own
            line.failure = err
        lines.append(line)
    out.first, out.last, out.blank, out.lines = first, last, blank, len(lines)
    _decide_persons(context, lines)
    rows: list = []
    row = context.encoder.row
    trace = context.options.trace
    paths: dict[str, int] = {}
    for line in lines:
        if line.failure is None:
            try:
                if trace:
                    line_rows = [_row(context, line, p) for p in line.persons]
                else:
                    line_rows = [
                        row(
                            line.number,
                            line.case,
                            p.label or _name(p.raw),
                            p.result[0],
                            p.result[1],
                        )
                        for p in line.persons
                    ]
            except Exception as err:  # noqa: BLE001 - the trace of a person failed
                line.failure = err
        if line.failure is not None:
            _skipped(out, line)
            continue
        out.cases += 1
        rows += line_rows
        for person in line.persons:
            paths[person.path] = paths.get(person.path, 0) + 1
            decision = person.result[0]
            if decision.conflicts:
                out.conflicts += 1
                names = ", ".join(c.conclusion for c in decision.conflicts)
                label = person.label
                said = Said(
                    f"{label + ': ' if label else ''}rules conflict on {names}; counted as not "
                    "decided",
                    f"{label + '：' if label else ''}规则在 {names} 上冲突；计为未认定",
                )
                out.notes.append((line.number, said))
            if not decision.in_force:
                out.not_in_force += 1
    out.persons = len(rows)
    out.paths = paths
    out.rows = context.encoder.join(rows)
    return out


class _Person:
    """One person of a line: the facts decided, then the result and the path it took."""

    __slots__ = ("label", "raw", "facts", "notes", "result", "path")

    def __init__(self, label: str, raw: Any, facts: Any, notes: list):
        self.label, self.raw, self.facts, self.notes = label, raw, facts, notes
        self.result: Any = None  # (Decision, applied[, path]), or the exception
        self.path = ONE_BY_ONE


class _Line:
    """One line of a chunk: its persons, or why it is skipped."""

    __slots__ = ("number", "case", "day", "persons", "failure")

    def __init__(self, number: int):
        self.number = number
        self.case: str | None = None
        self.day: datetime.date | None = None
        self.persons: list[_Person] = []
        self.failure: BaseException | None = None


def read_record(context: Context, record) -> tuple[datetime.date | None, list[_Person]]:
    """The date a record is judged at, if it says (a case file's ``as_of``; ``--as-of``
    wins), and its persons' facts after the adapters; a line is decided whole or not at all."""
    inputs = context.inputs
    try:
        record, day = unwrap(record, inputs, context.options.as_of)
    except FactsError as err:
        raise BadLine(
            f"not a valid case file: {problems_text(err)}",
            first_field(err),
            fact_problems(err),
            zh=f"不是有效的案件文件：{problems_text(err, 'zh')}",
        ) from None
    persons = []
    for label, raw in split_record(record, inputs):
        try:
            facts, notes = subject_facts(raw, inputs, context.adapt)
        except Exception as err:
            raise _for_person(err, label) from None
        persons.append(_Person(label, raw, facts, notes))
    return day, persons


def _decide_persons(context: Context, lines: list[_Line]) -> None:
    """Every person of the lines still standing, decided a date at a time."""
    by_day: dict[datetime.date | None, list[_Person]] = {}
    for line in lines:
        if line.failure is None:
            found = by_day.get(line.day)
            if found is None:
                found = by_day[line.day] = []
            found += line.persons
    for day, persons in by_day.items():
        try:
            results = context.decide(context.book, [p.facts for p in persons], day)
        except Exception as err:  # noqa: BLE001 - a bug in the chunk's decider: each line's
            results = [err] * len(persons)
        for person, result in zip(persons, results):
            person.result = result
            if isinstance(result, tuple) and len(result) == 3:
                person.path = result[2]
    for line in lines:
        if line.failure is None:
            for person in line.persons:
                if isinstance(person.result, BaseException):
                    line.failure = _for_person(person.result, person.label)
                    break


def _row(context: Context, line: _Line, person: _Person) -> list:
    decision, applied = person.result[0], person.result[1]
    trace = None
    if context.options.trace:
        try:
            explained = context.book.explain(person.facts, line.day)
        except Exception as err:
            raise _for_person(err, person.label) from None
        explained.notes = person.notes
        trace = explained.to_json()
    who = person.label or _name(person.raw)
    return context.encoder.row(line.number, line.case, who, decision, applied, trace)


def _for_person(err: BaseException, label: str) -> Exception:
    """What went wrong for one person, as the ``BadLine`` or ``Fault`` that skips the line,
    the person named."""
    where, where_zh = (f"{label}: ", f"{label}：") if label else ("", "")
    if isinstance(err, BadLine):
        own = err.problems != ((err.field, str(err)),)  # more than the message alone
        return BadLine(
            f"{where}{err}" if where else str(err),
            err.field,
            err.problems if own else None,
            zh=f"{where_zh}{err.zh}",
        )
    if isinstance(err, FactsError):
        return BadLine(
            f"{where}the facts do not fit the rulebook's inputs: {problems_text(err)}",
            first_field(err, label),
            fact_problems(err, label),
            zh=f"{where_zh}事实与规则集的输入不符：{problems_text(err, 'zh')}",
        )
    if isinstance(err, EvaluationError):  # the engine's own message stays as it is said
        at = f" ({err.span.location()})" if err.span is not None else ""
        at_zh = f"（{err.span.location()}）" if err.span is not None else ""
        return BadLine(
            f"{where}cannot evaluate: {err.message}{at}",
            zh=f"{where_zh}无法求值：{err.message}{at_zh}",
        )
    if isinstance(err, Fault):
        return Fault(f"{where}{err.message}", err.cause, err.error, zh=f"{where_zh}{err.zh}")
    bug = fault(err, DECIDING)
    return Fault(f"{where}{bug.message}", bug.cause, err, zh=f"{where_zh}{bug.zh}")


def _skipped(out: Decided, line: _Line) -> None:
    err = line.failure
    if isinstance(err, BadLine):
        out.skipped.append(
            Skipped(line.number, str(err), "data", line.case, err.field, err.problems, zh=err.zh)
        )
    elif isinstance(err, Fault):
        skip = Skipped(line.number, err.message, err.cause, line.case, zh=err.zh)
        _skip(out, skip, err.error)
    else:  # a bug, not the data: skip the line and say where
        bug = fault(err, DECIDING)
        _skip(out, Skipped(line.number, bug.message, bug.cause, line.case, zh=bug.zh), err)


def _skip(out: Decided, skip: Skipped, error: BaseException | None) -> None:
    out.skipped.append(skip)
    if error is not None:  # shown with RULEENGINE_DEBUG=1
        out.tracebacks.append((skip.line, "".join(traceback.format_exception(error)).rstrip()))


def _record(payload: Any) -> Any:
    if not isinstance(payload, str):
        return payload
    try:
        return loads_json(payload)
    except json.JSONDecodeError as err:  # FactsJSONError too: it says its Chinese
        said = getattr(err, "zh", None) or json_problem_zh(err.msg)
        raise BadLine(
            f"not valid JSON: {err.msg} (column {err.colno})",
            zh=f"不是有效的 JSON：{said}（第 {err.colno} 列）",
        ) from None
    except ValueError as err:  # NaN, Infinity, a key given twice
        raise BadLine(f"not valid JSON: {err}", zh=f"不是有效的 JSON：{err}") from None
    except RecursionError:
        raise BadLine("not valid JSON: nested too deeply", zh="不是有效的 JSON：嵌套过深") from None


def _name(raw) -> str | None:
    """A person's ``name``, when a record of one person gives one."""
    name = raw.get(NAME_KEY) if isinstance(raw, dict) else None
    return name if isinstance(name, str) and name else None


# ------------------------------------------------------------------ many chunks
def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(
    items: Iterable[Item],
    sink: Callable[[Decided], None],
    *,
    context: Context | None = None,
    spec: BookSpec | None = None,
    options: Options = Options(),
    jobs: int = 1,
    chunk_lines: int | None = None,
    settled: bool = False,
) -> Totals:
    """Decide every line, handing each chunk's ``Decided`` to ``sink`` in input order.

    With ``jobs`` 1 the lines are decided here, by ``context`` (built from ``spec`` if not
    given); with more, by that many worker processes, each building its own from ``spec``.
    ``settled``: this process is there for the batch only (the command line), so it may
    ``settle`` as a worker does.
    """
    totals = Totals()
    traced = options.trace or (context is not None and context.options.trace)
    size = chunk_lines or (TRACE_CHUNK_LINES if traced else CHUNK_LINES)
    most = 0  # the reader's own bound on a chunk's bytes
    # Not with traces: a pi2017 line's trace is some 250 KB, and a chunk of 2,000 held 1 GB.
    if (
        jobs > 1
        and chunk_lines is None
        and not traced
        and context is not None
        and in_columns(context)
    ):
        size, most = COLUMNAR_CHUNK_LINES, COLUMNAR_CHUNK_BYTES

    def emit(decided: Decided) -> None:
        totals.add(decided)
        sink(decided)

    if isinstance(items, Reader):
        # Forked workers share the command's open file: they read their own lines.
        batches = items.chunks(size, most, by_range=jobs > 1 and _forks())
    else:
        batches = chunks(items, size)
    if jobs > 1:
        # A small input is decided here: starting workers would take longer than it.
        first = list(itertools.islice(batches, jobs))
        jobs = min(jobs, len(first))  # never more workers than chunks
        if len(first) < 2:
            jobs = 1
        batches = itertools.chain(first, batches)
    if jobs <= 1:
        context = context or Context.from_spec(spec, options)
        if settled:
            settle()
        for chunk in batches:
            emit(decide_chunk(context, chunk))
        return totals
    assert spec is not None or (context is not None and _forks()), "workers need a rulebook"
    if settled:
        settle()  # before the workers are forked: what they share, no collector touches
    spool = None
    if options.output in ("jsonl", "csv", "parquet"):  # left in files for the sink
        try:
            spool = tempfile.TemporaryDirectory(prefix="ruleengine-rows-")
        except OSError:  # no temporary folder to write: the rows come through the pipe
            spool = None
    pool = _Pool(spec, options, jobs, spool and spool.name, context)
    with spool or _nothing(), pool:
        pending: collections.deque = collections.deque()
        for chunk in batches:
            pending.append((chunk, pool.submit(chunk)))
            while len(pending) > 2 * jobs:
                emit(pool.result(*pending.popleft()))
        while pending:
            emit(pool.result(*pending.popleft()))
    return totals


def in_columns(context: Context) -> bool:
    """Whether the rulebook decides in columns (``decide_auto``, numpy installed, the
    rulebook qualifies) at ``--as-of``, or today: then a line costs little. The program is
    compiled here, so that workers forked after this have it."""
    if context.decide is not decide_auto:
        return False
    from .. import columnar

    day = context.options.as_of or datetime.date.today()
    return columnar.how(context.book, day).startswith(columnar.COLUMNAR)


def _forks() -> bool:
    """Workers are forked from this process (Linux): they start at once with its rulebook,
    built and settled, instead of each importing ruleengine and building it again (0.4 s of
    CPU each, and the first chunks waiting for it)."""
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def _mp_context():
    if _forks():
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload([__name__])
    return ctx


_worker: Context | None = None
_spool: str | None = None


def _start_worker(
    spec: BookSpec | None,
    options: Options,
    spool: str | None = None,
    context: Context | None = None,
) -> None:
    """In a new worker: the rulebook forked with it (``context``), or built from ``spec``.
    Ctrl-C is the command's to handle (its terminal sends it to the workers too): a worker
    that took it would die in the middle of reading a chunk or sending a result, the pool
    broken and restarted by a command about to stop; the command stops the workers itself."""
    global _worker, _spool
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the pool's hold (``_held``)
    if context is None:
        context = Context.from_spec(spec, options)
    else:
        _own_std_streams()
    _worker = context
    _spool = spool
    settle()


def _own_std_streams() -> None:
    """A forked worker's standard output and error, its own objects on the same files: the
    command's may have been in use by another of its threads (a progress bar's) as it forked,
    their locks held for ever in the worker."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        try:
            stream = open(fd, "w", errors="backslashreplace", closefd=False)  # noqa: SIM115
        except OSError:
            stream = None
        setattr(sys, name, stream)


def settle() -> None:
    """Once the rulebook is built, in a process that decides a batch: what exists now (the
    modules, the rulebook) lives to the end, so the garbage collector is told not to go
    over it again and again while cases come and go (``gc.freeze``: about 15% of a ccdi
    line's time)."""
    gc.freeze()


def _work(chunk: list[Item]) -> Decided:
    assert _worker is not None
    decided = decide_chunk(_worker, chunk)
    if _spool is not None and decided.rows:
        rows = decided.rows  # bytes, or Parquet's rows (which the writer spools pickled)
        data = rows if isinstance(rows, bytes) else pickle.dumps(rows, pickle.HIGHEST_PROTOCOL)
        try:
            decided.rows = Spooled.write(_spool, data)
        except OSError:  # the folder gone (another's clean-up of $TMPDIR) or full: the pipe
            pass
    return decided


class Spooled:
    """A chunk's encoded rows left by a worker in a file of the spool folder, for the process
    writing the output to copy in the kernel (``copy_into``), never through a pipe and this
    process's memory: what the command does for a line is then next to nothing. A sink gets
    it in ``Decided.rows`` and uses it before it returns (the file goes then)."""

    __slots__ = ("path", "size")

    def __init__(self, path: str, size: int):
        self.path, self.size = path, size

    def __reduce__(self):
        return Spooled, (self.path, self.size)

    @classmethod
    def write(cls, folder: str, data: bytes) -> Spooled:
        fd, path = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return cls(path, len(data))

    def copy_into(self, out) -> None:
        """Append the rows to ``out`` (an open binary file), and remove the file."""
        out.flush()
        with open(self.path, "rb") as f:
            try:
                done = 0
                while done < self.size:
                    sent = os.sendfile(out.fileno(), f.fileno(), done, self.size - done)
                    if not sent:
                        break
                    done += sent
            except OSError:  # no sendfile between these files: copied here
                f.seek(0)
                out.seek(0, os.SEEK_END)
                shutil.copyfileobj(f, out)
        os.unlink(self.path)

    def read(self) -> bytes:
        with open(self.path, "rb") as f:
            data = f.read()
        os.unlink(self.path)
        return data


@contextlib.contextmanager
def _nothing():
    yield


class _Pool:
    """Worker processes, each with its own rulebook; a pool a dead worker broke is replaced,
    and the chunk it was deciding is decided again line by line to find the line at fault."""

    def __init__(
        self,
        spec: BookSpec | None,
        options: Options,
        jobs: int,
        spool: str | None = None,
        context: Context | None = None,
    ):
        self.spec, self.options, self.jobs, self.spool = spec, options, jobs, spool
        self.context = context if _forks() else None  # forked, never pickled
        #: The processes that were there before: any other child found at the end is a worker.
        self._others = set(multiprocessing.active_children())
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.jobs,
            mp_context=_mp_context(),
            initializer=_start_worker,
            initargs=(self.spec, self.options, self.spool, self.context),
        )

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is None:  # every result in: the workers are idle, and told to end
            self.executor.shutdown(wait=True, cancel_futures=True)
            return
        # Stopped (Ctrl-C, SIGTERM) or failed: the chunks not begun are dropped and the
        # workers end after the chunk in hand, or are made to. Never an unbounded wait: a
        # Ctrl-C that came as the pool started its workers (issue 9: a hang seen once) left
        # workers no one would tell to end, and the command's exit waited on them for ever.
        try:
            self.executor.shutdown(wait=False, cancel_futures=True)
        finally:
            stop_processes([p for p in multiprocessing.active_children() if p not in self._others])

    def submit(self, chunk: list[Item]):
        try:
            with signals_held():
                return self.executor.submit(_work, chunk)
        except BrokenProcessPool:
            return None  # decided again when its result is asked for

    def result(self, chunk: list[Item], future) -> Decided:
        try:
            if future is None:
                raise BrokenProcessPool
            while True:  # woken now and then: a Ctrl-C that another thread took is seen
                try:
                    return future.result(timeout=0.25)
                except TimeoutError:
                    continue
        except BrokenProcessPool:
            return self._again(chunk)

    def _restart(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def _again(self, chunk: list[Item]) -> Decided:
        """The chunk a dead worker left, decided line by line in a new pool; a line that kills
        a worker again is skipped as a bug, and the later chunks go to the new pool too."""
        self._restart()
        parts: list[Decided] = []
        for item in chunk:
            try:
                with signals_held():
                    future = self.executor.submit(_work, [item])
                parts.append(future.result())
            except BrokenProcessPool:
                self._restart()
                number = item[0]
                reason = (
                    "a bug in ruleengine or a plugin: the worker process deciding this line "
                    "died (killed, or out of memory); please report it"
                )
                zh = (
                    "ruleengine 或插件的程序错误：判定此行的工作进程已终止（被杀死或内存不足）；"
                    "请报告此问题"
                )
                skip = Skipped(number, reason, "ruleengine", zh=zh)
                parts.append(Decided(None, [skip], lines=1))
        return merge(parts, self.options.output)


def stop_processes(processes: list, grace: float | None = None) -> None:
    """Wait up to ``grace`` seconds (``STOP_GRACE``) for the processes to end, then terminate
    those left, then kill those still left. A process's end is seen by its sentinel, whoever
    reaps it (the pool's own thread may)."""
    waiting = {p.sentinel: p for p in processes}
    try:
        _wait_for(waiting, STOP_GRACE if grace is None else grace)
    finally:  # even if a second Ctrl-C cut the wait short
        for end in ("terminate", "kill"):
            for p in waiting.values():
                getattr(p, end)()
            _wait_for(waiting, 2.0)
            if not waiting:
                break


def _wait_for(waiting: dict, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while waiting and (left := deadline - time.monotonic()) > 0:
        for ready in multiprocessing.connection.wait(list(waiting), left):
            del waiting[ready]


def merge(parts: list[Decided], output: str) -> Decided:
    """Several chunks' results as one, in order."""
    from .writing import concat

    out = Decided(concat([p.rows for p in parts if p.rows is not None], output))
    for p in parts:
        out.skipped += p.skipped
        out.notes += p.notes
        out.tracebacks += p.tracebacks
        _count(out.paths, p.paths)
        for name in ("lines", "blank", "cases", "persons", "conflicts", "not_in_force"):
            setattr(out, name, getattr(out, name) + getattr(p, name))
    out.first = parts[0].first if parts else None
    out.last = parts[-1].last if parts else None
    return out
