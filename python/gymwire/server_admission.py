"""Who the Python server lets in and for how long, as the Node server does (PROTOCOL.md section 8):
at most ``max_connections`` connections, ``max_connections_per_address`` from one address (an
IPv4 address, or an IPv6 /64: one host's usual allocation), a ``hello`` within
``hello_timeout`` of the upgrade, and a frame at least every ``idle_timeout``. A connection
refused a slot is upgraded, then closed at once with 1013 (try again later) and the reason."""
from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Any, Callable, Dict, Optional

#: RFC 6455 close codes, as the Node server sends them (server/limits.ts).
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN_LATER = 1013


def address_key(remote: Optional[str]) -> str:
    """What per-address caps count by: the IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 one."""
    if not remote:
        return "?"
    try:
        ip = ipaddress.ip_address(remote.split("%")[0])
    except ValueError:
        return remote
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Admission:
    """The open connections, in all and per address."""

    def __init__(self, max_connections: int, max_connections_per_address: int):
        self.max_connections = max_connections
        self.max_connections_per_address = max_connections_per_address
        self.open = 0
        self.per_address: Dict[str, int] = {}

    def take(self, key: str) -> Optional[str]:
        """Takes a slot for a connection from ``key``, or says why not (the reason of a 1013 close)."""
        if self.open >= self.max_connections:
            return f"server busy: max_connections {self.max_connections} reached, try again later"
        here = self.per_address.get(key, 0)
        if here >= self.max_connections_per_address:
            cap = self.max_connections_per_address
            return f"{here} connections from {key} already: max_connections_per_address {cap} reached, try again later"
        self.open += 1
        self.per_address[key] = here + 1
        return None

    def release(self, key: str) -> None:
        self.open -= 1
        left = self.per_address[key] - 1
        if left:
            self.per_address[key] = left
        else:
            del self.per_address[key]


def seconds_text(seconds: float) -> str:
    """A timeout as a close reason states it: ``5``, ``0.25``."""
    return f"{seconds:g}"


class ConnectionWatch:
    """Closes a connection that has not said hello ``hello_timeout`` s after its upgrade (1008) or
    has sent nothing for ``idle_timeout`` s (1001); 0 = never. One timer per connection, re-armed
    only when it fires: a frame costs the connection one store into ``last_frame``."""

    def __init__(self, ws: Any, ready: Callable[[], bool], hello_timeout: float, idle_timeout: float):
        self.ws = ws
        self.ready = ready
        self.hello_timeout = hello_timeout
        self.idle_timeout = idle_timeout
        #: time.perf_counter() of the last frame received (the upgrade, before any).
        self.last_frame = self.opened = time.perf_counter()
        self.closing: Optional[asyncio.Future[Any]] = None
        self._timer: Optional[asyncio.TimerHandle] = None
        self._arm()

    def _arm(self) -> None:
        """Fires when a timeout may have passed: closes the connection, or waits for the next one."""
        now = time.perf_counter()
        if not self.ready() and self.hello_timeout > 0:
            due = self.opened + self.hello_timeout
            code, reason = CLOSE_POLICY, f"no hello within {seconds_text(self.hello_timeout)} s (hello_timeout)"
        elif self.idle_timeout > 0:
            due = self.last_frame + self.idle_timeout
            code, reason = CLOSE_GOING_AWAY, f"idle for {seconds_text(self.idle_timeout)} s (idle_timeout)"
        else:
            self._timer = None
            return
        if now >= due:
            self._timer = None
            self.closing = asyncio.ensure_future(self.ws.close(code, reason))
        else:
            self._timer = asyncio.get_running_loop().call_later(due - now, self._arm)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
