"""``RemoteVectorEnv``: a ``gymnasium.vector.VectorEnv`` whose sub-envs live in gymwire servers.

Each server holds one vector env (``make`` with ``num_envs``, PROTOCOL.md section 5) of its
share of the sub-envs, so a step is one request per server carrying every action of its share
as one array, whatever the number of sub-envs. With several servers the requests go out
together and the answers are read after, so the servers step in parallel. Semantics are
Gymnasium 1.x's ``SyncVectorEnv``: NEXT_STEP autoreset (``metadata["autoreset_mode"]``),
``reset(seed=int)`` seeding sub-env i with seed + i (or a list of seeds), ``options`` with a
``reset_mask``, and infos as Gymnasium's dict of arrays with ``_key`` masks.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from .connection import Connection
from .env_spec import env_metadata, make_spec
from .errors import InternalError, InvalidActionError, UnsupportedError
from .remote_env import ServerHandle, malformed, open_connection
from .spaces import batch_layout, space_from_wire
from .wire import decode_array, info_from_wire, is_ndarray

Url = Union[str, Connection]


def split_evenly(total: int, parts: int) -> List[int]:
    """``total`` sub-envs over ``parts`` servers, as evenly as possible, the first ones taking the rest."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class _Share:
    """One server's share of the sub-envs: its vector env handle, where its rows go, and the
    byte layout of its batched answers (known once the spaces are)."""

    def __init__(self, server: ServerHandle, offset: int, count: int):
        self.server = server
        self.count = count
        self.rows = slice(offset, offset + count)
        self.step_request: Dict[str, Any] = {"id": 0, "op": "step", "handle": -1, "action": None}
        self.obs: Any = None  # the last observation rows, for a reset_mask that skips this share
        self._columns = {name: _Layout(name, [count], np.dtype(name)) for name in ("float64", "bool")}

    def set_spaces(self, obs_layout: Dict[str, Any], obs_dtype: Any, act_item_shape: Tuple[int, ...]) -> None:
        self._obs = _Layout(obs_layout["dtype"], [self.count, *obs_layout["shape"]], obs_dtype)
        self.act_shape = [self.count, *act_item_shape]

    def observations(self, w: Any) -> Any:
        self.obs = self._obs.read(w, "observation")
        return self.obs

    def column(self, w: Any, dtype: str, what: str) -> Any:
        return self._columns[dtype].read(w, what)


class _Layout:
    """A batched field as the protocol sends it: dtype name and shape, read as an array of ``out`` dtype."""

    def __init__(self, dtype: str, shape: List[int], out: Any):
        self.dtype = dtype
        self.shape_list = shape
        self.shape = tuple(shape)
        self.np_dtype = np.dtype(dtype).newbyteorder("<")
        self.nbytes = int(np.prod(shape)) * self.np_dtype.itemsize
        self.out = np.dtype(out)

    def read(self, w: Any, what: str) -> Any:
        if type(w) is dict:
            data = w.get("data")
            if type(data) is bytes and len(data) == self.nbytes and w.get("dtype") == self.dtype and w.get("shape") == self.shape_list:
                # A bytearray buffer: arrays that own writable memory, as SyncVectorEnv's do.
                a = np.ndarray(self.shape, self.np_dtype, bytearray(data))
                return a if a.dtype == self.out else a.astype(self.out)
        got = f"{w.get('dtype')}{w.get('shape')}" if isinstance(w, dict) else repr(w)[:80]
        raise InternalError(f"the server sent {got} as the batched {what}; the sub-envs want {self.dtype}{self.shape_list}")


# Little-endian integer dtypes (by numpy's dtype.str) the protocol names, for batched actions.
_WIRE_INTEGERS = {"<i8": "int64", "<i4": "int32", "|i1": "int8", "|u1": "uint8", "|b1": "bool"}


class RemoteVectorEnv(VectorEnv):
    """``num_envs`` copies of ``env_id`` in gymwire servers, as one ``gymnasium.vector.VectorEnv``.

    ``RemoteVectorEnv("ws://127.0.0.1:8765", "CartPole-v1", num_envs=64)`` makes them on one
    server; ``RemoteVectorEnv([url1, url2], "CartPole-v1", num_envs=64)`` spreads them evenly
    (32 each; sub-envs 0-31 on url1). Keyword arguments are the env's make() kwargs; ``token``
    and ``connect`` are as for ``RemoteEnv``. Needs protocol 1.1 servers.
    """

    def __init__(
        self,
        urls: Union[Url, Sequence[Url]],
        env_id: str,
        num_envs: int = 1,
        *,
        token: Optional[str] = None,
        connect: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ):
        targets: List[Url] = [urls] if isinstance(urls, (str, Connection)) else list(urls)
        if not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        if not targets or len(targets) > num_envs:
            raise ValueError(f"{len(targets)} servers for {num_envs} sub-envs: give between 1 and num_envs servers")
        self.env_id = env_id
        self._make_kwargs = kwargs
        self._shares: List[_Share] = []
        self._spaces: Optional[Tuple[Dict[str, Any], Dict[str, Any]]] = None
        try:
            offset = 0
            for target, count in zip(targets, split_evenly(num_envs, len(targets))):
                connection, owns = open_connection(target, token, connect)
                share = _Share(ServerHandle(connection, owns, f"{env_id} x{count}"), offset, count)
                self._shares.append(share)
                r = self._make(share)
                offset += count
        except BaseException:
            for share in self._shares:
                share.server.close()
            raise
        first = self._shares[0]
        self.num_envs = num_envs
        self.single_observation_space_wire, self.single_action_space_wire = self._spaces  # type: ignore[misc]
        self.single_observation_space = space_from_wire(self.single_observation_space_wire)
        self.single_action_space = space_from_wire(self.single_action_space_wire)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        info = first.server.connection.env_info(env_id)
        self.metadata = {**env_metadata(info), "render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}
        self.render_mode = None
        #: The server's EnvSpec of one sub-env, as sent.
        self.gymwire_spec: Dict[str, Any] = r["spec"]
        self.spec = make_spec(first.server.connection, env_id, r["spec"], env_metadata(info))
        act_layout = batch_layout(self.single_action_space_wire)
        for share in self._shares:
            share.set_spaces(batch_layout(self.single_observation_space_wire), self.observation_space.dtype, tuple(act_layout["shape"]))
        kind = self.single_action_space_wire["type"]
        self._act_box = act_layout["dtype"] if kind == "Box" else None
        self._act_wire_dtype = np.dtype(act_layout["dtype"]).newbyteorder("<")
        # The integer dtypes the server takes in a batch (PROTOCOL.md section 5), the first one
        # being what other integer dtypes are cast to.
        self._act_integer_dtypes = ("int8", "uint8", "bool") if kind == "MultiBinary" else ("int64", "int32", "int8", "uint8")
        self._act_shape = (num_envs, *act_layout["shape"])
        self._act_size = int(np.prod(self._act_shape))

    def _make(self, share: _Share) -> Dict[str, Any]:
        """Makes (or re-makes) a share's vector env; every share must have the same spaces."""
        connection = share.server.connection
        connection.ensure_open()
        if not connection.supports(1):
            raise UnsupportedError(f"{connection.url} speaks protocol {connection.hello.get('protocol_version')}; vector envs need 1.1")
        r = share.server.make({"env_id": self.env_id, "kwargs": self._make_kwargs, "num_envs": share.count, "vector": True})
        share.step_request["handle"] = share.server.handle
        spaces = (r["observation_space"], r["action_space"])
        if r.get("vector") is not True or r.get("num_envs") != share.count:
            raise UnsupportedError(f"{connection.url} did not make a vector env of {share.count} {self.env_id}")
        if self._spaces is None:
            self._spaces = spaces
        elif spaces != self._spaces:
            share.server.connection.request("close", handle=share.server.handle)
            raise InternalError(f"{connection.url} made {self.env_id} with other spaces than {self._shares[0].server.connection.url}")
        return r

    # ---- reset ----------------------------------------------------------------------------------

    def reset(
        self, *, seed: Union[int, Sequence[Optional[int]], None] = None, options: Optional[Dict[str, Any]] = None
    ) -> Tuple[Any, Dict[str, Any]]:
        """Resets every sub-env (or those of ``options["reset_mask"]``, a bool array of num_envs).
        ``seed``: None, an int (sub-env i gets seed + i) or a list of num_envs ints or None."""
        n = self.num_envs
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            super().reset(seed=int(seed))  # self.np_random, as VectorEnv seeds it
            seeds: Optional[List[Optional[int]]] = [int(seed) + i for i in range(n)]
        elif seed is None:
            seeds = None
        else:
            seeds = [None if s is None else int(s) for s in seed]
            if len(seeds) != n:
                raise ValueError(f"If seeds are passed as a list the length must match num_envs={n} but got length={len(seeds)}.")
        options = dict(options) if options else None
        mask = self._reset_mask(options.pop("reset_mask")) if options is not None and "reset_mask" in options else None
        pending = []
        for share in self._shares:
            rows = share.rows
            if mask is not None and not mask[rows].any():
                continue
            if share.server.stale:
                if mask is not None:
                    raise share.server.lost("reset with a reset_mask")
                self._make(share)
            fields: Dict[str, Any] = {"op": "reset", "handle": share.server.handle, "seed": None if seeds is None else seeds[rows]}
            if len(self._shares) == 1 and seeds is not None and mask is None and isinstance(seed, (int, np.integer)):
                fields["seed"] = int(seed)  # the server seeds sub-env i with seed + i itself
            share_options = dict(options) if options is not None else None
            if mask is not None:
                share_options = {**(share_options or {}), "reset_mask": mask[rows]}
            fields["options"] = share_options
            pending.append((share, share.server.connection.send(fields)))
        infos = []
        for share, rid in pending:
            r = share.server.connection.receive(rid, "reset")
            try:
                share.observations(r["obs"])
                infos.append((share, r["info"]))
            except (KeyError, TypeError) as e:
                raise malformed(share.server, "reset", r, e) from e
        try:
            return self._joined_obs(), self._joined_infos(infos)
        except (TypeError, ValueError, AttributeError) as e:
            raise InternalError(f"the servers' reset answers do not join: {e}") from e

    def _reset_mask(self, mask: Any) -> Any:
        # The checks (and messages) of Gymnasium's SyncVectorEnv.
        if not isinstance(mask, np.ndarray):
            raise TypeError(f"`options['reset_mask']` must be a numpy array, got {type(mask)}")
        if mask.shape != (self.num_envs,):
            raise ValueError(f"`options['reset_mask']` must have shape `({self.num_envs},)`, got {mask.shape}")
        if mask.dtype != np.bool_:
            raise TypeError(f"`options['reset_mask']` must have `dtype=np.bool_`, got {mask.dtype}")
        if not np.any(mask):
            raise ValueError(f"`options['reset_mask']` must contain a boolean array with at least one True value, got reset_mask={mask}")
        return mask

    # ---- step -----------------------------------------------------------------------------------

    def step(self, actions: Any) -> Tuple[Any, Any, Any, Any, Dict[str, Any]]:
        for share in self._shares:
            server = share.server
            if server.generation != server.connection.generation:
                raise server.lost("step")
        a, dtype = self._actions(actions)
        if len(self._shares) == 1:
            share = self._shares[0]
            request = share.step_request
            request["action"] = {"dtype": dtype, "shape": share.act_shape, "data": a.tobytes()}
            r = share.server.connection.call(request)
            try:
                info = r["info"]
                return (
                    share.observations(r["obs"]),
                    share.column(r["reward"], "float64", "rewards"),
                    share.column(r["terminated"], "bool", "terminations"),
                    share.column(r["truncated"], "bool", "truncations"),
                    vector_info_from_wire(info, share.count) if info else {},
                )
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise malformed(share.server, "step", r, e) from e
        pending = []
        for share in self._shares:
            request = share.step_request
            request["action"] = {"dtype": dtype, "shape": share.act_shape, "data": a[share.rows].tobytes()}
            pending.append((share, share.server.connection.send(request)))
        rewards, terminated, truncated, infos = [], [], [], []
        for share, rid in pending:
            r = share.server.connection.receive(rid, "step")
            try:
                share.observations(r["obs"])
                rewards.append(share.column(r["reward"], "float64", "rewards"))
                terminated.append(share.column(r["terminated"], "bool", "terminations"))
                truncated.append(share.column(r["truncated"], "bool", "truncations"))
                infos.append((share, r["info"]))
            except (KeyError, TypeError) as e:
                raise malformed(share.server, "step", r, e) from e
        try:
            return (
                self._joined_obs(),
                np.concatenate(rewards),
                np.concatenate(terminated),
                np.concatenate(truncated),
                self._joined_infos(infos),
            )
        except (TypeError, ValueError, AttributeError) as e:
            raise InternalError(f"the servers' step answers do not join: {e}") from e

    def _actions(self, actions: Any) -> Tuple[Any, str]:
        """The batch of actions as a little-endian array of shape (num_envs, *action shape), and its
        dtype's name: Box actions in the space's dtype; integer spaces keep an integer dtype the
        server takes (it checks ranges), so nothing is truncated or wraps on the way."""
        try:
            if self._act_box is not None:
                a, dtype = np.asarray(actions, self._act_wire_dtype), self._act_box
            else:
                a = np.asarray(actions)
                dtype = _WIRE_INTEGERS.get(a.dtype.str)
                if dtype not in self._act_integer_dtypes:
                    if a.dtype.kind not in "iub":
                        raise TypeError(f"{a.dtype} actions for {self.single_action_space_wire['type']} sub-envs")
                    dtype = self._act_integer_dtypes[0]
                    if dtype == "int8" and not np.isin(a, (0, 1)).all():
                        raise ValueError("MultiBinary actions are 0 or 1")
                    a = a.astype(np.dtype(dtype).newbyteorder("<"))
        except (TypeError, ValueError) as e:
            raise InvalidActionError(f"actions {actions!r} do not fit {self.action_space}: {e}", {"path": "action"}) from e
        if a.shape != self._act_shape:
            if a.size != self._act_size:
                raise InvalidActionError(f"actions of shape {a.shape}; {self.num_envs} sub-envs want {self._act_shape}", {"path": "action"})
            a = a.reshape(self._act_shape)
        return a, dtype

    def _joined_obs(self) -> Any:
        if len(self._shares) == 1:
            return self._shares[0].obs
        return np.concatenate([share.obs for share in self._shares])

    def _joined_infos(self, infos: List[Tuple[_Share, Any]]) -> Dict[str, Any]:
        if len(self._shares) == 1:
            return vector_info_from_wire(infos[0][1], self.num_envs) if infos and infos[0][1] else {}
        parts = {id(share): vector_info_from_wire(info, share.count) for share, info in infos if info}
        return merge_vector_infos([(parts.get(id(share), {}), share.count) for share in self._shares])

    # ---- closing --------------------------------------------------------------------------------

    def close_extras(self, **kwargs: Any) -> None:
        for share in self._shares:
            share.server.close()

    def __repr__(self) -> str:
        where = ", ".join(f"{s.server.connection.url} x{s.count}" for s in self._shares)
        return f"RemoteVectorEnv({self.env_id}, num_envs={self.num_envs}: {where})"


# ---- batched infos --------------------------------------------------------------------------------


def vector_info_from_wire(w: Dict[str, Any], n: int) -> Dict[str, Any]:
    """A batched info from the wire (PROTOCOL.md section 5) as Gymnasium's vector info: NDArray
    columns become numpy arrays, nested maps nested infos, arrays of n values object arrays."""
    out: Dict[str, Any] = {}
    for key, value in w.items():
        if is_ndarray(value):
            out[key] = decode_array(value, "internal")
        elif isinstance(value, dict):
            out[key] = vector_info_from_wire(value, n)
        elif isinstance(value, list) and len(value) == n:
            column = np.empty(n, dtype=object)
            for i, v in enumerate(value):
                column[i] = info_from_wire(v)
            out[key] = column
        else:
            out[key] = info_from_wire(value)
    return out


def merge_vector_infos(parts: List[Tuple[Dict[str, Any], int]]) -> Dict[str, Any]:
    """Joins the vector infos of consecutive shares of sub-envs into one: each key's column over
    all sub-envs, a share without the key filling its rows with zeros (False in ``_key`` masks),
    as Gymnasium's ``_add_info`` leaves sub-envs that did not report a key."""
    keys: List[str] = []
    for info, _ in parts:
        keys.extend(k for k in info if k not in keys)
    out: Dict[str, Any] = {}
    for key in keys:
        values = [info.get(key) for info, _ in parts]
        if all(v is None or isinstance(v, dict) for v in values):
            out[key] = merge_vector_infos([(v or {}, count) for v, (_, count) in zip(values, parts)])
            continue
        given = [np.asarray(v) for v in values if v is not None and not isinstance(v, dict)]
        same = all(g.dtype == given[0].dtype and g.shape[1:] == given[0].shape[1:] for g in given)
        filled = []
        for v, (_, count) in zip(values, parts):
            if v is not None and not isinstance(v, dict) and same:
                filled.append(np.asarray(v))
            elif same and given[0].dtype != object:
                filled.append(np.zeros((count, *given[0].shape[1:]), dtype=given[0].dtype))
            else:
                column = np.full(count, None, dtype=object)
                if v is not None:
                    for i in range(count):
                        column[i] = v[i]
                filled.append(column)
        out[key] = np.concatenate(filled)
    return out
