"""A document's declared articles (``articles 1 .. 13``) and those it says no rule encodes
(``article 11 not encoded because "..."``), checked against the rules' citations.

A document that declares its articles lets ``ruleengine doc`` list the ones no rule encodes,
with the reason its text gives (docs/doc.md). Once it declares them, every article its rules
cite must be among them (E219), so a typo in a citation or in the list is caught; a document
that declares none is not held to this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruleengine_dsl import syntax as s
from ruleengine_dsl.diagnostics import Span

from .types import LocalText

if TYPE_CHECKING:
    from .checker import Checker

#: The most articles one range may declare: a slip such as ``1 .. 100000`` is an error, not a
#: hundred thousand articles listed as not encoded. The longest code in force (the Civil Code)
#: has 1,260 articles.
MAX_RANGE = 2000


def declare(
    checker: Checker, d: s.Document
) -> tuple[tuple[str, ...], dict[str, LocalText], dict[str, Span]]:
    """The articles the header declares, in order; the reason given for each one not
    encoded; and where each article was declared (for the checks against citations)."""
    where: dict[str, Span] = {}
    for span in d.articles:
        numbers = [span.first]
        if span.last is not None:
            first, last = int(span.first), int(span.last)
            if last < first:
                checker.error(
                    "E221",
                    f"the range of articles {first} .. {last} runs downward",
                    span.span,
                    f"write {last} .. {first}",
                )
                continue
            if last - first + 1 > MAX_RANGE:
                checker.error(
                    "E221",
                    f"the range of articles {first} .. {last} declares {last - first + 1} "
                    f"articles, more than the {MAX_RANGE} one range may",
                    span.span,
                )
                continue
            numbers = [str(n) for n in range(first, last + 1)]
        for number in numbers:
            if number in where:
                checker.error(
                    "E220",
                    f"article {number} is declared twice",
                    span.span,
                    f"the first is at {where[number].location()}",
                )
            else:
                where[number] = span.span
    reasons: dict[str, LocalText] = {}
    reason_at: dict[str, Span] = {}
    for line in d.not_encoded:
        if line.unit != "article":
            checker.error(
                "E221",
                f"a document declares articles, not a {line.unit}, as not encoded",
                line.span,
                "write 'article N not encoded because ...'",
            )
        elif line.number not in where:
            checker.error(
                "E219",
                f"article {line.number} is said to be not encoded, but the document does not "
                "declare it",
                line.span,
                checker.suggest(line.number, where) or "add it to the document's 'articles' line"
                if where
                else "declare the document's articles first: 'articles 1 .. N'",
            )
        elif line.number in reasons:
            checker.error(
                "E220",
                f"article {line.number} is given two reasons for not being encoded",
                line.span,
                f"the first is at {reason_at[line.number].location()}",
            )
        else:
            reasons[line.number] = LocalText(tuple(line.reason.values.items()))
            reason_at[line.number] = line.span
    return tuple(where), reasons, {**where, **reason_at}


def cited_article(rule: s.RuleDecl) -> s.CitePart | None:
    """The article a rule cites (its first ``article`` part), if any."""
    return next((p for p in rule.cite if p.unit == "article"), None)


def check(checker: Checker, rule_decls: list[tuple[s.RuleDecl, str | None]]) -> None:
    """Every article a rule cites is declared by its document (when that document declares
    any) and not declared as not encoded; every declared article is encoded or says why not."""
    encoded: dict[str, set[str]] = {}
    for d, doc_name in rule_decls:
        doc = checker.documents.get(doc_name) if doc_name else None
        part = cited_article(d)
        if doc is None or part is None:
            continue
        encoded.setdefault(doc.name, set()).add(part.number)
        if not doc.articles:
            continue
        if part.number not in doc.articles:
            checker.error(
                "E219",
                f"rule '{d.name.name}' cites article {part.number}, which document "
                f"'{doc.name}' does not declare",
                part.span,
                checker.suggest(part.number, doc.articles)
                or "add it to the document's 'articles' line",
            )
        elif part.number in doc.not_encoded:
            checker.error(
                "E221",
                f"rule '{d.name.name}' encodes article {part.number}, which document "
                f"'{doc.name}' says is not encoded",
                part.span,
                "remove its 'not encoded' line at "
                + checker.article_spans[doc.name][part.number].location(),
            )
    for doc in checker.documents.values():
        for number in doc.articles:
            if number not in encoded.get(doc.name, ()) and number not in doc.not_encoded:
                checker.warn(
                    "W307",
                    f"article {number} of document '{doc.name}' is declared, but no rule "
                    "encodes it and no 'not encoded' line says why",
                    checker.article_spans[doc.name][number],
                    f"add 'article {_written(number)} not encoded because \"...\"' to the header",
                )


def _written(number: str) -> str:
    """An article number as the language writes it: 11, or "253-1" in quotes."""
    return number if number.isdigit() else f'"{number}"'
