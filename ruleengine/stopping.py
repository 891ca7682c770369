"""Stopping a computation whose caller has stopped waiting for it.

A thread cannot be killed, and a decision is one call of generated code that runs to its end;
but the analyses (the checked nearest miss, what-if's searches) decide a case again dozens or
thousands of times. The service hands each request's thread a stop signal; those loops look
at it before each decision and end with ``Stopped`` once it is set, so a request answered
"took too long" frees its thread after at most one more decision instead of finishing a
search no one will read.

``Stopped`` is a ``BaseException``, as ``KeyboardInterrupt`` is: the analyses' "a change the
rules cannot evaluate reaches nothing" (``except Exception``) must not swallow it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


class Stopped(BaseException):
    """The caller stopped waiting: the computation ends without a result."""


class Terminated(BaseException):
    """The process was told to stop (SIGTERM): the command ends as after Ctrl-C, with exit
    ``128 + signal``. Not a ``SystemExit``: the plugin guards take a plugin's own
    ``sys.exit`` for its failure, and a SIGTERM arriving while a renderer ran was reported
    as "plugin 'ruleengine.render.text' failed: raised SystemExit: 143" (exit 6)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


@contextmanager
def stoppable(signal: threading.Event) -> Iterator[None]:
    """Within the block, in this thread, ``check()`` raises ``Stopped`` once ``signal`` is
    set."""
    before = getattr(_local, "signal", None)
    _local.signal = signal
    try:
        yield
    finally:
        _local.signal = before


def check() -> None:
    """``Stopped`` if this thread's caller has stopped waiting; nothing otherwise (and
    always nothing outside ``stoppable``: the command line is stopped by Ctrl-C)."""
    signal = getattr(_local, "signal", None)
    if signal is not None and signal.is_set():
        raise Stopped


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM held off for the block, then acted on as they would have
    been: for a few renames (a run is never stopped between putting OUT in place and its
    errors file), while writers make their files, and while a pool forks its workers (a
    KeyboardInterrupt raised in one of Python's at-fork hooks is ignored: a Ctrl-C as the
    workers started was lost). Python runs a signal's handler in the main thread whichever
    thread the signal reached; elsewhere than the main thread nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    # (a handler that C code set, which Python cannot give back, is left alone)
    kinds = [kind for kind in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(kind) is not None]
    before = {kind: signal.signal(kind, lambda kind, frame: held.append(kind)) for kind in kinds}
    try:
        yield
    finally:
        for kind, handler in before.items():
            signal.signal(kind, handler)
        for kind in dict.fromkeys(held):
            signal.raise_signal(kind)
