"""gymwire.websocket, the RFC 6455 client: against a websockets server (the library the Python
server uses), against scripted raw-socket peers for what a well-behaved library never sends,
and against the Node server over TLS (python.test.ts starts it)."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import ssl
import struct
import threading
import time
import unittest
from typing import Any, Callable, List, Optional, Tuple

import support  # noqa: F401 - puts the package on sys.path
import websockets

from gymwire import Connection, ConnectionLostError, UnauthorizedError
from gymwire.websocket import OP_CLOSE, ConnectionClosed, HandshakeError, ProtocolError, WebSocket, accept_key, mask

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebsocketsPeer:
    """A websockets server in a thread, running ``handler(ws)`` for each connection."""

    def __init__(self, handler: Callable[[Any], Any], **serve_options: Any):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def connection(ws: Any, path: Optional[str] = None) -> None:
            await handler(ws)

        async def start() -> Any:
            return await websockets.serve(connection, "127.0.0.1", 0, **serve_options)

        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(5)
        self.url = f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class RawPeer:
    """A one-connection server speaking raw bytes: ``script(peer)`` runs in a thread once a client
    connects, with ``handshake``, ``send_frame`` and ``read_frame`` to drive it."""

    def __init__(self, script: Callable[["RawPeer"], None]):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.url = f"ws://127.0.0.1:{self.listener.getsockname()[1]}"
        self.conn: Optional[socket.socket] = None
        self.error: Optional[BaseException] = None
        self.request_head = b""
        self.buf = b""

        def run() -> None:
            try:
                self.conn, _ = self.listener.accept()
                self.conn.settimeout(5)
                script(self)
            except BaseException as e:  # noqa: BLE001 - reported by join()
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def handshake(
        self, status: str = "101 Switching Protocols", accept: Optional[str] = None, extra: str = "", body_later: bool = False
    ) -> None:
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.conn.recv(4096)
        self.request_head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        key = [
            line.split(b":", 1)[1].strip() for line in self.request_head.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key:")
        ][0]
        good = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if not status.startswith("101"):
            self.conn.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 5\r\n\r\n".encode())
            if body_later:  # a segment of its own, as a loaded server may send it
                time.sleep(0.2)
            self.conn.sendall(b"nope!")
            return
        head = f"HTTP/1.1 {status}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        self.conn.sendall(f"{head}Sec-WebSocket-Accept: {accept or good}\r\n{extra}\r\n".encode())

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, masked: bool = False) -> None:
        n = len(payload)
        b0 = (0x80 if fin else 0) | rsv | opcode
        mbit = 0x80 if masked else 0
        head = (
            struct.pack("!BB", b0, mbit | n)
            if n < 126
            else struct.pack("!BBH", b0, mbit | 126, n)
            if n < 65536
            else struct.pack("!BBQ", b0, mbit | 127, n)
        )
        if masked:
            key = b"\x01\x02\x03\x04"
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.conn.sendall(head + payload)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError("client closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self) -> Tuple[int, int, bytes, bytes]:
        """(first byte, opcode, unmasked payload, masking key) of the client's next frame."""
        b0, b1 = self._read(2)
        assert b1 & 0x80, "client frames must be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        key = self._read(4)
        data = self._read(n)
        return b0, b0 & 0x0F, bytes(b ^ key[i % 4] for i, b in enumerate(data)), key

    def join(self) -> None:
        self.thread.join(5)
        if self.conn is not None:
            self.conn.close()
        self.listener.close()
        if self.error is not None:
            raise self.error


class Framing(unittest.TestCase):
    def test_accept_key_is_the_rfc_example(self) -> None:
        # RFC 6455 section 1.3.
        self.assertEqual(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_mask_equals_the_bytewise_xor_for_every_size(self) -> None:
        key = os.urandom(4)
        for n in list(range(0, 70)) + [2047, 2048, 2049, 2050, 2051, 5003, 100_000]:
            data = os.urandom(n)
            self.assertEqual(mask(data, key), bytes(b ^ key[i % 4] for i, b in enumerate(data)), f"{n} bytes")


class AgainstWebsockets(unittest.TestCase):
    """The websockets library as the peer: what the Python server runs on."""

    def test_binary_and_text_messages_of_every_length_class_echo(self) -> None:
        async def echo(ws: Any) -> None:
            async for m in ws:
                await ws.send(m)

        peer = WebsocketsPeer(echo, max_size=None, compression=None)
        ws = WebSocket.connect(peer.url)
        try:
            for n in (0, 1, 125, 126, 127, 65535, 65536, 1 << 20):
                data = os.urandom(n)
                ws.send(data)
                self.assertEqual(ws.recv(), data, f"{n} bytes")
            ws.send_text("héllo")
            self.assertEqual(ws.recv(), "héllo")
            ws.send_fragments([b"ab", b"cd", b"ef"])
            self.assertEqual(ws.recv(), b"abcdef")
        finally:
            ws.close()
            peer.close()

    def test_fragmented_messages_from_the_server_are_joined(self) -> None:
        async def fragments(ws: Any) -> None:
            await ws.send([b"frag", b"men", b"ted"])  # an iterable is sent as fragments
            await ws.send(["te", "xt"])
            await ws.wait_closed()

        peer = WebsocketsPeer(fragments)
        ws = WebSocket.connect(peer.url)
        try:
            self.assertEqual(ws.recv(), b"fragmented")
            self.assertEqual(ws.recv(), "text")
        finally:
            ws.close()
            peer.close()

    def test_a_server_ping_is_answered_with_a_pong_while_waiting_for_a_message(self) -> None:
        async def pinger(ws: Any) -> None:
            waiter = await ws.ping(b"are you there")
            try:
                await asyncio.wait_for(waiter, 2)
                await ws.send(b"pong received")
            except asyncio.TimeoutError:
                await ws.send(b"no pong")

        peer = WebsocketsPeer(pinger)
        ws = WebSocket.connect(peer.url)
        try:
            self.assertEqual(ws.recv(), b"pong received")
        finally:
            ws.close()
            peer.close()

    def test_client_close_handshake_gives_the_server_our_code_and_reason(self) -> None:
        seen: List[Any] = []

        async def record(ws: Any) -> None:
            await ws.wait_closed()
            seen.append((ws.close_code, ws.close_reason))

        peer = WebsocketsPeer(record)
        ws = WebSocket.connect(peer.url)
        # What ends the wait is the server's close frame, read as the last frame, not the wait running out.
        opcodes: List[int] = []
        read_frame = ws._read_frame

        def spy() -> Any:
            got = read_frame()
            opcodes.append(got[1])
            return got

        ws._read_frame = spy  # type: ignore[method-assign]
        ws.close(1000, "bye", wait=30)
        self.assertEqual(opcodes[-1:], [OP_CLOSE])
        for _ in range(100):
            if seen:
                break
            time.sleep(0.02)
        peer.close()
        self.assertEqual(seen, [(1000, "bye")])

    def test_server_close_is_echoed_so_the_server_completes_the_handshake(self) -> None:
        codes: List[Any] = []

        async def closer(ws: Any) -> None:
            await ws.close(4001, "go away")
            codes.append(ws.close_code)  # 1006 if the client dropped the socket or never echoed within close_timeout

        peer = WebsocketsPeer(closer, close_timeout=5)
        ws = WebSocket.connect(peer.url)
        with self.assertRaises(ConnectionClosed) as caught:
            ws.recv()
        self.assertEqual((caught.exception.code, caught.exception.reason), (4001, "go away"))
        for _ in range(400):
            if codes:
                break
            time.sleep(0.02)
        peer.close()
        self.assertEqual(codes, [4001])

    def test_subprotocol_is_negotiated_and_headers_reach_the_server(self) -> None:
        headers: List[Any] = []

        async def process_request(first: Any, second: Any) -> None:
            # websockets 10-13 (legacy server): (path, headers); 14+: (connection, request).
            request_headers = getattr(second, "headers", second)
            headers.append(request_headers.get("Authorization"))
            return None

        async def idle(ws: Any) -> None:
            await ws.wait_closed()

        peer = WebsocketsPeer(idle, subprotocols=["gymwire"], process_request=process_request)
        ws = WebSocket.connect(peer.url, headers={"Authorization": "Bearer s3cret"}, subprotocols=["other", "gymwire"])
        try:
            self.assertEqual(ws.subprotocol, "gymwire")
            self.assertEqual(headers, ["Bearer s3cret"])
        finally:
            ws.close()
            peer.close()

    def test_a_header_with_a_line_break_is_refused_before_connecting(self) -> None:
        with self.assertRaises(ValueError):
            WebSocket.connect(f"ws://127.0.0.1:{support.free_port()}", headers={"X": "a\r\nEvil: yes"})


class AgainstRawPeers(unittest.TestCase):
    """Scripted peers: frame by frame what the client must accept, answer or refuse."""

    def test_fragments_with_a_ping_between_them_and_masked_client_frames(self) -> None:
        got: List[Any] = []

        def script(p: RawPeer) -> None:
            p.handshake()
            p.send_frame(0x2, b"one-", fin=False)
            p.send_frame(0x9, b"ping!")
            p.send_frame(0x0, b"two-", fin=False)
            p.send_frame(0xA, b"unsolicited pong")
            p.send_frame(0x0, b"three", fin=True)
            got.append(p.read_frame())  # the pong
            got.append(p.read_frame())  # the client's next message
            got.append(p.read_frame())  # and the one after

        peer = RawPeer(script)
        ws = WebSocket.connect(peer.url)
        self.assertEqual(ws.recv(), b"one-two-three")
        ws.send(b"x" * 10)
        ws.send(b"x" * 10)
        peer.join()
        ws.close(wait=0)
        pong, first, second = got
        self.assertEqual(pong[1:3], (0xA, b"ping!"))
        self.assertEqual(first[1:3], (0x2, b"x" * 10))
        self.assertNotEqual(first[3], second[3], "each frame gets its own masking key")

    def _refused(self, script: Callable[[RawPeer], None], error: type, code: Optional[int] = None, **connect: Any) -> Any:
        closes: List[Any] = []

        def run(p: RawPeer) -> None:
            script(p)
            if code is not None:
                closes.append(p.read_frame())

        peer = RawPeer(run)
        try:
            with self.assertRaises(error) as caught:
                ws = WebSocket.connect(peer.url, **connect)
                ws.recv()
        finally:
            peer.join()
        if code is not None:
            self.assertEqual(closes[0][1], 0x8)
            self.assertEqual(int.from_bytes(closes[0][2][:2], "big"), code, closes[0][2])
            self.assertEqual(caught.exception.code, code)
        return caught.exception

    def test_a_wrong_accept_key_is_refused(self) -> None:
        self._refused(lambda p: p.handshake(accept="AAAAAAAAAAAAAAAAAAAAAAAAAAA="), HandshakeError)

    def test_an_extension_we_did_not_offer_is_refused(self) -> None:
        self._refused(lambda p: p.handshake(extra="Sec-WebSocket-Extensions: permessage-deflate\r\n"), HandshakeError)

    def test_a_subprotocol_we_did_not_offer_is_refused(self) -> None:
        self._refused(lambda p: p.handshake(extra="Sec-WebSocket-Protocol: evil\r\n"), HandshakeError, subprotocols=["gymwire"])

    def test_an_http_401_is_a_handshake_error_with_its_status_and_unauthorized_for_a_connection(self) -> None:
        e = self._refused(lambda p: p.handshake(status="401 Unauthorized"), HandshakeError)
        self.assertEqual((e.status, e.body), (401, b"nope!"))
        e = self._refused(lambda p: p.handshake(status="403 Forbidden", body_later=True), HandshakeError)
        self.assertEqual((e.status, e.body), (403, b"nope!"), "the body's later segment is read too")
        peer = RawPeer(lambda p: p.handshake(status="401 Unauthorized"))
        with self.assertRaises(UnauthorizedError):
            Connection(peer.url, reconnect=False)
        peer.join()

    def test_a_masked_server_frame_fails_the_connection_with_1002(self) -> None:
        self._refused(lambda p: (p.handshake(), p.send_frame(0x2, b"hi", masked=True)), ProtocolError, 1002)

    def test_rsv_bits_fail_the_connection_with_1002(self) -> None:
        self._refused(lambda p: (p.handshake(), p.send_frame(0x2, b"hi", rsv=0x40)), ProtocolError, 1002)

    def test_a_continuation_without_a_message_fails_with_1002(self) -> None:
        self._refused(lambda p: (p.handshake(), p.send_frame(0x0, b"hi")), ProtocolError, 1002)

    def test_a_fragmented_control_frame_fails_with_1002(self) -> None:
        self._refused(lambda p: (p.handshake(), p.send_frame(0x9, b"hi", fin=False)), ProtocolError, 1002)

    def test_text_that_is_not_utf8_fails_with_1007(self) -> None:
        self._refused(lambda p: (p.handshake(), p.send_frame(0x1, b"\xff\xfe")), ProtocolError, 1007)

    def test_a_message_over_the_limit_fails_with_1009(self) -> None:
        for size in (100, 300):  # both header lengths

            def script(p: RawPeer) -> None:
                p.handshake()
                time.sleep(0.05)  # the frame comes in a read of its own (the client's fast path)
                p.send_frame(0x2, b"x" * size)

            self._refused(script, ProtocolError, 1009, max_message_bytes=size - 1)

    def test_a_frame_header_claiming_a_terabyte_fails_with_1009_before_any_allocation(self) -> None:
        self._refused(lambda p: (p.handshake(), p.conn.sendall(b"\x82\x7f" + (1 << 40).to_bytes(8, "big"))), ProtocolError, 1009)

    def test_fragments_adding_up_over_the_limit_fail_with_1009(self) -> None:
        def script(p: RawPeer) -> None:
            p.handshake()
            p.send_frame(0x2, b"x" * 150, fin=False)
            p.send_frame(0x0, b"x" * 150)

        self._refused(script, ProtocolError, 1009, max_message_bytes=200)

    def test_a_socket_that_ends_without_a_close_frame_is_closed_1006(self) -> None:
        e = self._refused(lambda p: (p.handshake(), p.conn.shutdown(socket.SHUT_RDWR)), ConnectionClosed)
        self.assertEqual(e.code, 1006)

    def test_a_socket_that_ends_inside_a_frame_is_closed_1006(self) -> None:
        def script(p: RawPeer) -> None:
            p.handshake()
            p.conn.sendall(b"\x82")
            time.sleep(0.05)
            p.conn.shutdown(socket.SHUT_RDWR)

        e = self._refused(script, ConnectionClosed)
        self.assertEqual(e.code, 1006)

    def test_a_server_that_never_answers_times_out_as_connection_lost(self) -> None:
        done = threading.Event()

        def silent(p: RawPeer) -> None:
            p.handshake()
            done.wait(5)

        peer = RawPeer(silent)
        with self.assertRaises(ConnectionLostError) as caught:
            Connection(peer.url, timeout=0.3, reconnect=False)
        done.set()
        peer.join()
        self.assertIn("within 0.3 s", caught.exception.message)


class OverTls(unittest.TestCase):
    """wss:// to the Node server (python.test.ts starts it with a self-signed certificate)."""

    def test_trusting_the_certificate_connects_and_the_default_context_refuses_it(self) -> None:
        url = support.url("GYMWIRE_TEST_TLS_URL")
        cert = support.url("GYMWIRE_TEST_TLS_CERT")
        with Connection(url, ssl_context=ssl.create_default_context(cafile=cert)) as c:
            self.assertIn("Pendulum-v1", [e["id"] for e in c.list_envs()])
            self.assertTrue(c.hello["protocol_version"].startswith("1."))
        with self.assertRaises(ConnectionLostError) as caught:
            Connection(url, reconnect=False)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
