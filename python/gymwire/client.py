"""A synchronous gymwire client: ``Connection`` and ``RemoteEnv`` (Gymnasium's Env API).

``websockets.sync`` (websockets >= 11) is used when present; with older websockets (Debian
bookworm ships 10.4) the asyncio client runs on a private event loop, so the API stays
synchronous either way and never touches the caller's own event loop.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, List, Optional, Tuple, Union

import websockets

from . import wire
from .spaces import space_from_wire, value_from_wire, value_to_wire
from .wire import GymwireError, PROTOCOL_VERSION, info_from_wire

__version__ = "0.1.0"

try:
    import gymnasium

    _EnvBase: Any = gymnasium.Env
except ImportError:
    gymnasium = None
    _EnvBase = object


class _SyncTransport:
    """websockets >= 11: the threaded sync client."""

    def __init__(self, url: str, timeout: float, headers: Dict[str, str]):
        from websockets.sync.client import connect

        self.ws = connect(url, compression=None, max_size=None, open_timeout=timeout, additional_headers=headers)

    def send(self, data: bytes) -> None:
        self.ws.send(data)

    def recv(self, timeout: Optional[float]) -> Any:
        return self.ws.recv(timeout)

    def close(self) -> None:
        self.ws.close()


class _LoopTransport:
    """websockets 10: the asyncio client, driven on an event loop of its own."""

    def __init__(self, url: str, timeout: float, headers: Dict[str, str]):
        self.loop = asyncio.new_event_loop()

        async def open_() -> Any:
            # Built inside the coroutine so that websockets binds it to this loop.
            # No keepalive pings: the loop only runs during requests, so pongs could not be timely.
            return await websockets.connect(
                url, compression=None, max_size=None, ping_interval=None, open_timeout=timeout, extra_headers=headers
            )

        self.ws = self.loop.run_until_complete(open_())

    def send(self, data: bytes) -> None:
        self.loop.run_until_complete(self.ws.send(data))

    def recv(self, timeout: Optional[float]) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(self.ws.recv(), timeout))

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.ws.close())
        finally:
            self.loop.close()


def _transport(url: str, timeout: float, headers: Dict[str, str]) -> Union[_SyncTransport, _LoopTransport]:
    try:
        import websockets.sync.client  # noqa: F401
    except ImportError:
        return _LoopTransport(url, timeout, headers)
    return _SyncTransport(url, timeout, headers)


def _refused_status(e: BaseException) -> Optional[int]:
    """The HTTP status of a refused upgrade (websockets 10: InvalidStatusCode, 11+: InvalidStatus)."""
    status = getattr(e, "status_code", None)
    if status is None:
        status = getattr(getattr(e, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


class Connection:
    """One WebSocket connection to a gymwire server, handshake done. Several envs may share it.

    ``token`` (default: the GYMWIRE_TOKEN environment variable) is sent as
    ``Authorization: Bearer <token>`` for servers started with ``--token``; a server that
    refuses it raises GymwireError("unauthorized").
    """

    def __init__(
        self, url: str, timeout: float = 60.0, client_name: str = "gymwire-python", token: Optional[str] = None
    ):
        self.url = url
        self.timeout = timeout
        self.closed = False
        self._next_id = 1
        token = token if token is not None else os.environ.get("GYMWIRE_TOKEN") or None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            self._transport = _transport(url, timeout, headers)
        except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as e:
            if _refused_status(e) == 401:
                raise GymwireError("unauthorized", f"{url} refused the connection: wrong or missing token") from e
            raise GymwireError("connection_lost", f"cannot connect to {url}: {e}") from e
        self.hello: Dict[str, Any] = self.request(
            "hello", protocol_version=PROTOCOL_VERSION, client_name=client_name, client_version=__version__
        )

    def request(self, op: str, **fields: Any) -> Dict[str, Any]:
        """Sends one request and returns its result; an error response raises GymwireError."""
        if self.closed:
            raise GymwireError("connection_lost", "the connection is closed")
        rid = self._next_id
        self._next_id += 1
        try:
            self._transport.send(wire.pack({"id": rid, "op": op, **fields}))
            data = self._transport.recv(self.timeout)
        except (websockets.exceptions.ConnectionClosed, OSError) as e:
            self.closed = True
            raise GymwireError("connection_lost", f"the connection ended before the answer to {op}: {e}") from e
        except (asyncio.TimeoutError, TimeoutError) as e:
            raise GymwireError("connection_lost", f"no answer to {op} within {self.timeout} s") from e
        if isinstance(data, str):
            raise GymwireError("bad_request", "the server sent a text frame")
        msg = wire.unpack(data)
        if msg.get("id") != rid:
            raise GymwireError("internal", f"answer for request {msg.get('id')} while waiting for {rid}")
        if "error" in msg:
            e = msg["error"]
            raise GymwireError(e.get("code", "internal"), e.get("message", ""), e.get("details"))
        return msg["result"]

    def list_envs(self) -> List[Dict[str, Any]]:
        return self.request("list_envs")["envs"]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._transport.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RemoteEnv(_EnvBase):  # type: ignore[misc, valid-type]
    """An env living in a gymwire server, with Gymnasium's API.

    ``RemoteEnv("ws://127.0.0.1:8765", "Pendulum-v1", g=9.81)`` makes the env there (keyword
    arguments are the env's make() kwargs). ``reset(seed=, options=)`` returns ``(obs, info)``,
    ``step(action)`` the 5-tuple, ``render()`` an RGB array (height, width, 3). When gymnasium
    is installed this is a ``gymnasium.Env`` with real gymnasium spaces.
    """

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, url: Union[str, Connection], env_id: str, render_mode: Optional[str] = None, **kwargs: Any):
        self._owns_connection = isinstance(url, str)
        self.connection = Connection(url) if isinstance(url, str) else url
        try:
            r = self.connection.request("make", env_id=env_id, kwargs=kwargs)
        except GymwireError:
            if self._owns_connection:
                self.connection.close()
            raise
        self.handle: int = r["handle"]
        self.env_id = env_id
        self.observation_space_wire: Dict[str, Any] = r["observation_space"]
        self.action_space_wire: Dict[str, Any] = r["action_space"]
        #: The server's EnvSpec: id, max_episode_steps, reward_threshold, nondeterministic, kwargs.
        self.gymwire_spec: Dict[str, Any] = r["spec"]
        self.observation_space = space_from_wire(self.observation_space_wire)
        self.action_space = space_from_wire(self.action_space_wire)
        self.render_mode = render_mode
        self._closed = False

    @staticmethod
    def list_envs(url: str) -> List[Dict[str, Any]]:
        with Connection(url) as c:
            return c.list_envs()

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None) -> Tuple[Any, Dict[str, Any]]:
        if gymnasium is not None:
            super().reset(seed=seed)  # keeps self.np_random seeded the way gymnasium users expect
        r = self.connection.request("reset", handle=self.handle, seed=seed, options=options)
        return self._obs(r["obs"]), info_from_wire(r["info"])

    def step(self, action: Any) -> Tuple[Any, float, bool, bool, Dict[str, Any]]:
        try:
            wire_action = value_to_wire(self.action_space_wire, action)
        except (TypeError, ValueError) as e:
            raise GymwireError("invalid_action", f"action {action!r} does not fit {self.action_space}: {e}") from e
        r = self.connection.request("step", handle=self.handle, action=wire_action)
        return self._obs(r["obs"]), float(r["reward"]), bool(r["terminated"]), bool(r["truncated"]), info_from_wire(r["info"])

    def render(self) -> Any:
        """The current frame as a (height, width, 3) uint8 array (nested lists without numpy)."""
        f = self.connection.request("render", handle=self.handle)["frame"]
        return wire.decode_array({"dtype": "uint8", "shape": [f["height"], f["width"], 3], "data": f["data"]}, "internal")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if not self.connection.closed:
                self.connection.request("close", handle=self.handle)
        except GymwireError as e:
            if e.code != "connection_lost":
                raise
        finally:
            if self._owns_connection:
                self.connection.close()

    def _obs(self, w: Any) -> Any:
        return value_from_wire(self.observation_space_wire, w, "internal", "obs", strict=False)

    def __repr__(self) -> str:
        return f"<RemoteEnv {self.env_id} #{self.handle} at {self.connection.url}>"
