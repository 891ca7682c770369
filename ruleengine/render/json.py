"""The JSON renderer: the versioned trace format of docs/trace.md, deterministic.

The text is ``json.dumps(trace.to_json(), ensure_ascii=False, indent=2)``, byte for byte. The
standard library writes indented JSON in pure Python, a generator for every level, which took
nine tenths of the time of an explanation rendered as JSON; orjson writes the same bytes in
native code. It is used when it is installed and can take the trace; the standard library
writes what it cannot (an integer beyond 64 bits, a text with a lone surrogate), and a trace
of many rules, streamed so that memory stays a small multiple of the text.
"""

from __future__ import annotations

import json

from ruleengine_dsl.collector import gc_paused

from ..hookspecs import hookimpl
from ..plugins import Renderer

#: A trace of more rules than this is streamed by the standard library (see ``dumps``), and
#: the parts of its JSON that depend on the rulebook alone are not kept to be shared.
WHOLE_RULES = 256

try:
    import orjson
except ImportError:  # optional: the standard library writes the same text
    orjson = None


def render(trace, lang: str = "en", color: bool = False) -> str:
    with gc_paused():
        return encode(trace, "\n")


def encode(trace, end: str = "") -> str:
    """The trace's JSON text, followed by ``end`` ("" or a line feed)."""
    if orjson is not None and len(trace.rules) <= WHOLE_RULES:
        text = fast_dumps(trace.to_json(shared=True), end)
        if text is not None:
            return text
    return dumps(trace.to_json(streamed=True)) + end


def fast_dumps(data, end: str = "") -> str | None:
    """``dumps(data) + end`` by orjson, or None where it cannot write it exactly as ``dumps``.
    (orjson adds the line feed itself: no copy of the text to add it.)"""
    if orjson is None:
        return None
    option = orjson.OPT_INDENT_2 | (orjson.OPT_APPEND_NEWLINE if end == "\n" else 0)
    try:
        return orjson.dumps(data, option=option).decode("utf-8")
    except TypeError:  # an integer beyond 64 bits, a lone surrogate, a key not a string
        return None


def dumps(data) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)``, joined as it goes: the encoder
    yields a piece for every key and value, and a list of all of them for a large trace
    would take many times the memory of the text itself."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    parts: list[str] = []
    pending: list[str] = []
    for piece in encoder.iterencode(data):
        pending.append(piece)
        if len(pending) == 8192:
            parts.append("".join(pending))
            pending.clear()
    parts.append("".join(pending))
    return "".join(parts)


@hookimpl
def ruleengine_renderers():
    return [Renderer("json", render, "the trace as versioned JSON (docs/trace.md)")]
