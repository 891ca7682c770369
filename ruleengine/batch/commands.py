"""What ``run``, ``summary`` and ``diff`` do, for the command line to call (docs/batch.md).

The command line parses options, loads the rulebook and maps what goes wrong to its exit
codes; everything else is here: opening the input, deciding it (here, on every core, or on
Dask), writing the results and the errors file, reporting skipped lines, and the summaries.
"""

from __future__ import annotations

import datetime
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import attrs

from .inputs import FORMATS, MissingExtra, Reader, format_of, open_reader
from .results import Results, ResultsError, is_results, parse_where
from .running import BookSpec, Context, Decided, Options, Totals, run
from .summaries import Summary, summarise_results, totals_of
from .writing import OUTPUTS, ErrorsWriter, ResultsWriter, errors_path

#: Skipped lines (and notes) printed on standard error by ``run``; the rest are in the file.
SHOWN = 10


class Usage(Exception):
    """A mistake in how the command was called (exit 2)."""


class BadInput(Exception):
    """A cases or results file that cannot be read (exit 4)."""


@attrs.frozen
class Report:
    """Where messages go: ``say`` prints one line (text from a case made harmless),
    ``traceback`` a bug's traceback when debugging (``None`` otherwise)."""

    say: Callable[[str], None]
    traceback: Callable[[str], None] | None = None
    progress: bool | None = None  # None: on a terminal only


@attrs.frozen
class Book:
    """The rulebook loaded here, and its rule texts for the workers."""

    book: object
    spec: BookSpec
    context: Callable[[Options], Context]  # the rulebook with this process's plugins


def open_cases(path: str, fmt: str | None) -> Reader:
    """A reader of the cases: a regular file or a pipe (never a device or a folder), or
    standard input (``-``)."""
    from ..facts import InputFileError, open_input

    fmt = format_of(path, fmt)
    if fmt not in FORMATS:
        raise Usage(f"{path}: unknown input format '{fmt}' (jsonl, csv or parquet)")
    if path == "-":
        if fmt == "parquet":
            raise Usage("Parquet cannot be read from standard input: give the file")
        if sys.stdin is None or sys.stdin.isatty():
            raise Usage("give a cases file, or pipe the cases on standard input")
        return open_reader(path, fmt, sys.stdin.buffer)
    if fmt == "parquet":
        if not Path(path).exists():
            raise BadInput(f"{path}: no such file")
        try:
            return open_reader(path, fmt)
        except MissingExtra:
            raise
        except Exception as err:  # pyarrow's own errors: not a Parquet file, truncated
            raise BadInput(f"{path}: cannot be read as Parquet: {err}") from None
    try:
        # A regular file, or a pipe (read as it comes); never a device or a folder.
        stream = open_input(path, streams=True)
    except InputFileError as err:
        raise BadInput(f"{path}: {err}") from None
    return open_reader(path, fmt, stream)


def output_format(out: str) -> str:
    fmt = format_of(out, None, default=None)
    if fmt not in OUTPUTS:
        raise Usage(
            f"{out}: the output's suffix says its format: .jsonl, .csv or .parquet "
            "(or, with --dask, a folder for a partitioned Parquet dataset)"
        )
    return fmt


class Sink:
    """Writes each chunk's rows and skipped lines as they come, in order, and reports."""

    def __init__(self, name: str, report: Report, writer=None, errors=None, shown=SHOWN):
        self.name, self.report, self.writer, self.errors = name, report, writer, errors
        self.shown = shown  # None: every skipped line on standard error
        self.said = 0
        self.more = 0
        self.skipped: list = []  # kept when there is no errors file
        self.bar = None
        self.totals = Totals()

    def __call__(self, decided: Decided) -> None:
        if self.writer is not None:
            self.writer.write(decided.rows, decided.persons)
        if self.errors is not None:
            self.errors.write(decided.skipped)
        else:
            self.skipped += decided.skipped
        for s in decided.skipped:
            self._say(f"{self.name}:{s.line}: skipped: {s.reason}")
        for line, text in decided.notes:
            self._say(f"{self.name}:{line}: note: {text}")
        if self.report.traceback is not None:
            for line, text in decided.tracebacks:
                self.report.traceback(f"{self.name}:{line}: traceback:\n{text}")
        if self.bar is not None:
            self.bar.update(self.totals)

    def _say(self, text: str) -> None:
        if self.shown is None or self.said < self.shown:
            self.said += 1
            self.report.say(text)
        else:
            self.more += 1


def decide_all(
    book: Book, reader: Reader, sink: Sink, options: Options, jobs: int, label: str, report
) -> Totals:
    from .progress import Bar

    totals = Totals()
    sink.totals = totals

    def counted(decided: Decided) -> None:
        totals.add(decided)
        sink(decided)

    with Bar(reader, label, report.progress) as bar:
        sink.bar = bar
        try:
            run(
                reader,
                counted,
                context=book.context(options),
                spec=book.spec,
                options=options,
                jobs=jobs,
                settled=True,
            )
        finally:
            reader.close()
    return totals


# ------------------------------------------------------------------ run
def run_cases(
    book: Book,
    cases: str,
    out: str,
    *,
    input_format: str | None = None,
    as_of: datetime.date | None = None,
    trace: bool = False,
    jobs: int = 1,
    dask: str | None = None,
    report: Report,
) -> Totals:
    """Decide every case into ``out`` (a row per person) and ``OUT.errors.jsonl``."""
    if dask is not None:
        from .dask_runner import run_on_dask

        return run_on_dask(
            book,
            cases,
            out,
            address=dask,
            input_format=input_format,
            as_of=as_of,
            trace=trace,
            jobs=jobs,
            report=report,
        )
    fmt = output_format(out)
    reader = open_cases(cases, input_format)
    options = Options(as_of, trace, fmt)
    schema_book = book.book.rulebook
    from .table import Schema

    try:
        writer = ResultsWriter(out, fmt, Schema(schema_book, trace))
        errors = ErrorsWriter(errors_path(out))
    except OSError as err:
        reader.close()
        raise Usage(f"{out}: cannot write ({err.strerror})") from None
    except MissingExtra:
        reader.close()
        raise
    sink = Sink(cases, report, writer, errors)
    try:
        totals = decide_all(book, reader, sink, options, jobs, Path(out).name, report)
    finally:
        writer.close()
        errors.close()
    if sink.more:
        report.say(f"{cases}: {sink.more} more skipped line(s) and note(s): see {errors.path}")
    return totals


def totals_text(name: str, totals: Totals, out: str) -> str:
    causes = ", ".join(f"{c} {n}" for c, n in totals.skipped.items() if n)
    text = (
        f"{name}: {totals.lines + totals.blank:,} lines: {totals.cases:,} cases decided "
        f"({totals.persons:,} persons) -> {out}"
    )
    if totals.lines_skipped:
        text += f"; {totals.lines_skipped:,} skipped ({causes}) -> {errors_path(out)}"
    if totals.blank:
        text += f"; {totals.blank:,} blank"
    if totals.paths:
        text += f"; {paths_text(totals.paths)}"
    return text


def paths_text(paths: dict[str, int]) -> str:
    """``path: columnar (numpy)``, or each path and its persons when they took several."""
    if len(paths) == 1:
        return f"path: {next(iter(paths))}"
    ordered = sorted(paths.items(), key=lambda item: -item[1])
    return "paths: " + "; ".join(
        f"{path} ({n:,} {'person' if n == 1 else 'persons'})" for path, n in ordered
    )


# ------------------------------------------------------------------ summary
def summary(
    book: Book,
    source: str,
    *,
    input_format: str | None = None,
    as_of: datetime.date | None = None,
    jobs: int = 1,
    by: list[str] | None = None,
    where: list[str] = (),
    provisions: bool = False,
    report: Report,
) -> Summary:
    """The summary of a results file from ``run``, or of a cases file decided first."""
    from .provisions import provisions as provision_counts
    from .table import Schema

    schema = Schema(book.book.rulebook)
    if by is not None and len(by) > 2:
        raise Usage("--by takes one conclusion, or two for a cross-tab")
    try:
        filters = [parse_where(schema, w) for w in where]
    except ResultsError as err:
        raise Usage(str(err)) from None
    with tempfile.TemporaryDirectory(prefix="ruleengine-") as tmp:
        if source != "-" and is_results(source, input_format):
            if as_of is not None:
                raise Usage("--as-of: a results file was decided already; run the cases again")
            results = _results(source, schema, input_format)
            skipped = results.skipped() or []
            for s in skipped:
                report.say(f"{source}:{s.line}: skipped: {s.reason}")
            totals = totals_of(results, skipped, filters)
        else:
            path = Path(tmp) / "results.jsonl"
            counted, skipped = decide_into(
                book, source, path, input_format=input_format, as_of=as_of, jobs=jobs, report=report
            )
            totals = counted.to_json(paths=False)
            results = _results(str(path), schema, "jsonl")
        try:
            out = summarise_results(results, totals, skipped, by=by, where=filters, as_of=as_of)
            if provisions:
                out.provisions = provision_counts(results, book.book, filters)
        except ResultsError as err:
            raise Usage(str(err)) from None
        finally:
            results.con.close()
    return out


def decide_into(
    book: Book,
    source: str,
    path: Path,
    *,
    input_format: str | None,
    as_of: datetime.date | None,
    jobs: int,
    report: Report,
    shown: int | None = None,
    prefix: str = "",
) -> tuple[Totals, list]:
    """Decide the cases into a results file (JSON Lines) for a query to read: the totals and
    the lines skipped (each reported, ``prefix`` before it)."""
    from .table import Schema

    reader = open_cases(source, input_format)
    writer = ResultsWriter(path, "jsonl", Schema(book.book.rulebook))
    said = Report(lambda text: report.say(prefix + text), report.traceback, report.progress)
    sink = Sink(source, said, writer, shown=shown)
    try:
        counted = decide_all(
            book, reader, sink, Options(as_of, False, "jsonl"), jobs, Path(source).name, report
        )
    finally:
        writer.close()
    return counted, sink.skipped


def _results(path: str, schema, fmt: str | None, con=None, name: str = "results") -> Results:
    try:
        return Results(path, schema, fmt, con=con, name=name)
    except ResultsError as err:
        raise BadInput(str(err)) from None


# ------------------------------------------------------------------ diff
def diff(
    old: Book,
    new: Book,
    source: str,
    *,
    labels: tuple[str, str],
    input_format: str | None = None,
    as_of: tuple[datetime.date | None, datetime.date | None] = (None, None),
    jobs: int = 1,
    by: list[str] | None = None,
    limit: int | None = 20,
    changes: str | None = None,
    report: Report,
):
    """The same cases decided twice (two dates, or two versions of the rules), compared."""
    from . import diff as diffs
    from .table import Schema

    if source == "-":
        raise Usage("diff reads the cases twice: give a file, not standard input")
    if by is not None and not by:
        raise Usage("--by: name a conclusion")
    with tempfile.TemporaryDirectory(prefix="ruleengine-") as tmp:
        tables = []
        skipped_by_cause: dict[str, int] = {}
        for side, (book, day, label) in enumerate(zip((old, new), as_of, labels)):
            path = Path(tmp) / f"side{side}.jsonl"
            totals, _ = decide_into(
                book,
                source,
                path,
                input_format=input_format,
                as_of=day,
                jobs=jobs,
                report=report,
                shown=SHOWN,
                prefix=f"[{label}] ",
            )
            tables.append((path, Schema(book.book.rulebook)))
            for cause, n in totals.skipped.items():
                skipped_by_cause[cause] = skipped_by_cause.get(cause, 0) + n
        a = _results(str(tables[0][0]), tables[0][1], "jsonl")
        b = _results(str(tables[1][0]), tables[1][1], "jsonl", con=a.con, name="results_new")
        try:
            result = diffs.compare(a, b, labels[0], labels[1], by=by, limit=limit)
            if changes is not None:
                diffs.write_changes(a, b, result, changes)
        except ResultsError as err:
            raise Usage(str(err)) from None
        finally:
            a.con.close()
    result.skipped_by_cause = skipped_by_cause  # the exit code says whether any was skipped
    return result


def exit_cause(skipped_by_cause: dict[str, int]) -> str | None:
    for cause in ("ruleengine", "plugin", "data"):
        if skipped_by_cause.get(cause):
            return cause
    return None
