"""Timing shared by the benchmarks: interleaved repetitions, reported as a median with its
min..max (the machine is shared: one timing alone says little)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def interleaved(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Each run, in turn, ``repeats`` times round: drift on the machine hits all alike.
    Returns the seconds each repetition of each run took. The collector is run before each
    timing, so that one run does not pay for the garbage of another."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
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
