"""How often each provision decided something across a batch, and which never did.

From a results table: a rule counts for a person when it decided any of the person's
conclusions (it is in one of the ``NAME.by`` columns), and for a case once. The provisions
*in force* are those in force on at least one date the batch's persons were judged at; those
of them that decided nothing for anybody are listed apart: rules a caseload never reaches, or
whose conditions it never meets.
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from .results import Filter, Results, quote, where_sql


@attrs.define
class Provisions:
    #: (rule, persons, cases, conclusions it decided), the most frequent first.
    decided: list[tuple[str, int, int, list[str]]]
    #: Rules in force on some date judged at that decided nothing, in the rule text's order.
    never: list[str]
    dates: int  # distinct dates judged at


def provisions(results: Results, book, filters: list[Filter] = ()) -> Provisions:
    schema = results.schema
    where, params = where_sql(list(filters))
    by = ", ".join(quote(f"{c}.by") for c in schema.conclusions)
    counts = results.query(
        f"SELECT r, count(*), count(DISTINCT line) FROM (SELECT line, "
        f"unnest(list_distinct(flatten([{by}]))) AS r FROM {results.name}{where}) GROUP BY r",
        params,
    )
    decided = " UNION ALL ".join(
        f"SELECT {_literal(c)} AS c, unnest({quote(c + '.by')}) AS r FROM {results.name}{where}"
        for c in schema.conclusions
    )
    which: dict[str, list[str]] = {}
    if decided:
        rows = results.query(
            f"SELECT r, list(DISTINCT c) FROM ({decided}) GROUP BY r",
            params * len(schema.conclusions),
        )
        order = {c: i for i, c in enumerate(schema.conclusions)}
        which = {r: sorted(cs, key=order.__getitem__) for r, cs in rows}
    days = [
        row[0] for row in results.query(f"SELECT DISTINCT as_of FROM {results.name}{where}", params)
    ]
    in_force = _in_force(book, days)
    rank = {name: i for i, name in enumerate(book.rulebook.rules)}
    found = sorted(
        ((r, p, c, which.get(r, [])) for r, p, c in counts if r in rank),
        key=lambda x: (-x[1], rank[x[0]]),
    )
    seen = {r for r, *_ in found}
    never = [r for r in book.rulebook.rules if r in in_force and r not in seen]
    return Provisions(found, never, len(days))


def _in_force(book, days: list[Any]) -> set[str]:
    """The rules in force on any of the days (each period of the rulebook looked at once)."""
    out: set[str] = set()
    seen: set[int] = set()
    for text in days:
        try:
            day = datetime.date.fromisoformat(str(text))
        except ValueError:
            continue
        epoch = book.epoch(day)
        if id(epoch) not in seen:
            seen.add(id(epoch))
            out.update(epoch.rules)
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ------------------------------------------------------------------ presenting
WORDS = {
    "decided": {"en": "Provisions that decided", "zh": "据以认定的条款"},
    "never": {
        "en": "Provisions in force that decided nothing",
        "zh": "生效但未据以认定的条款",
    },
    "provision": {"en": "provision", "zh": "条款"},
    "title": {"en": "title", "zh": "标题"},
    "rule": {"en": "rule", "zh": "规则"},
    "conclusions": {"en": "conclusions", "zh": "结论"},
}


def _cite(book, rule: str, lang: str) -> tuple[str, str]:
    from ..render.explanation import citation, local

    return citation(book.rulebook, rule, lang), local(book.rulebook.rules[rule].title, lang)


def provisions_json(p: Provisions, book, lang: str) -> dict:
    def entry(rule: str) -> dict:
        cite, title = _cite(book, rule, lang)
        return {"rule": rule, "citation": cite, "title": title}

    return {
        "dates_judged": p.dates,
        "decided": [
            {**entry(r), "persons": persons, "cases": cases, "conclusions": cs}
            for r, persons, cases, cs in p.decided
        ],
        "in_force_never_decided": [entry(r) for r in p.never],
    }


def provisions_sections(p: Provisions, book, lang: str) -> list:
    from .summaries import word

    w = {k: v[lang] for k, v in WORDS.items()}
    rows = []
    for r, persons, cases, cs in p.decided:
        cite, title = _cite(book, r, lang)
        rows.append([cite, title, r, str(persons), str(cases), ", ".join(cs)])
    header = [
        w["provision"],
        w["title"],
        w["rule"],
        word("persons", lang),
        word("cases", lang),
        w["conclusions"],
    ]
    never = [[*_cite(book, r, lang), r] for r in p.never]
    return [
        (w["decided"], header, rows),
        (w["never"], [w["provision"], w["title"], w["rule"]], never),
    ]


def provisions_rows(p: Provisions, book, lang: str) -> list[list]:
    out: list[list] = [["rule", "citation", "title", "persons", "cases", "conclusions"]]
    for r, persons, cases, cs in p.decided:
        out.append([r, *_cite(book, r, lang), persons, cases, ";".join(cs)])
    for r in p.never:
        out.append([r, *_cite(book, r, lang), 0, 0, ""])
    return out
