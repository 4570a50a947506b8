"""JSON text the engine writes: canonical (sorted keys, no spaces: the input of every hash),
compact (the stores' rows and values) and bulk (a run's whole result, encoded in Rust).

Each reuses one C encoder made once: ``json.dumps`` with options builds a ``JSONEncoder`` per
call, and ``JSONEncoder.encode`` a C encoder per call, which costs more than encoding a node's
small inputs or result (a 10,000-step run encodes 10,000 memo entries). Without circular checks:
the values come from JSON, pydantic dumps or the engine's own dicts (a cycle would still fail,
with RecursionError).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as json_encoder
from typing import Any

import pydantic_core

_MAKE_ENCODER = getattr(json_encoder, "c_make_encoder", None)


def _encoder(*, sort_keys: bool, ensure_ascii: bool) -> Callable[[Any], str]:
    """``JSONEncoder(sort_keys, ensure_ascii, separators=(",", ":"), default=str).encode``, fast."""
    python = json.JSONEncoder(sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=(",", ":"),
                              default=str)
    if _MAKE_ENCODER is None:  # a Python without the C accelerator
        return python.encode
    escape = json_encoder.encode_basestring_ascii if ensure_ascii else json_encoder.encode_basestring
    c_encode = _MAKE_ENCODER(None, str, escape, None, ":", ",", sort_keys, False, True)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return python.encode(value)
        return "".join(c_encode(value, 0))

    return encode


#: deterministic JSON (sorted keys, no spaces, non-ASCII kept): the input of every hash
canonical_json = _encoder(sort_keys=True, ensure_ascii=False)
#: compact ASCII JSON in the order given: what the stores write
compact_json = _encoder(sort_keys=False, ensure_ascii=True)


def bulk_json(value: Any) -> str:
    """Compact JSON of a large JSON-shaped value (a run's result dumped with ``mode="json"``: only
    dicts with string keys, lists, strings, numbers, booleans and None), by pydantic-core's
    encoder: four times faster than :data:`compact_json` on 10,000 steps. For such a value the
    text is :data:`compact_json`'s but for non-ASCII characters, kept as they are instead of
    ``\\u`` escapes (both read back the same); other Python values (dates, sets, enums, non-string
    keys) are spelled differently by the two. Text the UTF-8 codec refuses (a lone surrogate, from
    a file name that is not valid UTF-8) goes through :data:`compact_json`, which escapes it."""
    try:
        return pydantic_core.to_json(value, fallback=str, inf_nan_mode="constants").decode()
    except pydantic_core.PydanticSerializationError:
        return compact_json(value)


__all__ = ["bulk_json", "canonical_json", "compact_json"]
