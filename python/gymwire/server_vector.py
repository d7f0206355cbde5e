"""Vector envs for the Python server (protocol 1.1 and later): N sub-envs behind one handle, stepped
together, with Gymnasium 1.x's NEXT_STEP autoreset. Values are batched on the wire by
joining the sub-envs' encoded rows, so neither side needs numpy."""
from __future__ import annotations

import struct
from typing import Any, Dict, List, Optional, Sequence

from . import wire
from .spaces import batch_layout, value_from_wire, value_to_wire
from .errors import error_for
from .preview import preview_list

_INTEGER_DTYPES = ("int8", "int32", "int64", "uint8")


class VectorSlot:
    def __init__(self, envs: List[Any], obs_space: Dict[str, Any], act_space: Dict[str, Any]):
        self.envs = envs
        self.n = len(envs)
        self.obs_space = obs_space
        self.act_space = act_space
        self.obs_layout = batch_layout(obs_space)
        self.act_layout = batch_layout(act_space)
        self.autoreset = [False] * self.n
        self.has_reset = False
        self.broken: Optional[str] = None
        #: The registration's ResetOptionSpecs (set by make).
        self.reset_options: Dict[str, Dict[str, Any]] = {}

    # ---- encoding -----------------------------------------------------------------------

    def _row(self, value: Any) -> bytes:
        if self.obs_space["type"] == "Discrete":
            return struct.pack("<i", int(value))
        return value_to_wire(self.obs_space, value)["data"]

    def _obs(self, rows: Sequence[bytes]) -> Dict[str, Any]:
        return {"dtype": self.obs_layout["dtype"], "shape": [self.n] + self.obs_layout["shape"], "data": b"".join(rows)}

    def actions(self, w: Any) -> List[Any]:
        """The batched action, checked: one value of the single action space per sub-env."""
        n, space = self.n, self.act_space
        if space["type"] == "Discrete" and isinstance(w, list):
            if len(w) != n:
                raise error_for("invalid_action", f"action: {len(w)} values for {n} sub-envs", {"path": "action"})
            return [value_from_wire(space, v, "invalid_action", f"action[{i}]") for i, v in enumerate(w)]
        if not wire.is_ndarray(w):
            raise error_for("invalid_action", "action: expected an NDArray with a leading num_envs axis", {"path": "action"})
        want = [n] + self.act_layout["shape"]
        if list(w["shape"]) != want:
            raise error_for(
                "invalid_action",
                f"action: shape {preview_list(w['shape'])}, wanted {want} (num_envs x the action space)",
                {"path": "action"},
            )
        data = w["data"]
        if len(data) % n != 0:
            raise error_for("invalid_action", "action: data length does not match the shape", {"path": "action"})
        size = len(data) // n
        out = []
        for i in range(n):
            row = {"dtype": w["dtype"], "shape": self.act_layout["shape"], "data": data[i * size : (i + 1) * size]}
            if space["type"] == "Discrete":
                if w["dtype"] not in _INTEGER_DTYPES:
                    raise error_for(
                        "invalid_action", f"action: dtype {w['dtype']}; a Discrete batch wants an integer dtype", {"path": "action"}
                    )
                row = int(wire._flatten(_plain(wire.decode_array(row, "invalid_action")))[0])
            out.append(value_from_wire(space, row, "invalid_action", f"action[{i}]"))
        return out

    # ---- ops ----------------------------------------------------------------------------

    def reset(self, seed: Any, options: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        n = self.n
        if isinstance(seed, list):
            if len(seed) != n:
                raise error_for("bad_request", f"{len(seed)} seeds for {n} sub-envs")
            seeds = list(seed)
        else:
            seeds = [None if seed is None else seed + i for i in range(n)]
        opts = dict(options) if options else None
        mask = [True] * n
        if opts is not None and "reset_mask" in opts:
            m = opts.pop("reset_mask")
            m = wire._flatten(_plain(wire.decode_array(m))) if wire.is_ndarray(m) else m
            if not isinstance(m, list) or len(m) != n:
                raise error_for("bad_request", f"reset_mask must hold {n} booleans")
            if not self.has_reset:
                raise error_for("reset_needed", "reset with a reset_mask needs a full reset first")
            mask = [bool(x) for x in m]
            if not any(mask):
                raise error_for("bad_request", "options.reset_mask marks no sub-env")
            opts = opts or None
        rows: List[bytes] = list(self._last_rows) if self.has_reset else [b""] * n
        infos: List[Optional[Dict[str, Any]]] = [None] * n
        for i, env in enumerate(self.envs):
            if not mask[i]:
                continue
            obs, info = env.reset(seed=seeds[i], options=opts)
            rows[i] = self._row(obs)
            infos[i] = info
            self.autoreset[i] = False
        self.has_reset = True
        self._last_rows = rows
        return {"obs": self._obs(rows), "info": batch_infos(infos, n)}

    def step(self, actions: List[Any]) -> Dict[str, Any]:
        if not self.has_reset:
            raise error_for("reset_needed", "Cannot call step() before reset().")
        n = self.n
        rows: List[bytes] = []
        rewards = [0.0] * n
        term = [False] * n
        trunc = [False] * n
        infos: List[Optional[Dict[str, Any]]] = [None] * n
        for i, env in enumerate(self.envs):
            if self.autoreset[i]:
                # NEXT_STEP: the sub-env ended on the last step; reset it, ignore its action.
                obs, info = env.reset()
            else:
                obs, reward, terminated, truncated, info = env.step(actions[i])
                rewards[i], term[i], trunc[i] = float(reward), bool(terminated), bool(truncated)
            rows.append(self._row(obs))
            infos[i] = info
            self.autoreset[i] = term[i] or trunc[i]
        self._last_rows = rows
        return {
            "obs": self._obs(rows),
            "reward": {"dtype": "float64", "shape": [n], "data": struct.pack(f"<{n}d", *rewards)},
            "terminated": {"dtype": "bool", "shape": [n], "data": bytes(term)},
            "truncated": {"dtype": "bool", "shape": [n], "data": bytes(trunc)},
            "info": batch_infos(infos, n),
        }

    def close(self) -> None:
        for env in self.envs:
            try:
                env.close()
            except Exception:  # noqa: BLE001 - closing; nothing to report to
                pass


def _plain(x: Any) -> Any:
    return x.tolist() if hasattr(x, "tolist") else x


def batch_infos(infos: Sequence[Optional[Dict[str, Any]]], n: int) -> Dict[str, Any]:
    """Gymnasium's vector info: per key an array over sub-envs and a '_key' bool mask of who set it."""
    out: Dict[str, Any] = {}
    keys: List[str] = []
    for info in infos:
        for k in info or {}:
            if k not in keys:
                keys.append(k)
    for k in keys:
        present = [info is not None and k in info for info in infos]
        raw = [info[k] if info is not None and k in info else None for info in infos]
        rows = _array_rows(raw)
        values = [_plain(v) for v in raw]
        given = [v for v in values if v is not None]
        if rows is not None:
            out[k] = rows
        elif given and all(isinstance(v, bool) for v in given):
            out[k] = {"dtype": "bool", "shape": [n], "data": bytes(bool(v) for v in values)}
        elif given and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given):
            # Numbers batch as float64, as protocol/vector-api.ts does.
            out[k] = {"dtype": "float64", "shape": [n], "data": struct.pack(f"<{n}d", *[float(v or 0) for v in values])}
        elif given and all(isinstance(v, dict) for v in given):
            out[k] = batch_infos([v if isinstance(v, dict) else None for v in values], n)
        else:
            out[k] = values
        out["_" + k] = {"dtype": "bool", "shape": [n], "data": bytes(present)}
    return out


def _array_rows(values: Sequence[Any]) -> Optional[Dict[str, Any]]:
    """numpy arrays of one dtype and one length L (None where unreported) as one NDArray [n, L],
    zeros in the unreported rows; None if the values are not such arrays."""
    np = wire.np
    given = [v for v in values if v is not None]
    if np is None or not given or not all(isinstance(v, np.ndarray) and v.ndim == 1 for v in given):
        return None
    dtype, length = given[0].dtype, given[0].shape[0]
    if dtype.name not in wire.DTYPES or any(v.dtype != dtype or v.shape[0] != length for v in given):
        return None
    zero = bytes(length * dtype.itemsize)
    data = b"".join(zero if v is None else np.ascontiguousarray(v, dtype.newbyteorder("<")).tobytes() for v in values)
    return {"dtype": dtype.name, "shape": [len(values), length], "data": data}
