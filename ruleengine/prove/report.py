"""``check --prove`` as text and JSON: each finding as a diagnostic pointing at the rules
involved, its periods, its witness and what replaying the witness showed."""

from __future__ import annotations

import json
from pathlib import Path

from ruleengine_dsl.diagnostics import Diagnostic, Severity

from .findings import CODES, Finding, Report

#: What replaying a witness through ``explain`` shows, per code.
SHOWS = {
    "P100": "explain shows both rules applying with different values (a conflict)",
    "P102": "explain shows the target firing while the exception does not apply",
    "P103": "explain shows the rule set aside",
    "P104": "explain shows no rule deciding it",
}


def _period(start, end) -> str:
    if start is None and end is None:
        return "at all times"
    if start is None:
        return f"before {end}"
    if end is None:
        return f"from {start}"
    return f"from {start} until {end}"


def render_finding(f: Finding, bound: int | None = None) -> str:
    """``bound``: the list bound, where the rulebook has lists of facts (absence is proven
    only up to it)."""
    severity = Severity.WARNING if f.declared is not None else Severity.ERROR
    message = f.message + (f" (declared: {f.declared})" if f.declared is not None else "")
    out = [Diagnostic(f.code, message, f.spans[0], severity).render()]
    for span, note in zip(f.spans[1:], f.notes + ["also here"] * len(f.spans)):
        out.append(f"{span.location()}: note: {note}\n{span.excerpt()}")
    out.append("     = when: " + "; ".join(_period(a, b) for a, b in f.periods))
    if f.proof:
        out.append(f"     = proof: {f.proof}")
    if f.witness is not None:
        shown = json.dumps(f.witness, ensure_ascii=False)
        replayed = (
            SHOWS.get(f.code, "replayed") if f.replayed is True else f"NOT shown: {f.replayed}"
        )
        out.append(f"     = witness: {shown}")
        out.append(f"     = replayed: {replayed}")
    elif f.code in ("P101", "P105"):
        out.append("     = witness: none can exist: no case reaches it (the solver proved it)")
    if bound is not None and f.code in ("P101", "P102", "P103", "P105"):
        out.append(
            f"     = bound: proven for lists of facts of up to {bound} elements; "
            "a longer list may still reach it (--list-bound)"
        )
    return "\n".join(out)


def render_text(report: Report) -> str:
    bound = report.list_bound if report.bounded_lists else None
    out = [render_finding(f, bound) for f in report.findings]
    if report.adapters and any(f.witness is not None for f in report.findings):
        out.append(
            f"{report.rulebook}: witnesses are the rulebook's own facts, replayed through its "
            f"input adapter(s) {', '.join(report.adapters)}; they are not written in an "
            "adapter's other input form (the prover does not invert an adapter)"
        )
    for n in report.not_proven:
        where = n.span.location() if n.span is not None else report.rulebook
        out.append(f"{where}: not proven: {n.describe()}")
    for name, span in report.bounded_lists.items():
        where = span.location() if span is not None else report.rulebook
        out.append(
            f"{where}: bounded: '{name}' is proven for lists of up to {report.list_bound} "
            "elements (--list-bound)"
        )
    undeclared = len(report.undeclared)
    declared = len(report.findings) - undeclared
    out.append(
        f"{report.rulebook}: proven over {report.periods} period(s): {undeclared} finding(s), "
        f"{declared} declared overlap(s), {len(report.not_proven)} not proven"
    )
    return "\n".join(out)


def finding_json(f: Finding) -> dict:
    return {
        "code": f.code,
        "kind": CODES[f.code],
        "message": f.message,
        "rules": list(f.rules),
        "conclusion": f.conclusion,
        "spans": [s.to_json() for s in f.spans],
        "periods": [
            {"from": a.isoformat() if a else None, "until": b.isoformat() if b else None}
            for a, b in f.periods
        ],
        "witness": f.witness,
        "replayed": f.replayed,
        "proof": f.proof,
        "declared": f.declared,
    }


def report_json(report: Report) -> dict:
    return {
        "ok": not report.undeclared,
        "rulebook": report.rulebook,
        "periods": report.periods,
        "findings": [finding_json(f) for f in report.findings],
        "not_proven": [
            {
                "construct": n.construct,
                "span": n.span.to_json() if n.span is not None else None,
            }
            for n in report.not_proven
        ],
        "list_bound": report.list_bound,
        "adapters": list(report.adapters),
        "bounded_lists": sorted(report.bounded_lists),
    }


def write_witnesses(report: Report, folder: Path) -> list[Path]:
    """Each witness as a case file ``P100-1.json`` (numbered per code) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written, counts = [], {}
    for f in report.findings:
        if f.witness is None:
            continue
        counts[f.code] = counts.get(f.code, 0) + 1
        path = folder / f"{f.code}-{counts[f.code]}.json"
        path.write_text(json.dumps(f.witness, ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written
