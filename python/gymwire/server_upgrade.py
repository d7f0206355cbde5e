"""The checks between a TCP socket and a WebSocket connection, hooked into ``websockets``
(the Node server's order, server/admission.ts; PROTOCOL.md section 8):
  accept       at most ``max_upgrading_per_address`` sockets per address may be before or in
               their upgrade (one more: HTTP 503), and the upgrade must be done within
               ``upgrade_timeout`` (HTTP 408; websockets 10 has no such timeout: a socket that
               sent nothing was held forever);
  the upgrade  the browser origin (403, server_origin.py), then one credential at most (400),
               the address's failed-token lockout (429) and the token (401) (server_auth.py).
websockets 10-13 (the legacy server, Debian's 10.4 is the one tested here) gets a protocol
class that does both, and counts the connection's frames into the server's frame budget
(server_frames.py); websockets 14+ a ``process_request`` hook, which sees the request only
once it has been read, so the per-address cap on upgrading sockets is the legacy server's alone
(14+ still ends each slow upgrade at ``upgrade_timeout``, as its ``open_timeout``)."""
from __future__ import annotations

import asyncio
import inspect
from http import HTTPStatus
from typing import Any, Callable, Dict, Optional

import websockets

from .server_admission import address_key
from .server_auth import AuthThrottle, Refusal, credential_refusal
from .server_frames import CountedFrames, FrameBudget
from .server_origin import origin_refusal


class UpgradeGate:
    """Sockets before or in their upgrade, per address."""

    def __init__(self, max_per_address: int):
        self.max_per_address = max_per_address
        self.per_address: Dict[str, int] = {}

    def enter(self, key: str) -> Optional[str]:
        """Counts a new socket from ``key``, or says why not (the body of a 503)."""
        here = self.per_address.get(key, 0)
        if here >= self.max_per_address:
            return f"{here} sockets from {key} are already connecting (max_upgrading_per_address {self.max_per_address})"
        self.per_address[key] = here + 1
        return None

    def leave(self, key: str) -> None:
        left = self.per_address[key] - 1
        if left:
            self.per_address[key] = left
        else:
            del self.per_address[key]


#: The refusal of an upgrade request with these headers from this address key, or None.
UpgradeCheck = Callable[[Any, str], Optional[Refusal]]


def upgrade_check(token: Optional[str], allowed_origins: Any, throttle: AuthThrottle) -> UpgradeCheck:
    """The origin (403), then with a token the credential (400, 429, 401)."""

    def check(headers: Any, key: str) -> Optional[Refusal]:
        refusal = origin_refusal(headers.get("Origin"), headers.get("Host"), allowed_origins)
        if refusal is not None:
            return (403, refusal, [])
        if token is None:
            return None
        return credential_refusal(headers, key, token, throttle)

    return check


def _peer_key(remote: Any) -> str:
    return address_key(remote[0] if remote else None)


def _legacy_hooks(check: UpgradeCheck, gate: UpgradeGate, upgrade_timeout: Optional[float], budget: FrameBudget) -> Dict[str, Any]:
    from websockets.exceptions import AbortHandshake
    from websockets.legacy.server import WebSocketServerProtocol

    class GatedProtocol(CountedFrames, WebSocketServerProtocol):
        async def handshake(self, *args: Any, **kwargs: Any) -> Any:
            # The handler task starts this as the socket is accepted: the count covers the
            # whole time a socket takes to send its request.
            key = _peer_key(self.remote_address)
            busy = gate.enter(key)
            if busy is not None:
                raise AbortHandshake(
                    HTTPStatus.SERVICE_UNAVAILABLE, [("Retry-After", "1"), ("Content-Type", "text/plain")], f"gymwire: {busy}\n".encode()
                )
            try:
                return await asyncio.wait_for(super().handshake(*args, **kwargs), upgrade_timeout)
            except asyncio.TimeoutError:
                raise AbortHandshake(
                    HTTPStatus.REQUEST_TIMEOUT,
                    [("Content-Type", "text/plain")],
                    f"gymwire: no complete upgrade request within {upgrade_timeout:g} s (upgrade_timeout)\n".encode(),
                ) from None
            finally:
                gate.leave(key)

        async def close(self, code: int = 1000, reason: str = "") -> None:
            # websockets 10.4's server.close() closes every connection not CONNECTING, which
            # includes one whose refused upgrade is still being answered: its close() then fails
            # on state the handshake never made (a logged AttributeError). Such a socket is
            # already being closed by its handler.
            if not hasattr(self, "transfer_data_task"):
                return
            await super().close(code, reason)

        async def process_request(self, path: str, headers: Any) -> Any:
            refusal = check(headers, _peer_key(self.remote_address))
            if refusal is None:
                return None
            status, text, extra = refusal
            return (HTTPStatus(status), extra + [("Content-Type", "text/plain")], f"gymwire: {text}\n".encode())

    GatedProtocol.budget = budget
    return {"create_protocol": GatedProtocol}


def _asyncio_hooks(check: UpgradeCheck, upgrade_timeout: Optional[float]) -> Dict[str, Any]:
    async def process_request(connection: Any, request: Any) -> Any:
        refusal = check(request.headers, _peer_key(connection.remote_address))
        if refusal is None:
            return None
        status, text, extra = refusal
        response = connection.respond(HTTPStatus(status), f"gymwire: {text}\n")
        for name, value in extra:
            response.headers[name] = value
        return response

    return {"process_request": process_request, "open_timeout": upgrade_timeout}


def is_legacy_server() -> bool:
    """Whether ``websockets.serve`` is the legacy server (websockets <= 13), which takes a protocol class."""
    return "create_protocol" in inspect.signature(websockets.serve).parameters


def upgrade_hooks(check: UpgradeCheck, gate: UpgradeGate, upgrade_timeout: Optional[float], budget: FrameBudget) -> Dict[str, Any]:
    """The ``websockets.serve`` keywords that run ``check`` and end upgrades after ``upgrade_timeout``
    seconds (None: never); on the legacy server they also apply ``gate`` and count frames into
    ``budget`` (server_frames.py)."""
    return _legacy_hooks(check, gate, upgrade_timeout, budget) if is_legacy_server() else _asyncio_hooks(check, upgrade_timeout)
