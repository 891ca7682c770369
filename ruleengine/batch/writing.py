"""Writing results: JSON Lines, CSV or Parquet by the output's suffix, and the errors file.

Rows are encoded where they are decided (``encode``, in a worker), so the process that writes
only copies bytes or Arrow tables in input order. The cells are those of ``table``: exact text
for numbers, never a binary float. In CSV, a list (a set's members, the rules that decided) is
a JSON array, a boolean ``true``/``false``, an undecided value an empty cell. In Parquet, text
columns are strings, lists are lists of strings, ``line`` an integer and booleans booleans: no
floating-point column, so no threshold is ever rounded.

The errors file (``OUT.errors.jsonl``) gets one JSON line per line that could not be decided:
its number, the case id when it could be read, the field at fault, the reason and the cause.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, BinaryIO

from .inputs import need
from .records import Skipped
from .table import Schema

#: Rows per Parquet row group: big enough to read well, small enough to hold.
ROW_GROUP = 50_000
OUTPUTS = ("jsonl", "csv", "parquet")


def errors_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name.rstrip("/") + ".errors.jsonl")


# ------------------------------------------------------------------ encoding (in the workers)
def encode(schema: Schema, rows: list[list], output: str) -> Any:
    """A chunk's rows as the output takes them: bytes (JSON Lines, CSV), an Arrow table
    (Parquet), or the rows themselves."""
    if output == "jsonl":
        names = schema.names
        return "".join(
            json.dumps(dict(zip(names, row)), ensure_ascii=False) + "\n" for row in rows
        ).encode("utf-8")
    if output == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([_csv_cell(c) for c in row] for row in rows)
        return out.getvalue().encode("utf-8")
    if output == "parquet":
        return arrow_table(schema, rows)
    return rows


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
    if output in ("jsonl", "csv"):
        return b"".join(parts)
    if output == "parquet":
        pa = need("pyarrow", "batch", "Writing Parquet")
        return pa.concat_tables(parts) if parts else None
    return [row for part in parts for row in part]


# ------------------------------------------------------------------ writing (in order)
class ResultsWriter:
    """Encoded chunks written in the order given; Parquet in row groups of ``ROW_GROUP``."""

    def __init__(self, path: str | Path, output: str, schema: Schema):
        self.path, self.output, self.schema = Path(path), output, schema
        self.rows = 0
        self._pending: list = []
        self._pending_rows = 0
        if output == "parquet":
            pq = need("pyarrow.parquet", "batch", "Writing Parquet")
            self._writer = pq.ParquetWriter(self.path, arrow_schema(schema))
            self._file: BinaryIO | None = None
        else:
            self._writer = None
            self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close)
            if output == "csv":
                header = io.StringIO()
                csv.writer(header, lineterminator="\n").writerow(schema.names)
                self._file.write(header.getvalue().encode("utf-8"))

    def write(self, encoded: Any, count: int) -> None:
        self.rows += count
        if self._file is not None:
            self._file.write(encoded)
            return
        if encoded is None or encoded.num_rows == 0:
            return
        self._pending.append(encoded)
        self._pending_rows += encoded.num_rows
        if self._pending_rows >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pa = need("pyarrow", "batch", "Writing Parquet")
            self._writer.write_table(pa.concat_tables(self._pending), row_group_size=ROW_GROUP)
            self._pending, self._pending_rows = [], 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        else:
            self._flush()
            self._writer.close()


class ErrorsWriter:
    """One JSON line per line skipped; the file is written even when empty, so that one left
    by an earlier run never passes for this one's."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close)

    def write(self, skipped: list[Skipped]) -> None:
        for s in skipped:
            self._file.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._file.close()
