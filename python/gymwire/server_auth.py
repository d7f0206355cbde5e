"""The token at the upgrade, as the Node server checks it (server/auth.ts; PROTOCOL.md section 8).

A client presents it as ``Authorization: Bearer T`` or, from a browser, which cannot set headers,
as the sub-protocol ``gymwire.token.T``. One credential per upgrade request: several are refused
(HTTP 400), so one request cannot carry a list of guesses. An address that keeps failing is
refused for a while (HTTP 429, ``AuthThrottle``), and a token must be long enough that guessing
at that rate is hopeless (``MIN_TOKEN_LENGTH``)."""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections import OrderedDict
from typing import Any, Callable, List, Optional, Tuple

SUBPROTOCOL = "gymwire"
TOKEN_SUBPROTOCOL_PREFIX = "gymwire.token."
# RFC 7230 token characters: what a Sec-WebSocket-Protocol value may hold.
_TOKEN_CHARS = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BEARER = re.compile(r"^Bearer[ \t]+(\S+)[ \t]*$", re.IGNORECASE)

#: 16 random letters and digits are ~95 bits: out of reach at a few guesses a minute per address.
MIN_TOKEN_LENGTH = 16


def check_token_format(token: str) -> None:
    """Raises ValueError unless ``token`` can travel as a sub-protocol and is long enough."""
    if not _TOKEN_CHARS.match(token):
        raise ValueError(
            "the token must be non-empty and use only letters, digits and !#$%&'*+-.^_`|~ (it may travel as a WebSocket sub-protocol)"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(
            f"the token is {len(token)} characters; "
            f"use at least {MIN_TOKEN_LENGTH} random ones (e.g. `openssl rand -hex 16`) so it cannot be guessed"
        )


def presented_tokens(headers: Any) -> List[str]:
    """Every token an upgrade request presents: ``Authorization: Bearer T`` and ``gymwire.token.T`` sub-protocols."""
    out: List[str] = []
    m = _BEARER.match(headers.get("Authorization") or "")
    if m:
        out.append(m.group(1))
    for value in (
        headers.get_all("Sec-WebSocket-Protocol") if hasattr(headers, "get_all") else [headers.get("Sec-WebSocket-Protocol") or ""]
    ):
        for p in value.split(","):
            p = p.strip()
            if p.startswith(TOKEN_SUBPROTOCOL_PREFIX):
                out.append(p[len(TOKEN_SUBPROTOCOL_PREFIX) :])
    return out


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison (of SHA-256 digests, so lengths do not leak either)."""
    return hmac.compare_digest(hashlib.sha256(presented.encode()).digest(), hashlib.sha256(expected.encode()).digest())


#: Failed upgrades allowed per address before it is refused; then 1 s, doubling per further failure, at most 60 s.
AUTH_FAILURES_ALLOWED = 5
LOCKOUT_BASE_S = 1.0
LOCKOUT_MAX_S = 60.0
#: An address's failures are forgotten this long after its last one.
FORGET_AFTER_S = 600.0
#: Addresses remembered at most (the oldest failure is forgotten first): the table's memory is bounded.
AUTH_TABLE_MAX = 4096


class AuthThrottle:
    """Slows down token guessing, per address: after ``AUTH_FAILURES_ALLOWED`` failed upgrades its
    upgrades are refused for 1 s, doubling with each further failure up to 60 s. A success clears
    the address."""

    def __init__(self, now: Callable[[], float] = time.monotonic, max_entries: int = AUTH_TABLE_MAX):
        self.now = now
        self.max_entries = max_entries
        # Ordered by last failure: the first key is the one to forget first.
        self._failures: "OrderedDict[str, Tuple[int, float]]" = OrderedDict()

    def retry_after(self, address: str) -> float:
        """Seconds ``address`` must wait before its next try; 0 if it may try now."""
        f = self._failures.get(address)
        if f is None:
            return 0.0
        count, last = f
        t = self.now()
        if t - last > FORGET_AFTER_S:
            del self._failures[address]
            return 0.0
        if count < AUTH_FAILURES_ALLOWED:
            return 0.0
        lockout = min(LOCKOUT_MAX_S, LOCKOUT_BASE_S * 2 ** (count - AUTH_FAILURES_ALLOWED))
        return max(0.0, last + lockout - t)

    def failed(self, address: str) -> None:
        count = self._failures.pop(address, (0, 0.0))[0]
        self._failures[address] = (count + 1, self.now())
        if len(self._failures) > self.max_entries:
            self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def __len__(self) -> int:
        return len(self._failures)


#: An upgrade refused: HTTP status, body text, extra headers.
Refusal = Tuple[int, str, List[Tuple[str, str]]]


def credential_refusal(headers: Any, address: str, token: str, throttle: AuthThrottle) -> Optional[Refusal]:
    """The token check of an upgrade from ``address`` (an address key): None to let it in."""
    presented = presented_tokens(headers)
    if len(presented) > 1:
        return (400, "one credential per upgrade request: an Authorization header or one gymwire.token.* sub-protocol", [])
    wait = throttle.retry_after(address)
    if wait > 0:
        seconds = str(max(1, int(-(-wait // 1))))
        return (429, f"too many failed logins from {address}; try again in {seconds} s", [("Retry-After", seconds)])
    if presented and token_matches(presented[0], token):
        throttle.succeeded(address)
        return None
    throttle.failed(address)
    return (401, "this server needs a token (Authorization: Bearer <token>)", [("WWW-Authenticate", "Bearer")])
