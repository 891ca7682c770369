"""A Pygments lexer for rule texts, so that they highlight in the docs and in anyone's Sphinx or
MkDocs (``ruleengine`` or ``rules`` in a code fence; ``*.rules`` files by name).

Registered through the ``pygments.lexers`` entry point (pyproject.toml). The words are the
grammar's own (``parser.keywords()``; tests/test_lexer.py keeps the two the same), written out
here so that highlighting loads no parser.
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

#: Words that open a declaration: the name after them is being declared.
DECLARATIONS = (
    "conclusion",
    "define",
    "document",
    "enum",
    "input",
    "lighter",
    "parameter",
    "record",
    "rule",
    "scale",
)
#: The grammar's other words.
KEYWORDS = (
    "always", "and", "articles", "as", "aside", "because", "cite", "decided", "else", "encoded",
    "expect", "fired", "fixed", "for", "from", "given", "highest", "if", "in", "list", "may",
    "not", "note", "of", "or", "overlap", "overrides", "range", "set", "signed", "table", "test",
    "text", "then", "title", "until", "unverified", "value", "when", "where",
)  # fmt: skip
CONSTANTS = ("true", "false")
#: Words the grammar reads as units (``CITE_UNIT``, ``CURRENCY``, ``DURATION_UNIT``).
UNITS = (
    "article", "paragraph", "item", "chapter", "section", "CNY", "USD", "EUR", "HKD", "yuan",
    "year", "years", "month", "months", "week", "weeks", "day", "days",
)  # fmt: skip


class RulesLexer(RegexLexer):
    """ruleengine's legal rule language (docs/language.md)."""

    name = "ruleengine"
    aliases = ["ruleengine", "rules"]
    filenames = ["*.rules"]
    mimetypes = ["text/x-ruleengine"]
    url = "docs/language.md"

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"', String.Double),
            (r"\b(zh|en)\b(?=\s*\")", Name.Decorator),
            (
                r"\b(" + "|".join(DECLARATIONS) + r")\b(\s+)([A-Za-z_][A-Za-z0-9_]*)",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            (words(DECLARATIONS, prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(CONSTANTS, prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(KEYWORDS, prefix=r"\b", suffix=r"\b"), Keyword),
            (words(UNITS, prefix=r"\b", suffix=r"\b"), Keyword.Type),
            ("元", Keyword.Type),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", Number.Other),  # a date
            (r"[0-9]+\.[0-9]+", Number.Float),  # exact: a decimal, never a binary float
            (r"[0-9]+", Number.Integer),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"->|\.\.|>=|<=|!=|[<>=+\-*/]", Operator),
            (r"[{}()\[\],:.]", Punctuation),
        ]
    }
