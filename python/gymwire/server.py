"""Serve Python environments over the gymwire protocol.

Anything with Gymnasium's Env API (``reset(seed=, options=)`` -> ``(obs, info)``, ``step`` ->
5-tuple, ``observation_space``/``action_space`` of Box, Discrete, MultiDiscrete, MultiBinary,
Tuple or Dict, optional ``render()`` -> RGB array, ``close()``) can be served, so a Python env
plugs into any gymwire client, e.g. the Node DDPG agent::

    from gymwire import serve
    serve({"MyEnv-v0": MyEnv}, port=8765)           # factory called with make()'s kwargs

or with more metadata, ``serve([EnvRegistration("MyEnv-v0", MyEnv, max_episode_steps=200)])``
(registration.py: kwargs, reset options, render modes). Envs are wrapped as ``gymnasium.make``
wraps them: step before reset is ``reset_needed`` (OrderEnforcing) and ``max_episode_steps``
sets ``truncated`` (TimeLimit). Protocol 1.2 (protocol/PROTOCOL.md).

A frame goes through stages that each answer rather than raise: server_request.py reads it
(the byte scan of msgpack_scan.py before anything is decoded, then the envelope and the op's
schema), the op runs (env code guarded: ``internal`` and the env broken when it raises), and
the answer is encoded (an answer msgpack cannot carry becomes ``internal``). Error messages
quote client values only through preview.py. So no frame a client sends ends the server or
its connection, or goes unanswered.
"""
from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

import websockets

from . import wire
from .errors import GymwireError, error_for
from .frame_encoding import ENCODINGS, check_encoding, encode_frame
from .preview import clip, preview
from .registration import EnvRegistration, check_kwargs, check_reset_options, default_kwargs
from .server_admission import CLOSE_TRY_AGAIN_LATER, Admission, ConnectionWatch, address_key
from .server_auth import AuthThrottle, check_token_format
from .server_frames import CountedFrames, FrameBudget
from .server_origin import parse_allowed_origins
from .server_request import error_frame, exception_text, log_exception, read_request, thrown_error_frame
from .server_upgrade import UpgradeGate, upgrade_check, upgrade_hooks
from .server_vector import VectorSlot
from .spaces import space_to_wire, value_from_wire, value_to_wire

__all__ = ["EnvRegistration", "EnvServer", "serve"]

SERVER_NAME = "gymwire-python-server"
SERVER_VERSION = "0.1.0"
SERVER_PROTOCOL_VERSION = "1.4"
#: Frames a connection may have read but not yet answered (websockets' max_queue): with
#: max_payload_bytes, a bound on what one connection's pipelined requests hold in memory, and
#: on how many frames it answers in a row before the others get a turn (a queued frame is read
#: without returning to the event loop).
MAX_QUEUED_FRAMES = 4
#: websockets' write buffer per connection (the legacy server's default; 14+ would take half).
WRITE_BUFFER_BYTES = 64 * 1024
#: A frame that took longer than this (s) gives the other connections a turn before the next.
_TURN_SECONDS = 0.002


class _Slot:
    """One env as gymnasium.make wraps it (OrderEnforcing, TimeLimit); also a vector env's sub-env."""

    def __init__(self, env: Any, max_steps: Optional[int]):
        self.env = env
        self.obs_space = _wire_space(env, "observation")
        self.act_space = _wire_space(env, "action")
        self.max_steps = max_steps
        self.elapsed = 0
        self.has_reset = False
        self.broken: Optional[str] = None
        #: The registration's ResetOptionSpecs (set by make).
        self.reset_options: Dict[str, Dict[str, Any]] = {}

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


def _wire_space(env: Any, which: str) -> Dict[str, Any]:
    """The env's observation or action space as a descriptor; one with no gymwire form (Gymnasium's
    Text, Graph, Sequence, OneOf, a Box of float16) is ``unsupported``, naming the space."""
    space = getattr(env, f"{which}_space")
    try:
        return space_to_wire(space)
    except GymwireError as e:
        raise error_for("unsupported", f"the {which} space {clip(repr(space))} has no gymwire form: {e.message}", {"space": which}) from e


class _Session:
    def __init__(self) -> None:
        self.ready = False
        self.slots: Dict[int, Any] = {}
        self.next_handle = 1

    def close_all(self) -> int:
        """Closes every env; returns how many env instances that was."""
        instances = sum(_instances(slot) for slot in self.slots.values())
        for slot in self.slots.values():
            _close_quietly(slot)
        self.slots.clear()
        return instances


def _instances(slot: Any) -> int:
    """Env instances behind a handle: a vector env's sub-envs, else 1."""
    return getattr(slot, "n", 1)


def _close_quietly(env: Any) -> None:
    try:
        env.close()
    except Exception:  # noqa: BLE001 - closing on the way out; nothing to report to
        pass


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class EnvServer:
    """The server: ``await start()`` then ``await wait_closed()``, or ``serve()`` for the blocking form.
    ``log`` (e.g. ``print``) receives a line with the traceback whenever env or server code raises
    something other than a GymwireError (the client gets ``internal``)."""

    def __init__(
        self,
        envs: Union[Mapping[str, Callable[..., Any]], Iterable[EnvRegistration]],
        host: str = "127.0.0.1",
        port: int = 8765,
        max_payload_bytes: int = 4 * 1024 * 1024,
        max_envs: int = 64,
        max_num_envs: int = 1024,
        max_env_instances: int = 4096,
        max_connections: int = 256,
        max_connections_per_address: int = 64,
        max_upgrading_per_address: int = 16,
        frame_budget_bytes: int = 64 * 1024 * 1024,
        upgrade_timeout: float = 5.0,
        hello_timeout: float = 5.0,
        idle_timeout: float = 600.0,
        token: Optional[str] = None,
        allowed_origins: Iterable[str] = (),
        close_timeout: float = 1.0,
        log: Optional[Callable[[str], None]] = None,
    ):
        if token is not None:
            check_token_format(token)
        for name, value in (
            ("max_payload_bytes", max_payload_bytes),
            ("max_envs", max_envs),
            ("max_num_envs", max_num_envs),
            ("max_env_instances", max_env_instances),
            ("max_connections", max_connections),
            ("max_connections_per_address", max_connections_per_address),
            ("max_upgrading_per_address", max_upgrading_per_address),
        ):
            if not (_is_int(value) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (_is_int(frame_budget_bytes) and frame_budget_bytes >= 2 * max_payload_bytes):
            # Below that, one connection's largest frame could pass the budget alone and be paused
            # half received for good.
            raise ValueError(
                "frame_budget_bytes must be an integer of at least twice max_payload_bytes "
                f"({2 * max_payload_bytes}), got {frame_budget_bytes!r}"
            )
        for name, value in (("upgrade_timeout", upgrade_timeout), ("hello_timeout", hello_timeout), ("idle_timeout", idle_timeout)):
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 and value != float("inf")):
                raise ValueError(f"{name} must be a number of seconds >= 0 (0 = never), got {value!r}")
        regs = [EnvRegistration(k, f) for k, f in envs.items()] if isinstance(envs, Mapping) else list(envs)
        self.registrations: Dict[str, EnvRegistration] = {r.id: r for r in regs}
        self.host = host
        self.port = port
        self.max_payload_bytes = max_payload_bytes
        self.max_envs = max_envs
        self.max_num_envs = max_num_envs
        #: Env instances open on all connections together: with the largest env's size, a bound
        #: on the memory clients can make the server hold (Node counts bytes; this counts envs).
        self.max_env_instances = max_env_instances
        self.hello_timeout = hello_timeout
        self.idle_timeout = idle_timeout
        self._admission = Admission(max_connections, max_connections_per_address)
        #: Sockets before or in their upgrade, per address; failed tokens, per address (server_upgrade.py).
        self._upgrading = UpgradeGate(max_upgrading_per_address)
        self._auth_throttle = AuthThrottle()
        #: Bytes of frames held for clients (received, not yet answered), all connections together.
        self.frame_budget = FrameBudget(frame_budget_bytes)
        self.upgrade_timeout = upgrade_timeout
        self._instances = 0
        self.token = token
        #: Browser origins allowed besides the server's own (server_origin.py); "*" for any.
        self.allowed_origins = parse_allowed_origins(allowed_origins)
        self.close_timeout = close_timeout
        self.log = log
        self._catalog: Optional[List[Dict[str, Any]]] = None
        self._server: Any = None
        self._ops: Dict[str, Callable[[_Session, Dict[str, Any]], Dict[str, Any]]] = {
            "hello": self._op_hello,
            "list_envs": self._op_list_envs,
            "make": self._op_make,
            "reset": self._op_reset,
            "step": self._op_step,
            "render": self._op_render,
            "close": self._op_close,
        }

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    async def start(self) -> None:
        if self.token is None and not _is_loopback(self.host):
            print(f"warning: serving {self.url} without a token: anyone who can reach it can run envs (token=...)", file=sys.stderr)
        self._server = await websockets.serve(
            self._connection,
            self.host,
            self.port,
            # The browser form of the token (PROTOCOL.md section 8): "gymwire" is selected when
            # offered, the token's own sub-protocol only when it is the only one offered.
            **upgrade_hooks(
                upgrade_check(self.token, self.allowed_origins, self._auth_throttle),
                self._upgrading,
                self.upgrade_timeout or None,
                self.frame_budget,
                self.token,
            ),
            compression=None,
            max_size=self.max_payload_bytes,
            max_queue=MAX_QUEUED_FRAMES,
            # Answers a client does not read: at most this much waits in the server per connection.
            write_limit=WRITE_BUFFER_BYTES,
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
        remote = getattr(ws, "remote_address", None)
        key = address_key(remote[0] if remote else None)
        refusal = self._admission.take(key)
        if refusal is not None:
            await ws.close(CLOSE_TRY_AGAIN_LATER, refusal)
            return
        session = _Session()
        watch = ConnectionWatch(ws, lambda: session.ready, self.hello_timeout, self.idle_timeout)
        # The frame budget's bookkeeping (server_frames.py): the message taken is held until answered.
        counted = isinstance(ws, CountedFrames)
        try:
            async for message in ws:
                watch.last_frame = t0 = time.perf_counter()
                if isinstance(message, str):
                    reply = error_frame(None, "bad_request", "frames must be binary (one msgpack map each)")
                else:
                    reply = self.dispatch(session, message)
                await ws.send(reply)
                if counted:
                    ws.gymwire_answered()
                # Frames already queued (at most MAX_QUEUED_FRAMES) are read without returning to
                # the event loop: after a long one, let the other connections run first.
                if time.perf_counter() - t0 > _TURN_SECONDS:
                    await asyncio.sleep(0)
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            watch.stop()
            self._admission.release(key)
            self._instances -= session.close_all()

    # ---- requests ---------------------------------------------------------------------------

    def dispatch(self, session: _Session, frame: bytes) -> bytes:
        """One frame in, one frame out: nothing a client sends makes it raise."""
        request = read_request(frame)
        if isinstance(request, bytes):
            return request
        rid, op, msg = request
        if not session.ready and op != "hello":
            return error_frame(rid, "not_ready", f"send hello before {op}")
        try:
            result = self._ops[op](session, msg)
        except Exception as e:  # noqa: BLE001 - the connection must survive env and server bugs too
            return thrown_error_frame(rid, op, e, self.log)
        try:
            return wire.pack({"id": rid, "result": result})
        except Exception as e:  # noqa: BLE001 - e.g. an info value msgpack cannot carry
            return error_frame(rid, "internal", f"{op}: the answer could not be encoded: {exception_text(e)}")

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
            "limits": {
                "max_payload_bytes": self.max_payload_bytes,
                "max_envs": self.max_envs,
                "max_num_envs": self.max_num_envs,
                "idle_timeout_ms": round(self.idle_timeout * 1000),
            },
            "render_encodings": list(ENCODINGS),
        }

    def _op_list_envs(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        if self._catalog is None:
            catalog = []
            for reg in self.registrations.values():
                try:
                    catalog.append(self._describe(reg))
                except Exception as e:  # noqa: BLE001 - an env that cannot be made is left out, not the whole list
                    log_exception(self.log, f"list_envs: {reg.id} could not be made", e)
            self._catalog = catalog
        return {"envs": self._catalog, "render_encodings": list(ENCODINGS)}

    def _describe(self, reg: EnvRegistration) -> Dict[str, Any]:
        """An EnvInfo: spaces are only known once an env exists, so one is made (default kwargs) and closed."""
        env = reg.factory(**default_kwargs(reg.kwarg_specs()))
        try:
            return {
                "id": reg.id,
                "observation_space": space_to_wire(env.observation_space),
                "action_space": space_to_wire(env.action_space),
                "max_episode_steps": reg.max_episode_steps,
                "reward_threshold": reg.reward_threshold,
                "nondeterministic": reg.nondeterministic,
                "kwargs": reg.kwarg_specs(),
                "reset_options": reg.reset_option_specs(),
                **reg.render_info(env),
            }
        finally:
            _close_quietly(env)

    def _op_make(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        num_envs = msg.get("num_envs", 1)
        vector = msg.get("vector", num_envs > 1)
        if not vector and num_envs != 1:
            raise error_for("bad_request", f"vector: false with num_envs {num_envs}; a single env has num_envs 1")
        reg = self.registrations.get(msg["env_id"])
        if reg is None:
            raise error_for("unknown_env", f"No env registered as {preview(msg['env_id'])}. Known: {', '.join(self.registrations)}")
        if len(session.slots) >= self.max_envs:
            raise error_for("limit_exceeded", f"at most {self.max_envs} envs may be open on one connection", {"max_envs": self.max_envs})
        instances = sum(_instances(s) for s in session.slots.values())
        if instances + num_envs > self.max_num_envs:
            raise error_for(
                "limit_exceeded",
                f"{instances} env instances are open on this connection; {num_envs} more would pass max_num_envs {self.max_num_envs}",
                {"max_num_envs": self.max_num_envs},
            )
        if self._instances + num_envs > self.max_env_instances:
            raise error_for(
                "limit_exceeded",
                f"{self._instances} env instances are open on this server; "
                f"{num_envs} more would pass max_env_instances {self.max_env_instances}",
                {"max_env_instances": self.max_env_instances},
            )
        given = dict(msg.get("kwargs") or {})
        max_steps = given.pop("max_episode_steps", None)
        if isinstance(max_steps, float) and max_steps.is_integer():
            max_steps = int(max_steps)
        if max_steps is not None and not (_is_int(max_steps) and max_steps > 0):
            raise error_for("invalid_kwargs", f"{reg.id}: max_episode_steps must be a positive integer, got {preview(max_steps)}")
        full = check_kwargs(reg, given)
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
            raise error_for("internal", f"make({reg.id}) failed: {exception_text(e)}") from e
        slot.reset_options = reg.reset_option_specs()
        handle = session.next_handle
        session.next_handle += 1
        session.slots[handle] = slot
        self._instances += num_envs
        spec = {
            "id": reg.id,
            "max_episode_steps": limit,
            "reward_threshold": reg.reward_threshold,
            "nondeterministic": reg.nondeterministic,
            "kwargs": full,
        }
        return {
            "handle": handle,
            "observation_space": slot.obs_space,
            "action_space": slot.act_space,
            "spec": spec,
            "num_envs": num_envs,
            "vector": vector,
        }

    def _slot(self, session: _Session, msg: Dict[str, Any]) -> Any:
        slot = session.slots.get(msg["handle"])
        if slot is None:
            raise error_for("unknown_handle", f"no open env has handle {msg['handle']} on this connection")
        if slot.broken is not None:
            raise error_for("env_broken", f"the env is broken ({slot.broken}); close it and make a new one")
        return slot

    def _op_reset(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = self._slot(session, msg)
        seed = msg.get("seed")
        # Before anything runs: a refused option leaves the env as it was (not reseeded, not reset).
        options = check_reset_options(slot.reset_options, msg.get("options"))
        if isinstance(slot, VectorSlot):
            return self._guarded(slot, "reset", lambda: slot.reset(seed, options))
        if isinstance(seed, list):
            raise error_for("bad_request", "a list of seeds is for vector envs; this handle is a single env")

        def run() -> Dict[str, Any]:
            obs, info = slot.reset(seed=seed, options=options)
            return {"obs": value_to_wire(slot.obs_space, obs), "info": info}

        return self._guarded(slot, "reset", run)

    def _op_step(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = self._slot(session, msg)
        if isinstance(slot, VectorSlot):
            actions = slot.actions(msg["action"])
            return self._guarded(slot, "step", lambda: slot.step(actions))
        action = value_from_wire(slot.act_space, msg["action"], "invalid_action", "action")
        if not slot.has_reset:
            raise error_for("reset_needed", "Cannot call step() before reset().")

        def run() -> Dict[str, Any]:
            obs, reward, terminated, truncated, info = slot.step(action)
            return {
                "obs": value_to_wire(slot.obs_space, obs),
                "reward": float(reward),
                "terminated": bool(terminated),
                "truncated": bool(truncated),
                "info": info,
            }

        return self._guarded(slot, "step", run)

    def _op_render(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        encoding = check_encoding(msg.get("encoding"))
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
        if encoding == "raw":  # the 1.2 shape, no encoding field
            return {"frame": {"width": shape[1], "height": shape[0], "data": data}}
        encoded = encode_frame(data, shape[1], shape[0], encoding)
        return {"frame": {"width": shape[1], "height": shape[0], "encoding": encoding, "data": encoded}}

    def _guarded(self, slot: Any, what: str, run: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
        """Runs env code: a GymwireError keeps its code; anything else is internal, logged, and breaks the env."""
        try:
            return run()
        except GymwireError:
            raise
        except Exception as e:  # noqa: BLE001
            text = exception_text(e)
            slot.broken = f"{what} threw: {text}"
            log_exception(self.log, f"{what} failed, the env is now broken", e)
            raise error_for("internal", f"{what} failed: {text}") from e

    def _op_close(self, session: _Session, msg: Dict[str, Any]) -> Dict[str, Any]:
        slot = session.slots.pop(msg["handle"], None)
        if slot is None:
            raise error_for("unknown_handle", f"no open env has handle {msg['handle']} on this connection")
        _close_quietly(slot)
        self._instances -= _instances(slot)
        return {}


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
    clients present it at the upgrade; ``allowed_origins`` defaults to GYMWIRE_ALLOW_ORIGIN
    (comma-separated), as the Node server's; other options are EnvServer's (``log`` defaults to
    standard error here: what env code raised, with its traceback)."""
    if token is None:
        token = os.environ.get("GYMWIRE_TOKEN") or None
    options.setdefault("log", lambda line: print(line, file=sys.stderr, flush=True))
    if "allowed_origins" not in options:
        options["allowed_origins"] = [o for o in os.environ.get("GYMWIRE_ALLOW_ORIGIN", "").split(",") if o.strip()]

    async def main() -> None:
        server = EnvServer(envs, host, port, token=token, **options)
        await server.start()
        print(f"gymwire env server listening on {server.url}", flush=True)
        await server.wait_closed()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
