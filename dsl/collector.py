"""Pausing Python's cyclic garbage collector while a large structure is built.

Kept apart from the parser so that the engine can pause it without loading Lark.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused while a large structure is built.

    Parsing, checking and compiling a large rule text make millions of objects and no cycles
    among them, and the collector would go through all of them again each time their number
    grew by a quarter: a quarter of the time. Resumes only a collector it paused itself."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
