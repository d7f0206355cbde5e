"""The first stage of answering a frame, as server/read-request.ts: bytes -> a request that passed
the envelope and its op's schema, or the error frame to answer instead; and error frames that
cannot fail to encode. No env code runs here, and nothing here raises: every refusal is a
bad_request (or unsupported, for an unknown op) carrying the request's id whenever it could be
read.

The order of checks is PROTOCOL.md section 7's: the bytes (plain msgpack within the depth and
size bounds, msgpack_scan.py), decoding, the envelope (id, op), the op, the op's schema. The
bytes are checked before anything is decoded, so no value a client sends is deeper than
MAX_DEPTH or holds more than MAX_VALUES values by the time a schema check or an error message
looks at it; and error messages quote client values only through preview.py.
"""
from __future__ import annotations

import functools
import re
import traceback
from typing import Any, Callable, Dict, Optional, Tuple, Union

import msgpack

from . import wire
from .errors import GymwireError
from .msgpack_scan import MAX_VALUES, is_plain_step, peek_id, scan_frame
from .preview import clip

MAX_ID = 2**53 - 1
_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+$")

#: A request that passed every check of this stage: (id, op, the message).
Request = Tuple[int, str, Dict[str, Any]]


def _refuse_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"msgpack extension type {code} is not accepted (plain msgpack only)")


# The decoder refuses by itself what it can, behind the byte scan that refuses it all first:
# extension types (the hook raises; max_ext_len=0 stops timestamps, which skip the hook),
# non-string keys other than bin, and containers announcing more than MAX_VALUES values.
# str and bin lengths are bounded by the frame, unpackb's default.
_decode = functools.partial(
    msgpack.unpackb,
    raw=False,
    strict_map_key=True,
    ext_hook=_refuse_ext,
    max_ext_len=0,
    max_array_len=MAX_VALUES,
    max_map_len=MAX_VALUES // 2,
)

# The answer of last resort, when even an error frame cannot be encoded.
_UNENCODABLE = wire.pack({"id": None, "error": {"code": "internal", "message": "the server could not encode its answer"}})


def error_frame(rid: Optional[int], code: str, message: str, details: Any = None) -> bytes:
    """{id, error: {code, message, details?}} as a frame; never raises."""
    body: Dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    try:
        return wire.pack({"id": rid, "error": body})
    except Exception:  # noqa: BLE001 - details the encoder refused: answer without them
        try:
            return wire.pack({"id": rid, "error": {"code": code, "message": clip(str(message))}})
        except Exception:  # noqa: BLE001
            return _UNENCODABLE


def exception_text(e: BaseException, max_chars: int = 500) -> str:
    """``str(e)`` clipped (env code may quote a whole client value in its message); never raises."""
    try:
        return clip(str(e), max_chars)
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        return f"an unprintable {type(e).__name__}"


def thrown_error_frame(rid: int, op: str, e: Exception, log: Optional[Callable[[str], None]] = None) -> bytes:
    """The answer to request ``rid`` whose handling raised ``e``: a GymwireError keeps its code
    (its message was built from previews); anything else is ``internal``, and logged with its
    traceback when ``log`` is given. Never raises."""
    if isinstance(e, GymwireError):
        return error_frame(rid, e.code, e.message, e.details)
    log_exception(log, f"{op} #{rid}", e)
    return error_frame(rid, "internal", f"{op} failed: {exception_text(e)}")


def log_exception(log: Optional[Callable[[str], None]], what: str, e: BaseException) -> None:
    """``what: <traceback>`` (clipped) to ``log`` when there is one; never raises."""
    if log is None:
        return
    try:
        log(f"{what}: {clip(''.join(traceback.format_exception(type(e), e, e.__traceback__)), 4000)}")
    except Exception:  # noqa: BLE001 - a failing log must not cost the client its answer
        pass


# ---- schemas ------------------------------------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _handle(v: Any) -> bool:
    return _is_int(v) and v >= 0


def _seed(v: Any) -> bool:
    if isinstance(v, list):
        return all(x is None or (_is_int(x) and 0 <= x <= MAX_ID) for x in v)
    return v is None or (_is_int(v) and 0 <= v <= MAX_ID)


def _kwargs(v: Any) -> bool:
    # A list is a range kwarg's value (1.4): check_kwargs reads it against the KwargSpec, so a
    # malformed one is invalid_kwargs, not bad_request.
    return isinstance(v, dict) and all(x is None or isinstance(x, (bool, int, float, str, list)) for x in v.values())


# op -> {field: (check, description, required)}
SCHEMAS: Dict[str, Dict[str, Tuple[Callable[[Any], bool], str, bool]]] = {
    "hello": {
        "protocol_version": (lambda v: isinstance(v, str) and len(v) <= 32 and bool(_VERSION_RE.match(v)), "a MAJOR.MINOR string", True),
        "client_name": (lambda v: isinstance(v, str), "a string", True),
        "client_version": (lambda v: isinstance(v, str), "a string", True),
    },
    "list_envs": {},
    "make": {
        "env_id": (lambda v: isinstance(v, str), "a string", True),
        "kwargs": (_kwargs, "a map of numbers, booleans, strings, null or [low, high] ranges", False),
        "num_envs": (lambda v: _is_int(v) and v >= 1, "an integer >= 1", False),
        "vector": (lambda v: isinstance(v, bool), "a boolean", False),
    },
    "reset": {
        "handle": (_handle, "an integer >= 0", True),
        "seed": (_seed, "an integer in [0, 2^53), null, or (vector envs) a list of those", False),
        "options": (lambda v: v is None or isinstance(v, dict), "a map or null", False),
    },
    "step": {"handle": (_handle, "an integer >= 0", True), "action": (lambda v: True, "a value", True)},
    "render": {"handle": (_handle, "an integer >= 0", True), "encoding": (lambda v: isinstance(v, str), "a string", False)},
    "close": {"handle": (_handle, "an integer >= 0", True)},
}


def _integral(v: Any) -> Any:
    """An integral float read as the integer it is (PROTOCOL.md section 1: JavaScript encoders
    send integers of 2^32 and more as float 64); anything else unchanged."""
    if type(v) is float and v.is_integer() and abs(v) <= MAX_ID:
        return int(v)
    return v


def _integral_fields(msg: Dict[str, Any]) -> None:
    for key in ("id", "handle", "seed", "num_envs"):
        if key in msg:
            v = msg[key]
            msg[key] = [_integral(x) for x in v] if key == "seed" and isinstance(v, list) else _integral(v)


def read_request(frame: bytes) -> Union[Request, bytes]:
    """One incoming frame -> (id, op, message) of a schema-valid request, or the error frame to
    answer instead. Never raises."""
    rid: Optional[int] = None
    try:
        # A step in the usual layout passes the scan by its shape (is_plain_step); any other frame is scanned.
        problem = None if is_plain_step(frame) else scan_frame(frame)
        if problem is not None:
            return error_frame(peek_id(frame), "bad_request", f"frame refused: {problem}")
        try:
            msg = _decode(frame)
        except Exception as e:  # noqa: BLE001 - anything the decoder refuses is the client's bad frame
            return error_frame(peek_id(frame), "bad_request", f"frame is not valid msgpack: {exception_text(e, 200)}")
        if not isinstance(msg, dict):
            return error_frame(None, "bad_request", "a request is a map with an integer id in [0, 2^53 - 1] and a string op")
        _integral_fields(msg)
        v = msg.get("id")
        if _is_int(v) and 0 <= v <= MAX_ID:
            rid = v
        op = msg.get("op")
        if rid is None or not isinstance(op, str):
            return error_frame(rid, "bad_request", "a request is a map with an integer id in [0, 2^53 - 1] and a string op")
        schema = SCHEMAS.get(op)
        if schema is None:
            return error_frame(rid, "unsupported", f"unknown op {clip(op, 40)!r}", {"op": clip(op, 40)})
        issues = [
            {"path": f"/{name}", "message": f"must be {what}"}
            for name, (check, what, required) in schema.items()
            if (name in msg and not check(msg[name])) or (required and name not in msg)
        ]
        if issues:
            return error_frame(rid, "bad_request", f"invalid {op} request", {"issues": issues})
        return rid, op, msg
    except Exception as e:  # noqa: BLE001 - a check that raises is a bug of ours, not the client's; still one answer
        return error_frame(rid, "internal", f"reading the request failed: {exception_text(e)}")
