"""Many cases at once: per-person results, summaries, cross-tabs, diffs (docs/batch.md).

One module per responsibility: ``inputs`` (reading JSON Lines, CSV, Parquet), ``records``
(a line's persons, case files, why a line is skipped), ``table`` (the results' columns),
``running`` (deciding chunks, here or on every core), ``writing`` (results and errors files),
``results`` (a results file as DuckDB reads it), ``summaries`` (counts and cross-tabs),
``provisions`` (how often each provision decided), ``diff`` (two dates or two versions of the
rules), ``dask_runner`` (the same on a Dask cluster), ``commands`` (what the commands do).

The names below are imported from their module when first used, so that ``eval``, which
needs only ``records``, does not load the rest.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "inputs": ("JSON_SPACE", "MAX_LINE_BYTES", "MissingExtra", "read_lines"),
    "records": (
        "CASE_KEYS",
        "CAUSES",
        "NAME_KEY",
        "PERSON_LISTS",
        "BadLine",
        "Fault",
        "Skipped",
        "fault",
        "is_case_file",
        "split_record",
        "subject_facts",
        "unwrap",
    ),
    "running": ("BookSpec", "Context", "Decided", "Options", "Totals", "decide_chunk", "run"),
    "summaries": ("Summary", "render_text", "summarise", "to_json"),
    "table": ("Part", "Schema", "parts_of"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str):
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
