"""The checks between a TCP socket and a WebSocket connection, hooked into ``websockets``
(the Node server's order, server/admission.ts; PROTOCOL.md section 8):
  accept       at most ``max_upgrading_per_address`` sockets per address may be before or in
               their upgrade (one more: HTTP 503), and the upgrade request must be in within
               ``upgrade_timeout`` (HTTP 408; websockets 10 has no such timeout: a socket that
               sent nothing was held forever; 14+ has one, but drops the socket without a word);
  the upgrade  the browser origin (403, server_origin.py), then one credential at most (400),
               the address's failed-token lockout (429) and the token (401) (server_auth.py);
               then the sub-protocol: ``gymwire`` if offered, else the token's own, else none.
Both servers get a connection class that counts a socket from the moment it is accepted, ends
its upgrade at ``upgrade_timeout`` and counts its frames into the server's frame budget
(server_frames.py): websockets 10-13 (the legacy server; Debian's 10.4 is tested) a protocol
class (``create_protocol``), websockets 14+ (the asyncio server; 17.0.1 is tested) a
``ServerConnection`` subclass (``create_connection``). The checks of the request are the
legacy protocol's ``process_request`` method, or 14+'s ``process_request`` hook."""
from __future__ import annotations

import asyncio
import inspect
from http import HTTPStatus
from typing import Any, Callable, Dict, Optional

import websockets

from .server_admission import address_key
from .server_auth import SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, AuthThrottle, Refusal, credential_refusal
from .server_frames import AsyncioFrames, FrameBudget, LegacyFrames, check_asyncio_assembler
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

    class GatedProtocol(LegacyFrames, WebSocketServerProtocol):
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


def _refusal_text(status: int, text: str) -> Any:
    return HTTPStatus(status), f"gymwire: {text}\n"


def _asyncio_hooks(
    check: UpgradeCheck, gate: UpgradeGate, upgrade_timeout: Optional[float], budget: FrameBudget, subprotocol_token: Optional[str]
) -> Dict[str, Any]:
    from websockets.asyncio.server import ServerConnection
    from websockets.protocol import State

    check_asyncio_assembler()

    class GatedConnection(AsyncioFrames, ServerConnection):
        def connection_made(self, transport: Any) -> None:
            # The socket was just accepted, before any of its request is read: counted from now.
            super().connection_made(transport)
            self.gymwire_opened = self.loop.time()
            self.gymwire_gate_key: Optional[str] = _peer_key(transport.get_extra_info("peername"))
            self.gymwire_busy = gate.enter(self.gymwire_gate_key)
            if self.gymwire_busy is not None:
                self.gymwire_gate_key = None

        def _gymwire_leave_gate(self) -> None:
            if self.gymwire_gate_key is not None:
                gate.leave(self.gymwire_gate_key)
                self.gymwire_gate_key = None

        async def handshake(self, *args: Any, **kwargs: Any) -> None:
            # websockets' own open_timeout aborts the socket without a word: the deadline is kept
            # here instead, to answer 408 as the Node server does.
            try:
                if self.gymwire_busy is not None:
                    await self._gymwire_refuse(503, self.gymwire_busy, [("Retry-After", "1")])
                    return
                left = None if upgrade_timeout is None else self.gymwire_opened + upgrade_timeout - self.loop.time()
                if left is None or left > 0:
                    await asyncio.wait([self.request_rcvd, self.connection_lost_waiter], timeout=left, return_when=asyncio.FIRST_COMPLETED)
                if self.request is None and not self.connection_lost_waiter.done():
                    await self._gymwire_refuse(408, f"no complete upgrade request within {upgrade_timeout:g} s (upgrade_timeout)", [])
                    return
                await super().handshake(*args, **kwargs)
            finally:
                self._gymwire_leave_gate()

        async def _gymwire_refuse(self, status: int, text: str, extra: Any) -> None:
            self.response = self.respond(*_refusal_text(status, text))
            for name, value in extra:
                self.response.headers[name] = value
            if self.protocol.state is State.CONNECTING:
                async with self.send_context(expected_state=State.CONNECTING):
                    self.protocol.send_response(self.response)

        def connection_lost(self, exc: Any) -> None:
            super().connection_lost(exc)
            # A socket whose handler never ran (the server closing) leaves here.
            self._gymwire_leave_gate()

    GatedConnection.budget = budget

    def process_request(connection: Any, request: Any) -> Any:
        refusal = check(request.headers, _peer_key(connection.remote_address))
        if refusal is None:
            return None
        status, text, extra = refusal
        response = connection.respond(*_refusal_text(status, text))
        for name, value in extra:
            response.headers[name] = value
        return response

    token_subprotocol = None if subprotocol_token is None else TOKEN_SUBPROTOCOL_PREFIX + subprotocol_token

    def select_subprotocol(connection: Any, offered: Any) -> Optional[str]:
        # What the legacy server picks from [gymwire, gymwire.token.T]; a client that offers
        # neither gets no sub-protocol, and is let in (the token, if any, was checked before).
        if SUBPROTOCOL in offered:
            return SUBPROTOCOL
        if token_subprotocol is not None and token_subprotocol in offered:
            return token_subprotocol
        return None

    return {
        "create_connection": GatedConnection,
        "process_request": process_request,
        "select_subprotocol": select_subprotocol,
        "open_timeout": None,
    }


def is_legacy_server() -> bool:
    """Whether ``websockets.serve`` is the legacy server (websockets <= 13), which takes a protocol class."""
    return "create_protocol" in inspect.signature(websockets.serve).parameters


def upgrade_hooks(
    check: UpgradeCheck, gate: UpgradeGate, upgrade_timeout: Optional[float], budget: FrameBudget, token: Optional[str]
) -> Dict[str, Any]:
    """The ``websockets.serve`` keywords that apply ``gate``, end upgrades after ``upgrade_timeout``
    seconds (None: never), run ``check``, select the sub-protocol (``gymwire``, else the token's
    own) and count frames into ``budget`` (server_frames.py)."""
    if is_legacy_server():
        subprotocols = [SUBPROTOCOL] + ([TOKEN_SUBPROTOCOL_PREFIX + token] if token is not None else [])
        return {**_legacy_hooks(check, gate, upgrade_timeout, budget), "subprotocols": subprotocols}
    return _asyncio_hooks(check, gate, upgrade_timeout, budget, token)
