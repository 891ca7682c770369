"""CPU time of the explanation pages for one case: the result page (the outcome, at once)
and the what-if page (the result with what would change it, asked for with its button).

Each page is requested through FastAPI's TestClient in this process, the pages' cache of
recent results emptied before each request; CPU time is the process's (every thread), so
the figure does not depend on the load of a shared machine the way wall time does. The
page kinds are interleaved; median and min..max of the repetitions.

    python bench/bench_pages.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("ccdi", ROOT / "examples" / "ccdi" / "kickbacks.json"),
    ("pi2017", ROOT / "examples" / "pi2017" / "courier_sells_waybills.json"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from ruleengine.server import Settings, create_app, forms
    from ruleengine.server.library import load_library

    library = load_library()
    client = TestClient(create_app(Settings(timeout=600.0), library))
    form = {"content-type": "application/x-www-form-urlencoded"}
    for name, path in CASES:
        rulebook = library.books[name].book.rulebook
        case = forms.split_case(rulebook, json.loads(path.read_text(encoding="utf-8")))
        query = urlencode(forms.to_query(rulebook, case, "en"))
        client.get(f"/book/{name}?{query}")  # warm: templates, the form's help
        result, whatif = f"/book/{name}/result?{query}", f"/book/{name}/whatif"
        pages = {
            "result": lambda url=result: client.get(url),
            "what-if": lambda url=whatif, q=query: client.post(url, content=q, headers=form),
        }
        cpu: dict[str, list[float]] = {page: [] for page in pages}
        links = {}
        for _ in range(args.repeats):
            for page, request in pages.items():
                client.app.state.recent.clear()
                start = time.process_time()
                response = request()
                cpu[page].append(time.process_time() - start)
                assert response.status_code == 200, response.text[:500]
                links[page] = response.text.count('class="whatif"')
        for page, times in cpu.items():
            print(
                f"{name} {path.name} {page} page: {statistics.median(times):.2f} s CPU "
                f"({min(times):.2f}..{max(times):.2f}), {links[page]} what-if links"
            )


if __name__ == "__main__":
    main()
