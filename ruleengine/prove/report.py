"""``check --prove`` as text and JSON: each finding as a diagnostic pointing at the rules
involved, its periods, its witness and what replaying the witness showed."""

from __future__ import annotations

import json
from pathlib import Path

from ruleengine_dsl.diagnostics import Diagnostic, Severity

from . import regions
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
    if f.regions:
        out += _regions(f)
    elif f.witness is not None:
        out.append(f"     = witness: {json.dumps(f.witness, ensure_ascii=False)}")
        out.append(f"     = replayed: {_replayed(f.code, f.replayed)}")
    elif f.code in ("P101", "P105"):
        out.append("     = witness: none can exist: no case reaches it (the solver proved it)")
    if bound is not None and f.code in ("P101", "P102", "P103", "P105"):
        out.append(
            f"     = bound: proven for lists of facts of up to {bound} elements; "
            "a longer list may still reach it (--list-bound)"
        )
    return "\n".join(out)


def _replayed(code: str, replayed) -> str:
    return SHOWS.get(code, "replayed") if replayed is True else f"NOT shown: {replayed}"


def _regions(f: Finding) -> list[str]:
    """A gap's regions, numbered, each with its periods (where not all the finding's), its
    witness and what replaying it showed."""
    described = [r for r in f.regions if r.text]
    if f.more_regions:
        head = (
            f"the first {len(described)} found (the cap, {regions.MAX_REGIONS} per period: "
            "there are more)"
        )
    else:
        head = f"{len(described)} found" + (", all of them" if not f.regions_note else "")
    out = [f"     = regions where no rule decides it: {head}"]
    for i, r in enumerate(f.regions, 1):
        text = r.text or f"not described: {f.regions_note}"
        if r.periods and sorted(r.periods, key=str) != sorted(f.periods, key=str):
            text += " (" + "; ".join(_period(a, b) for a, b in r.periods) + ")"
        out.append(f"       {i}. {text}")
        if r.witness is not None:
            out.append(f"          witness: {json.dumps(r.witness, ensure_ascii=False)}")
            out.append(f"          replayed: {_replayed(f.code, r.replayed)}")
    if f.regions_note and all(r.text for r in f.regions):
        out.append(f"     = not described: {f.regions_note}")
    return out


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
        "periods": _periods_json(f.periods),
        "witness": f.witness,
        "replayed": f.replayed,
        "proof": f.proof,
        "declared": f.declared,
        "regions": [
            {
                "text": r.text or None,
                "tests": [{"test": t.text, "holds": v} for t, v in r.literals],
                "periods": _periods_json(r.periods),
                "witness": r.witness,
                "replayed": r.replayed,
            }
            for r in f.regions
        ],
        "regions_cap": regions.MAX_REGIONS if f.code == "P104" else None,
        "more_regions": f.more_regions,
        "regions_not_described": f.regions_note,
    }


def _periods_json(periods) -> list[dict]:
    return [
        {"from": a.isoformat() if a else None, "until": b.isoformat() if b else None}
        for a, b in periods
    ]


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
    """Each witness as a case file ``P100-1.json`` (numbered per code) in ``folder``; a
    gap's regions after the first as ``P104-1-2.json``, ``P104-1-3.json``, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    written, counts = [], {}
    for f in report.findings:
        if f.witness is None:
            continue
        counts[f.code] = counts.get(f.code, 0) + 1
        path = folder / f"{f.code}-{counts[f.code]}.json"
        path.write_text(json.dumps(f.witness, ensure_ascii=False, indent=2) + "\n")
        written.append(path)
        for i, r in enumerate(f.regions[1:], 2):  # a gap's other regions: P104-1-2.json, ...
            if r.witness is not None:
                path = folder / f"{f.code}-{counts[f.code]}-{i}.json"
                path.write_text(json.dumps(r.witness, ensure_ascii=False, indent=2) + "\n")
                written.append(path)
    return written
