"""``Connection``: one WebSocket to a gymwire server, handshake done, requests answered in order.

Several envs may share a connection. A dropped connection (server restart, network, idle
timeout) is re-opened with exponential backoff, like the TypeScript client
(client/connection.ts, PROTOCOL.md section 8): the call that saw the drop raises
``ConnectionLostError`` (``details["interrupted"]``), the server's envs died with the
connection, and ``generation`` counts re-opens so envs know their handles are stale —
``RemoteEnv.step`` then raises ``ConnectionLostError`` until the next ``reset()``, which
waits out the reconnect and re-makes the env. Being synchronous, the client re-opens the
connection when it is next used (a ``reset()``, a ``make``), not in the background.

Not thread-safe: use one connection per thread.
"""
from __future__ import annotations

import functools
import os
import random
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Union

import msgpack

from . import wire
from .wire import PROTOCOL_VERSION
from .errors import (
    ConnectionLostError,
    GymwireError,
    InternalError,
    UnauthorizedError,
    VersionMismatchError,
    connection_lost,
    error_from_body,
)
from .websocket import HandshakeError, WebSocket, WebSocketError

_unpack = functools.partial(msgpack.unpackb, raw=False, strict_map_key=False)

__version__ = "0.2.0"


@dataclass(frozen=True)
class Reconnect:
    """How a dropped connection is re-opened: ``attempts`` tries (0: never), waiting
    ``min(max_delay, base_delay * 2**k)`` seconds (minus up to 25 % jitter) before try k."""

    attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 8.0


def backoff_delay(k: int, opts: Reconnect, rand: Callable[[], float] = random.random) -> float:
    """The wait before reconnect try k (0-based), as the TypeScript client's backoffDelay."""
    d = min(opts.max_delay, opts.base_delay * 2**k)
    return d * (0.75 + 0.25 * rand())


_OPEN, _DROPPED, _CLOSED = "open", "dropped", "closed"


class Connection:
    """One connection to a gymwire server.

    ``token`` (default: the ``GYMWIRE_TOKEN`` environment variable) is sent as
    ``Authorization: Bearer <token>``; a refusal raises ``UnauthorizedError``. ``timeout`` bounds
    the wait for each answer (None: wait for ever); ``connect_timeout`` the connect and
    handshake. ``reconnect``: True (6 tries, 0.25 s doubling to 8 s), False, or a ``Reconnect``.
    ``ssl_context`` for ``wss://`` servers (e.g. ``ssl.create_default_context(cafile=...)``
    to trust a self-signed certificate). Raises ``ConnectionLostError`` if the server cannot be
    reached, ``VersionMismatchError`` if it speaks another major version.
    """

    def __init__(
        self,
        url: str,
        *,
        token: Optional[str] = None,
        timeout: Optional[float] = 60.0,
        connect_timeout: float = 10.0,
        reconnect: Union[bool, Reconnect] = True,
        ssl_context: Optional[ssl.SSLContext] = None,
        client_name: str = "gymwire-python",
        max_message_bytes: int = 256 * 1024 * 1024,
    ):
        self.url = url
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.reconnect_options = reconnect if isinstance(reconnect, Reconnect) else Reconnect(attempts=6 if reconnect else 0)
        self.ssl_context = ssl_context
        self.client_name = client_name
        self.max_message_bytes = max_message_bytes
        token = token if token is not None else os.environ.get("GYMWIRE_TOKEN") or None
        self._settings = {
            "token": token,
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "reconnect": reconnect,
            "ssl_context": ssl_context,
            "client_name": client_name,
            "max_message_bytes": max_message_bytes,
        }
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._next_id = 1
        self._pack = wire.packer().pack
        self._ws: Optional[WebSocket] = None
        self._state = _CLOSED
        self._closed_error: GymwireError = connection_lost(f"the connection to {url} is closed")
        self._dropped_at = 0.0
        self._catalog: Optional[Dict[str, Dict[str, Any]]] = None
        #: Bumped each time the connection drops: handles made in an older generation are gone
        #: (the server closed them with the connection), even once it is re-opened.
        self.generation = 0
        #: The server's hello result (protocol_version, server_name, limits...), from the latest hello.
        self.hello: Dict[str, Any] = {}
        self._open()

    def settings(self) -> Dict[str, Any]:
        """The keyword arguments that open another connection like this one (token included)."""
        return dict(self._settings)

    # ---- state ----------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the connection has ended for good (closed, or reconnecting gave up)."""
        return self._state == _CLOSED

    @property
    def dropped(self) -> bool:
        """True while a dropped connection waits to be re-opened (at the next request or ``ensure_open()``)."""
        return self._state == _DROPPED

    def _open(self) -> None:
        """One connect + hello; on success the connection is open."""
        try:
            ws = WebSocket.connect(
                self.url,
                headers=self._headers,
                timeout=self.connect_timeout,
                ssl_context=self.ssl_context,
                max_message_bytes=self.max_message_bytes,
            )
        except HandshakeError as e:
            if e.status in (401, 403):
                why = "wrong token" if self._headers else "it needs a token (token= or GYMWIRE_TOKEN)"
                raise UnauthorizedError(f"{self.url} refused the connection (HTTP {e.status}): {why}") from e
            # The body says why (a lockout, a busy server): a line of the server's, shown in part.
            why = e.body.decode("utf-8", "replace").strip().splitlines()[:1]
            raise connection_lost(f"cannot connect to {self.url}: {e}" + (f" ({why[0][:200]})" if why else "")) from e
        except (OSError, WebSocketError) as e:
            raise connection_lost(f"cannot connect to {self.url}: {e}") from e
        ws.settimeout(self.timeout)
        self._ws = ws
        self._state = _OPEN
        self._catalog = None
        try:
            self.hello = self.request("hello", protocol_version=PROTOCOL_VERSION, client_name=self.client_name, client_version=__version__)
        except GymwireError:
            self._state = _CLOSED
            ws.close(wait=0.2)
            raise

    def ensure_open(self) -> None:
        """Returns once the connection is open: at once, or after re-opening a dropped one (with
        backoff). Raises the error that ended it if it is closed for good."""
        if self._state == _OPEN:
            return
        if self._state == _CLOSED:
            raise self._closed_error
        opts = self.reconnect_options
        last: Optional[GymwireError] = None
        for k in range(opts.attempts):
            wait = backoff_delay(k, opts) - (time.monotonic() - self._dropped_at if k == 0 else 0.0)
            if wait > 0:
                time.sleep(wait)
            try:
                self._open()
            except (UnauthorizedError, VersionMismatchError) as e:
                last = e  # a server that refuses us will keep refusing
                break
            except ConnectionLostError as e:
                last = e
                continue
            return
        if isinstance(last, (UnauthorizedError, VersionMismatchError)):
            self._finish(last)
        else:
            cause = f": {last.message}" if last is not None else ""
            self._finish(connection_lost(f"the connection to {self.url} dropped and could not be re-opened{cause}"))
        raise self._closed_error

    def _drop(self, why: str, op: str, cause: BaseException) -> ConnectionLostError:
        """The socket failed: close it; the connection is re-opened later, or closed for good."""
        if self._ws is not None:
            self._ws.close(1001, "dropped", wait=0)
            self._ws = None
        self.generation += 1
        will = self.reconnect_options.attempts > 0 and self._state == _OPEN
        if will:
            self._state = _DROPPED
            self._dropped_at = time.monotonic()
        error = connection_lost(f"{why}; {op} got no answer ({cause})", interrupted=True, reconnecting=will)
        if not will:
            self._finish(connection_lost(f"the connection to {self.url} ended: {cause}"))
        return error

    def _finish(self, error: GymwireError) -> None:
        self._state = _CLOSED
        self._closed_error = error

    # ---- requests -------------------------------------------------------------------------------

    def request(self, op: str, **fields: Any) -> Dict[str, Any]:
        """Sends one request and returns its result; an error answer raises its GymwireError subclass."""
        fields["op"] = op
        return self.call(fields)

    def call(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """``request`` for a ready message map (``op`` and fields; ``id`` is set here). Hot paths keep
        one map per env and change only its values."""
        if self._state is not _OPEN:
            self.ensure_open()
        rid = self._next_id
        self._next_id = rid + 1
        message["id"] = rid
        ws = self._ws
        try:
            ws.send(self._pack(message))  # type: ignore[union-attr]
            data = ws.recv()  # type: ignore[union-attr]
        except (OSError, WebSocketError) as e:
            raise self._failed(e, message["op"]) from e
        try:
            msg = _unpack(data)
            if msg["id"] == rid:
                return msg["result"]
        except Exception:  # noqa: BLE001 - not the plain answer: _answer says what it is
            pass
        return self._answer(data, rid, message["op"])

    def send(self, message: Dict[str, Any]) -> int:
        """Sends a request without waiting (pipelining: answers come in request order); returns its id.
        Re-opens a dropped connection first."""
        if self._state is not _OPEN:
            self.ensure_open()
        rid = self._next_id
        self._next_id = rid + 1
        message["id"] = rid
        try:
            self._ws.send(self._pack(message))  # type: ignore[union-attr]
        except (OSError, WebSocketError) as e:
            raise self._failed(e, message["op"]) from e
        return rid

    def receive(self, rid: int, op: str) -> Dict[str, Any]:
        """The result of request ``rid`` (the next answer on the connection)."""
        ws = self._ws
        if ws is None or self._state is not _OPEN:
            raise connection_lost(
                f"the connection to {self.url} dropped before {op} was answered", interrupted=True, reconnecting=self._state == _DROPPED
            )
        try:
            data = ws.recv()
        except (OSError, WebSocketError) as e:
            raise self._failed(e, op) from e
        return self._answer(data, rid, op)

    def _failed(self, e: BaseException, op: str) -> ConnectionLostError:
        if isinstance(e, (socket.timeout, BlockingIOError)):
            # The answer may still come, and would then be taken for the next request's: drop the connection.
            return self._drop(f"no answer from {self.url} within {self.timeout} s", op, e)
        return self._drop(f"the connection to {self.url} ended", op, e)

    def _answer(self, data: Any, rid: int, op: str) -> Dict[str, Any]:
        """The result in answer frame ``data`` to request ``rid``, or the error it holds, raised."""
        if type(data) is bytes:
            try:
                msg = _unpack(data)
            except Exception as e:  # noqa: BLE001 - any decode failure is the server's bad frame
                self._drop(f"{self.url} sent an unreadable frame", op, e)
                raise InternalError(f"{self.url} sent an unreadable answer to {op}: {e}") from e
            if type(msg) is dict and msg.get("id") == rid:
                result = msg.get("result")
                if result is not None:
                    return result
                error = msg.get("error")
                raise error_from_body(error) if error is not None else InternalError(
                    f"{self.url} answered {op} with neither result nor error"
                )
            # id null: the server could not read our request; as answers come in order, it is ours.
            if type(msg) is dict and msg.get("id") is None and "error" in msg:
                raise error_from_body(msg["error"])
            got = msg.get("id") if type(msg) is dict else msg
            self._drop(f"{self.url} answered out of order", op, ValueError(f"id {got!r}, expected {rid}"))
            raise InternalError(f"{self.url} answered request {got!r} while {op} #{rid} waited")
        self._drop(f"{self.url} sent a text frame", op, ValueError("text frame"))
        raise InternalError(f"{self.url} broke the protocol: a text frame in answer to {op}")

    # ---- catalog --------------------------------------------------------------------------------

    def list_envs(self) -> List[Dict[str, Any]]:
        """The server's EnvInfo list (PROTOCOL.md list_envs). A range kwarg's default (1.4, a
        ``[low, high]`` array on the wire) is a tuple of floats, as Gymnasium's constructors take it."""
        envs = self.request("list_envs")["envs"]
        for e in envs:
            for spec in (e.get("kwargs") or {}).values():
                if isinstance(spec, dict) and spec.get("type") == "range" and isinstance(spec.get("default"), list):
                    spec["default"] = tuple(spec["default"])
        self._catalog = {e["id"]: e for e in envs}
        return envs

    def env_info(self, env_id: str) -> Optional[Dict[str, Any]]:
        """The server's EnvInfo of ``env_id`` (listed once per connection), or None."""
        if self._catalog is None:
            self.list_envs()
        return self._catalog.get(env_id)  # type: ignore[union-attr]

    def supports(self, minor: int) -> bool:
        """True if the server speaks protocol 1.``minor`` or later."""
        try:
            return int(str(self.hello.get("protocol_version", "1.0")).split(".")[1]) >= minor
        except (IndexError, ValueError):
            return False

    # ---- closing --------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the connection for good (the server closes every env opened on it)."""
        ws, self._ws = self._ws, None
        self._finish(connection_lost(f"the connection to {self.url} was closed by the client"))
        if ws is not None:
            ws.close(1000, "client closed")

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<gymwire.Connection {self.url} {self._state} generation={self.generation}>"
