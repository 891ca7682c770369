"""A posted rule text checked in a process of its own, ended when its request's time is up.

Parsing and checking a text is one long computation (a 15,000-rule text is some 3 s of CPU,
a text at the 2 MB limit twice that) that no thread can be stopped in, and that holds the
interpreter's lock while it runs: six such texts posted at once kept the service's four
threads checking for some 20 s after their requests had been answered "took too long",
every other request meanwhile answered "busy", and SIGTERM waited for them (qa8). Here the
text is checked in a child process (``textcheck``, forked by multiprocessing's fork server,
which has ruleengine and the plugins loaded, so a child starts in milliseconds); the
request's thread waits for it, looking at its stop signal (``ruleengine.stopping``) between
waits, and kills the child once the signal is set. The checked rulebook comes back pickled
(the plugins' functions by name, as the disk cache keeps them) and is compiled here as any
other. As everywhere multiprocessing starts a process, a program that creates the service
itself must guard its main module (``if __name__ == "__main__":``); ``ruleengine serve``
does.
"""

from __future__ import annotations

import functools
import multiprocessing
import pickle
from typing import Any

from ruleengine_dsl.diagnostics import DiagnosticError

from .. import stopping
from ..loader import load_text

#: Seconds between two looks at the stop signal while the child checks.
POLL = 0.05


@functools.lru_cache(maxsize=1)
def _context():
    """A fork server with the checker loaded once, where there is one (Linux, macOS); else
    (Windows) each check's child starts afresh, slower but as safe."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ruleengine.server.textcheck"])  # loaded once, there
    return context


class CheckFailed(Exception):
    """The child ended without an answer (killed from outside, out of memory, a bug)."""


def check_text(text: str, pm: Any):
    """The posted text checked and compiled (``CompiledRulebook``), or ``DiagnosticError``;
    ``stopping.Stopped`` (the child killed) once the request's stop signal is set."""
    from ..compiler import CompiledRulebook
    from ..plugins import registered_functions
    from .textcheck import NAME
    from .textcheck import child as checking

    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=checking, args=(sending, text), daemon=True)
    child.start()
    sending.close()
    try:
        while not receiving.poll(POLL):
            stopping.check()
        stopping.check()  # (not unpickled for a request no longer waiting)
        try:
            data = receiving.recv_bytes()
        except EOFError:
            raise CheckFailed(f"the check ended unanswered (exit {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiving.close()
    # Trusted: pickled by this service's own child from the objects its checker made.
    payload = pickle.loads(data)  # noqa: S301
    if payload[0] == "diagnostics":
        raise DiagnosticError(payload[1])
    if payload[0] == "bug":
        raise CheckFailed(f"the check failed with {payload[1]}")
    functions = registered_functions(pm)
    if payload[0] == "unpicklable" or not set(payload[2]) <= set(functions):
        return load_text(text, NAME, pm=pm)
    rulebook = payload[1]
    rulebook.functions = {n: functions[n] for n in payload[2]}
    return CompiledRulebook(rulebook)
