"""Reading a batch: JSON Lines, CSV or Parquet, streamed, each record with its line number.

Every reader yields ``(number, payload, problem)``: the line (or row) number a report names,
then either the record's text (JSON Lines, parsed later, by whoever decides it) or the record
itself (CSV and Parquet), or a ``problem`` saying why the line cannot be read. Nothing is held
but the line being read, so a file of any size reads in flat memory. A reader also says how far
it has got (``done``, against ``total``) for a progress bar.

pyarrow (for Parquet) is an optional extra: ``MissingExtra`` says which to install.
"""

from __future__ import annotations

import collections
import csv
import difflib
import functools
import importlib
import importlib.util
import io
import itertools
import json
import os
import stat
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..facts import Said, json_problem_zh, loads_json

#: A line longer than this is reported and skipped without being held in memory.
MAX_LINE_BYTES = 10_000_000
#: What JSON counts as white space: a line of nothing else is blank (U+2028 is not).
JSON_SPACE = " \t\r"
FORMATS = ("jsonl", "csv", "parquet")
SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_CHUNK = 1 << 20
#: A chunk of JSON lines is cut after the line that takes it past this many bytes, so that
#: a chunk of long lines does not hold 500 of them.
CHUNK_BYTES = 4 << 20

#: ``(number, payload, problem)``: a problem is said in English and Chinese (``--lang zh``).
Item = tuple[int, Any, Said | None]


def too_long(max_bytes: int) -> Said:
    return Said(f"line longer than {max_bytes} bytes", f"行长度超过 {max_bytes} 字节")


def not_utf8(byte: int) -> Said:
    return Said(f"not UTF-8 text (byte {byte})", f"不是 UTF-8 文本（第 {byte} 字节）")


class MissingExtra(Exception):
    """A feature whose library is an optional extra that is not installed."""


def need(module: str, extra: str, what: str):
    """The module, or ``MissingExtra`` naming the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{what} needs the package {module.partition('.')[0]}, which is not installed: "
            f"pip install 'ruleengine[{extra}]'"
        ) from None


def have(module: str, extra: str, what: str) -> None:
    """``MissingExtra`` if the module cannot be found, without importing it (another
    process will)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ImportError:
        found = False
    if not found:
        need(module, extra, what)


def format_of(path: str, given: str | None = None, default: str | None = "jsonl") -> str | None:
    """The format named, else the one the file's suffix says (a folder: a Parquet dataset)."""
    if given:
        return given
    if path != "-" and Path(path).is_dir() and any(Path(path).glob("*.parquet")):
        return "parquet"
    return SUFFIXES.get(Path(path).suffix.lower(), default)


class Reader:
    """Records with their numbers; ``done`` of ``total`` (bytes or rows) read so far.

    ``chunks(lines)`` hands the records on in chunks of ``lines``, each an iterable of items:
    by default a list, but a reader may give the records as they were read (bytes, an Arrow
    batch), to be split where they are decided, so that the process reading the input does
    almost nothing per record."""

    total: int | None = None
    done: int = 0

    def __iter__(self) -> Iterator[Item]:
        raise NotImplementedError

    def chunks(
        self, lines: int, chunk_bytes: int = 0, by_range: bool = False
    ) -> Iterator[Iterable[Item]]:
        """``chunk_bytes``: a bound on a chunk's size, where the reader knows it (JSON
        Lines). ``by_range``: chunks may be places in the file (``Span``), read by whoever
        iterates them, where the reader can (a regular file of JSON Lines), for processes
        that share its open file (forked)."""
        it = iter(self)
        while chunk := list(itertools.islice(it, lines)):
            yield chunk

    def check(self, known: Collection[str] | None = None) -> None:
        """``BadFile`` if the file cannot be read at all (before anything is decided); a table
        (CSV, Parquet) also when a column names no field in ``known`` (``unknown_columns``)."""

    def close(self) -> None:
        pass


class Lines:
    """JSON lines as read, the first numbered ``first``: the items they give are split and
    decoded by whoever iterates them (a worker), as ``read_lines`` would give them."""

    __slots__ = ("first", "data", "max_bytes")

    def __init__(self, first: int, data: bytes, max_bytes: int = MAX_LINE_BYTES):
        self.first, self.data, self.max_bytes = first, data, max_bytes

    def __reduce__(self):
        return Lines, (self.first, self.data, self.max_bytes)

    def __iter__(self) -> Iterator[Item]:
        parts = self.data.split(b"\n")
        if parts[-1] == b"":
            parts.pop()  # the end of the last line, not a line
        for number, raw in enumerate(parts, self.first):
            yield _line(number, raw, self.max_bytes)


class Span:
    """``lines`` JSON lines at ``offset`` in the open regular file ``fd``, ``length`` bytes,
    the first numbered ``first``: read, split and decoded by whoever iterates them (a worker
    sharing the file), as ``Lines`` are. Handing one on costs five numbers, not its lines; a
    file cut short under the run gives each line it no longer holds as a problem."""

    __slots__ = ("first", "fd", "offset", "length", "lines", "max_bytes")

    def __init__(self, first, fd, offset, length, lines, max_bytes=MAX_LINE_BYTES):
        self.first, self.fd, self.offset, self.length = first, fd, offset, length
        self.lines, self.max_bytes = lines, max_bytes

    def __reduce__(self):
        return Span, (self.first, self.fd, self.offset, self.length, self.lines, self.max_bytes)

    def __iter__(self) -> Iterator[Item]:
        data = _pread(self.fd, self.length, self.offset)
        n = 0
        for n, item in enumerate(Lines(self.first, data, self.max_bytes), 1):
            if n > self.lines:
                return
            yield item
        for number in range(self.first + n, self.first + self.lines):
            yield number, None, CHANGED


CHANGED = Said("not read: the file changed while it was read", "未读取：读取期间文件已被更改")


def _pread(fd: int, length: int, offset: int) -> bytes:
    """``length`` bytes at ``offset`` (fewer at the end of the file)."""
    data = os.pread(fd, length, offset)
    if len(data) == length or not data:
        return data
    parts = [data]
    got = len(data)
    while got < length and (more := os.pread(fd, length - got, offset + got)):
        parts.append(more)
        got += len(more)
    return b"".join(parts)


@functools.cache
def _numpy():
    try:
        import numpy
    except ImportError:
        return None
    return numpy


class _Feeds:
    """The line feeds of a piece of a file, counted in C: by numpy when it is installed (a
    vectorised comparison, about 8 times quicker than ``bytes.count`` for one byte), else by
    ``bytes.count``."""

    def __init__(self, data: bytes):
        self.data, self.np = data, _numpy()
        self.array = None if self.np is None else self.np.frombuffer(data, self.np.uint8)

    def count(self, lo: int = 0, hi: int | None = None) -> int:
        if self.array is None:
            return self.data.count(b"\n", lo, len(self.data) if hi is None else hi)
        return int(self.np.count_nonzero(self.array[lo:hi] == 10))

    def nth(self, n: int) -> int:
        """Where the ``n``-th line feed is (there are more than ``n``): halves of the data
        counted until a little is left, then found one by one."""
        lo, seen, hi = 0, 0, len(self.data)  # ``seen``: the line feeds of data[:lo]
        while hi - lo > 2048:
            mid = (lo + hi) // 2
            count = self.count(lo, mid)
            if seen + count >= n:
                hi = mid
            else:
                lo, seen = mid, seen + count
        at = lo - 1
        for _ in range(n - seen):
            at = self.data.find(b"\n", at + 1)
        return at


class JsonLines(Reader):
    """One record a physical line; never holds more than one line, or, in ``chunks``, more
    than a chunk's lines and the start of the next."""

    def __init__(self, stream: BinaryIO, total: int | None = None, max_bytes=MAX_LINE_BYTES):
        self.stream, self.total, self.max_bytes = stream, total, max_bytes

    def __iter__(self) -> Iterator[Item]:
        yield from read_lines(self.stream, self.max_bytes, self)

    def chunks(
        self, lines: int, chunk_bytes: int = 0, by_range: bool = False
    ) -> Iterator[Iterable[Item]]:
        """``Lines`` of ``lines`` lines each (the last fewer; fewer too once a chunk holds
        ``chunk_bytes``, by default ``CHUNK_BYTES``: long lines), cut from what is read as it
        comes (a pipe is not waited for beyond what it has given); a line longer than
        ``max_bytes`` is skipped to its end, never held, and given as a problem. With
        ``by_range``, from a regular file: the same chunks as ``Span``s (``spans``)."""
        if by_range and self._regular():
            yield from self.spans(lines, chunk_bytes)
            return
        read = getattr(self.stream, "read1", None) or self.stream.read
        most = chunk_bytes or CHUNK_BYTES
        number, buf, eof = 1, b"", False
        while not eof:
            data = read(_CHUNK)
            eof = not data
            self.done += len(data)
            buf = buf + data if buf else data
            start = 0
            while True:
                end, n = start, 0
                while n < lines and end - start < most and (at := buf.find(b"\n", end)) >= 0:
                    end, n = at + 1, n + 1
                if n < lines and end - start < most:
                    break
                yield Lines(number, buf[start:end], self.max_bytes)
                number, start = number + n, end
            buf = buf[start:]
            if eof:
                if buf:
                    yield Lines(number, buf, self.max_bytes)
                return
            tail = len(buf) - (buf.rfind(b"\n") + 1)  # the line not ended yet
            if tail > self.max_bytes:
                if len(buf) > tail:
                    yield Lines(number, buf[:-tail], self.max_bytes)
                    number += buf.count(b"\n")
                yield [(number, None, too_long(self.max_bytes))]
                number += 1
                buf, eof = self._skip_line(read)

    def _regular(self) -> bool:
        try:
            return stat.S_ISREG(os.fstat(self.stream.fileno()).st_mode) and self.stream.seekable()
        except (AttributeError, OSError, ValueError):  # not a file of the system's
            return False

    def spans(self, lines: int, chunk_bytes: int = 0) -> Iterator[Iterable[Item]]:
        """The chunks of ``chunks``, from a regular file, as ``Span``s: this process reads
        each piece of the file once, only to count its line feeds and find where a chunk ends
        (in C, never line by line); the lines are read again, split and decoded where the
        span is iterated. A line longer than a chunk's bytes is followed to its end; longer
        than ``max_bytes``, it is given as a problem, never held."""
        fd, most = self.stream.fileno(), chunk_bytes or CHUNK_BYTES
        pos = self.stream.tell()
        number, window = 1, min(most, 64 << 10)
        while data := _pread(fd, window, pos):
            full = len(data) == window  # else the end of the file
            feeds = _Feeds(data)
            n = feeds.count()
            if n < lines and full and window < most:
                window = min(most, window * 2)  # read again, more of it
                continue
            tail = not full and not data.endswith(b"\n")  # the last line, with no line feed
            if n + tail > lines:
                end, n = feeds.nth(lines) + 1, lines
            elif not full:
                end, n = len(data), n + tail
            elif n:
                end = data.rfind(b"\n") + 1
            else:  # a line longer than ``most``: to its end
                end, ended = self._line_end(fd, pos)
                if end - ended > self.max_bytes:
                    yield [(number, None, too_long(self.max_bytes))]
                    pos, number = pos + end, number + 1
                    self.done = pos
                    continue
                n = 1
            yield Span(number, fd, pos, end, n, self.max_bytes)
            pos, number = pos + end, number + n
            self.done = pos
            # The next window: about as many bytes as these lines took, and some.
            window = min(most, max(64 << 10, end + end // 4))

    @staticmethod
    def _line_end(fd: int, pos: int) -> tuple[int, bool]:
        """The bytes from ``pos`` to the end of its line, its line feed included, and whether
        it has one (the file's last line may not)."""
        at = pos
        while data := os.pread(fd, _CHUNK, at):
            found = data.find(b"\n")
            if found >= 0:
                return at + found + 1 - pos, True
            at += len(data)
        return at - pos, False

    def _skip_line(self, read) -> tuple[bytes, bool]:
        """Read to the end of the line: what follows it, and whether the input ended."""
        while data := read(_CHUNK):
            self.done += len(data)
            at = data.find(b"\n")
            if at >= 0:
                return data[at + 1 :], False
        return b"", True

    def close(self) -> None:
        self.stream.close()


def read_lines(
    stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES, count: Reader | None = None
) -> Iterator[Item]:
    """``(line number, text, problem)`` per physical line; never holds more than one line."""
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if count is not None:
            count.done += len(raw)
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # drain the rest of the long line
                raw = stream.readline(_CHUNK)
                if count is not None:
                    count.done += len(raw)
            yield number, None, too_long(max_bytes)
            continue
        yield _line(number, raw.removesuffix(b"\n"), max_bytes)


def _line(number: int, raw: bytes, max_bytes: int) -> Item:
    """A line's item, from its bytes without the line feed."""
    if len(raw) > max_bytes:
        return number, None, too_long(max_bytes)
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return number, None, not_utf8(err.start + 1)
    return number, text.rstrip("\r\n"), None


def is_blank(text: str) -> bool:
    return not text.strip(JSON_SPACE)


class BadFile(Exception):
    """A cases file refused as a whole (a CSV file whose header cannot be used): the message
    says where, and how many rows were not read."""


class Csv(Reader):
    """A header of field names, then one record a row (numbered by the line it starts on).

    A cell is read as JSON when it starts with ``[`` or ``{`` (a list of acts, an object);
    ``true`` and ``false`` are booleans; an empty cell is a field not given; anything else is
    text, which the rulebook reads as it reads text facts (``"5000"`` is 5000, exactly).

    The header is read first (``check``): without a usable one no row can be read, so the
    file is refused as a whole (``BadFile``), its rows counted, before anything is decided.
    """

    def __init__(self, stream: BinaryIO, total: int | None = None, max_bytes=MAX_LINE_BYTES):
        self.stream, self.total, self.max_bytes = stream, total, max_bytes
        self._rows = None
        self._header: list[str] | None = None

    def check(self, known: Collection[str] | None = None) -> None:
        """Read the header; ``BadFile`` if it cannot name the fields of the rows, or names
        a column that is none of ``known``."""
        if self._rows is not None:
            return
        csv.field_size_limit(self.max_bytes)
        text = io.TextIOWrapper(self.stream, "utf-8-sig", "surrogateescape", newline="")
        self._text = text
        self._rows = csv.reader(text, strict=True)
        try:
            self._header = next(self._rows, None)
        except csv.Error as err:
            bad = f"the header cannot be read as CSV: {err}"
        else:
            bad = None if self._header is None else _not_utf8(self._header)
            bad = bad or (None if self._header is None else _bad_header(self._header))
            if bad is None and self._header is not None and known is not None:
                bad = unknown_columns(self._header, known, "the header names")
        if bad is not None:
            rows = self._count_rows()
            raise BadFile(
                f"1: {bad}; the file is refused ({rows:,} {'row' if rows == 1 else 'rows'} "
                "not read)"
            )

    def _count_rows(self) -> int:
        """The rows after the header (a row that is not valid CSV counts; a blank line not)."""
        n = 0
        while True:
            try:
                cells = next(self._rows)
            except StopIteration:
                return n
            except csv.Error:
                cells = [""]
            n += bool(cells)

    def __iter__(self) -> Iterator[Item]:
        self.check()
        header = self._header
        if header is None:  # an empty file
            return
        # The rows again from where the header ended, through lines that can be read twice:
        # a row that is not valid CSV is its first line only, and the lines it took after
        # that are read again (a seventh QA round: one quote never closed took the 199,989
        # rows after it into one cell, counted as one line).
        lines = _Relines(self._rows.line_num, self._text)
        rows = csv.reader(lines, strict=True)
        while True:
            first = lines.start()
            try:
                cells = next(rows)
            except StopIteration:
                return
            except csv.Error as err:
                more = lines.again_after_first()
                after = (
                    "the line after it is read on its own"
                    if more == 1
                    else f"the {more:,} lines after it are read on their own"
                )
                why = f"{err}; a quote opened on this line is not closed on it: {after}"
                why_zh = f"{err}；本行的引号在本行未闭合：其后 {more:,} 行单独读取"
                if not more:
                    why = why_zh = f"{err}"
                yield first, None, Said(f"not valid CSV: {why}", f"不是有效的 CSV：{why_zh}")
                rows = csv.reader(lines, strict=True)  # the reader's state ended with the error
                continue
            self.done = self.stream.tell() if self.stream.seekable() else self.done
            if not cells:
                yield first, "", None  # a blank line
                continue
            yield first, *_csv_record(header, cells)

    def close(self) -> None:
        self.stream.close()


class _Relines:
    """A text's lines for a CSV reader, numbered, each row's lines kept until the next row
    starts, so that those after a bad row's first line can be given back and read again."""

    def __init__(self, read: int, text: Iterable[str]):
        self._text = iter(text)
        self._again: collections.deque[str] = collections.deque()
        self._taken: list[str] = []
        self.number = read  # lines handed out so far (those given back not counted)

    def __iter__(self) -> _Relines:
        return self

    def __next__(self) -> str:
        line = self._again.popleft() if self._again else next(self._text)
        self.number += 1
        self._taken.append(line)
        return line

    def start(self) -> int:
        """A new row begins: the number of its first line."""
        self._taken.clear()
        return self.number + 1

    def again_after_first(self) -> int:
        """The lines of the row that failed, after its first, to be read again: how many."""
        later = self._taken[1:]
        self._again.extendleft(reversed(later))
        self.number -= len(later)
        self._taken.clear()
        return len(later)


def _not_utf8(cells: list[str]) -> str | None:
    """Where a header that is not UTF-8 text first goes wrong (its field names would be
    written back as text nowhere can hold: issue 9, an exit 70)."""
    at = 0
    for cell in cells:
        try:
            cell.encode("utf-8")
        except UnicodeEncodeError as err:
            at += len(cell[: err.start].encode("utf-8", "surrogateescape"))
            utf16 = (
                " (a UTF-16 file? save it as UTF-8)" if cells[0].startswith("\udcff\udcfe") else ""
            )
            return f"the header is not UTF-8 text (byte {at + 1} of the line){utf16}"
        at += len(cell.encode("utf-8")) + 1
    return None


def _bad_header(cells: list[str]) -> str | None:
    if not cells:
        return "the first line is blank; a CSV file starts with a header naming its fields"
    for i, c in enumerate(cells, 1):
        if not c.strip():
            return f"column {i} of the header has no name; it names a field in every column"
    seen = set()
    for c in cells:
        if c in seen:
            return f"the header names the column '{c}' twice"
        seen.add(c)
    return None


def unknown_columns(names: list[str], known: Collection[str], has: str) -> str | None:
    """What is wrong with the columns of a table that name no field in ``known`` (the
    rulebook's inputs, the fields its input adapters read, a case's own keys): every row
    would be skipped for them with the same reason, which would bury the one mistake, so
    the file is refused once, each such column named with a did-you-mean."""
    wrong = [n for n in names if n not in known]
    if not wrong:
        return None
    said = []
    for name in wrong:
        close = [k for k in known if k.casefold() == name.strip().casefold()]
        close = close or difflib.get_close_matches(name.strip(), list(known), n=1)
        said.append(f"{name!r}" + (f" (did you mean '{close[0]}'?)" if close else ""))
    one = len(wrong) == 1
    return (
        f"{has} the {'column' if one else 'columns'} {', '.join(said)}, "
        f"{'which is no field' if one else 'which are no fields'} of the rulebook "
        "(its inputs, the fields its input adapters read, or a case's own keys)"
    )


def _csv_record(header: list[str], cells: list[str]) -> tuple[dict | None, Said | None]:
    if len(cells) != len(header):
        return None, Said(
            f"{_count(len(cells), 'cell')}, but the header names {_count(len(header), 'column')}",
            f"有 {len(cells)} 个单元格，但表头列出 {len(header)} 列",
        )
    record: dict[str, Any] = {}
    for name, cell in zip(header, cells):
        try:
            cell.encode("utf-8")
        except UnicodeEncodeError:
            return None, Said(f"{name}: not UTF-8 text", f"{name}：不是 UTF-8 文本")
        if cell == "":
            continue
        if cell[0] in "[{":
            try:
                record[name] = loads_json(cell)
            except (ValueError, RecursionError) as err:
                return None, _bad_json(name, err)
        elif cell in ("true", "false"):
            record[name] = cell == "true"
        else:
            record[name] = cell
    return record, None


def _bad_json(name: str, err: Exception) -> Said:
    """A cell that starts as JSON and is not: the parser's words, and its place in the cell."""
    zh = str(err)
    if isinstance(err, json.JSONDecodeError):
        said = getattr(err, "zh", None) or json_problem_zh(err.msg)
        zh = f"{said}（第 {err.colno} 列）"
    return Said(f"{name}: not valid JSON: {err}", f"{name}：不是有效的 JSON：{zh}")


class Parquet(Reader):
    """Rows of a Parquet file (or a folder of them), a batch at a time; a null is a field not
    given. Decimal columns stay exact; a floating-point column is refused by the facts, as a
    binary float always is. Each part of a folder is read with its own column types, as the
    file alone would be: read as one dataset, a later part was cast to the first part's types
    (a float part decided as decimals) or failed on them (issue 9)."""

    def __init__(self, path: str, batch_rows: int = 10_000):
        pq = need("pyarrow.parquet", "batch", "Reading Parquet")
        ds = need("pyarrow.dataset", "batch", "Reading Parquet")
        self.paths = ds.dataset(path, format="parquet").files if Path(path).is_dir() else [path]
        self.total = sum(pq.ParquetFile(p).metadata.num_rows for p in self.paths)
        self.batch_rows = batch_rows
        self.pq = pq

    def check(self, known: Collection[str] | None = None) -> None:
        """``BadFile`` for a column named twice (in any part of a folder): read as records,
        the last one silently took the field (QA round six), and JSON and CSV refuse a field
        given twice; and for a column that is none of ``known``, as a CSV header's."""
        for path in self.paths:
            seen: set[str] = set()
            names = self.pq.ParquetFile(path).schema_arrow.names
            where = f" (in {path})" if len(self.paths) > 1 else ""
            rows = how_many_rows(self.total)
            for name in names:
                if name in seen:
                    raise BadFile(
                        f" the column '{name}' is named twice{where}; the file is refused "
                        f"({rows} not read)"
                    )
                seen.add(name)
            bad = None if known is None else unknown_columns(names, known, "the file has")
            if bad is not None:
                raise BadFile(f" {bad}{where}; the file is refused ({rows} not read)")

    def _batches(self, size: int):
        for path in self.paths:
            with self.pq.ParquetFile(path) as part:
                yield from part.iter_batches(size)

    def __iter__(self) -> Iterator[Item]:
        number = 0
        for batch in self._batches(self.batch_rows):
            for row in batch.to_pylist():
                number += 1
                self.done = number
                yield number, _without_nulls(row), None

    def chunks(
        self, lines: int, chunk_bytes: int = 0, by_range: bool = False
    ) -> Iterator[Iterable[Item]]:
        """``Rows``: Arrow batches of ``lines`` rows, read into records where decided."""
        for batch in self._batches(lines):
            if batch.num_rows:
                yield Rows(self.done + 1, batch)
                self.done += batch.num_rows


class Rows:
    """Rows of a Parquet file as read (an Arrow batch), the first numbered ``first``."""

    __slots__ = ("first", "batch")

    def __init__(self, first: int, batch):
        self.first, self.batch = first, batch

    def __reduce__(self):
        return Rows, (self.first, self.batch)

    def __iter__(self) -> Iterator[Item]:
        for number, row in enumerate(self.batch.to_pylist(), self.first):
            yield number, _without_nulls(row), None


def _count(n: int, what: str) -> str:
    return f"{n:,} {what if n == 1 else what + 's'}"


def how_many_rows(n: int) -> str:
    return f"{n:,} {'row' if n == 1 else 'rows'}"


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def open_reader(path: str, fmt: str, stream: BinaryIO | None = None) -> Reader:
    """A reader of ``path`` in ``fmt``; ``stream`` is the opened file or standard input
    (Parquet is read by path: it cannot be streamed)."""
    if fmt == "parquet":
        return Parquet(path)
    assert stream is not None
    total = None
    if path != "-":
        try:
            total = Path(path).stat().st_size or None
        except OSError:
            total = None
    return (Csv if fmt == "csv" else JsonLines)(stream, total)
