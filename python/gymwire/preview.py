"""Bounded text for values a peer sent, as protocol/preview.ts: the server's error messages and
details quote client values only through these, so neither a 4 MiB string nor a wide or deep
structure is ever copied, repr()'d or walked to build an error. Nothing here recurses into the
value."""
from __future__ import annotations

import json
from typing import Any, Sequence

#: At most this many characters of a quoted string.
MAX_STRING = 40


def preview(value: Any, max_string: int = MAX_STRING) -> str:
    """A short description of ``value`` (at most ~60 characters): a quoted prefix of a string, a
    number, or the kind and size of anything bigger."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) <= max_string:
            return json.dumps(value)
        return f"{json.dumps(value[:max_string])}... ({len(value)} chars)"
    if isinstance(value, int):
        text = str(value) if -(10**30) < value < 10**30 else f"an integer of {value.bit_length()} bits"
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"bin({len(value)} bytes)"
    if isinstance(value, (list, tuple)):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return "a map"
    return f"a {type(value).__name__}"


def preview_list(values: Sequence[Any], max_items: int = 8) -> str:
    """A list of numbers (a shape, a few elements) as ``[a, b, ...]``, at most ``max_items`` of them."""
    parts = [preview(v, 12) for v in values[:max_items]]
    if len(values) > max_items:
        parts.append(f"... ({len(values)} items)")
    return f"[{', '.join(parts)}]"


def clip(text: str, max_chars: int = 200) -> str:
    """``text`` cut to at most ``max_chars`` characters (for messages built from client data
    elsewhere: decoder errors, exceptions raised by env code)."""
    return text if len(text) <= max_chars else f"{text[:max_chars]}... ({len(text)} chars)"
