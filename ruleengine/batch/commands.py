"""What ``run``, ``summary`` and ``diff`` do, for the command line to call (docs/batch.md).

The command line parses options, loads the rulebook and maps what goes wrong to its exit
codes; everything else is here: opening the input, deciding it (here, on every core, or on
Dask), writing the results and the errors file, reporting skipped lines, and the summaries.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import attrs

from ..stopping import Terminated, signals_held
from .inputs import FORMATS, BadFile, MissingExtra, Reader, format_of, open_reader
from .records import CASE_KEYS, DESCRIBING, NAME_KEY, PERSON_LISTS
from .results import Results, ResultsError, connect, is_results, parse_where
from .running import BookSpec, Context, Decided, Options, Totals, run
from .summaries import Summary, asked, summarise_results, totals_of
from .writing import OUTPUTS, ErrorsWriter, ResultsWriter, close_all, errors_path

#: Skipped lines (and notes) printed on standard error by ``run``; the rest are in the file.
SHOWN = 10


class Usage(Exception):
    """A mistake in how the command was called (exit 2)."""


class BadInput(Exception):
    """A cases or results file that cannot be read (exit 4)."""


@attrs.frozen
class Report:
    """Where messages go: ``say`` prints one line (text from a case made harmless),
    ``traceback`` a bug's traceback when debugging (``None`` otherwise); ``lang`` the
    language of the skipped lines and notes said, and the ``zh`` of the errors file."""

    say: Callable[[str], None]
    traceback: Callable[[str], None] | None = None
    progress: bool | None = None  # None: on a terminal only
    lang: str = "en"

    def words(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en


@attrs.frozen
class Book:
    """The rulebook loaded here, and its rule texts for the workers."""

    book: object
    spec: BookSpec
    context: Callable[[Options], Context]  # the rulebook with this process's plugins


def known_fields(book: Book) -> frozenset[str]:
    """What a column of a table of cases may name: the rulebook's inputs, the fields its input
    adapters say they read, a case file's own keys, and those of a case with several persons
    (its list, ``case``, what describes it, a person's ``name``)."""
    context = book.context(Options())
    return frozenset(
        (*context.inputs, *context.read, *CASE_KEYS, *PERSON_LISTS, *DESCRIBING, "case", NAME_KEY)
    )


def open_cases(path: str, fmt: str | None, book: Book | None = None) -> Reader:
    """A reader of the cases: a regular file or a pipe (never a device or a folder), or
    standard input (``-``). With ``book``, a table (CSV, Parquet) whose columns name a field
    the rulebook does not know is refused whole (``known_fields``)."""
    known = None if book is None else known_fields(book)
    from ..facts import InputFileError, open_input

    fmt = format_of(path, fmt)
    if fmt not in FORMATS:
        raise Usage(f"{path}: unknown input format '{fmt}' (jsonl, csv or parquet)")
    if path == "-":
        if fmt == "parquet":
            raise Usage("Parquet cannot be read from standard input: give the file")
        if sys.stdin is None or sys.stdin.isatty():
            raise Usage("give a cases file, or pipe the cases on standard input")
        return checked(path, open_reader(path, fmt, sys.stdin.buffer), known)
    if fmt == "parquet":
        if not Path(path).exists():
            raise BadInput(f"{path}: no such file")
        if Path(path).is_dir():
            refuse_mixed_folder(path)
        try:
            reader = open_reader(path, fmt)
        except MissingExtra:
            raise
        except Exception as err:  # pyarrow's own errors: not a Parquet file, truncated
            raise BadInput(f"{path}: cannot be read as Parquet: {err}") from None
        return checked(path, reader, known)  # a column named twice
    try:
        # A regular file, or a pipe (read as it comes); never a device or a folder.
        stream = open_input(path, streams=True)
    except InputFileError as err:
        raise BadInput(f"{path}: {err}") from None
    return checked(path, open_reader(path, fmt, stream), known)


def refuse_mixed_folder(path: str) -> None:
    """``BadInput`` for a folder that is not only a Parquet dataset: one file in it that is no
    ``*.parquet`` part (hidden, or named ``_...``, as Arrow skips them, apart) and Arrow would
    fail on it after the command started."""
    for root, folders, files in os.walk(path):
        folders[:] = sorted(f for f in folders if not f.startswith((".", "_")))
        for name in sorted(files):
            if not name.startswith((".", "_")) and not name.lower().endswith(".parquet"):
                other = Path(root, name)
                raise BadInput(
                    f"{path}: a folder is read as a Parquet dataset when it holds only "
                    f"*.parquet parts, and this one also holds {other}; give a file, or a "
                    "folder of parts"
                )


def checked(path: str, reader: Reader, known=None) -> Reader:
    """The reader, once what it reads first (a CSV header) says the file can be read."""
    try:
        reader.check(known)
    except BadFile as err:
        reader.close()
        raise BadInput(f"{path}:{err}") from None
    return reader


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two names are one file: the same file when both exist (a symbolic or hard
    link included), else the same path once links are resolved."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def _inside(path: str | Path, folder: str | Path) -> bool:
    return Path(os.path.realpath(folder)) in Path(os.path.realpath(path)).parents


def refuse_overwriting(cases: str, outputs: list[tuple[str, str | Path]]) -> None:
    """``Usage`` if a file the command would write is the cases file, or lies in the cases'
    Parquet folder, or is a folder (a dataset ``run --dask`` writes) that holds the cases:
    refused before anything is opened for writing, since writing would destroy the cases.
    ``outputs``: (what names it, the path)."""
    if cases == "-":
        return
    for option, out in outputs:
        clash = same_file(cases, out) or _inside(cases, out)
        if Path(cases).is_dir():
            clash = clash or _inside(out, cases)
        if clash:
            raise Usage(
                f"{option} {out} would be written over the cases {cases}; give another output"
            )


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
        lang, words = self.report.lang, self.report.words
        for s in decided.skipped:
            self._say(f"{self.name}:{s.line}: {words('skipped: ', '已跳过：')}{s.text(lang)}")
        for line, said in decided.notes:
            self._say(f"{self.name}:{line}: {words('note: ', '注：')}{said.get(lang)}")
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
    if dask is None:
        output_format(out)  # a folder is a dataset only on Dask
    refuse_overwriting(cases, [("-o", out), (f"-o {out}: its errors file", errors_path(out))])
    before = [(str(path), _kind(path)) for path in (out.rstrip("/"), errors_path(out.rstrip("/")))]
    sinks: list[Sink] = []
    try:
        return _run_cases(book, cases, out, input_format, as_of, trace, jobs, dask, report, sinks)
    except (KeyboardInterrupt, Terminated) as stop:  # said once, here: main() says no more
        report.say(stopped_said(report, stop, sinks[0].totals if sinks else None, before))
        stop.said = True
        raise


def _kind(path: str | Path) -> str:
    """What a path is before a run: an ``older`` output, ``none``, or ``direct`` (a pipe or
    a device, written to as the run goes: ``writing.Staged``)."""
    path = Path(path)
    if not path.exists():
        return "none"
    return "older" if path.is_file() or path.is_dir() else "direct"


def stopped_said(report: Report, stop: BaseException, totals, before) -> str:
    """The one line an interrupted run ends with: how far it went, and that its outputs are
    as they were (each is renamed into place only when the run ends, docs/batch.md)."""
    words = report.words
    how = words("terminated", "已终止") if isinstance(stop, Terminated) else None
    how = how or words("interrupted", "已中断")
    said = how
    if totals is not None:
        lines = totals.lines + totals.blank
        en = f" after {lines:,} {'line' if lines == 1 else 'lines'} ({totals.cases:,} decided"
        skipped = sum(totals.skipped.values())
        en += f", {skipped:,} skipped" + (f", {totals.blank:,} blank)" if totals.blank else ")")
        zh = f"：已处理 {lines:,} 行（判定 {totals.cases:,} 行，跳过 {skipped:,} 行"
        zh += f"，空行 {totals.blank:,} 行）" if totals.blank else "）"
        said += words(en, zh)
    fates = {
        "older": ("{} left as it was", "{} 保持原样"),
        "none": ("{} not made", "{} 未创建"),
        "direct": ("{} has the rows written so far", "{} 含已写出的行"),
    }
    each = [words(*fates[kind]).format(path) for path, kind in before]
    if all(kind != "direct" for _, kind in before):
        return (
            said + words(": nothing written; ", "；未写入任何内容：") + words(", ", "，").join(each)
        )
    return said + words(": ", "：") + words(", ", "，").join(each)


def _run_cases(book, cases, out, input_format, as_of, trace, jobs, dask, report, sinks) -> Totals:
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
            sinks=sinks,
        )
    fmt = output_format(out)
    reader = open_cases(cases, input_format, book)
    options = Options(as_of, trace, fmt)
    schema_book = book.book.rulebook
    from .table import Schema

    writer = errors = None
    done = False
    try:  # one block from the first file made: a SIGTERM between the two leaves neither
        try:
            # Signals held while the two are made: one arriving between a file's creation
            # and its writer's assignment left that file behind (fresh-clone CI, once).
            with signals_held():
                writer = ResultsWriter(out, fmt, Schema(schema_book, trace))
                errors = ErrorsWriter(errors_path(out), report.lang)
        except (OSError, MissingExtra) as err:
            reader.close()
            if isinstance(err, MissingExtra):
                raise
            raise Usage(f"{out}: cannot write ({err.strerror})") from None
        sink = Sink(cases, report, writer, errors)
        sinks.append(sink)
        totals = decide_all(book, reader, sink, options, jobs, Path(out).name, report)
        done = True
    finally:  # a run that fails leaves any older OUT as it was, and its errors file
        close_all([writer, errors], keep=done)
    if sink.more:
        report.say(more_said(report, cases, sink.more, errors.path))
    return totals


def more_said(report: Report, cases: str, more: int, path) -> str:
    """How many skipped lines and notes were not said, and where they all are."""
    return report.words(
        f"{cases}: {more} more skipped line(s) and note(s): see {path}",
        f"{cases}：另有 {more} 个跳过的行和注未列出：见 {path}",
    )


def totals_text(name: str, totals: Totals, out: str) -> str:
    causes = ", ".join(f"{c} {n}" for c, n in totals.skipped.items() if n)
    lines, cases = how_many(totals.lines + totals.blank, "line"), how_many(totals.cases, "case")
    text = f"{name}: {lines}: {cases} decided ({how_many(totals.persons, 'person')}) -> {out}"
    if totals.lines_skipped:
        text += f"; {totals.lines_skipped:,} skipped ({causes}) -> {errors_path(out)}"
    if totals.blank:
        text += f"; {totals.blank:,} blank"
    if totals.paths:
        text += f"; {paths_text(totals.paths)}"
    return text


def how_many(n: int, noun: str) -> str:
    """``1 line``, ``2 lines``: the totals line said "1 lines"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def paths_text(paths: dict[str, int]) -> str:
    """``path: columnar (numpy)``, or each path and its persons when they took several."""
    if len(paths) == 1:
        return f"path: {next(iter(paths))}"
    ordered = sorted(paths.items(), key=lambda item: -item[1])
    return "paths: " + "; ".join(
        f"{path} ({n:,} {'person' if n == 1 else 'persons'})" for path, n in ordered
    )


def _twice(by: list[str] | None) -> None:
    """A name given twice to ``--by`` is a usage error: a cross-tab of a conclusion with
    itself is its diagonal, and a table twice says nothing more (sixth QA round F2)."""
    for i, name in enumerate(by or ()):
        if name in by[:i]:
            raise Usage(f"--by {','.join(by)}: '{name}' is named twice; name each part once")


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
    _twice(by)
    try:  # every option checked before any work
        filters = [parse_where(schema, w) for w in where]
    except ResultsError as err:
        raise Usage(str(err)) from None
    try:
        asked(schema, by)
    except ResultsError as err:
        raise Usage(f"--by {','.join(by or ())}: {err}") from None
    with tempfile.TemporaryDirectory(prefix="ruleengine-") as tmp:
        if source != "-" and is_results(source, input_format):
            if as_of is not None:
                raise Usage("--as-of: a results file was decided already; run the cases again")
            results = _results(source, schema, input_format)
            try:
                skipped = results.skipped() or []
            except ResultsError as err:
                raise BadInput(str(err)) from None
            recorded(source, skipped, report)
            skipped = _checked(source, results, skipped, report)
            totals = totals_of(results, skipped, filters)
        else:
            path = Path(tmp) / "results.jsonl"
            sink = decide_into(
                book, source, path, input_format=input_format, as_of=as_of, jobs=jobs, report=report
            )
            totals, skipped = sink.totals.to_json(paths=False), sink.skipped
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


def _checked(source: str, results, skipped: list, report: Report) -> list:
    """The lines ``run`` skipped and those whose values are not the rulebook's (a results file
    edited by hand, or another program's), said as the first are; the summary counts neither."""
    from .values import check

    try:
        bad = check(results)
    except ResultsError as err:
        raise BadInput(str(err)) from None
    for s in bad[: max(0, SHOWN - len(skipped))]:
        said = report.words(f"cases line {s.line}: skipped: ", f"案件第 {s.line} 行已跳过：")
        report.say(f"{source}: {said}{s.text(report.lang)}")
    return sorted([*skipped, *bad], key=lambda s: s.line)


def recorded(source: str, skipped: list, report: Report) -> None:
    """The lines ``run`` skipped, as its errors file recorded them (the line numbers are the
    cases file's, not the results file's): the first ``SHOWN``, then how many more."""
    where, lang, words = errors_path(source), report.lang, report.words
    for s in skipped[:SHOWN]:
        said = words(f"cases line {s.line}: skipped: ", f"案件第 {s.line} 行已跳过：")
        report.say(f"{where}: {said}{s.text(lang)}")
    if len(skipped) > SHOWN:
        more = len(skipped) - SHOWN
        report.say(
            f"{where}: "
            + words(f"{more:,} more skipped line(s) of the cases", f"另有 {more:,} 个跳过的案件行")
        )


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
    errors: ErrorsWriter | None = None,
) -> Sink:
    """Decide the cases into a results file (JSON Lines) for a query to read. The sink says
    the totals, and how many skipped lines were not reported (``more``); each reported has
    ``prefix`` before it, and is written to ``errors``, else kept (``skipped``)."""
    from .table import Schema

    reader = open_cases(source, input_format, book)
    writer = ResultsWriter(path, "jsonl", Schema(book.book.rulebook))
    said = attrs.evolve(report, say=lambda text: report.say(prefix + text))
    sink = Sink(source, said, writer, errors, shown=shown)
    try:
        decide_all(
            book, reader, sink, Options(as_of, False, "jsonl"), jobs, Path(source).name, report
        )
    finally:
        writer.close()
    return sink


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
    errors: str | None = None,
    report: Report,
):
    """The same cases decided twice (two dates, or two versions of the rules), compared.
    Every option is checked before a case is decided; the lines skipped on either side go to
    ``errors`` (by default beside ``changes``, if given), each with its side's label."""
    from . import diff as diffs
    from .table import Schema

    if source == "-":
        raise Usage("diff reads the cases twice: give a file, not standard input")
    if by is not None and not by:
        raise Usage("--by: name a conclusion")
    _twice(by)
    schemas = (Schema(old.book.rulebook), Schema(new.book.rulebook))
    try:
        if changes is not None:
            diffs.changes_format(changes)
        diffs.tabled(*schemas, by)
    except ResultsError as err:
        raise Usage(str(err)) from None
    if errors is None and changes is not None:
        errors = str(errors_path(changes))
    outputs = [(o, path) for o, path in (("--changes", changes), ("--errors", errors)) if path]
    refuse_overwriting(source, outputs)
    for option, path in outputs:
        if not Path(path).parent.is_dir():
            raise Usage(f"{option} {path}: no such folder")
    if changes is not None and same_file(changes, errors):
        raise Usage(f"--errors {errors} is the changes file; give another")
    try:
        written = ErrorsWriter(errors, report.lang) if errors is not None else None
    except OSError as err:
        raise Usage(f"--errors {errors}: cannot write ({err.strerror})") from None
    done = False
    try:
        with tempfile.TemporaryDirectory(prefix="ruleengine-") as tmp:
            paths, sides = [], []
            for side, (book, day, label) in enumerate(zip((old, new), as_of, labels)):
                paths.append(Path(tmp) / f"side{side}.jsonl")
                if written is not None:
                    written.fields = {"side": label}
                sink = decide_into(
                    book,
                    source,
                    paths[-1],
                    input_format=input_format,
                    as_of=day,
                    jobs=jobs,
                    report=report,
                    shown=SHOWN,
                    prefix=f"[{label}] ",
                    errors=written,
                )
                if sink.more:
                    n = f"{sink.more:,}"
                    report.say(
                        f"[{label}] "
                        + report.words(
                            f"{source}: {n} more skipped line(s) and note(s): "
                            + (f"see {errors}" if errors else "give --errors FILE to keep them"),
                            f"{source}：另有 {n} 个跳过的行和注未列出："
                            + (f"见 {errors}" if errors else "用 --errors FILE 保存全部"),
                        )
                    )
                sides.append(sink.totals)
            # A database on disk: the pairs of rows diff compares are tables larger than
            # memory for a large caseload.
            con = connect(tmp, str(Path(tmp) / "diff.duckdb"))
            a = _results(str(paths[0]), schemas[0], "jsonl", con=con)
            b = _results(str(paths[1]), schemas[1], "jsonl", con=con, name="results_new")
            try:
                result = diffs.compare(a, b, labels[0], labels[1], by=by, limit=limit)
                if changes is not None:
                    diffs.write_changes(a, b, result, changes)
            except ResultsError as err:
                raise Usage(str(err)) from None
            finally:
                a.con.close()
        done = True
    finally:
        if written is not None:
            written.close(keep=done)
    # The exit code says whether a line was skipped on either side.
    result.skipped_by_cause = {c: sum(t.skipped[c] for t in sides) for c in sides[0].skipped}
    result.totals = [t.to_json(paths=False) for t in sides]
    result.errors = errors
    return result


def exit_cause(skipped_by_cause: dict[str, int]) -> str | None:
    for cause in ("ruleengine", "plugin", "data"):
        if skipped_by_cause.get(cause):
            return cause
    return None
