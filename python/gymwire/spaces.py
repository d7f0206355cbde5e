"""Spaces: the protocol's space descriptors (plain dicts) <-> space objects, and values of
spaces <-> their wire form.

When ``gymnasium`` is importable, ``space_from_wire`` builds real gymnasium spaces;
otherwise the small classes below (Box, Discrete, MultiDiscrete, MultiBinary, Tuple, Dict)
stand in, with ``sample``, ``contains``, ``seed`` and the usual attributes.
"""
from __future__ import annotations

import math
import operator
import random
import struct
from typing import Any, Dict as TDict, List, Optional, Sequence

from . import wire
from .errors import error_for
from .preview import preview, preview_list
from .wire import decode_array, encode_array, shape_size

try:
    import gymnasium  # noqa: F401
    import gymnasium.spaces as gym_spaces
except ImportError:
    gym_spaces = None


def _np():
    return wire.np


class Space:
    """The base of the stand-in spaces (used when gymnasium is not installed)."""

    def __init__(self) -> None:
        self._rng = random.Random()

    def seed(self, seed: Optional[int] = None) -> List[Optional[int]]:
        self._rng = random.Random(seed)
        return [seed]

    def __contains__(self, x: Any) -> bool:
        return self.contains(x)

    def sample(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def contains(self, x: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


def _f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _as_flat(x: Any) -> List[Any]:
    if hasattr(x, "tolist"):
        x = x.tolist()
    return wire._flatten(x)


class Box(Space):
    """A box in R^n (gymnasium.spaces.Box): ``low``/``high`` arrays of ``shape``, a numpy dtype name."""

    def __init__(self, low: Any, high: Any, shape: Optional[Sequence[int]] = None, dtype: str = "float32"):
        super().__init__()
        self.dtype = getattr(dtype, "name", None) or str(dtype)
        if shape is None:
            shape = wire._shape_of(low.tolist() if hasattr(low, "tolist") else low) if not isinstance(low, (int, float)) else [1]
        self.shape = tuple(int(s) for s in shape)
        n = shape_size(self.shape)
        lo = [float(low)] * n if isinstance(low, (int, float)) else [float(v) for v in _as_flat(low)]
        hi = [float(high)] * n if isinstance(high, (int, float)) else [float(v) for v in _as_flat(high)]
        if len(lo) != n or len(hi) != n:
            raise ValueError(f"bounds do not match shape {self.shape}")
        if self.dtype == "float32":
            # Bounds are stored in the box's dtype (as Gymnasium does), so contains() agrees with peers.
            lo, hi = [_f32(v) for v in lo], [_f32(v) for v in hi]
        self._low, self._high = lo, hi
        np = _np()
        self.low = np.asarray(lo, dtype=self.dtype).reshape(self.shape) if np is not None else wire._nest(lo, self.shape)
        self.high = np.asarray(hi, dtype=self.dtype).reshape(self.shape) if np is not None else wire._nest(hi, self.shape)

    def sample(self) -> Any:
        integer = self.dtype not in wire.FLOAT_DTYPES
        out = []
        for lo, hi in zip(self._low, self._high):
            if math.isinf(lo) and math.isinf(hi):
                v = self._rng.gauss(0.0, 1.0)
            elif math.isinf(hi):
                v = lo + self._rng.expovariate(1.0)
            elif math.isinf(lo):
                v = hi - self._rng.expovariate(1.0)
            else:
                v = self._rng.uniform(lo, hi + 1 if integer else hi)
            out.append(min(math.floor(v), int(hi)) if integer else v)
        np = _np()
        if np is not None:
            return np.asarray(out, dtype=self.dtype).reshape(self.shape)
        return wire._nest(out, self.shape)

    def contains(self, x: Any) -> bool:
        np = _np()
        if np is not None:
            arr = np.asarray(x)
            if arr.shape != self.shape:
                return False
            flat = arr.reshape(-1).tolist()
        else:
            if wire._shape_of(x) != list(self.shape) and not (self.shape == () and isinstance(x, (int, float))):
                return False
            flat = _as_flat(x)
        return all(lo <= float(v) <= hi for v, lo, hi in zip(flat, self._low, self._high))

    def __repr__(self) -> str:
        return f"Box({self._low}, {self._high}, {self.shape}, {self.dtype})"


class Discrete(Space):
    """{start, ..., start + n - 1} (gymnasium.spaces.Discrete)."""

    def __init__(self, n: int, start: int = 0):
        super().__init__()
        self.n, self.start = int(n), int(start)
        self.shape = ()
        self.dtype = "int64"

    def sample(self) -> int:
        return self.start + self._rng.randrange(self.n)

    def contains(self, x: Any) -> bool:
        if hasattr(x, "item") and getattr(x, "shape", None) == ():
            x = x.item()
        return isinstance(x, int) and not isinstance(x, bool) and self.start <= x < self.start + self.n

    def __repr__(self) -> str:
        return f"Discrete({self.n}, start={self.start})"


class MultiDiscrete(Space):
    def __init__(self, nvec: Sequence[int], start: Optional[Sequence[int]] = None, dtype: str = "int64"):
        super().__init__()
        self.nvec = [int(v) for v in nvec]
        self.start = [int(v) for v in start] if start is not None else [0] * len(self.nvec)
        self.dtype = dtype
        self.shape = (len(self.nvec),)

    def sample(self) -> Any:
        out = [s + self._rng.randrange(n) for n, s in zip(self.nvec, self.start)]
        np = _np()
        return np.asarray(out, dtype=self.dtype) if np is not None else out

    def contains(self, x: Any) -> bool:
        flat = _as_flat(x)
        return len(flat) == len(self.nvec) and all(
            s <= int(v) < s + n and float(v) == int(v) for v, n, s in zip(flat, self.nvec, self.start)
        )


class MultiBinary(Space):
    def __init__(self, n: Any):
        super().__init__()
        self.shape = tuple(n) if isinstance(n, (list, tuple)) else (int(n),)
        self.n = n
        self.dtype = "int8"

    def sample(self) -> Any:
        out = [self._rng.randrange(2) for _ in range(shape_size(self.shape))]
        np = _np()
        return np.asarray(out, dtype="int8").reshape(self.shape) if np is not None else wire._nest(out, self.shape)

    def contains(self, x: Any) -> bool:
        flat = _as_flat(x)
        return len(flat) == shape_size(self.shape) and all(v in (0, 1) for v in flat)


class Tuple(Space):
    def __init__(self, spaces: Sequence[Any]):
        super().__init__()
        self.spaces = tuple(spaces)

    def sample(self) -> Any:
        return tuple(s.sample() for s in self.spaces)

    def contains(self, x: Any) -> bool:
        return isinstance(x, (tuple, list)) and len(x) == len(self.spaces) and all(s.contains(v) for s, v in zip(self.spaces, x))


class Dict(Space):
    def __init__(self, spaces: TDict[str, Any]):
        super().__init__()
        self.spaces = dict(sorted(spaces.items()))

    def sample(self) -> Any:
        return {k: s.sample() for k, s in self.spaces.items()}

    def contains(self, x: Any) -> bool:
        return isinstance(x, dict) and set(x) == set(self.spaces) and all(self.spaces[k].contains(x[k]) for k in self.spaces)


# ---- descriptors <-> space objects -------------------------------------------------------------


def space_from_wire(desc: TDict[str, Any], use_gymnasium: Optional[bool] = None) -> Any:
    """A space object for a protocol descriptor: a gymnasium space when gymnasium is importable."""
    gym = gym_spaces is not None if use_gymnasium is None else use_gymnasium
    t = desc["type"]
    if gym:
        import numpy as np

        if t == "Box":
            shape = tuple(desc["shape"])
            low = np.asarray(desc["low"], dtype=np.float64).reshape(shape).astype(desc["dtype"])
            high = np.asarray(desc["high"], dtype=np.float64).reshape(shape).astype(desc["dtype"])
            return gym_spaces.Box(low=low, high=high, shape=shape, dtype=np.dtype(desc["dtype"]))
        if t == "Discrete":
            return gym_spaces.Discrete(desc["n"], start=desc.get("start", 0))
        if t == "MultiDiscrete":
            return gym_spaces.MultiDiscrete(desc["nvec"], dtype=np.dtype(desc.get("dtype", "int64")), start=desc.get("start"))
        if t == "MultiBinary":
            return gym_spaces.MultiBinary(desc["shape"])
        if t == "Tuple":
            return gym_spaces.Tuple([space_from_wire(s, True) for s in desc["spaces"]])
        if t == "Dict":
            return gym_spaces.Dict({k: space_from_wire(s, True) for k, s in desc["spaces"].items()})
    else:
        if t == "Box":
            return Box(desc["low"], desc["high"], desc["shape"], desc["dtype"])
        if t == "Discrete":
            return Discrete(desc["n"], desc.get("start", 0))
        if t == "MultiDiscrete":
            return MultiDiscrete(desc["nvec"], desc.get("start"), desc.get("dtype", "int64"))
        if t == "MultiBinary":
            return MultiBinary(desc["shape"])
        if t == "Tuple":
            return Tuple([space_from_wire(s, False) for s in desc["spaces"]])
        if t == "Dict":
            return Dict({k: space_from_wire(s, False) for k, s in desc["spaces"].items()})
    raise error_for("unsupported", f"unknown space type {t!r}")


def _dtype_name(dtype: Any) -> str:
    name = getattr(dtype, "name", None)
    if name is None:
        name = getattr(dtype, "__name__", None) or str(dtype)
    return {"float": "float64", "int": "int64", "bool_": "bool"}.get(name, name)


def _bound(v: Any) -> Any:
    """A Box bound on the wire (PROTOCOL.md section 6), as the Node server sends them: integral
    values (Pendulum's 2, an image's 255) as integers, others (and ±Infinity) as float 64."""
    x = float(v)
    return int(x) if x.is_integer() and abs(x) <= 2**53 - 1 else x


def space_to_wire(space: Any) -> TDict[str, Any]:
    """The protocol descriptor of a gymnasium space or a stand-in space (matched by class name)."""
    kind = type(space).__name__
    if kind == "Box":
        dtype = _dtype_name(space.dtype)
        if dtype not in wire.DTYPES:
            raise error_for("unsupported", f"Box dtype {dtype} cannot travel over gymwire")
        low = [_bound(v) for v in (getattr(space, "_low", None) or _as_flat(space.low))]
        high = [_bound(v) for v in (getattr(space, "_high", None) or _as_flat(space.high))]
        return {"type": "Box", "shape": [int(s) for s in space.shape], "dtype": dtype, "low": low, "high": high}
    if kind == "Discrete":
        return {"type": "Discrete", "n": int(space.n), "start": int(getattr(space, "start", 0))}
    if kind == "MultiDiscrete":
        nvec = [int(v) for v in _as_flat(space.nvec)]
        start = [int(v) for v in _as_flat(getattr(space, "start", [0] * len(nvec)))]
        return {"type": "MultiDiscrete", "nvec": nvec, "start": start, "dtype": _dtype_name(space.dtype)}
    if kind == "MultiBinary":
        return {"type": "MultiBinary", "shape": [int(s) for s in space.shape]}
    if kind == "Tuple":
        return {"type": "Tuple", "spaces": [space_to_wire(s) for s in space.spaces]}
    if kind == "Dict":
        return {"type": "Dict", "spaces": {k: space_to_wire(s) for k, s in space.spaces.items()}}
    raise error_for("unsupported", f"space {kind} has no gymwire form")


# ---- values ---------------------------------------------------------------------------------------

_INTEGER_DTYPES = ("int8", "int32", "int64", "uint8")


def value_to_wire(desc: TDict[str, Any], value: Any) -> Any:
    """A value of the space ``desc`` in its wire form (Box values are cast to the space's dtype)."""
    t = desc["type"]
    if t == "Box":
        return encode_array(value, desc["dtype"], desc["shape"])
    if t == "Discrete":
        return operator.index(value)  # an int or numpy integer; 1.0 is no Discrete value (Gymnasium agrees)
    if t == "MultiDiscrete":
        return encode_array(_integers(value), desc.get("dtype", "int64"), [len(desc["nvec"])])
    if t == "MultiBinary":
        if not all(v in (0, 1) for v in _as_flat(_integers(value))):
            raise ValueError("MultiBinary values are 0 or 1")
        return encode_array(value, "int8", desc["shape"])
    if t == "Tuple":
        return [value_to_wire(s, v) for s, v in zip(desc["spaces"], value)]
    if t == "Dict":
        return {k: value_to_wire(s, value[k]) for k, s in desc["spaces"].items()}
    raise error_for("unsupported", f"unknown space type {t!r}")


def _integers(value: Any) -> Any:
    """``value`` if all its elements are integers (or booleans); floats raise TypeError rather than
    being truncated on the way to an integer dtype."""
    np = _np()
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.kind not in "iub":
            raise TypeError(f"{value.dtype} values for an integer space")
        return value
    for v in _as_flat(value):
        operator.index(v)
    return value


def _fail(code: str, path: str, message: str) -> None:
    raise error_for(code, f"{path or 'value'}: {message}", {"path": path})


def value_from_wire(desc: TDict[str, Any], w: Any, code: str = "invalid_action", path: str = "", strict: bool = True) -> Any:
    """The value a wire value stands for. With ``strict`` (actions), anything not in the space
    raises the error of ``code``: wrong dtype or shape, a non-finite float, an integer out of range.
    Box bounds are not enforced: like Gymnasium, envs clip continuous actions themselves."""
    t = desc["type"]
    if t == "Box":
        if not wire.is_ndarray(w):
            _fail(code, path, "expected an NDArray map {dtype, shape, data}")
        if strict and w["dtype"] != desc["dtype"]:
            _fail(code, path, f"dtype {w['dtype']}, the space wants {desc['dtype']}")
        if strict and list(w["shape"]) != list(desc["shape"]):
            _fail(code, path, f"shape {preview_list(w['shape'])}, the space wants {list(desc['shape'])}")
        arr = decode_array(w, code)
        if strict and desc["dtype"] in wire.FLOAT_DTYPES and not wire.all_finite(arr):
            _fail(code, path, "elements must be finite")
        return arr
    if t == "Discrete":
        # An integral float is that integer (PROTOCOL.md section 4, step): 1.0 is 1; 1.5 is no Discrete value.
        if type(w) is float and w.is_integer():
            w = int(w)
        if not isinstance(w, int) or isinstance(w, bool):
            _fail(code, path, f"expected an integer, got {preview(w)}")
        if strict and not desc["start"] <= w < desc["start"] + desc["n"]:
            _fail(code, path, f"{preview(w)} is outside Discrete({desc['n']}, start={desc['start']})")
        return w
    if t in ("MultiDiscrete", "MultiBinary"):
        if not wire.is_ndarray(w):
            _fail(code, path, "expected an NDArray map {dtype, shape, data}")
        allowed = _INTEGER_DTYPES if t == "MultiDiscrete" else ("int8", "uint8", "bool")
        want = [len(desc["nvec"])] if t == "MultiDiscrete" else list(desc["shape"])
        if strict and (w["dtype"] not in allowed or list(w["shape"]) != want):
            _fail(code, path, f"{w['dtype']}{preview_list(w['shape'])} is not a {t} value of shape {want}")
        arr = decode_array(w, code)
        if strict:
            flat = _as_flat(arr)
            if t == "MultiBinary":
                ok = all(v in (0, 1) for v in flat)
            else:
                ok = all(s <= v < s + n for v, n, s in zip(flat, desc["nvec"], desc["start"]))
            if not ok:
                _fail(code, path, "an element is outside its range")
        return arr
    if t == "Tuple":
        if not isinstance(w, list) or len(w) != len(desc["spaces"]):
            _fail(code, path, f"expected an array of {len(desc['spaces'])} values")
        return tuple(value_from_wire(s, v, code, f"{path}[{i}]", strict) for i, (s, v) in enumerate(zip(desc["spaces"], w)))
    if t == "Dict":
        if not isinstance(w, dict) or set(w) != set(desc["spaces"]):
            _fail(code, path, f"expected a map with keys {sorted(desc['spaces'])}")
        return {k: value_from_wire(s, w[k], code, f"{path}.{k}", strict) for k, s in desc["spaces"].items()}
    raise error_for("unsupported", f"unknown space type {t!r}")


def batch_layout(desc: TDict[str, Any]) -> TDict[str, Any]:
    """dtype and item shape of one sub-env's value in a batch (PROTOCOL.md section 5, as protocol/vector-api.ts)."""
    t = desc["type"]
    if t == "Box":
        return {"dtype": desc["dtype"], "shape": list(desc["shape"])}
    if t == "Discrete":
        return {"dtype": "int32", "shape": []}
    if t == "MultiDiscrete":
        return {"dtype": desc.get("dtype", "int64"), "shape": [len(desc["nvec"])]}
    if t == "MultiBinary":
        return {"dtype": "int8", "shape": list(desc["shape"])}
    raise error_for("unsupported", f"vector envs batch Box, Discrete, MultiDiscrete and MultiBinary spaces only, not {t}")


# ---- per-space codecs for the hot path ------------------------------------------------------------


class ValueCodec:
    """Values of one space to and from the wire, with the work that does not depend on the value
    (dtype, shape, byte size) done once: ``encode(value)`` raises InvalidActionError for a value
    that does not fit; ``decode(wire)`` reads what a server sent. Box spaces with numpy take a
    fast path; anything else goes through value_to_wire / value_from_wire."""

    def __init__(self, desc: TDict[str, Any]):
        self.desc = desc
        np = _np()
        if desc["type"] == "Box" and np is not None:
            self.dtype = desc["dtype"]
            self.np_dtype = np.dtype(self.dtype).newbyteorder("<")
            self.shape = tuple(desc["shape"])
            self.wire_shape = list(desc["shape"])
            self.size = shape_size(self.shape)
            self.nbytes = self.size * self.np_dtype.itemsize
            self._asarray = np.asarray
            self._ndarray = np.ndarray
            self.encode = self._encode_box
            self.decode = self._decode_box
        else:
            self.encode = self._encode_any
            self.decode = self._decode_any

    def _encode_box(self, value: Any) -> Any:
        try:
            a = self._asarray(value, self.np_dtype)
        except (TypeError, ValueError) as e:
            raise error_for("invalid_action", f"action {value!r} is not a {self.dtype} array: {e}", {"path": "action"}) from e
        if a.shape != self.shape:
            if a.size != self.size:
                raise error_for("invalid_action", f"action of shape {a.shape}; the action space has shape {self.shape}", {"path": "action"})
            a = a.reshape(self.shape)
        return {"dtype": self.dtype, "shape": self.wire_shape, "data": a.tobytes()}

    def _decode_box(self, w: Any) -> Any:
        if type(w) is dict:
            data = w.get("data")
            if type(data) is bytes and len(data) == self.nbytes and w.get("dtype") == self.dtype and w.get("shape") == self.wire_shape:
                # A bytearray buffer: the array owns writable memory, as an env's own observation would.
                return self._ndarray(self.shape, self.np_dtype, bytearray(data))
        return self._decode_any(w)

    def _encode_any(self, value: Any) -> Any:
        try:
            return value_to_wire(self.desc, value)
        except (TypeError, ValueError, KeyError, IndexError) as e:
            raise error_for("invalid_action", f"action {value!r} does not fit the action space: {e}", {"path": "action"}) from e

    def _decode_any(self, w: Any) -> Any:
        return value_from_wire(self.desc, w, "internal", "obs", strict=False)
