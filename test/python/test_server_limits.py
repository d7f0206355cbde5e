"""The Python server's connection-level limits and upgrade checks, as the Node server's
(PROTOCOL.md section 8): max_connections and max_connections_per_address (the upgrade, then close
1013 with the reason), hello_timeout (1008), idle_timeout (1001, advertised in hello),
max_env_instances, the server-wide count of env instances that bounds what all connections
together make it hold, and browser origins (HTTP 403 before the token's 401)."""
from __future__ import annotations

import time
import unittest
from typing import Any, Dict, List

import msgpack
import support  # noqa: F401 - puts the package on sys.path
from support import ThreadedServer

from gymwire import EnvServer, wire
from gymwire.server_admission import address_key
from gymwire.server_origin import normalize_origin, origin_refusal, parse_allowed_origins
from gymwire.spaces import Box, Discrete
from gymwire.websocket import ConnectionClosed, HandshakeError, WebSocket


class Tiny:
    def __init__(self) -> None:
        self.observation_space = Box(-1.0, 1.0, (1,), "float32")
        self.action_space = Discrete(2)

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        return [0.0], {}

    def step(self, action: Any) -> Any:
        return [0.0], 0.0, False, False, {}

    def close(self) -> None:
        pass


class Conn:
    def __init__(self, url: str, hello: bool = True) -> None:
        self.ws = WebSocket.connect(url)
        self.ws.sock.settimeout(5)
        self.id = 0
        self.hello = self.call("hello", protocol_version="1.2", client_name="test", client_version="0")["result"] if hello else None

    def call(self, op: str, **fields: Any) -> Dict[str, Any]:
        self.id += 1
        self.ws.send(wire.pack({"id": self.id, "op": op, **fields}))
        return msgpack.unpackb(self.ws.recv(), raw=False)

    def closed_with(self) -> ConnectionClosed:
        """Waits for the server to close the connection; returns its close frame's code and reason."""
        try:
            while True:
                self.ws.recv()
        except ConnectionClosed as e:
            return e

    def close(self) -> None:
        try:
            self.ws.close()
        except OSError:
            pass


class Limits(unittest.TestCase):
    def setUp(self) -> None:
        self.servers: List[ThreadedServer] = []
        self.conns: List[Conn] = []

    def serve(self, **options: Any) -> str:
        server = ThreadedServer({"Tiny-v0": Tiny}, **options)
        self.servers.append(server)
        return server.url

    def connect(self, url: str, hello: bool = True) -> Conn:
        c = Conn(url, hello)
        self.conns.append(c)
        return c

    def tearDown(self) -> None:
        for c in self.conns:
            c.close()
        for s in self.servers:
            s.close()

    def test_one_connection_past_max_connections_is_closed_with_1013_and_its_slot_comes_back(self) -> None:
        url = self.serve(max_connections=2)
        first, _ = self.connect(url), self.connect(url)
        refused = self.connect(url, hello=False).closed_with()
        self.assertEqual((refused.code, refused.reason), (1013, "server busy: max_connections 2 reached, try again later"))
        first.close()
        time.sleep(0.2)
        self.assertIn("result", self.connect(url).call("list_envs"), "the closed connection's slot is free again")

    def test_one_connection_past_max_connections_per_address_is_closed_with_1013(self) -> None:
        url = self.serve(max_connections_per_address=1)
        self.connect(url)
        refused = self.connect(url, hello=False).closed_with()
        self.assertEqual(
            (refused.code, refused.reason),
            (1013, "1 connections from 127.0.0.1 already: max_connections_per_address 1 reached, try again later"),
        )

    def test_a_connection_without_hello_is_closed_with_1008_after_hello_timeout(self) -> None:
        # Timeouts of a second: a loaded machine (CI runs modules side by side) must not make the
        # prompt connection late.
        url = self.serve(hello_timeout=1.0)
        polite = self.connect(url)
        t0 = time.monotonic()
        silent = self.connect(url, hello=False).closed_with()
        self.assertEqual((silent.code, silent.reason), (1008, "no hello within 1 s (hello_timeout)"))
        self.assertGreaterEqual(time.monotonic() - t0, 0.95)
        self.assertIn("result", polite.call("list_envs"), "a connection that said hello is not timed out by it")

    def test_a_silent_connection_is_closed_with_1001_after_idle_timeout_and_a_talking_one_is_not(self) -> None:
        url = self.serve(idle_timeout=1.0)
        talking, silent = self.connect(url), self.connect(url)
        self.assertEqual(talking.hello["limits"]["idle_timeout_ms"], 1000)
        handle = talking.call("make", env_id="Tiny-v0")["result"]["handle"]
        talking.call("reset", handle=handle)
        for _ in range(10):  # 2 s of steps, 0.2 s apart: twice the timeout
            time.sleep(0.2)
            self.assertIn("result", talking.call("step", handle=handle, action=1))
        closed = silent.closed_with()
        self.assertEqual((closed.code, closed.reason), (1001, "idle for 1 s (idle_timeout)"))
        self.assertEqual(self.connect(self.serve(idle_timeout=0)).hello["limits"]["idle_timeout_ms"], 0, "0 = never")

    def test_max_env_instances_counts_every_connection_and_frees_on_close_and_on_disconnect(self) -> None:
        url = self.serve(max_env_instances=3)
        a, b = self.connect(url), self.connect(url)
        vector = a.call("make", env_id="Tiny-v0", num_envs=2)["result"]["handle"]
        refused = b.call("make", env_id="Tiny-v0", num_envs=2)["error"]
        self.assertEqual((refused["code"], refused["details"]), ("limit_exceeded", {"max_env_instances": 3}))
        self.assertEqual(refused["message"], "2 env instances are open on this server; 2 more would pass max_env_instances 3")
        single = b.call("make", env_id="Tiny-v0")["result"]["handle"]
        self.assertEqual(b.call("make", env_id="Tiny-v0")["error"]["code"], "limit_exceeded")
        a.call("close", handle=vector)
        self.assertIn("result", b.call("make", env_id="Tiny-v0", num_envs=2), "close gives the instances back")
        b.call("close", handle=single)
        b.close()
        time.sleep(0.2)
        self.assertIn("result", a.call("make", env_id="Tiny-v0", num_envs=3), "a dropped connection gives its instances back")

    def test_address_keys_group_an_ipv6_64_and_read_mapped_ipv4(self) -> None:
        self.assertEqual(address_key("127.0.0.1"), "127.0.0.1")
        self.assertEqual(address_key("::ffff:10.0.0.7"), "10.0.0.7")
        self.assertEqual(address_key("2001:db8::1"), address_key("2001:db8:0:0:ffff::2"))
        self.assertNotEqual(address_key("2001:db8::1"), address_key("2001:db8:0:1::1"))
        self.assertEqual(address_key(None), "?")

    def test_limits_are_checked_when_the_server_is_made(self) -> None:
        for bad in (
            {"max_connections": 0},
            {"max_env_instances": 1.5},
            {"idle_timeout": -1},
            {"hello_timeout": float("inf")},
            {"max_connections_per_address": True},
        ):
            with self.assertRaises(ValueError, msg=str(bad)):
                EnvServer({"Tiny-v0": Tiny}, **bad)


class Origins(unittest.TestCase):
    def setUp(self) -> None:
        self.servers: List[ThreadedServer] = []

    def tearDown(self) -> None:
        for s in self.servers:
            s.close()

    def serve(self, **options: Any) -> ThreadedServer:
        server = ThreadedServer({"Tiny-v0": Tiny}, **options)
        self.servers.append(server)
        return server

    def upgrade(self, server: ThreadedServer, origin: Any = None, **headers: str) -> int:
        """The upgrade's HTTP status: 101 when the connection opened."""
        try:
            WebSocket.connect(server.url, headers={**({"Origin": origin} if origin else {}), **headers}).close()
            return 101
        except HandshakeError as e:
            self.last_body = e.body
            return e.status

    def test_another_sites_page_is_refused_with_403_and_the_own_origin_or_no_origin_is_not(self) -> None:
        server = self.serve()
        self.assertEqual(self.upgrade(server), 101, "not a browser")
        self.assertEqual(self.upgrade(server, f"http://127.0.0.1:{server.port}"), 101, "a page this server's address serves")
        self.assertEqual(self.upgrade(server, "https://evil.example"), 403)
        self.assertIn(
            b"origin https://evil.example may not connect to this server (browser pages need allowed_origins=['https://evil.example'])",
            self.last_body,
        )
        self.assertEqual(self.upgrade(server, f"http://localhost:{server.port}"), 403, "another origin than the one the request went to")
        self.assertEqual(self.upgrade(server, "null"), 403, "a sandboxed page")

    def test_the_allow_list_and_star_let_pages_in_and_the_origin_is_checked_before_the_token(self) -> None:
        listed = self.serve(allowed_origins=["https://APP.example:443/"])
        self.assertEqual(self.upgrade(listed, "https://app.example"), 101)
        self.assertEqual(self.upgrade(listed, "http://app.example"), 403)
        self.assertEqual(self.upgrade(self.serve(allowed_origins=["*"]), "https://evil.example"), 101)
        guarded = self.serve(token="t0k-0123456789abcdef")
        self.assertEqual(self.upgrade(guarded, "https://evil.example", Authorization="Bearer t0k-0123456789abcdef"), 403)
        self.assertEqual(self.upgrade(guarded, f"http://127.0.0.1:{guarded.port}"), 401)
        self.assertEqual(self.upgrade(guarded, f"http://127.0.0.1:{guarded.port}", Authorization="Bearer t0k-0123456789abcdef"), 101)

    def test_a_dns_name_is_never_its_own_origin_under_rebinding_but_loopback_names_and_ip_literals_are(self) -> None:
        allowed: frozenset = frozenset()
        self.assertIsNotNone(origin_refusal("http://evil.example:8765", "evil.example:8765", allowed))
        for host in ("localhost:8765", "lab.localhost:8765", "127.0.0.1:8765", "[::1]:8765", "192.168.1.20:8765"):
            self.assertIsNone(origin_refusal(f"http://{host}", host, allowed), host)
        self.assertIsNone(origin_refusal("https://127.0.0.1:8765", "127.0.0.1:8765", allowed, secure=True))
        self.assertIsNotNone(origin_refusal("http://127.0.0.1:8765", "127.0.0.1:8765", allowed, secure=True))

    def test_origins_are_compared_as_browsers_write_them(self) -> None:
        self.assertEqual(normalize_origin("HTTP://Example.COM:80"), "http://example.com")
        self.assertEqual(normalize_origin("https://example.com:8443/"), "https://example.com:8443")
        self.assertEqual(normalize_origin("http://[::1]:8080"), "http://[::1]:8080")
        for bad in (
            "null",
            "ftp://example.com",
            "http://example.com/app",
            "http://u:p@example.com",
            "http://example.com?q",
            "http://example.com:99999",
            "",
        ):
            self.assertIsNone(normalize_origin(bad), bad)
        self.assertEqual(parse_allowed_origins(["*", "http://A.example"]), frozenset({"*", "http://a.example"}))
        with self.assertRaisesRegex(ValueError, "is not an origin"):
            parse_allowed_origins(["example.com"])
        with self.assertRaisesRegex(ValueError, "is not an origin"):
            EnvServer({"Tiny-v0": Tiny}, allowed_origins=["http://example.com/path"])


if __name__ == "__main__":
    unittest.main()
