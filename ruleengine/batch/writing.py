"""Writing results: JSON Lines, CSV or Parquet by the output's suffix, and the errors file.

Rows are encoded where they are decided (``encode``, in a worker), so the process that writes
only copies bytes or Arrow tables in input order. The cells are those of ``table``: exact text
for numbers, never a binary float. In CSV, a list (a set's members, the rules that decided) is
a JSON array, a boolean ``true``/``false``, an undecided value an empty cell. In Parquet, text
columns are strings, lists are lists of strings, ``line`` an integer and booleans booleans: no
floating-point column, so no threshold is ever rounded.

The errors file (``OUT.errors.jsonl``) gets one JSON line per line that could not be decided:
its number, the case id when it could be read, the field at fault, the reason and the cause.

Both are written to a temporary file beside the target and renamed over it only when the run
ends (``close``), so a run that fails, or is stopped, never leaves a half-written file over an
older good one; ``close(keep=False)`` removes the temporary file instead. A Parquet dataset
(``--dask``'s folder of parts) is written likewise into a temporary folder beside it
(``StagedFolder``), swapped in whole. ``close_all`` ends a run's outputs together: made whole
first, then renamed into place with Ctrl-C and SIGTERM held off, so that OUT and its errors
file are both the older run's or both this one's.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import operator
import os
import pickle
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..stopping import signals_held
from .inputs import have, need
from .records import Skipped
from .table import MEMO, Schema

#: Distinct values of a conclusion's column whose cells are kept. A column takes a few values
#: again and again (a grade, a kind), or a new one on nearly every row (a sum of money): past
#: this many, a cell kept is seldom met again, and a ccdi worker held 4 MB of them at 4,096.
SEEN = 256
#: Rows per Parquet row group: big enough to read well, small enough to hold; and at most
#: about this many bytes of Arrow data (rows with their traces: pi2017's are some 250 KB a
#: row, and 10,000 of them took the command to 3.2 GB).
ROW_GROUP = 10_000
ROW_GROUP_BYTES = 32 << 20
OUTPUTS = ("jsonl", "csv", "parquet")


class WriteFailed(Exception):
    """An output, or a file of rows a worker left for it, that could not be written or read
    while the run went on (the disk full, the temporary folder removed under the run by a
    clean-up): neither the user's data nor a bug; the command ends as for an OUT that cannot be
    written (exit 2), its outputs left as they were."""


def failure(err: OSError, out: str | Path | None = None) -> WriteFailed:
    """``err``, met while writing ``out``, as the user is told it, naming the file at fault."""
    if isinstance(err, FileNotFoundError) and err.filename is not None:
        return WriteFailed(
            f"{err.filename}: gone while the run went on (removed under it, as a clean-up of "
            "the temporary folder would); the outputs are left as they were: run again"
        )
    return WriteFailed(f"{err.filename or out or 'output'}: cannot write ({err.strerror or err})")


def errors_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name.rstrip("/") + ".errors.jsonl")


# ------------------------------------------------------------------ encoding (in the workers)
class Encoder:
    """A chunk's rows as the output takes them: ``row`` gives a person's row (a line of UTF-8
    bytes for JSON Lines and CSV, else its cells), ``join`` the chunk's rows (bytes, an Arrow
    table for Parquet, or the rows themselves).

    The cells are ``Schema.row``'s, but each distinct value of a column is encoded once
    (a batch's conclusions take a few values again and again), as are the ``NAME.by`` cells
    of each pattern of rules that applied, already as UTF-8 bytes, and a row is put together in
    one formatting of bytes: a row's cost is then a dictionary lookup per column, not an
    encoding (not even to UTF-8: a chunk's text, much of it Chinese, took 3 us a row)."""

    def __init__(self, schema: Schema, output: str):
        self.schema, self.output = schema, output
        self.text = output in ("jsonl", "csv")
        text = {"jsonl": _json_field, "csv": _csv_field}.get(output)
        self.field = _same if text is None else (lambda cell: text(cell).encode("utf-8"))
        #: Per column of a conclusion's value: its encoder, and its cells encoded so far.
        names = [name for name, encoders, _ in schema.plan for _ in encoders]
        self._encoders = [encode for _, encoders, _ in schema.plan for _, encode in encoders]
        self._seen: list[dict] = [{} for _ in names]
        get = operator.itemgetter(*names) if names else (lambda values: ())
        self._get = get if len(names) != 1 else (lambda values: (get(values),))
        self._memo: dict[Any, Any] = {}  # as_of, in_force, conflicts
        self._null = self.field(None)
        self._cited: dict[tuple, tuple] = {}
        # Where each column's cell is among what ``row`` gathers: the six fixed columns,
        # the values, the NAME.by cells, the trace.
        fixed, values = 6, len(names)
        at, seen, by = list(range(fixed)), 0, fixed + values
        for _, encoders, _ in schema.plan:
            at += range(fixed + seen, fixed + seen + len(encoders))
            seen += len(encoders)
            at.append(by)
            by += 1
        if schema.trace:
            at.append(by)
        assert len(at) == len(schema.names)
        self._at = at
        self._order = operator.itemgetter(*at)
        if output == "jsonl":
            self._template = (
                "{"
                + ", ".join(
                    json.dumps(n, ensure_ascii=False).replace("%", "%%") + ": %s"
                    for n in schema.names
                )
                + "}\n"
            ).encode("utf-8")

    def row(self, line: int, case, person, decision, applied, trace=None) -> Any:
        field = self.field
        memo = self._memo
        key = (decision.as_of, decision.in_force)
        head = None if decision.conflicts else memo.get(key)
        if head is None:
            head = (
                field(decision.as_of.isoformat()),
                field(decision.in_force),
                field([c.conclusion for c in decision.conflicts]),
            )
            if not decision.conflicts and len(memo) < MEMO:
                memo[key] = head
        null = self._null
        cells = [
            b"%d" % line if self.text else line,
            null if case is None else field(case),
            field(person) if person else null,
            *head,
        ]
        values = self._get(decision.conclusions)
        try:
            found = [seen.get(v) for seen, v in zip(self._seen, values)]
        except TypeError:  # a value that is not hashable: encoded, not kept
            found = [None] * len(values)
        if None in found:
            for i, cell in enumerate(found):
                if cell is None:
                    found[i] = self._encode(i, values[i])
        cells += found
        if type(applied) is not tuple:
            applied = tuple(applied)
        cited = self._cited.get(applied)
        if cited is None:
            cited = tuple(field(by) for by in self.schema.cited(applied))
            if len(self._cited) < MEMO:
                self._cited[applied] = cited
        cells += cited
        if self.schema.trace:
            cells.append(field(trace))
        if self.output == "jsonl":
            return self._template % self._order(cells)
        if self.output == "csv":
            return b",".join(self._order(cells)) + b"\n"
        return list(self._order(cells))

    def _encode(self, i: int, value: Any) -> Any:
        cell = self.field(self._encoders[i](value))
        seen = self._seen[i]
        if len(seen) < SEEN:
            try:
                seen[value] = cell
            except TypeError:  # not hashable
                pass
        return cell

    def join(self, rows: list) -> Any:
        """A chunk's rows: bytes for text; for Parquet the rows themselves, made into an Arrow
        table by the process that writes them, so that a worker never loads pyarrow (about
        10 MB a worker, and the tables it would hold)."""
        if self.text:
            return b"".join(rows)
        return rows


def _same(cell: Any) -> Any:
    return cell


def _json_field(cell: Any) -> str:
    if isinstance(cell, str):
        return _json_string(cell)
    if cell is None:
        return "null"
    return json.dumps(cell, ensure_ascii=False)


_json_string = json.encoder.encode_basestring  # as json.dumps(ensure_ascii=False) writes it
#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = frozenset("=+-@\t\r")
#: A number, which a spreadsheet reads as one and which stays as it is: ``-5000.50``, ``-1/3``.
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?(/\d+)?\Z")


def spreadsheet_text(text: str) -> str:
    """A text cell of a CSV file that a spreadsheet will not run: one starting as a formula
    does (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(1)``, a tab) gets a leading ``'``, as
    OWASP advises; a number is left alone. Raw values are in JSON Lines (docs/batch.md)."""
    if text and text[0] in FORMULA_START and not _NUMBER.match(text):
        return "'" + text
    return text


class SpreadsheetWriter:
    """``csv.writer`` (lines ended by "\\n") whose text cells are ``spreadsheet_text``."""

    def __init__(self, out) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: list) -> None:
        self._writer.writerow([spreadsheet_text(c) if isinstance(c, str) else c for c in row])


def spreadsheet_sql(column: str) -> str:
    """``spreadsheet_text`` of a text column in DuckDB's SQL, for the CSV files DuckDB writes
    (``diff --changes``)."""
    return (
        f"CASE WHEN regexp_matches({column}, '^[-=+@\t\r]') AND NOT regexp_matches({column}, "
        f"'^[-+]?[0-9]+([.][0-9]+)?(/[0-9]+)?$') THEN '''' || {column} ELSE {column} END"
    )


#: What makes the csv module quote a cell (QUOTE_MINIMAL, lines ended by "\n").
_CSV_SPECIAL = frozenset(',"\r\n')


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _csv_field(cell: Any) -> str:
    """A cell as ``csv.writer`` writes it among others in a row."""
    cell = _csv_cell(cell)
    if not isinstance(cell, str):
        return str(cell)
    if cell and cell[0] in FORMULA_START:
        cell = spreadsheet_text(cell)
    if not cell or _CSV_SPECIAL.isdisjoint(cell):
        return cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([cell])
    return out.getvalue()[:-1]


def arrow_schema(schema: Schema):
    pa = need("pyarrow", "batch", "Writing Parquet")
    kinds = {
        "int": pa.int64(),
        "text": pa.string(),
        "bool": pa.bool_(),
        "list": pa.list_(pa.string()),
        "json": pa.string(),
    }
    return pa.schema([pa.field(name, kinds[kind]) for name, kind in schema.columns])


def arrow_table(schema: Schema, rows: list[list]):
    pa = need("pyarrow", "batch", "Writing Parquet")
    columns = list(zip(*rows)) if rows else [() for _ in schema.columns]
    arrays = []
    for (_, kind), values in zip(schema.columns, columns):
        if kind == "json":
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        arrays.append(values)
    return pa.Table.from_arrays(
        [pa.array(v, type=f.type) for v, f in zip(arrays, arrow_schema(schema))],
        schema=arrow_schema(schema),
    )


def concat(parts: list, output: str) -> Any:
    """Several chunks' encoded rows as one."""
    try:
        if output in ("jsonl", "csv"):  # bytes, or rows a worker left in a file (``Spooled``)
            return b"".join(p if isinstance(p, bytes) else p.read() for p in parts)
        # rows, or Parquet's rows pickled in a file by a worker
        return [
            row for p in parts for row in (p if isinstance(p, list) else pickle.loads(p.read()))
        ]
    except OSError as err:
        raise failure(err) from None


# ------------------------------------------------------------------ writing (in order)
class Staged:
    """A file written under a temporary name in the target's folder, renamed onto the target
    (through a symbolic link: onto the file it names) by ``finish``; ``abandon`` removes it.
    A target that is a pipe or a device is written as it is (``temp`` is the target)."""

    def __init__(self, target: str | Path):
        self.target = Path(os.path.realpath(target))
        if self.target.is_dir():  # refused now, not by the rename at the end of the run
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        self.direct = self.target.exists() and not self.target.is_file()
        # Created by ``open`` (the umask's permissions, as the target would have had), with a
        # name no other run takes; a leading dot keeps it out of a Parquet dataset's parts.
        self.temp = (
            self.target
            if self.direct
            else self.target.with_name(f".{self.target.name}.{secrets.token_hex(4)}.tmp")
        )

    def finish(self) -> None:
        if not self.direct:
            os.replace(self.temp, self.target)

    def abandon(self) -> None:
        if not self.direct:
            self.temp.unlink(missing_ok=True)


#: A part of a dataset folder as ``run --dask`` names it; nothing else may be in the folder.
PART = re.compile(r"part-\d{6,}\.parquet")


class StagedFolder:
    """A folder of parts (``run --dask``'s dataset) written under a temporary name beside the
    target (``.NAME.XXXXXXXX.tmp``) and swapped in by ``finish``: an older folder is renamed
    out of the way (``.NAME.XXXXXXXX.old``) and the new one renamed in (a failure puts the
    older one back; ``undo`` too, later). ``abandon`` removes the temporary folder, and the
    older one once swapped out. The target, when it exists, may
    hold only an earlier run's parts (removed with it): refused otherwise, before anything is
    written (``ValueError``, naming a file in it)."""

    def __init__(self, target: str | Path):
        self.target = Path(os.path.realpath(target))
        if self.target.exists():
            if not self.target.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target))
            other = next((p for p in self.target.iterdir() if not PART.fullmatch(p.name)), None)
            if other is not None:
                raise ValueError(f"a folder that holds other files ({other.name})")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        name = f".{self.target.name}.{secrets.token_hex(4)}"
        self.temp = self.target.with_name(name + ".tmp")
        self._old = self.target.with_name(name + ".old")
        self.temp.mkdir()

    def finish(self) -> None:
        old = None
        if self.target.exists():
            os.rename(self.target, self._old)
            old = self._old
        try:
            os.rename(self.temp, self.target)
        except BaseException:
            if old is not None:
                os.rename(old, self.target)
            raise

    def undo(self) -> None:
        """After ``finish``: the older folder back (a later output could not be put in place)."""
        os.rename(self.target, self.temp)
        if self._old.exists():
            os.rename(self._old, self.target)

    def abandon(self) -> None:
        """The temporary folder removed, and after ``finish`` the older one."""
        shutil.rmtree(self.temp, ignore_errors=True)
        shutil.rmtree(self._old, ignore_errors=True)


def close_all(outputs: list, keep: bool) -> None:
    """End a run's outputs (writers, ``StagedFolder``, None skipped) together. ``keep``: each
    made whole (a Parquet file from its rows: the long part, which a signal may stop), then
    all put in place with signals held, in the order given (a folder first: a failure after
    it puts the older folder back; a file replaced stays so). Not ``keep`` (a failed or
    stopped run), or a failure: every temporary file and folder removed, older outputs left
    as they were."""
    outputs = [o for o in outputs if o is not None]
    at = None  # the output being ended: a failure names it (the errors file, say)
    try:
        if keep:
            for o in outputs:
                if hasattr(o, "complete"):
                    at = getattr(o, "path", None)
                    o.complete()
            with signals_held():
                done: list = []
                try:
                    for o in outputs:
                        at = getattr(o, "path", getattr(o, "target", None))
                        o.finish()
                        done.append(o)
                except BaseException:
                    for o in done:
                        if isinstance(o, StagedFolder):
                            o.undo()
                    raise
    except BaseException as err:
        for o in outputs:
            o.abandon()
        if isinstance(err, OSError):
            raise failure(err, at) from None
        raise
    for o in outputs:  # after ``finish``: only what is left (a folder swapped out)
        o.abandon()


class ResultsWriter:
    """Encoded chunks written in the order given.

    Parquet is written once the rows are all there: until then each chunk's rows are
    pickled to a temporary file (a worker's, already pickled, copied in as they are), and
    ``close`` makes the file from it in row groups of ``ROW_GROUP``. So pyarrow (about
    47 MB in the process that imports it) is loaded only after the workers have ended, and
    never beside them: ccdi's 200,000 lines with ``--jobs 2`` took the whole tree to 299 MB
    when the command made Arrow tables as the rows came. The temporary file is about the
    size of the rows as JSON Lines, and goes when the file is made (or the run ends)."""

    def __init__(self, path: str | Path, output: str, schema: Schema):
        self.path, self.output, self.schema = Path(path), output, schema
        self.rows = 0
        self._staged = Staged(self.path)
        mode = "wb" if self._staged.direct else "xb"
        self._file: BinaryIO = open(self._staged.temp, mode)  # noqa: SIM115 (closed in close)
        self._spool: BinaryIO | None = None
        try:  # made, or not left behind (a missing extra, a signal)
            if output == "parquet":
                have("pyarrow", "batch", "Writing Parquet")  # found now, imported in close
                self._spool = _spool_file(self._staged.temp.parent)
            elif output == "csv":
                header = io.StringIO()
                csv.writer(header, lineterminator="\n").writerow(schema.names)
                self._file.write(header.getvalue().encode("utf-8"))
        except BaseException:
            self._file.close()
            self._staged.abandon()
            raise

    def write(self, encoded: Any, count: int) -> None:
        self.rows += count
        out = self._file if self._spool is None else self._spool
        try:
            if isinstance(encoded, bytes):
                out.write(encoded)
            elif isinstance(encoded, list):  # Parquet's rows, decided in this process
                if encoded:
                    pickle.dump(encoded, out, protocol=pickle.HIGHEST_PROTOCOL)
            elif encoded is not None:  # rows a worker left in a file (``Spooled``)
                encoded.copy_into(out)
        except OSError as err:
            raise failure(err, self.path) from None

    def _parquet(self) -> None:
        """The Parquet file, from the rows spooled: each chunk's an Arrow table, written in
        row groups of ``ROW_GROUP`` rows (the last one fewer) as enough of them come."""
        pa = need("pyarrow", "batch", "Writing Parquet")
        pq = need("pyarrow.parquet", "batch", "Writing Parquet")
        assert self._spool is not None
        self._spool.seek(0)
        with pq.ParquetWriter(self._file, arrow_schema(self.schema)) as writer:
            pending: list = []
            count = size = 0
            for rows in _pickled(self._spool):
                pending.append(arrow_table(self.schema, rows))
                count += len(rows)
                size += pending[-1].nbytes
                if size >= ROW_GROUP_BYTES:  # a row group of fewer, bigger rows
                    writer.write_table(pa.concat_tables(pending), row_group_size=count)
                    pending, count, size = [], 0, 0
                elif count >= ROW_GROUP:
                    table = pa.concat_tables(pending)
                    whole = count - count % ROW_GROUP
                    writer.write_table(table.slice(0, whole), row_group_size=ROW_GROUP)
                    pending, count = [table.slice(whole)], count - whole
                    size = size * count // (count + whole)
            if count:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP)

    def complete(self) -> None:
        """The file made whole (Parquet: from the rows spooled) and closed; ``finish`` puts it
        in place."""
        try:
            if self._spool is not None:
                self._parquet()
        finally:
            self._closed()

    def finish(self) -> None:
        self._closed()
        self._staged.finish()

    def abandon(self) -> None:
        self._closed()
        self._staged.abandon()

    def _closed(self) -> None:
        self._file.close()
        if self._spool is not None:
            self._spool.close()

    def close(self, keep: bool = True) -> None:
        """Finish the file and rename it into place; ``keep=False``: remove it (a failed run)."""
        close_all([self], keep)


def _spool_file(beside: Path) -> BinaryIO:
    """A temporary file with no name (gone when closed, or when the process ends): in the
    temporary folder, else beside the output."""
    try:
        return tempfile.TemporaryFile(prefix="ruleengine-rows-")
    except OSError:
        return tempfile.TemporaryFile(prefix=".ruleengine-rows-", dir=beside)


def _pickled(file: BinaryIO) -> Iterator[list]:
    """The chunks' rows pickled one after the other in ``file``, one by one."""
    while True:
        try:
            yield pickle.load(file)
        except EOFError:
            return


class ErrorsWriter:
    """One JSON line per line skipped; the file is written even when empty, so that one left
    by an earlier run never passes for this one's. ``fields`` are added to each line (``diff``
    says which side skipped it)."""

    def __init__(self, path: str | Path, lang: str = "en"):
        self.path = Path(path)
        self.lang = lang  # "zh": each line's reason in Chinese too, as ``zh``
        self.fields: dict[str, Any] = {}
        self._staged = Staged(self.path)
        mode = "w" if self._staged.direct else "x"
        self._file = open(self._staged.temp, mode, encoding="utf-8")  # noqa: SIM115 (in close)

    def write(self, skipped: list[Skipped]) -> None:
        try:
            for s in skipped:
                line = {**s.to_json(self.lang), **self.fields}
                self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as err:
            raise failure(err, self.path) from None

    def finish(self) -> None:
        self._file.close()
        self._staged.finish()

    def abandon(self) -> None:
        self._file.close()
        self._staged.abandon()

    def close(self, keep: bool = True) -> None:
        """Rename the file into place; ``keep=False``: remove it (a failed run)."""
        close_all([self], keep)
