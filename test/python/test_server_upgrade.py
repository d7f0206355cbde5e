"""The Python server's checks before a socket becomes a connection, as the Node server's
(PROTOCOL.md section 8): sockets still in their upgrade capped per address (HTTP 503), the
upgrade within upgrade_timeout (408), one credential per upgrade (400), the failed-token lockout
(429 with Retry-After) and tokens long enough not to be guessed."""
from __future__ import annotations

import socket
import time
import unittest
from typing import Any, List, Tuple

import support  # noqa: F401 - puts the package on sys.path
from support import ThreadedServer
from test_server_limits import Tiny

from gymwire import Connection, EnvServer
from gymwire.errors import GymwireError
from gymwire.server_auth import AUTH_FAILURES_ALLOWED, AuthThrottle
from gymwire.websocket import HandshakeError, WebSocket

TOKEN = "upgrade-test-token-0123"


def read_response(sock: socket.socket, timeout: float = 30.0) -> bytes:
    """Everything the server sends until it closes the socket (a server that never does fails at ``timeout``)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


class Upgrades(unittest.TestCase):
    def setUp(self) -> None:
        self.servers: List[ThreadedServer] = []
        self.sockets: List[socket.socket] = []

    def tearDown(self) -> None:
        for s in self.sockets:
            s.close()
        for server in self.servers:
            server.close()

    def serve(self, **options: Any) -> ThreadedServer:
        server = ThreadedServer({"Tiny-v0": Tiny}, **options)
        self.servers.append(server)
        return server

    def raw(self, server: ThreadedServer) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", server.port))
        self.sockets.append(s)
        return s

    def upgrade(self, server: ThreadedServer, **options: Any) -> Tuple[int, Any]:
        """The upgrade's HTTP status (101 when the connection opened) and the refusal's headers and body."""
        try:
            WebSocket.connect(server.url, **options).close()
            return 101, None
        except HandshakeError as e:
            return e.status, e

    def test_sockets_still_upgrading_are_capped_per_address_with_503_and_the_cap_frees_as_they_go(self) -> None:
        server = self.serve(max_upgrading_per_address=3, upgrade_timeout=30)
        idle = [self.raw(server) for _ in range(3)]
        time.sleep(0.2)
        status, refusal = self.upgrade(server)
        self.assertEqual(status, 503)
        self.assertEqual(refusal.body, b"gymwire: 3 sockets from 127.0.0.1 are already connecting (max_upgrading_per_address 3)\n")
        self.assertEqual(refusal.headers.get("retry-after"), "1")
        idle[0].close()
        time.sleep(0.2)
        self.assertEqual(self.upgrade(server)[0], 101, "a socket that went frees its place")
        self.assertEqual(self.upgrade(server)[0], 101, "an upgraded connection no longer counts")

    def test_a_socket_that_does_not_finish_its_upgrade_gets_408_after_upgrade_timeout(self) -> None:
        server = self.serve(upgrade_timeout=0.5)
        silent, partial = self.raw(server), self.raw(server)
        partial.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for sock in (silent, partial):
            data = read_response(sock)
            self.assertTrue(data.startswith(b"HTTP/1.1 408 "), data[:80])
            self.assertIn(b"gymwire: no complete upgrade request within 0.5 s (upgrade_timeout)\n", data)
        self.assertEqual(self.upgrade(server)[0], 101, "a prompt upgrade is not cut")

    def test_one_credential_per_upgrade(self) -> None:
        server = self.serve(token=TOKEN)
        for options in (
            {"headers": {"Authorization": f"Bearer {TOKEN}"}, "subprotocols": [f"gymwire.token.{TOKEN}"]},
            {"subprotocols": ["gymwire", f"gymwire.token.{TOKEN}", "gymwire.token.guess-0123456789abcdef"]},
        ):
            status, refusal = self.upgrade(server, **options)
            self.assertEqual(status, 400, options)
            self.assertIn(b"one credential per upgrade request", refusal.body)
        self.assertEqual(self.upgrade(server, headers={"Authorization": f"Bearer {TOKEN}"})[0], 101)

    def test_an_address_that_keeps_failing_is_locked_out_with_429_even_with_the_right_token(self) -> None:
        server = self.serve(token=TOKEN)
        for _ in range(AUTH_FAILURES_ALLOWED):
            self.assertEqual(self.upgrade(server, headers={"Authorization": "Bearer guess-0123456789abcdef"})[0], 401)
        status, refusal = self.upgrade(server, headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(status, 429)
        self.assertEqual(refusal.headers.get("retry-after"), "1")
        self.assertIn(b"too many failed logins from 127.0.0.1; try again in 1 s", refusal.body)
        with self.assertRaises(GymwireError) as caught:
            Connection(server.url, token=TOKEN, reconnect=False)
        self.assertEqual(caught.exception.code, "connection_lost", "a lockout passes: not a wrong token")
        self.assertIn(
            "HTTP 429 Too Many Requests (gymwire: too many failed logins from 127.0.0.1; try again in 1 s)",
            str(caught.exception),
            "the client says why",
        )
        time.sleep(1.1)
        self.assertEqual(
            self.upgrade(server, headers={"Authorization": f"Bearer {TOKEN}"})[0], 101, "the lockout ends, and a success clears the address"
        )
        self.assertEqual(self.upgrade(server, headers={"Authorization": "Bearer guess-0123456789abcdef"})[0], 401)

    def test_limits_and_tokens_are_checked_when_the_server_is_made(self) -> None:
        for bad in ({"max_upgrading_per_address": 0}, {"upgrade_timeout": -1}, {"token": "fifteen-chars-x"}):
            with self.assertRaises(ValueError, msg=str(bad)):
                EnvServer({"Tiny-v0": Tiny}, **bad)


class Throttle(unittest.TestCase):
    def test_lockouts_double_up_to_a_minute_and_are_forgotten(self) -> None:
        now = [1000.0]
        throttle = AuthThrottle(now=lambda: now[0], max_entries=2)
        for _ in range(AUTH_FAILURES_ALLOWED - 1):
            throttle.failed("a")
        self.assertEqual(throttle.retry_after("a"), 0.0, "a few failures are allowed")
        waits = []
        for _ in range(8):
            throttle.failed("a")
            waits.append(throttle.retry_after("a"))
        self.assertEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60])
        now[0] += 60
        self.assertEqual(throttle.retry_after("a"), 0.0)
        throttle.failed("a")
        self.assertEqual(throttle.retry_after("a"), 60, "the count is kept while failures keep coming")
        now[0] += 601
        self.assertEqual(throttle.retry_after("a"), 0.0)
        throttle.failed("a")
        self.assertEqual(throttle.retry_after("a"), 0.0, "forgotten ten minutes after the last failure")
        throttle.failed("b")
        throttle.failed("c")
        self.assertEqual(len(throttle), 2, "the oldest address goes first when the table is full")
        throttle.succeeded("b")
        self.assertEqual(len(throttle), 1)


if __name__ == "__main__":
    unittest.main()
