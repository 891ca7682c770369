"""Values computed once for each rulebook and kept while it lives.

A checked rulebook never changes, so what is derived from it alone (the parameters each rule
reads, the parts of the trace's JSON that do not depend on the case) is computed at its first
use and reused. A rulebook is unhashable: the cache is keyed by its identity and holds it
weakly, so the value goes with it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def per_rulebook(fn: Callable[[Any], T]) -> Callable[[Any], T]:
    """``fn(rulebook)``, computed once for each rulebook."""
    cache: dict[int, tuple[weakref.ref, T]] = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def once(rulebook) -> T:
        key = id(rulebook)
        hit = cache.get(key)
        if hit is not None and hit[0]() is rulebook:
            return hit[1]
        value = fn(rulebook)
        with lock:
            cache[key] = (weakref.ref(rulebook, lambda _, key=key: cache.pop(key, None)), value)
        return value

    return once
