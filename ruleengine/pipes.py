"""Standard output and error that outlive their reader, so that a closed pipe never decides the
exit code.

A sixth QA round: ``ruleengine test --rules F | head -1`` exited 0 on failing tests, because the
broken pipe ended the command before it could say 1. Here a write to a pipe whose reader has
gone is taken as written: the descriptor is pointed at /dev/null (so nothing later, ours or a
library's, meets the broken pipe again) and the command runs on to its own exit code.
"""

from __future__ import annotations

import io
import os
import stat
import sys


class _Outliving(io.RawIOBase):
    """A descriptor's writer that, once the reader has gone, discards what it is given."""

    def __init__(self, fd: int):
        self._fd = fd
        self.gone = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:
        if not self.gone:
            try:
                return os.write(self._fd, data)
            except BrokenPipeError:
                self.gone = True
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self._fd)
                os.close(devnull)
        return memoryview(data).nbytes


def outlive_readers() -> None:
    """Standard output and error, where each is a pipe or a socket, written through
    ``_Outliving``: with the encoding, error handling and buffering they had."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or stream is not getattr(sys, f"__{name}__"):
            continue  # replaced already (a test runner's capture): left to its owner
        try:
            fd = stream.fileno()
            mode = os.fstat(fd).st_mode
        except (OSError, ValueError, AttributeError):
            continue
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        wrapper = io.TextIOWrapper(
            io.BufferedWriter(_Outliving(fd)),
            encoding=stream.encoding,
            errors=stream.errors,
            line_buffering=stream.line_buffering,
            write_through=name == "stderr",
        )
        setattr(sys, name, wrapper)
