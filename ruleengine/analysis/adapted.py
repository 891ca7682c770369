"""A case given as a record its input adapters read (pi2017's ``acts``), for the analyses.

pi2017's adapter counts the acts into the rulebook's inputs (``credit_items``); a what-if of
``acts[1].proven_duplicate`` must count them again. :class:`Adapted` stands for the
rulebook to the analyses: the facts it is given hold the record's own fields beside the
rulebook's, and a case whose record fields changed is read through the adapters again
before it is decided, so every answer is checked as the command line would decide it.

The adapters are Python, not rule text: a fact of the record is never explored as a linear
region, only decided value by value (``whatif._searched``), and the facts the adapters derive
from the record (the counts) are varied through it, not on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..ir import FieldSpec


class RecordRulebook:
    """The rulebook, its inputs joined by the record fields the adapters read (``acts``,
    typed and labelled by the adapter), so that a path into them is named, checked and shown
    as a rulebook fact's is."""

    def __init__(self, rulebook, fields: dict[str, FieldSpec]):
        self._base = rulebook
        self.record_fields = fields
        self.inputs = {**rulebook.inputs, **fields}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


class Adapted:
    """The book deciding a case through its input adapters where the record's own fields
    changed. ``record`` is the record as read (``--set`` of its fields applied), ``typed``
    the facts the command decided (adapted, validated, ``--set`` of the rulebook's facts
    applied), ``notes`` the adapters' derivations of the case (shown beside a derived count)."""

    def __init__(
        self,
        book,
        adapt: Callable[[dict], tuple[dict, list]],
        record: dict,
        typed: dict,
        fields: Iterable[FieldSpec],
        notes: Iterable[dict] = (),
    ):
        self.base = book
        self._adapt = adapt
        self.fields = {f.name: f for f in fields if f.name in record}
        # A rulebook input among them is varied as the rulebook types it (a date, not "...").
        record = {**record, **{k: typed[k] for k in self.fields if k in book.rulebook.inputs}}
        self.record = record
        self.rulebook = RecordRulebook(book.rulebook, self.fields)
        self._typed = typed
        adapted, _ = adapt(record)
        #: The rulebook's facts the adapters computed from the record (the counts).
        self.derived = frozenset(k for k in adapted if k not in record)
        self._as_read = book.validate(adapted)
        self.notes = tuple(n for n in notes if isinstance(n, dict) and "fact" in n)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    @property
    def facts(self) -> dict:
        """The facts the analyses vary: the rulebook's, and the record's own fields."""
        return {**self._typed, **{k: self.record[k] for k in self.fields}}

    def facts_of(self, facts: dict) -> dict:
        """The rulebook's facts of ``facts``: read again through the adapters where a field
        of the record changed; a rulebook fact the analysis (or ``--set``) changed is kept."""
        own = {k: v for k, v in facts.items() if k not in self.fields}
        if all(facts.get(k) is self.record[k] for k in self.fields):
            return own
        record = {**self.record, **{k: _lists(facts[k]) for k in self.fields}}
        adapted, _ = self._adapt(record)
        out = self.base.validate(adapted)
        for k, v in own.items():
            if k not in self._as_read or v != self._as_read[k]:
                out[k] = v
        return out

    def decide(self, facts: dict, as_of=None):
        return self.base.decide(self.facts_of(facts), as_of)

    def explain(self, facts: dict, as_of=None):
        return self.base.explain(self.facts_of(facts), as_of)

    def is_record_field(self, path) -> bool:
        return bool(path) and path[0] in self.fields

    def derivation(self, fact: str) -> dict | None:
        """The adapters' derivation of a fact of the case (``credit_items``), if any."""
        return next((n for n in self.notes if n.get("fact") == fact), None)


def _lists(value: Any) -> Any:
    """A value as the record holds it: the analysis keeps lists as tuples (``regions.put``)."""
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def base(book):
    """The compiled rulebook itself, for what reads its rule text (``regions.explore``)."""
    return book.base if isinstance(book, Adapted) else book


def record_field(book, path) -> bool:
    """Whether ``path`` is in a field of the record the adapters read, not a rulebook fact."""
    return isinstance(book, Adapted) and book.is_record_field(path)


def analysed(book, adapt, record: Any, typed: dict, fields: Iterable[FieldSpec], notes=()):
    """The book the analyses of one case use: :class:`Adapted` where the record gives fields
    its adapters read that the rulebook does not declare (pi2017's ``acts``), else ``book``."""
    inputs = book.rulebook.inputs
    own = [f for f in fields if f.name not in inputs]
    if not isinstance(record, dict) or not any(f.name in record for f in own):
        return book
    # A rulebook input an adapter lists among the fields it reads (pi2017's filing date, which
    # decides whether acts across Amendment IX are joined) is read through it again too, with
    # the rulebook's own type and label, and decided value by value like the acts.
    read = [inputs[f.name] for f in fields if f.name in inputs]
    return Adapted(book, adapt, record, typed, own + read, notes)


def with_record_fields(rulebook, fields: Iterable[FieldSpec]):
    """The rulebook, with the record fields its adapters read, for naming a ``--vary``."""
    own = {f.name: f for f in fields if f.name not in rulebook.inputs}
    return RecordRulebook(rulebook, own) if own else rulebook
