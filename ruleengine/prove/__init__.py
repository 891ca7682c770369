"""Proven before any case runs: conflicts, dead rules and exceptions, gaps, unreachable scale
values, each with a witness case where one exists (docs/prove.md).

Needs the optional extra ``ruleengine[prove]`` (the z3 SMT solver); ``available()`` says
whether it is installed, so the command line can say how to get it instead of failing.
"""

from __future__ import annotations


def available() -> bool:
    try:
        import z3  # noqa: F401
    except ImportError:
        return False
    return True


def prove_rulebook(book, list_bound: int = 3, adapt=None, adapters: tuple[str, ...] = ()):
    """The report of ``book`` (a ``CompiledRulebook``), every witness replayed, through the
    rulebook's input adapters where given (``plugins.adapter_chain``, named ``adapters``)."""
    import attrs

    from .findings import prove
    from .witness import replay

    report = prove(book, list_bound)
    report.adapters = tuple(adapters)
    for finding in report.findings:
        finding.replayed = replay(book, finding, adapt)
        for region in finding.regions:  # a gap's: each region's own witness
            region.replayed = replay(book, attrs.evolve(finding, witness=region.witness), adapt)
    return report
