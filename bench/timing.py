"""Timing shared by the benchmarks: interleaved repetitions, reported as a median with its
min..max (the machine is shared: one timing alone says little)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def interleaved(
    runs: dict[str, Callable[[], object]],
    repeats: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Each run, in turn, ``repeats`` times round: drift on the machine hits all alike.
    Returns the seconds each repetition of each run took. The collector is run before each
    timing, so that one run does not pay for the garbage of another.

    ``clock``: wall time by default; ``time.process_time`` counts only the time this process
    ran, not the time it waited for a processor, which on a loaded machine a long run (many
    milliseconds) always includes and a short one often does not."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            gc.collect()
            start = clock()
            fn()
            times[name].append(clock() - start)
    return times


def spread(seconds: list[float], scale: float = 1.0) -> tuple[float, float, float]:
    """(median, min, max), each multiplied by ``scale``."""
    return (
        statistics.median(seconds) * scale,
        min(seconds) * scale,
        max(seconds) * scale,
    )


def shown(median: float, low: float, high: float, digits: int = 2) -> str:
    return f"{median:.{digits}f} ({low:.{digits}f}..{high:.{digits}f})"
