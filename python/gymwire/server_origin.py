"""Which browser pages may open a connection to the Python server: the Node server's rule
(server/origin.ts, PROTOCOL.md section 8, "Browser origins").

Browsers let any web page open a WebSocket to any address, 127.0.0.1 included, and send the
page's origin with the upgrade. Without a check, every page a user visits could drive the envs
served on their machine. At the upgrade, before the token:
  1. no Origin header (not a browser): allowed;
  2. an origin on the allow-list (``allowed_origins``; ``*`` allows any): allowed;
  3. the server's own origin, ``http://`` + the Host header, when that host is ``localhost``
     (or ``*.localhost``) or an IP literal: allowed. Not a DNS name: with DNS rebinding a page at
     evil.example can make that name resolve to this server and be "same-origin" with it;
  4. anything else: HTTP 403, with a body naming the origin and what to allow.
"""
from __future__ import annotations

import ipaddress
from typing import FrozenSet, Iterable, Optional
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(text: str) -> Optional[str]:
    """An origin as browsers serialize it (lowercase ``scheme://host``, the port only when not the
    scheme's default), or None when ``text`` is not an http(s) origin."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None or parts.password is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in text or "#" in text:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else "")


def parse_allowed_origins(values: Iterable[str]) -> FrozenSet[str]:
    """Checks and normalizes allow-list entries (``*`` or ``scheme://host[:port]``); raises ValueError naming a bad one."""
    out = set()
    for value in values:
        if value.strip() == "*":
            out.add("*")
            continue
        origin = normalize_origin(value)
        if origin is None:
            raise ValueError(f"allowed origin {value!r} is not an origin: give scheme://host[:port] (http or https, no path), or '*'")
        out.add(origin)
    return frozenset(out)


def is_rebinding_safe_host(hostname: str) -> bool:
    """Whether a Host header's name cannot be a rebound DNS name: a loopback name or an IP literal."""
    h = hostname.lower().strip("[]")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(h)
    except ValueError:
        return False
    return True


def origin_refusal(origin: Optional[str], host: Optional[str], allowed: FrozenSet[str], secure: bool = False) -> Optional[str]:
    """None if an upgrade with these Origin and Host headers may connect, else why not (the 403's body)."""
    if origin is None or "*" in allowed:
        return None
    normalized = normalize_origin(origin)
    if normalized is not None and normalized in allowed:
        return None
    if normalized is not None and host:
        own = normalize_origin(f"{'https' if secure else 'http'}://{host}")
        if own is not None and own == normalized and is_rebinding_safe_host(urlsplit(own).hostname or ""):
            return None
    return f"origin {origin} may not connect to this server (browser pages need allowed_origins=[{normalized or origin!r}])"
