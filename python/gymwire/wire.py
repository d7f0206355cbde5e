"""The gymwire wire format (protocol/PROTOCOL.md): msgpack frames, NDArrays, typed errors.

Only the standard library and ``msgpack``; numpy is used when importable (arrays then
come back as numpy arrays) and otherwise arrays are plain (nested) lists.
"""
from __future__ import annotations

import math
import os
import struct
from typing import Any, Dict, List, Optional, Sequence

import msgpack

from .errors import error_for
from .preview import preview_list

try:  # numpy is optional
    import numpy as np
except ImportError:  # pragma: no cover - exercised with GYMWIRE_NO_NUMPY
    np = None  # type: ignore[assignment]

if os.environ.get("GYMWIRE_NO_NUMPY"):  # lets the tests exercise the list fallback
    np = None  # type: ignore[assignment]

PROTOCOL_VERSION = "1.4"
"""The protocol version this package speaks (PROTOCOL.md); any 1.x peer accepts it."""

# dtype name -> struct code
DTYPES: Dict[str, str] = {
    "float32": "f",
    "float64": "d",
    "int8": "b",
    "int32": "i",
    "int64": "q",
    "uint8": "B",
    "bool": "?",
}
FLOAT_DTYPES = ("float32", "float64")


def pack(message: Any) -> bytes:
    """One message -> the bytes of one binary WebSocket frame."""
    return msgpack.packb(message, use_bin_type=True, default=_default)


def packer() -> Any:
    """``packer().pack`` is ``pack`` without building a Packer per call (not thread-safe: one per connection)."""
    return msgpack.Packer(use_bin_type=True, default=_default)


def unpack(data: bytes) -> Any:
    """The bytes of one frame -> the message (raises on malformed msgpack)."""
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def _default(value: Any) -> Any:
    # numpy scalars and arrays inside info dicts and results
    if np is not None:
        if isinstance(value, np.ndarray):
            return encode_array(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"cannot send a {type(value).__name__} over gymwire")


def shape_size(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _flatten(value: Any) -> List[Any]:
    if isinstance(value, (list, tuple)):
        out: List[Any] = []
        for v in value:
            out.extend(_flatten(v))
        return out
    return [value]


def _nest(flat: List[Any], shape: Sequence[int]) -> Any:
    if len(shape) == 0:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = shape_size(shape[1:])
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def encode_array(value: Any, dtype: Optional[str] = None, shape: Optional[Sequence[int]] = None) -> Dict[str, Any]:
    """An array (numpy array, nested list or scalar) as a wire NDArray map of ``dtype`` and ``shape``."""
    if np is not None and (isinstance(value, np.ndarray) or dtype is None):
        arr = np.asarray(value)
        name = dtype or arr.dtype.name
        if name not in DTYPES:
            raise TypeError(f"dtype {name} cannot travel over gymwire")
        arr = np.ascontiguousarray(arr, dtype=np.dtype(name).newbyteorder("<"))
        if shape is not None:
            arr = arr.reshape(tuple(shape))
        return {"dtype": name, "shape": list(arr.shape), "data": arr.tobytes()}
    if dtype is None:
        raise TypeError("encode_array needs a dtype without numpy")
    flat = _flatten(value.tolist() if hasattr(value, "tolist") else value)
    shp = list(shape) if shape is not None else _shape_of(value)
    if shape_size(shp) != len(flat):
        raise ValueError(f"{len(flat)} elements do not fill shape {shp}")
    code = DTYPES[dtype]
    if dtype in FLOAT_DTYPES:
        items = [float(x) for x in flat]
    elif dtype == "bool":
        items = [bool(x) for x in flat]
    else:
        items = [int(x) for x in flat]
    return {"dtype": dtype, "shape": shp, "data": struct.pack(f"<{len(items)}{code}", *items)}


def _shape_of(value: Any) -> List[int]:
    shape: List[int] = []
    while isinstance(value, (list, tuple)):
        shape.append(len(value))
        value = value[0] if value else None
    return shape


def is_ndarray(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("dtype"), str)
        and value["dtype"] in DTYPES
        and isinstance(value.get("shape"), list)
        and isinstance(value.get("data"), (bytes, bytearray))
    )


def decode_array(wire: Dict[str, Any], code: str = "bad_request") -> Any:
    """A wire NDArray -> numpy array (or nested list without numpy). Raises the error of ``code`` on a bad map."""
    if not is_ndarray(wire):
        raise error_for(code, "expected an NDArray map {dtype, shape, data}")
    dtype, data = wire["dtype"], wire["data"]
    # Integral floats are the integers they stand for (PROTOCOL.md section 1).
    shape = [int(s) if type(s) is float and s.is_integer() and 0 <= s <= 2**53 - 1 else s for s in wire["shape"]]
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise error_for(code, f"bad shape {preview_list(shape)}")
    n = shape_size(shape)
    size = struct.calcsize(DTYPES[dtype])
    if len(data) != n * size:
        raise error_for(code, f"array data has {len(data)} bytes; {dtype}{list(shape)} needs {n * size}")
    if np is not None:
        return np.frombuffer(bytes(data), dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(shape)
    flat = list(struct.unpack(f"<{n}{DTYPES[dtype]}", data))
    return _nest(flat, shape)


def all_finite(values: Any) -> bool:
    return all(math.isfinite(float(x)) for x in _flatten(values.tolist() if hasattr(values, "tolist") else values))


def info_from_wire(info: Any) -> Any:
    """Info dicts from the wire: NDArray maps become arrays again."""
    if is_ndarray(info):
        return decode_array(info)
    if isinstance(info, dict):
        return {k: info_from_wire(v) for k, v in info.items()}
    if isinstance(info, list):
        return [info_from_wire(v) for v in info]
    return info
