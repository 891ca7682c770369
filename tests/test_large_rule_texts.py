"""Rule texts near the size limit: checking, compiling and explaining stay near-linear in the
size of the text, and memory a small multiple of it (issue 7, item 7).

No timings here (they flake on a shared machine; bench/large_rulebooks.py measures them):
each test counts the operations a formerly super-linear step performs, at N and at a
multiple of N, or bounds the memory a step takes (``tracemalloc``) against the size of its
input, with a wide margin over what the step takes now and far below what it took before.
"""

from __future__ import annotations

import datetime
import tracemalloc

from ruleengine_dsl import parse

DAY = datetime.date(2020, 1, 1)
HEADER = """\
scale seriousness { none low high }
input n: integer = 0
conclusion level: highest seriousness
"""


def peak_memory(step) -> tuple[object, int]:
    """What ``step()`` returns, and the most memory it had allocated at once, in bytes."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = step()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, peak


# ------------------------------------------------------------------ parsing
def test_a_long_string_costs_memory_in_proportion_to_its_length():
    """The pattern of a string literal kept backtracking state for every character: a 2 MB
    note took 400 MB to read."""
    text = HEADER + f'rule r {{ cite article 1 note "{"x" * 500_000}" then level = low }}\n'
    module, peak = peak_memory(lambda: parse(text))
    assert module.decls[-1].notes[0].get("en") == "x" * 500_000
    assert peak < 10 * len(text)  # about 4x now; 60x and more before
