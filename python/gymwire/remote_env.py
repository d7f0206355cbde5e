"""``RemoteEnv``: an env living in a gymwire server, behind Gymnasium's ``Env`` API."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from . import wire
from .connection import Connection
from .env_spec import env_metadata, make_spec
from .errors import ConnectionLostError, GymwireError, InternalError, UnsupportedError
from .frame_encoding import decode_frame, pick_encoding
from .spaces import ValueCodec, space_from_wire
from .wire import info_from_wire

try:
    import gymnasium

    _EnvBase: Any = gymnasium.Env
except ImportError:
    gymnasium = None
    _EnvBase = object


def open_connection(url: Union[str, Connection], token: Optional[str], connect: Optional[Dict[str, Any]]) -> Tuple[Connection, bool]:
    """The connection to use and whether the env owns it (and closes it with itself)."""
    if isinstance(url, Connection):
        return url, False
    options = dict(connect or {})
    if token is not None:
        options["token"] = token
    return Connection(url, **options), True


def malformed(server: "ServerHandle", op: str, result: Any, cause: BaseException) -> InternalError:
    """The error for a result that lacks what the protocol says it holds."""
    return InternalError(
        f"{server.connection.url} answered {op} with a malformed result ({type(cause).__name__}: {cause}): {str(result)[:200]}"
    )


class ServerHandle:
    """An env's handle on a connection, and the connection generation it belongs to: after the
    connection is re-opened, the server-side env is gone (PROTOCOL.md section 8)."""

    def __init__(self, connection: Connection, owns_connection: bool, what: str):
        self.connection = connection
        self.owns_connection = owns_connection
        self.what = what
        self.handle = -1
        self.generation = connection.generation
        self.closed = False

    @property
    def stale(self) -> bool:
        """True when the handle names nothing on the current connection (it dropped since the make)."""
        return self.generation != self.connection.generation

    def lost(self, call: str) -> ConnectionLostError:
        return ConnectionLostError(
            f"{call}: the connection to {self.connection.url} dropped and {self.what} with it; its episode was "
            "interrupted — reset() re-opens the connection and re-makes the env",
            {"interrupted": True, "reconnecting": not self.connection.closed},
        )

    def make(self, fields: Dict[str, Any]) -> Dict[str, Any]:
        """``make`` on the (re-opened) connection; the result's handle becomes this one."""
        r = self.connection.request("make", **fields)
        self.handle = r["handle"]
        self.generation = self.connection.generation
        return r

    def close(self) -> None:
        """Closes the server-side env (and the connection if owned); safe to call twice."""
        if self.closed:
            return
        self.closed = True
        try:
            if not self.connection.closed and not self.stale and self.handle >= 0:
                self.connection.request("close", handle=self.handle)
        except ConnectionLostError:
            pass
        finally:
            if self.owns_connection:
                self.connection.close()


class RemoteEnv(_EnvBase):  # type: ignore[misc, valid-type]
    """An env living in a gymwire server, with Gymnasium's API.

    ``RemoteEnv("ws://127.0.0.1:8765", "Pendulum-v1", g=9.81)`` makes the env there (keyword
    arguments are the env's make() kwargs; ``max_episode_steps`` overrides its time limit).
    ``url`` may also be a ``Connection`` shared with other envs. ``token`` (default: the
    GYMWIRE_TOKEN environment variable) is presented to servers started with one; ``connect``
    holds other ``Connection`` options (timeout, reconnect, ssl_context, ...).

    With gymnasium installed this is a ``gymnasium.Env``: real gymnasium spaces, ``spec`` (an
    EnvSpec whose entry point makes the same remote env, so ``gymnasium.make(env.spec)`` works),
    ``metadata`` with the server's render modes and fps, and ``np_random`` seeded by ``reset``.
    ``render()`` returns an RGB array (height, width, 3) when made with ``render_mode="rgb_array"``.
    Errors are ``GymwireError`` subclasses (gymwire.errors), one per protocol error code.
    """

    def __init__(
        self,
        url: Union[str, Connection],
        env_id: str,
        render_mode: Optional[str] = None,
        *,
        token: Optional[str] = None,
        connect: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ):
        connection, owns = open_connection(url, token, connect)
        self._server = ServerHandle(connection, owns, env_id)
        self.env_id = env_id
        self._make_fields = {"env_id": env_id, "kwargs": kwargs}
        try:
            info = connection.env_info(env_id)
            self.metadata = env_metadata(info)
            if render_mode is not None and render_mode not in self.metadata["render_modes"]:
                raise UnsupportedError(f"render_mode {render_mode!r}: {env_id} on {connection.url} renders {self.metadata['render_modes']}")
            r = self._server.make(self._make_fields)
        except GymwireError:
            if owns:
                connection.close()
            raise
        self.render_mode = render_mode
        self.observation_space_wire: Dict[str, Any] = r["observation_space"]
        self.action_space_wire: Dict[str, Any] = r["action_space"]
        #: The server's EnvSpec as sent: id, max_episode_steps, reward_threshold, nondeterministic, kwargs.
        self.gymwire_spec: Dict[str, Any] = r["spec"]
        self.spec = make_spec(connection, env_id, r["spec"], self.metadata)
        self.observation_space = space_from_wire(self.observation_space_wire)
        self.action_space = space_from_wire(self.action_space_wire)
        self._decode_obs = ValueCodec(self.observation_space_wire).decode
        self._encode_action = ValueCodec(self.action_space_wire).encode
        # The step request, kept and refilled: the hot path builds no map.
        self._step_request: Dict[str, Any] = {"id": 0, "op": "step", "handle": self._server.handle, "action": None}

    @property
    def connection(self) -> Connection:
        return self._server.connection

    @property
    def handle(self) -> int:
        """The env's handle on the server (changes when it is re-made after a reconnect)."""
        return self._server.handle

    @staticmethod
    def list_envs(url: str, **connect: Any) -> List[Dict[str, Any]]:
        """The EnvInfo list of the server at ``url`` (PROTOCOL.md list_envs)."""
        with Connection(url, **connect) as c:
            return c.list_envs()

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None) -> Tuple[Any, Dict[str, Any]]:
        if gymnasium is not None:
            super().reset(seed=seed)  # self.np_random, seeded as gymnasium users and check_env expect
        server = self._server
        if server.stale:
            self._remake()
        r = server.connection.request("reset", handle=server.handle, seed=seed, options=options)
        try:
            return self._decode_obs(r["obs"]), info_from_wire(r["info"])
        except (KeyError, TypeError, ValueError) as e:
            raise malformed(server, "reset", r, e) from e

    def step(self, action: Any) -> Tuple[Any, float, bool, bool, Dict[str, Any]]:
        server = self._server
        connection = server.connection
        if server.generation != connection.generation:
            raise server.lost("step")
        request = self._step_request
        request["action"] = self._encode_action(action)
        r = connection.call(request)
        try:
            info = r["info"]
            return (
                self._decode_obs(r["obs"]),
                float(r["reward"]),
                bool(r["terminated"]),
                bool(r["truncated"]),
                info_from_wire(info) if info else {},
            )
        except (KeyError, TypeError, ValueError) as e:
            raise malformed(server, "step", r, e) from e

    def render(self) -> Any:
        """With render_mode "rgb_array": the current frame, a (height, width, 3) uint8 array (nested
        lists without numpy). With no render_mode: None and a warning, as Gymnasium's envs do."""
        if self.render_mode is None:
            if gymnasium is not None:
                gymnasium.logger.warn(
                    f"You are calling render method without specifying any render mode. You can specify the render_mode "
                    f'at initialization, e.g. gymwire.RemoteEnv(url, "{self.env_id}", render_mode="rgb_array")'
                )
            return None
        server = self._server
        if server.stale:
            raise server.lost("render")
        # zlib when the server offers it (protocol 1.3): a tiny fraction of the raw frame's bytes.
        encoding = pick_encoding(server.connection.hello, ("zlib",))
        fields = {"handle": server.handle} if encoding == "raw" else {"handle": server.handle, "encoding": encoding}
        f = server.connection.request("render", **fields)["frame"]
        data = decode_frame(f)
        return wire.decode_array({"dtype": "uint8", "shape": [f["height"], f["width"], 3], "data": data}, "internal")

    def close(self) -> None:
        self._server.close()

    def _remake(self) -> None:
        """After a reconnect: the same env again on the new connection (the spaces must not have changed)."""
        server = self._server
        server.connection.ensure_open()
        r = server.make(self._make_fields)
        if r["observation_space"] != self.observation_space_wire or r["action_space"] != self.action_space_wire:
            server.connection.request("close", handle=r["handle"])
            raise InternalError(f"{self.env_id} was re-made after a reconnect with other spaces; make a new RemoteEnv")
        self._step_request["handle"] = server.handle

    def __repr__(self) -> str:
        return f"<RemoteEnv {self.env_id} #{self._server.handle} at {self.connection.url}>"
