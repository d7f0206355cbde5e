"""Serve Python environments over the gymwire protocol.

Anything with Gymnasium's Env API (``reset(seed=, options=)`` -> ``(obs, info)``, ``step`` ->
5-tuple, ``observation_space``/``action_space`` of Box, Discrete, MultiDiscrete, MultiBinary,
Tuple or Dict, optional ``render()`` -> RGB array, ``close()``) can be served, so a Python env
plugs into any gymwire client, e.g. the Node DDPG agent::

    from gymwire import serve
    serve({"MyEnv-v0": MyEnv}, port=8765)           # factory called with make()'s kwargs

or with more metadata, ``serve([EnvRegistration("MyEnv-v0", MyEnv, max_episode_steps=200)])``.
Envs are wrapped as ``gymnasium.make`` wraps them: step before reset is ``reset_needed``
(OrderEnforcing) and ``max_episode_steps`` sets ``truncated`` (TimeLimit).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import math
import os
import re
import sys
from http import HTTPStatus
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

import websockets

from . import wire
from .spaces import space_to_wire, value_from_wire, value_to_wire
from .server_vector import VectorSlot
from .errors import GymwireError, error_for

SERVER_NAME = "gymwire-python-server"
SERVER_VERSION = "0.1.0"
SERVER_PROTOCOL_VERSION = "1.1"
_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+$")
_MAX_ID = 2**53 - 1


@dataclass
class EnvRegistration:
    """One env id the server can make."""

    id: str
    factory: Callable[..., Any]
    max_episode_steps: Optional[int] = None
    reward_threshold: Optional[float] = None
    nondeterministic: bool = False
    #: name -> {"type": "number"|"integer"|"boolean"|"string", "default": ..., "description": ...};
    #: None: read from the factory's keyword parameters that have defaults.
    kwargs: Optional[Dict[str, Dict[str, Any]]] = None
    #: What list_envs reports as render_modes / render_fps; None: read from an instance (see render_info).
    render_modes: Optional[List[str]] = None
    render_fps: Optional[float] = None

    def render_info(self, env: Any) -> Dict[str, Any]:
        """``render_modes`` and ``render_fps`` for list_envs. By default ``["rgb_array"]`` when the
        server's ``render`` works on this env — a Gymnasium env made with ``render_mode="rgb_array"``,
        or an env without ``render_mode`` that has a ``render()`` — and the fps of its metadata."""
        modes = self.render_modes
        if modes is None:
            mode = getattr(env, "render_mode", None)
            has_render = callable(getattr(env, "render", None))
            modes = ["rgb_array"] if mode == "rgb_array" or (has_render and not hasattr(env, "render_mode")) else []
        info: Dict[str, Any] = {"render_modes": list(modes)}
        fps = self.render_fps if self.render_fps is not None else (getattr(env, "metadata", None) or {}).get("render_fps")
        if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0:
            info["render_fps"] = fps
        return info

    def kwarg_specs(self) -> Dict[str, Dict[str, Any]]:
        if self.kwargs is not None:
            return self.kwargs
        specs: Dict[str, Dict[str, Any]] = {}
        try:
            params = inspect.signature(self.factory).parameters.values()
        except (TypeError, ValueError):
            return specs
        for p in params:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.default is p.empty:
                continue
            d = p.default
            kind = "boolean" if isinstance(d, bool) else "integer" if isinstance(d, int) else "number" if isinstance(d, float) else "string" if isinstance(d, str) else None
            if kind is not None:
                specs[p.name] = {"type": kind, "default": d, "description": f"{p.name} of {self.id}"}
        return specs


def _kwarg_ok(spec: Dict[str, Any], value: Any) -> bool:
    t = spec["type"]
    if value is None:
        return spec.get("default") is None
    if isinstance(value, bool):
        return t == "boolean"
    if t == "integer":
        return isinstance(value, int)
    if t == "number":
        return isinstance(value, (int, float)) and math.isfinite(value)
    if t == "string":
        return isinstance(value, str)
    return False


class _Slot:
    """One env as gymnasium.make wraps it (OrderEnforcing, TimeLimit); also a vector env's sub-env."""

    def __init__(self, env: Any, max_steps: Optional[int]):
        self.env = env
        self.obs_space = space_to_wire(env.observation_space)
        self.act_space = space_to_wire(env.action_space)
        self.max_steps = max_steps
        self.elapsed = 0
        self.has_reset = False
        self.broken: Optional[str] = None

    def reset(self, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None) -> Any:
        obs, info = self.env.reset(seed=seed, options=options)
        self.elapsed = 0
        self.has_reset = True
        return obs, dict(info or {})

    def step(self, action: Any) -> Any:
        if not self.has_reset:
            raise error_for("reset_needed", "Cannot call step() before reset().")
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.elapsed += 1
        if self.max_steps is not None and self.elapsed >= self.max_steps:
            truncated = True
        return obs, reward, terminated, truncated, dict(info or {})

    def close(self) -> None:
        self.env.close()


class _Session:
    def __init__(self) -> None:
        self.ready = False
        self.slots: Dict[int, _Slot] = {}
        self.next_handle = 1

    def close_all(self) -> None:
        for slot in self.slots.values():
            _close_quietly(slot)
        self.slots.clear()


def _close_quietly(env: Any) -> None:
    try:
        env.close()
    except Exception:  # noqa: BLE001 - closing on the way out; nothing to report to
        pass


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# op -> {field: (check, description, required)}
def _handle(v: Any) -> bool:
    return _is_int(v) and v >= 0


def _seed(v: Any) -> bool:
    if isinstance(v, list):
        return all(_seed(x) and not isinstance(x, list) for x in v)
    return v is None or (_is_int(v) and 0 <= v <= _MAX_ID)


_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "hello": {
        "protocol_version": (lambda v: isinstance(v, str) and bool(_VERSION_RE.match(v)), "a MAJOR.MINOR string", True),
        "client_name": (lambda v: isinstance(v, str), "a string", True),
        "client_version": (lambda v: isinstance(v, str), "a string", True),
    },
    "list_envs": {},
    "make": {
        "env_id": (lambda v: isinstance(v, str), "a string", True),
        "kwargs": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and (x is None or isinstance(x, (bool, int, float, str))) for k, x in v.items()), "a map of numbers, booleans, strings or null", False),
        "num_envs": (lambda v: _is_int(v) and v >= 1, "an integer >= 1", False),
        "vector": (lambda v: isinstance(v, bool), "a boolean", False),
    },
    "reset": {
        "handle": (_handle, "an integer >= 0", True),
        "seed": (_seed, "an integer in [0, 2^53), null, or (vector envs) a list of those", False),
        "options": (lambda v: v is None or isinstance(v, dict), "a map or null", False),
    },
    "step": {"handle": (_handle, "an integer >= 0", True), "action": (lambda v: True, "a value", True)},
    "render": {"handle": (_handle, "an integer >= 0", True)},
    "close": {"handle": (_handle, "an integer >= 0", True)},
}


class EnvServer:
    """The server: ``await start()`` then ``await wait_closed()``, or ``serve()`` for the blocking form."""

    def __init__(
        self,
        envs: Union[Mapping[str, Callable[..., Any]], Iterable[EnvRegistration]],
        host: str = "127.0.0.1",
        port: int = 8765,
        max_payload_bytes: int = 4 * 1024 * 1024,
        max_envs: int = 64,
        max_num_envs: int = 1024,
        token: Optional[str] = None,
        close_timeout: float = 1.0,
    ):
        if token is not None and not _TOKEN_CHARS.match(token):
            raise ValueError("the token must be non-empty and use only letters, digits and !#$%&'*+-.^_`|~ (it may travel as a WebSocket sub-protocol)")
        regs = [EnvRegistration(k, f) for k, f in envs.items()] if isinstance(envs, Mapping) else list(envs)
        self.registrations: Dict[str, EnvRegistration] = {r.id: r for r in regs}
        self.host = host
        self.port = port
        self.max_payload_bytes = max_payload_bytes
        self.max_envs = max_envs
        self.max_num_envs = max_num_envs
        self.token = token
        self.close_timeout = close_timeout
        self._catalog: Optional[List[Dict[str, Any]]] = None
        self._server: Any = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    async def start(self) -> None:
        if self.token is None and not _is_loopback(self.host):
            print(f"warning: serving {self.url} without a token: anyone who can reach it can run envs (token=...)", file=sys.stderr)
        subprotocols = [SUBPROTOCOL] + ([TOKEN_SUBPROTOCOL_PREFIX + self.token] if self.token is not None else [])
        self._server = await websockets.serve(
            self._connection,
            self.host,
            self.port,
            # The browser form of the token (PROTOCOL.md section 8): "gymwire" is selected when
            # offered, the token's own sub-protocol only when it is the only one offered.
            subprotocols=subprotocols,
            process_request=_auth_check(self.token) if self.token is not None else None,
            compression=None,
            max_size=self.max_payload_bytes,
            ping_interval=None,
            # After a 1009 the client's close frame waits behind the rest of its oversized frame,
            # which is never read: don't wait websockets' default 10 s for it.
            close_timeout=self.close_timeout,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def wait_closed(self) -> None:
        await self._server.wait_closed()

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _connection(self, ws: Any, path: Optional[str] = None) -> None:
        session = _Session()
        try:
            async for message in ws:
                if isinstance(message, str):
                    reply = _error(None, "bad_request", "frames must be binary (one msgpack map each)")
                else:
                    reply = self.dispatch(session, message)
                await ws.send(reply)
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            session.close_all()

    # ---- requests ---------------------------------------------------------------------------

    def dispatch(self, session: _Session, frame: bytes) -> bytes:
        """One frame in, one frame out; nothing a client sends makes it raise."""
        try:
            msg = wire.unpack(frame)
        except Exception as e:  # noqa: BLE001 - any decode failure is the client's bad frame
            return _error(None, "bad_request", f"frame is not valid msgpack: {e}")
        if isinstance(msg, dict):
            _integral_fields(msg)
        rid = msg.get("id") if isinstance(msg, dict) else None
        if not (_is_int(rid) and 0 <= rid <= _MAX_ID) or not isinstance(msg.get("op"), str):
            good_id = rid if _is_int(rid) and 0 <= rid <= _MAX_ID else None
            return _error(good_id, "bad_request", "a request is a map with an integer id >= 0 and a string op")
        op = msg["op"]
        schema = _SCHEMAS.get(op)
        if schema is None:
            return _error(rid, "unsupported", f"unknown op '{op}'", {"op": op})
        issues = [
            {"path": f"/{name}", "message": f"must be {what}"}
            for name, (check, what, required) in schema.items()
            if (name in msg and not check(msg[name])) or (required and name not in msg)
        ]
        if issues:
            return _error(rid, "bad_request", f"invalid {op} request", {"issues": issues})
        if not session.ready and op != "hello":
            return _error(rid, "not_ready", f"send hello before {op}")
        try:
            result = getattr(self, f"_op_{op}")(session, msg)
            return wire.pack({"id": rid, "result": result})
        except GymwireError as e:
            return wire.pack({"id": rid, "error": e.to_body()})
        except Exception as e:  # noqa: BLE001 - the connection must survive a server bug too
            return _error(rid, "internal", f"{op} failed: {e}")

    def _op_hello(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        if msg["protocol_version"].split(".")[0] != SERVER_PROTOCOL_VERSION.split(".")[0]:
            raise error_for(
                "version_mismatch",
                f"client speaks protocol {msg['protocol_version']}, this server speaks {SERVER_PROTOCOL_VERSION}",
                {"server_protocol_version": SERVER_PROTOCOL_VERSION},
            )
        session.ready = True
        return {
            "protocol_version": SERVER_PROTOCOL_VERSION,
            "server_name": SERVER_NAME,
            "server_version": SERVER_VERSION,
            "limits": {"max_payload_bytes": self.max_payload_bytes, "max_envs": self.max_envs, "max_num_envs": self.max_num_envs},
        }

    def _op_list_envs(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        if self._catalog is None:
            self._catalog = []
            for reg in self.registrations.values():
                env = reg.factory(**{k: s["default"] for k, s in reg.kwarg_specs().items()})
                try:
                    self._catalog.append(
                        {
                            "id": reg.id,
                            "observation_space": space_to_wire(env.observation_space),
                            "action_space": space_to_wire(env.action_space),
                            "max_episode_steps": reg.max_episode_steps,
                            "reward_threshold": reg.reward_threshold,
                            "nondeterministic": reg.nondeterministic,
                            "kwargs": reg.kwarg_specs(),
                            **reg.render_info(env),
                        }
                    )
                finally:
                    _close_quietly(env)
        return {"envs": self._catalog}

    def _op_make(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        num_envs = msg.get("num_envs", 1)
        vector = msg.get("vector", num_envs > 1)
        if not vector and num_envs != 1:
            raise error_for("bad_request", f"vector: false with num_envs {num_envs}; a single env has num_envs 1")
        reg = self.registrations.get(msg["env_id"])
        if reg is None:
            raise error_for("unknown_env", f"No env registered as '{msg['env_id']}'. Known: {', '.join(self.registrations)}")
        if len(session.slots) >= self.max_envs:
            raise error_for("limit_exceeded", f"at most {self.max_envs} envs may be open on one connection", {"max_envs": self.max_envs})
        instances = sum(getattr(s, "n", 1) for s in session.slots.values())
        if instances + num_envs > self.max_num_envs:
            raise error_for(
                "limit_exceeded",
                f"{instances} env instances are open on this connection; {num_envs} more would pass max_num_envs {self.max_num_envs}",
                {"max_num_envs": self.max_num_envs},
            )
        given = dict(msg.get("kwargs") or {})
        max_steps = given.pop("max_episode_steps", None)
        if max_steps is not None and not (_is_int(max_steps) and max_steps > 0):
            raise error_for("invalid_kwargs", f"{reg.id}: max_episode_steps must be a positive integer")
        specs = reg.kwarg_specs()
        full = {k: s["default"] for k, s in specs.items()}
        for name, value in given.items():
            if name not in specs:
                raise error_for("invalid_kwargs", f"{reg.id} does not accept kwarg '{name}' (accepted: {', '.join(specs) or 'none'})")
            if not _kwarg_ok(specs[name], value):
                raise error_for("invalid_kwargs", f"{reg.id}: kwarg '{name}' must be a {specs[name]['type']}, got {value!r}")
            full[name] = value
        limit = max_steps if max_steps is not None else reg.max_episode_steps
        built: List[Any] = []
        try:
            for _ in range(num_envs):
                built.append(reg.factory(**full))
            singles = [_Slot(env, limit) for env in built]
            slot: Union[_Slot, VectorSlot] = VectorSlot(singles, singles[0].obs_space, singles[0].act_space) if vector else singles[0]
        except Exception as e:  # noqa: BLE001
            for env in built:
                _close_quietly(env)
            if isinstance(e, GymwireError):
                raise
            raise error_for("internal", f"make({reg.id}) failed: {e}") from e
        handle = session.next_handle
        session.next_handle += 1
        session.slots[handle] = slot
        spec = {"id": reg.id, "max_episode_steps": limit, "reward_threshold": reg.reward_threshold, "nondeterministic": reg.nondeterministic, "kwargs": full}
        return {"handle": handle, "observation_space": slot.obs_space, "action_space": slot.act_space, "spec": spec, "num_envs": num_envs, "vector": vector}

    def _slot(self, session: _Session, msg: Dict[str, Any]) -> Any:
        slot = session.slots.get(msg["handle"])
        if slot is None:
            raise error_for("unknown_handle", f"no open env has handle {msg['handle']} on this connection")
        if slot.broken is not None:
            raise error_for("env_broken", f"the env is broken ({slot.broken}); close it and make a new one")
        return slot

    def _op_reset(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = self._slot(session, msg)
        seed, options = msg.get("seed"), msg.get("options")
        if isinstance(slot, VectorSlot):
            return _guarded(slot, "reset", lambda: slot.reset(seed, options))
        if isinstance(seed, list):
            raise error_for("bad_request", "a list of seeds is for vector envs; this handle is a single env")

        def run() -> Dict[str, Any]:
            obs, info = slot.reset(seed=seed, options=options)
            return {"obs": value_to_wire(slot.obs_space, obs), "info": info}

        return _guarded(slot, "reset", run)

    def _op_step(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = self._slot(session, msg)
        if isinstance(slot, VectorSlot):
            actions = slot.actions(msg["action"])
            return _guarded(slot, "step", lambda: slot.step(actions))
        action = value_from_wire(slot.act_space, msg["action"], "invalid_action", "action")
        if not slot.has_reset:
            raise error_for("reset_needed", "Cannot call step() before reset().")

        def run() -> Dict[str, Any]:
            obs, reward, terminated, truncated, info = slot.step(action)
            return {"obs": value_to_wire(slot.obs_space, obs), "reward": float(reward), "terminated": bool(terminated), "truncated": bool(truncated), "info": info}

        return _guarded(slot, "step", run)

    def _op_render(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = self._slot(session, msg)
        if isinstance(slot, VectorSlot):
            raise error_for("unsupported", "render a vector env: not supported; make a single env to render")
        render = getattr(slot.env, "render", None)
        frame = render() if render is not None else None
        if frame is None:
            raise error_for("unsupported", "this env does not render rgb_array frames")
        shape = wire._shape_of(frame.tolist()) if hasattr(frame, "tolist") else wire._shape_of(frame)
        if len(shape) != 3 or shape[2] != 3:
            raise error_for("internal", f"render() returned shape {shape}, not (height, width, 3)")
        data = wire.encode_array(frame, "uint8", shape)["data"]
        return {"frame": {"width": shape[1], "height": shape[0], "data": data}}

    def _op_close(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = session.slots.pop(msg["handle"], None)
        if slot is None:
            raise error_for("unknown_handle", f"no open env has handle {msg['handle']} on this connection")
        _close_quietly(slot)
        return {}


def _guarded(slot: Any, what: str, run: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """Runs env code: a GymwireError keeps its code; anything else is internal and breaks the env."""
    try:
        return run()
    except GymwireError:
        raise
    except Exception as e:  # noqa: BLE001
        slot.broken = f"{what} threw: {e}"
        raise error_for("internal", f"{what} failed: {e}") from e


def _integral_fields(msg: Dict[str, Any]) -> None:
    """JavaScript msgpack encoders send integers of 2^32 and more as float 64, which the
    protocol allows: integral floats in integer fields are read as the integers they are."""
    for key in ("id", "handle", "seed", "num_envs"):
        v = msg.get(key)
        if isinstance(v, float) and v.is_integer() and abs(v) <= _MAX_ID:
            msg[key] = int(v)
        elif key == "seed" and isinstance(v, list):
            msg[key] = [int(x) if isinstance(x, float) and x.is_integer() and abs(x) <= _MAX_ID else x for x in v]


def _error(rid: Optional[int], code: str, message: str, details: Any = None) -> bytes:
    return wire.pack({"id": rid, "error": error_for(code, message, details).to_body()})


SUBPROTOCOL = "gymwire"
TOKEN_SUBPROTOCOL_PREFIX = "gymwire.token."
_TOKEN_CHARS = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BEARER = re.compile(r"^Bearer[ \t]+(\S+)[ \t]*$", re.IGNORECASE)


def presented_tokens(headers: Any) -> List[str]:
    """Every token an upgrade request presents: ``Authorization: Bearer T`` and ``gymwire.token.T`` sub-protocols."""
    out: List[str] = []
    m = _BEARER.match(headers.get("Authorization") or "")
    if m:
        out.append(m.group(1))
    for value in headers.get_all("Sec-WebSocket-Protocol") if hasattr(headers, "get_all") else [headers.get("Sec-WebSocket-Protocol") or ""]:
        for p in value.split(","):
            p = p.strip()
            if p.startswith(TOKEN_SUBPROTOCOL_PREFIX):
                out.append(p[len(TOKEN_SUBPROTOCOL_PREFIX):])
    return out


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison (of SHA-256 digests, so lengths do not leak either)."""
    return hmac.compare_digest(hashlib.sha256(presented.encode()).digest(), hashlib.sha256(expected.encode()).digest())


def _auth_check(token: str) -> Callable[..., Any]:
    """A websockets ``process_request`` hook answering HTTP 401 to an upgrade without the token.
    websockets <= 13 (and its legacy server) call it with (path, headers) and take a
    (status, headers, body) tuple; websockets >= 14 with (connection, request) and take a Response."""

    async def process_request(first: Any, second: Any) -> Any:
        headers = getattr(second, "headers", second)
        ok = False
        for presented in presented_tokens(headers):
            ok = token_matches(presented, token) or ok
        if ok:
            return None
        body = b"gymwire: this server needs a token (Authorization: Bearer <token>)\n"
        if hasattr(second, "headers"):
            response = first.respond(HTTPStatus.UNAUTHORIZED, body.decode())
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return (HTTPStatus.UNAUTHORIZED, [("WWW-Authenticate", "Bearer"), ("Content-Type", "text/plain")], body)

    return process_request


def _is_loopback(host: str) -> bool:
    h = host.strip("[]").lower()
    return h in ("localhost", "::1") or bool(re.match(r"^127\.\d+\.\d+\.\d+$", h))


def serve(
    envs: Union[Mapping[str, Callable[..., Any]], Iterable[EnvRegistration]],
    host: str = "127.0.0.1",
    port: int = 8765,
    token: Optional[str] = None,
    **options: Any,
) -> None:
    """Serves ``envs`` until interrupted. Prints ``gymwire env server listening on ws://HOST:PORT``.
    ``token`` (default: the GYMWIRE_TOKEN environment variable, as the Node server's CLI) makes
    clients present it at the upgrade; other options are EnvServer's."""
    if token is None:
        token = os.environ.get("GYMWIRE_TOKEN") or None

    async def main() -> None:
        server = EnvServer(envs, host, port, token=token, **options)
        await server.start()
        print(f"gymwire env server listening on {server.url}", flush=True)
        await server.wait_closed()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
