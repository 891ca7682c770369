"""The body of ``ruleengine doc``: test the rulebook, measure coverage, write the site, check
its links."""

from __future__ import annotations

from pathlib import Path


def generate(book, adapt, out: Path, lang: str) -> list[Path]:
    """Write the documentation of a compiled rulebook into ``out``; the files written.

    Raises ImportError when Jinja2 is not installed (the ``doc`` extra), OSError when ``out``
    cannot be written, ``site.NotOurs`` when it holds files ``doc`` did not write (checked
    before the tests run), and RuntimeError when a link written does not resolve (a bug)."""
    from ..coverage import measure
    from ..testing import run_tests
    from . import links, model, site

    site.earlier(out)
    results = run_tests(book, adapt)
    built = model.build(book, results, measure(book, results), lang)
    written = site.write(built, out)
    problems = links.broken_links(written)
    if problems:
        raise RuntimeError("the documentation has broken links: " + "; ".join(problems[:5]))
    return written
