"""A progress bar for a batch, on standard error when it is a terminal, silent otherwise:
lines read, cases per second, lines skipped, the path most persons took (columnar or one by
one; the totals say why), time left (from bytes or rows read of the
whole, when the input's size is known)."""

from __future__ import annotations

import sys
import time

from .inputs import Reader
from .running import Totals


class Bar:
    def __init__(self, reader: Reader, label: str, enabled: bool | None = None):
        self.reader = reader
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._progress = None
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[lines]:,} lines"),
                TextColumn("{task.fields[rate]:,.0f} cases/s"),
                TextColumn("{task.fields[skipped]:,} skipped"),
                TextColumn("{task.fields[path]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._task = self._progress.add_task(
                label, total=reader.total, lines=0, rate=0.0, skipped=0, path=""
            )

    def __enter__(self) -> Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, totals: Totals) -> None:
        if self._progress is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self._progress.update(
            self._task,
            completed=self.reader.done,
            lines=totals.lines + totals.blank,
            rate=totals.cases / elapsed,
            skipped=totals.lines_skipped,
            path=_path(totals.paths),
        )


def _path(paths: dict[str, int]) -> str:
    """The path most persons took so far, without the why: ``columnar (numpy)``, ``one by one``."""
    if not paths:
        return ""
    return max(paths, key=paths.__getitem__).split(":")[0]
