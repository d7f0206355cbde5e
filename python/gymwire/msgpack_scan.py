"""What the server checks in a frame's bytes before decoding it (PROTOCOL.md, section 1), as
protocol/msgpack-scan.ts does for the Node server: plain msgpack only (no extension type), string
map keys, each at most once per map (decoders disagree on which of two equal keys wins), at most
MAX_DEPTH nested arrays/maps and MAX_VALUES values, and nothing after the one
message. msgpack-python would otherwise build whatever a frame describes: 1,000-deep lists that
anything recursive then trips over, or a million small dicts (~250 MB) out of a 4 MiB frame.
One loop over the bytes with an explicit stack, so neither a deep nor a wide frame can recurse
or allocate much; bin and str payloads are skipped, never read (map keys are compared).
"""
from __future__ import annotations

import io
import re
import struct
from typing import Any, List, Optional

import msgpack

#: Arrays/maps nested in one frame, the top-level map counting as one.
MAX_DEPTH = 32
#: msgpack values in one frame, map keys included (an NDArray's bin counts one).
MAX_VALUES = 65_536

# What the first byte of a value says, as tables, so the loop does one lookup per value.
_FIXED, _FIXSTR, _LEN, _FIXARRAY, _FIXMAP, _ARRAY, _MAP, _EXT, _NEVER = range(9)
_KIND = [_FIXED] * 256
_SKIP = [0] * 256  # payload bytes of a _FIXED value
_LEN_BYTES = [0] * 256  # bytes of the length/count field of _LEN, _ARRAY, _MAP
_IS_STR = [False] * 256
for _t in range(256):
    if 0x80 <= _t < 0x90:
        _KIND[_t] = _FIXMAP
    elif 0x90 <= _t < 0xA0:
        _KIND[_t] = _FIXARRAY
    elif 0xA0 <= _t < 0xC0:
        _KIND[_t] = _FIXSTR
    elif 0xC0 <= _t < 0xE0:
        _KIND[_t] = _EXT  # 0xc7-0xc9, 0xd4-0xd8; the others are set below
    _IS_STR[_t] = 0xA0 <= _t < 0xC0 or _t in (0xD9, 0xDA, 0xDB)
_KIND[0xC1] = _NEVER
for _t, _n in (
    (0xC0, 0),
    (0xC2, 0),
    (0xC3, 0),
    (0xCC, 1),
    (0xD0, 1),
    (0xCD, 2),
    (0xD1, 2),
    (0xCA, 4),
    (0xCE, 4),
    (0xD2, 4),
    (0xCB, 8),
    (0xCF, 8),
    (0xD3, 8),
):
    _KIND[_t], _SKIP[_t] = _FIXED, _n
for _t, _k, _n in (
    (0xC4, _LEN, 1),
    (0xC5, _LEN, 2),
    (0xC6, _LEN, 4),
    (0xD9, _LEN, 1),
    (0xDA, _LEN, 2),
    (0xDB, _LEN, 4),
    (0xDC, _ARRAY, 2),
    (0xDD, _ARRAY, 4),
    (0xDE, _MAP, 2),
    (0xDF, _MAP, 4),
):
    _KIND[_t], _LEN_BYTES[_t] = _k, _n

_TRUNCATED = "the frame ends inside a value (truncated msgpack)"
_DUPLICATE_KEY = "a map has the same key twice"


def _seen(keys: set, key: bytes) -> bool:
    """Whether ``key`` is in ``keys``; adds it."""
    if key in keys:
        return True
    keys.add(key)
    return False


def scan_frame(data: bytes, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES) -> Optional[str]:
    """Why ``data`` is not one plain msgpack value within the bounds, or None when it is. The
    reason is a short fixed text (it never quotes the frame)."""
    kind, skip, len_bytes, is_str = _KIND, _SKIP, _LEN_BYTES, _IS_STR
    n = len(data)
    pos = 0
    values = 0
    # The level being read: values still to read in it, and the keys seen so far when it is a
    # map (whose entry count is even before each key), else None. Outer levels wait on the stack.
    left: int = 1
    keys: Optional[set] = None
    stack: List[tuple] = []
    while True:
        if left == 0:
            if not stack:
                break
            left, keys = stack.pop()
            continue
        if pos >= n:
            return _TRUNCATED
        values += 1
        if values > max_values:
            return f"more than {max_values} msgpack values in one frame"
        t = data[pos]
        pos += 1
        is_key = keys is not None and not left & 1
        if is_key and not is_str[t]:
            return "a map key is not a string"
        left -= 1
        k = kind[t]
        if k == _FIXED:
            pos += skip[t]
            continue
        if k == _FIXSTR:
            if is_key and _seen(keys, data[pos : pos + (t & 0x1F)]):
                return _DUPLICATE_KEY
            pos += t & 0x1F
            continue
        if k == _FIXARRAY:
            children, is_map = t & 0x0F, False
        elif k == _FIXMAP:
            children, is_map = 2 * (t & 0x0F), True
        elif k == _EXT:
            return "msgpack extension types are not accepted (plain msgpack only)"
        elif k == _NEVER:
            return "byte 0xc1 is not msgpack"
        else:
            lb = len_bytes[t]
            if pos + lb > n:
                return _TRUNCATED
            length = int.from_bytes(data[pos : pos + lb], "big")
            pos += lb
            if k == _LEN:
                if is_key and _seen(keys, data[pos : pos + length]):
                    return _DUPLICATE_KEY
                pos += length
                continue
            children, is_map = (2 * length, True) if k == _MAP else (length, False)
        # A container.
        if pos > n:
            return _TRUNCATED
        if len(stack) >= max_depth:
            return f"arrays/maps nested more than {max_depth} deep"
        if children > max_values - values:
            return f"more than {max_values} msgpack values in one frame"
        stack.append((left, keys))
        left, keys = children, (set() if is_map else None)
    if pos != n:
        return _TRUNCATED if pos > n else "bytes after the end of the message"
    return None


# ---- a fast path for the usual step frame -------------------------------------------------------

# One scalar (nil, boolean, integer or float) in any of its formats.
_SCALAR = rb"(?:[\x00-\x7f\xc0\xc2\xc3\xe0-\xff]|[\xcc\xd0].|[\xcd\xd1].{2}|[\xca\xce\xd2].{4}|[\xcb\xcf\xd3].{8})"
_DTYPE = (
    b"(?:"
    + b"|".join(re.escape(bytes([0xA0 | len(d)]) + d) for d in (b"float32", b"float64", b"int8", b"int32", b"int64", b"uint8", b"bool"))
    + b")"
)
_SHAPE = b"(?:" + b"|".join(bytes([0x90 | k]) + _SCALAR * k for k in range(9)) + b")"
# {id, op: "step", handle, action} with a scalar action, or an NDArray action {dtype, shape, data}
# whose bin length (group 1, 2 or 3) must then reach exactly the end of the frame. This is how
# every client here (and the Node client's encodeStepRequest) writes a step.
_STEP = re.compile(
    b"\x84\xa2id"
    + _SCALAR
    + b"\xa2op\xa4step\xa6handle"
    + _SCALAR
    + b"\xa6action(?:"
    + _SCALAR
    + b"\\Z|\x83\xa5dtype"
    + _DTYPE
    + b"\xa5shape"
    + _SHAPE
    + b"\xa4data(?:\xc4(.)|\xc5(.{2})|\xc6(.{4})))",
    re.DOTALL,
)


def is_plain_step(data: bytes) -> bool:
    """Whether ``data`` is a step request in the usual layout, which scan_frame would pass (a map
    of four string keys, scalars, at most one NDArray: three levels, under 40 values, nothing
    after). One regex over the first few dozen bytes, so the hot path skips the Python scan."""
    m = _STEP.match(data)
    if m is None:
        return False
    length = m.group(1) or m.group(2) or m.group(3)
    return length is None or m.end() + int.from_bytes(length, "big") == len(data)


# ---- the id of a frame that was refused ----------------------------------------------------------

# Size of values whose size the first byte gives (nil, booleans, numbers, fixext); 0 for the rest.
_FIXED_SIZE = [0] * 256
for _t, _n in (
    (0xC0, 1),
    (0xC2, 1),
    (0xC3, 1),
    (0xCA, 5),
    (0xCB, 9),
    (0xCC, 2),
    (0xCD, 3),
    (0xCE, 5),
    (0xCF, 9),
    (0xD0, 2),
    (0xD1, 3),
    (0xD2, 5),
    (0xD3, 9),
    (0xD4, 3),
    (0xD5, 4),
    (0xD6, 6),
    (0xD7, 10),
    (0xD8, 18),
):
    _FIXED_SIZE[_t] = _n
# Bytes of the length field of bin, str, ext, array16/32, map16/32; 0 for the rest.
_LENGTH_BYTES = [0] * 256
for _t, _n in (
    (0xC4, 1),
    (0xC5, 2),
    (0xC6, 4),
    (0xC7, 1),
    (0xC8, 2),
    (0xC9, 4),
    (0xD9, 1),
    (0xDA, 2),
    (0xDB, 4),
    (0xDC, 2),
    (0xDD, 4),
    (0xDE, 2),
    (0xDF, 4),
):
    _LENGTH_BYTES[_t] = _n


def _header(data: bytes, pos: int) -> Optional[tuple]:
    """(bytes to skip, values contained) of the value at ``pos``; None when unreadable."""
    n = len(data)
    if pos >= n:
        return None
    t = data[pos]
    if t < 0x80 or t >= 0xE0:
        return 1, 0
    if t < 0x90:
        return 1, 2 * (t & 0x0F)
    if t < 0xA0:
        return 1, t & 0x0F
    if t < 0xC0:
        size = 1 + (t & 0x1F)
        return (size, 0) if pos + size <= n else None
    f = _FIXED_SIZE[t]
    if f:
        return (f, 0) if pos + f <= n else None
    lb = _LENGTH_BYTES[t]
    if lb == 0 or pos + 1 + lb > n:  # 0xc1, or cut short
        return None
    length = int.from_bytes(data[pos + 1 : pos + 1 + lb], "big")
    if t >= 0xDC:
        return 1 + lb, 2 * length if t >= 0xDE else length
    size = 1 + lb + (1 if 0xC7 <= t <= 0xC9 else 0) + length  # ext 8/16/32 carry a type byte
    return (size, 0) if pos + size <= n else None


def _skip_slowly(data: bytes, pos: int, budget: List[int]) -> int:
    """Position after the value at ``pos``, one header at a time with one counter (no stack), or
    -1 when unreadable or when the headers read exceed ``budget[0]``."""
    pending = 1
    while pending > 0:
        budget[0] -= 1
        h = _header(data, pos)
        if h is None or budget[0] < 0:
            return -1
        pos += h[0]
        pending += h[1] - 1
    return pos


class _Skipper:
    """Skips whole values of ``data`` (any msgpack, extensions included) at C speed with
    msgpack's unpacker, which builds nothing while skipping; a value nested deeper than its stack
    (1,024 levels) is walked in Python within a budget of MAX_VALUES headers for the frame, so no
    frame costs more than a few tens of ms here."""

    def __init__(self, data: bytes):
        self.data = data
        self.file = io.BytesIO(data)
        self.unpacker: Any = None
        self.at = -1  # where self.unpacker will read next
        self.budget = [MAX_VALUES]

    def skip(self, pos: int) -> int:
        """Position after the value at ``pos``, or -1."""
        if self.unpacker is None or pos != self.at:
            self.file.seek(pos)
            self.unpacker = msgpack.Unpacker(self.file, max_buffer_size=max(1, len(self.data)))
            self.base = pos
        try:
            self.unpacker.skip()
            self.at = self.base + self.unpacker.tell()
            return self.at
        except msgpack.StackError:
            self.unpacker = None
            return _skip_slowly(self.data, pos, self.budget)
        except Exception:  # noqa: BLE001 - truncated, 0xc1, a length past the end: unreadable
            self.unpacker = None
            return -1


_MAX_ID = 2**53 - 1
_ID_FORMATS = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q", 0xCA: ">f", 0xCB: ">d"}


def _read_id(data: bytes, pos: int) -> Optional[int]:
    """A msgpack integer (or integral float) in [0, 2^53 - 1] at ``pos``, else None."""
    t = data[pos]
    if t < 0x80:
        return t
    fmt = _ID_FORMATS.get(t)
    if fmt is None:
        return None
    v = struct.unpack_from(fmt, data, pos + 1)[0]
    if isinstance(v, float) and not v.is_integer():
        return None
    return int(v) if 0 <= v <= _MAX_ID else None


def _is_id_key(data: bytes, pos: int) -> bool:
    """Whether the value at ``pos`` is the string "id" (fixstr or str8)."""
    if data[pos : pos + 3] == b"\xa2id":
        return True
    return data[pos : pos + 4] == b"\xd9\x02id"


def peek_id(data: bytes) -> Optional[int]:
    """The ``id`` of a frame whose top level is a map, read without decoding the rest: the last
    ``id`` entry before the first unreadable byte, when it is an integer in [0, 2^53 - 1].
    Extension values and deep nesting are skipped over, so a refused frame is still answered
    with its id. None when there is none. (Past MAX_VALUES levels of values nested more than
    1,024 deep, the rest of the frame counts as unreadable.)"""
    top = _header(data, 0)
    if top is None or not (0x80 <= data[0] <= 0x8F or data[0] in (0xDE, 0xDF)):
        return None
    pos = top[0]
    found: Optional[int] = None
    skipper = _Skipper(data)
    for _ in range(top[1] // 2):
        id_key = _is_id_key(data, pos)
        pos = skipper.skip(pos)
        if pos < 0:
            break
        end = skipper.skip(pos)
        if end < 0:
            break
        if id_key:
            found = _read_id(data, pos)
        pos = end
    return found
