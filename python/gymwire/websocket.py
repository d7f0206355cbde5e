"""A small blocking WebSocket client (RFC 6455) over a plain or TLS socket.

Why not the ``websockets`` package: a gymwire client sends one frame and waits for one answer,
thousands of times a second. ``websockets`` 10 (Debian) only has an asyncio client, whose event
loop turns cost the client twice the CPU per step of a blocking socket; its sync client (11+)
runs a reader thread. This module does the handshake and framing itself on a blocking socket,
so a request is one ``sendall`` and (usually) one ``recv``, and nothing depends on which
``websockets`` version is installed.

What it implements of RFC 6455, client side: the opening handshake (``Sec-WebSocket-Key`` /
``Sec-WebSocket-Accept`` check, sub-protocol offer and check, extra headers such as
``Authorization``; no extensions are offered and any the server picks is refused); masked
frames with a key from ``os.urandom``; messages in fragments (continuation frames) with
control frames between them; ping (answered with a pong of the same payload), pong; the close
handshake in both directions; protocol errors answered with close 1002 (1007 for bad UTF-8,
1009 for a message over ``max_message_bytes``). ``wss://`` goes through ``ssl``.
"""
from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
import struct
import sys
from typing import Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

try:  # only to mask big frames faster
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None  # type: ignore[assignment]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HEADER_BYTES = 64 * 1024
_RECV_CHUNK = 65536

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# The first two bytes of a masked, final binary frame of n < 126 bytes.
_SMALL_BINARY_HEADERS = [bytes((0x80 | OP_BINARY, 0x80 | n)) for n in range(126)]


class WebSocketError(Exception):
    """Anything that ends or refuses a WebSocket connection."""


class HandshakeError(WebSocketError):
    """The server did not upgrade the connection: ``status`` (0 if the answer was not HTTP), ``headers``, ``body``."""

    def __init__(self, message: str, status: int = 0, headers: Optional[Dict[str, str]] = None, body: bytes = b""):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = body


#: The most of a refused upgrade's body kept (it says why: a token or origin refusal is a line).
_MAX_REFUSAL_BODY = 64 * 1024


def _refusal_body(sock: socket.socket, headers: Dict[str, str], leftover: bytes) -> bytes:
    """The body of a non-101 answer: its Content-Length bytes (at most _MAX_REFUSAL_BODY), read
    past the head when they come in later segments; without a length, what came with the head.
    A read that fails or times out keeps what arrived (the status is the error, the body its text)."""
    length = headers.get("content-length", "")
    if not length.isdigit():
        return leftover[:_MAX_REFUSAL_BODY]
    want = min(int(length), _MAX_REFUSAL_BODY)
    body = leftover[:want]
    try:
        while len(body) < want:
            chunk = sock.recv(want - len(body))
            if not chunk:
                break
            body += chunk
    except OSError:
        pass
    return body


class ConnectionClosed(WebSocketError):
    """The connection is closed: ``code`` and ``reason`` of the close frame (1006: no close frame, the socket ended)."""

    def __init__(self, code: int, reason: str = ""):
        super().__init__(f"connection closed ({code}{' ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class ProtocolError(WebSocketError):
    """The peer broke RFC 6455; the connection was closed with ``code``."""

    def __init__(self, message: str, code: int = 1002):
        super().__init__(message)
        self.code = code


class MaskPool:
    """Masking keys from os.urandom, fetched 4 KiB at a time (one syscall per 1024 frames)."""

    def __init__(self) -> None:
        self._pool = os.urandom(4096)
        self._at = 0

    def key(self) -> bytes:
        at = self._at
        if at >= 4096:
            self._pool, at = os.urandom(4096), 0
        self._at = at + 4
        return self._pool[at : at + 4]


def mask(payload: bytes, key: bytes) -> bytes:
    """XORs ``payload`` with the 4-byte ``key`` repeated (RFC 6455 5.3): as one big-integer XOR,
    or with numpy on 32-bit words from 2 KiB up, where that is faster."""
    n = len(payload)
    if n == 0:
        return b""
    if n >= 2048 and _np is not None:
        out = _np.frombuffer(payload, _np.uint8).copy()
        words = n >> 2
        out[: words << 2].view(_np.uint32)[:] ^= _np.frombuffer(key, _np.uint32)[0]
        out[words << 2 :] ^= _np.frombuffer(key, _np.uint8)[: n - (words << 2)]
        return out.tobytes()
    reps = (n + 3) >> 2
    masked = int.from_bytes(payload, "little") ^ int.from_bytes(key * reps, "little")
    return masked.to_bytes(reps << 2, "little")[:n]


def frame(opcode: int, payload: bytes, key: bytes, fin: bool = True) -> bytes:
    """One client frame (masked) as bytes."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        head = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 0xFE, n)
    else:
        head = struct.pack("!BBQ", b0, 0xFF, n)
    return head + key + mask(payload, key)


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer to ``key``."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")


def _set_timeouts(sock: socket.socket, seconds: Optional[float]) -> None:
    """Bounds each blocking recv/send. On Linux and macOS plain sockets get SO_RCVTIMEO /
    SO_SNDTIMEO and stay in blocking mode, because a Python socket timeout adds a poll() to
    every call (a syscall per recv and per send); elsewhere, and for TLS, settimeout()."""
    if seconds is None:
        sock.settimeout(None)
        return
    if seconds <= 0:
        raise ValueError(f"a timeout must be positive (None: no timeout), got {seconds}")
    if not isinstance(sock, ssl.SSLSocket) and sys.platform.startswith(("linux", "darwin")):
        whole = int(seconds)
        tv = struct.pack("ll", whole, int((seconds - whole) * 1e6))
        try:
            sock.settimeout(None)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)
            return
        except OSError:
            pass
    sock.settimeout(seconds)


def _parse_url(url: str) -> Tuple[bool, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"not a ws:// or wss:// URL: {url!r}")
    secure = parts.scheme == "wss"
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return secure, parts.hostname, port, target


def _read_head(sock: socket.socket) -> Tuple[bytes, bytes]:
    """Reads an HTTP response head; returns it and the bytes after it."""
    buf = b""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            return buf[:end], buf[end + 4 :]
        if len(buf) > _MAX_HEADER_BYTES:
            raise HandshakeError("the server's HTTP response head is too long")
        chunk = sock.recv(4096)
        if not chunk:
            raise HandshakeError("the server closed the connection during the opening handshake")
        buf += chunk


def _parse_head(head: bytes) -> Tuple[int, str, Dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/") or not status_line[1].isdigit():
        raise HandshakeError(f"not an HTTP response: {lines[0][:100]!r}")
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise HandshakeError(f"bad HTTP header line {line[:100]!r}")
        key = name.strip().lower()
        # Repeated headers are one comma-separated list (RFC 7230 3.2.2).
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return int(status_line[1]), status_line[2] if len(status_line) > 2 else "", headers


class WebSocket:
    """One client connection. ``WebSocket.connect(url, ...)`` opens it; ``send(bytes)`` sends a
    binary message; ``recv()`` returns the next message (bytes, or str for a text message),
    answering pings on the way; ``close()`` runs the close handshake."""

    def __init__(self, sock: socket.socket, subprotocol: Optional[str], leftover: bytes, max_message_bytes: int):
        self.sock = sock
        self.subprotocol = subprotocol
        self.max_message_bytes = max_message_bytes
        self.closed = False
        self._buf = leftover
        self._masks = MaskPool()
        self._close_sent = False

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        headers: Optional[Dict[str, str]] = None,
        subprotocols: Sequence[str] = (),
        timeout: Optional[float] = 10.0,
        ssl_context: Optional[ssl.SSLContext] = None,
        max_message_bytes: int = 256 * 1024 * 1024,
    ) -> "WebSocket":
        """Connects, upgrades and returns the open WebSocket. ``timeout`` bounds the connect and the
        handshake and stays the timeout of every later send and recv (None: no timeout).
        Raises HandshakeError (status 401 for a refused token), OSError (socket, TLS),
        ValueError (a bad URL)."""
        secure, host, port, target = _parse_url(url)
        for name, value in (headers or {}).items():
            if any(c in name + value for c in "\r\n\0"):
                raise ValueError(f"header {name!r} holds a line break or NUL")
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if secure:
                context = ssl_context if ssl_context is not None else ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=host)
            key = base64.b64encode(os.urandom(16)).decode("ascii")
            host_header = f"[{host}]" if ":" in host else host
            if port != (443 if secure else 80):
                host_header += f":{port}"
            lines = [
                f"GET {target} HTTP/1.1",
                f"Host: {host_header}",
                "Upgrade: websocket",
                "Connection: Upgrade",
                f"Sec-WebSocket-Key: {key}",
                "Sec-WebSocket-Version: 13",
            ]
            if subprotocols:
                lines.append(f"Sec-WebSocket-Protocol: {', '.join(subprotocols)}")
            lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            head, leftover = _read_head(sock)
            status, reason, got = _parse_head(head)
            if status != 101:
                body = _refusal_body(sock, got, leftover)
                raise HandshakeError(f"the server answered the upgrade with HTTP {status} {reason}".rstrip(), status, got, body)
            if got.get("upgrade", "").lower() != "websocket":
                raise HandshakeError(f"the server's 101 lacks 'Upgrade: websocket' (got {got.get('upgrade')!r})", status, got)
            if "upgrade" not in [t.strip().lower() for t in got.get("connection", "").split(",")]:
                raise HandshakeError(f"the server's 101 lacks 'Connection: Upgrade' (got {got.get('connection')!r})", status, got)
            if got.get("sec-websocket-accept") != accept_key(key):
                raise HandshakeError("the server's Sec-WebSocket-Accept does not match our key", status, got)
            if got.get("sec-websocket-extensions"):
                raise HandshakeError(f"the server chose extensions we did not offer: {got['sec-websocket-extensions']}", status, got)
            chosen = got.get("sec-websocket-protocol")
            if chosen is not None and chosen not in subprotocols:
                raise HandshakeError(f"the server chose sub-protocol {chosen!r}, which we did not offer", status, got)
            _set_timeouts(sock, timeout)
        except BaseException:
            sock.close()
            raise
        return cls(sock, chosen, leftover, max_message_bytes)

    def settimeout(self, seconds: Optional[float]) -> None:
        _set_timeouts(self.sock, seconds)

    # ---- sending --------------------------------------------------------------------------------

    def send(self, payload: bytes) -> None:
        """Sends one binary message as one frame (one sendall: header, key and masked payload)."""
        n = len(payload)
        if n < 126 and not self._close_sent:
            # The hot path of a client sending small requests: frame() and MaskPool.key() inlined.
            masks = self._masks
            at = masks._at
            if at >= 4096:
                masks._pool, at = os.urandom(4096), 0
            masks._at = at + 4
            key = masks._pool[at : at + 4]
            reps = (n + 3) >> 2
            masked = (int.from_bytes(payload, "little") ^ int.from_bytes(key * reps, "little")).to_bytes(reps << 2, "little")[:n]
            self.sock.sendall(_SMALL_BINARY_HEADERS[n] + key + masked)
            return
        self._send_frame(OP_BINARY, bytes(payload))

    def send_text(self, text: str) -> None:
        self._send_frame(OP_TEXT, text.encode("utf-8"))

    def send_fragments(self, parts: Sequence[bytes], opcode: int = OP_BINARY) -> None:
        """Sends one message in several frames (the first with ``opcode``, then continuations)."""
        for i, part in enumerate(parts):
            self._send_frame(opcode if i == 0 else OP_CONTINUATION, part, fin=i == len(parts) - 1)

    def ping(self, payload: bytes = b"") -> None:
        self._send_frame(OP_PING, payload)

    def _send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        if self.closed or (self._close_sent and opcode != OP_CLOSE):
            raise ConnectionClosed(1006, "the connection is closed")
        self.sock.sendall(frame(opcode, payload, self._masks.key(), fin))

    # ---- receiving ------------------------------------------------------------------------------

    def recv(self) -> Union[bytes, str]:
        """The next message: bytes for binary, str for text. Pings are answered, pongs dropped.
        Raises ConnectionClosed when the server closes (after answering its close frame),
        ProtocolError on a broken frame, and the socket's timeout / OSError as they come."""
        if not self._buf:
            # The hot path: one recv holding exactly one unfragmented binary frame.
            buf = self.sock.recv(_RECV_CHUNK)
            n = len(buf)
            if n > 2 and buf[0] == 0x82 and n - 2 <= self.max_message_bytes:
                b1 = buf[1]
                if b1 < 126:
                    if n == b1 + 2:
                        return buf[2:]
                elif b1 == 126 and n > 4 and n == int.from_bytes(buf[2:4], "big") + 4:
                    return buf[4:]
            self._buf = buf  # anything else (an empty read too) takes the general path
        parts: List[bytes] = []
        message_opcode = 0
        size = 0
        while True:
            b0, opcode, payload = self._read_frame()
            if opcode >= OP_CLOSE:
                self._control(opcode, payload, b0)
                continue
            if opcode == OP_CONTINUATION:
                if not message_opcode:
                    self._fail("a continuation frame without a message to continue")
            elif message_opcode:
                self._fail("a new data frame in the middle of a fragmented message")
            elif opcode in (OP_TEXT, OP_BINARY):
                message_opcode = opcode
            else:
                self._fail(f"reserved opcode {opcode:#x}")
            size += len(payload)
            if size > self.max_message_bytes:
                self._fail(f"a message over {self.max_message_bytes} bytes", 1009)
            if b0 & 0x80 and not parts:
                data = payload  # the common case: one frame, no copy
                break
            parts.append(payload)
            if b0 & 0x80:
                data = b"".join(parts)
                break
        if message_opcode == OP_TEXT:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                self._fail("a text message that is not UTF-8", 1007)
        return data

    def _read_frame(self) -> Tuple[int, int, bytes]:
        """(first byte, opcode, payload) of the next frame."""
        buf = self._buf
        while len(buf) < 2:
            buf = self._fill(buf)
        b0, b1 = buf[0], buf[1]
        if b0 & 0x70:
            self._buf = buf
            self._fail("RSV bits set, but no extension was negotiated")
        if b1 & 0x80:
            self._buf = buf
            self._fail("a masked frame from the server")
        n = b1 & 0x7F
        at = 2
        if n >= 126:
            at = 4 if n == 126 else 10
            while len(buf) < at:
                buf = self._fill(buf)
            n = int.from_bytes(buf[2:at], "big")
            if n > self.max_message_bytes:
                self._buf = buf
                self._fail(f"a frame of {n} bytes, over {self.max_message_bytes}", 1009)
        end = at + n
        if len(buf) >= end:
            self._buf = buf[end:]
            return b0, b0 & 0x0F, buf[at:end]
        # A big frame: read the rest straight into one buffer of its size.
        payload = bytearray(n)
        have = len(buf) - at
        payload[:have] = buf[at:]
        view = memoryview(payload)
        while have < n:
            got = self.sock.recv_into(view[have:], min(n - have, 1 << 20))
            if not got:
                self._eof()
            have += got
        self._buf = b""
        return b0, b0 & 0x0F, bytes(payload)

    def _fill(self, buf: bytes) -> bytes:
        """``buf`` and the next bytes from the socket (also kept in self._buf, so a timeout loses nothing)."""
        chunk = self.sock.recv(_RECV_CHUNK)
        if not chunk:
            self._eof()
        buf = buf + chunk if buf else chunk
        self._buf = buf
        return buf

    def _eof(self) -> None:
        self._shutdown()
        raise ConnectionClosed(1006, "the socket ended without a close frame")

    def _control(self, opcode: int, payload: bytes, b0: int) -> None:
        if not b0 & 0x80 or len(payload) > 125:
            self._fail("a fragmented or oversized control frame")
        if opcode == OP_PING:
            if not self._close_sent:
                self._send_frame(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code, reason = 1005, ""
            if len(payload) == 1:
                self._fail("a close frame with a 1-byte payload")
            if len(payload) >= 2:
                code = int.from_bytes(payload[:2], "big")
                try:
                    reason = payload[2:].decode("utf-8")
                except UnicodeDecodeError:
                    self._fail("a close reason that is not UTF-8", 1007)
            if not self._close_sent:
                # Echo the code, as RFC 6455 5.5.1 asks (1005 is never sent: answer with no code).
                try:
                    self._send_frame(OP_CLOSE, payload[:2] if code != 1005 else b"")
                except OSError:
                    pass
                self._close_sent = True
            self._shutdown()
            raise ConnectionClosed(code, reason)
        elif opcode != OP_PONG:
            self._fail(f"reserved control opcode {opcode:#x}")

    def _fail(self, why: str, code: int = 1002) -> None:
        """Fails the connection (RFC 6455 7.1.7): a close frame with ``code``, then the socket is closed."""
        if not self.closed and not self._close_sent:
            try:
                self._close_sent = True
                self.sock.sendall(frame(OP_CLOSE, code.to_bytes(2, "big") + why.encode("utf-8")[:120], self._masks.key()))
            except OSError:
                pass
        self._shutdown()
        raise ProtocolError(f"WebSocket protocol error: {why}", code)

    # ---- closing --------------------------------------------------------------------------------

    def close(self, code: int = 1000, reason: str = "", wait: float = 1.0) -> None:
        """The close handshake: sends a close frame and waits up to ``wait`` s for the server's, then
        closes the socket. Safe to call twice."""
        if self.closed:
            return
        try:
            if not self._close_sent:
                self._close_sent = True
                self.sock.sendall(frame(OP_CLOSE, code.to_bytes(2, "big") + reason.encode("utf-8")[:123], self._masks.key()))
            if wait <= 0:
                return
            _set_timeouts(self.sock, wait)
            while True:
                b0, opcode, payload = self._read_frame()
                if opcode == OP_CLOSE:
                    break
        except (OSError, WebSocketError):
            pass
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
