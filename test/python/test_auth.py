"""Tokens (PROTOCOL.md section 8): the client presents one to the Node server (token= or
GYMWIRE_TOKEN), and the Python server (serve/EnvServer token=) checks it at the upgrade, in the
header or the browser's sub-protocol form, answering 401 without it."""
from __future__ import annotations

import os
import unittest
from typing import Any

import support
from support import ThreadedServer

from gymwire import Connection, EnvServer, RemoteEnv, UnauthorizedError
from gymwire.spaces import Box, Discrete
from gymwire.websocket import HandshakeError, WebSocket


class Coin:
    def __init__(self) -> None:
        self.observation_space = Box(0.0, 1.0, (1,), "float32")
        self.action_space = Discrete(2)

    def reset(self, seed: Any = None, options: Any = None) -> Any:
        return [0.0], {}

    def step(self, action: Any) -> Any:
        return [float(action)], 1.0, False, False, {}


class ClientToNodeServer(unittest.TestCase):
    def setUp(self) -> None:
        self.url = support.url("GYMWIRE_TEST_TOKEN_URL")
        self.token = support.url("GYMWIRE_TEST_TOKEN")
        self.saved = os.environ.pop("GYMWIRE_TOKEN", None)

    def tearDown(self) -> None:
        os.environ.pop("GYMWIRE_TOKEN", None)
        if self.saved is not None:
            os.environ["GYMWIRE_TOKEN"] = self.saved

    def test_missing_or_wrong_token_is_unauthorized(self) -> None:
        with self.assertRaisesRegex(UnauthorizedError, "needs a token"):
            Connection(self.url)
        with self.assertRaisesRegex(UnauthorizedError, "wrong token"):
            Connection(self.url, token=self.token + "x")

    def test_token_argument_and_environment_variable(self) -> None:
        env = RemoteEnv(self.url, "Pendulum-v1", token=self.token)
        self.assertEqual(env.reset(seed=0)[0].shape, (3,))
        env.close()
        os.environ["GYMWIRE_TOKEN"] = self.token
        env = RemoteEnv(self.url, "CartPole-v1")
        env.reset(seed=1)
        self.assertEqual(len(env.step(0)), 5)
        env.close()


class PythonServerWithToken(unittest.TestCase):
    TOKEN = "py-S3cret_token.1"

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ThreadedServer({"Coin-v0": Coin}, token=cls.TOKEN)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def test_header_token(self) -> None:
        with Connection(self.server.url, token=self.TOKEN) as c:
            env = RemoteEnv(c, "Coin-v0")
            env.reset()
            self.assertEqual(env.step(1)[1], 1.0)
        for bad in (None, "wrong"):
            with self.assertRaises(UnauthorizedError):
                Connection(self.server.url, token=bad, reconnect=False)

    def test_401_names_the_scheme(self) -> None:
        with self.assertRaises(HandshakeError) as caught:
            WebSocket.connect(self.server.url)
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(caught.exception.headers.get("www-authenticate"), "Bearer")

    def test_browser_subprotocol_token(self) -> None:
        ws = WebSocket.connect(self.server.url, subprotocols=["gymwire", f"gymwire.token.{self.TOKEN}"])
        self.assertEqual(ws.subprotocol, "gymwire", "the token is not echoed when gymwire is offered")
        ws.close()
        ws = WebSocket.connect(self.server.url, subprotocols=[f"gymwire.token.{self.TOKEN}"])
        self.assertEqual(ws.subprotocol, f"gymwire.token.{self.TOKEN}")
        ws.close()
        with self.assertRaises(HandshakeError):
            WebSocket.connect(self.server.url, subprotocols=["gymwire", "gymwire.token.nope"])

    def test_tokens_must_fit_a_subprotocol_and_be_long_enough(self) -> None:
        for bad in ("", "has space", "comma,separated", "ünïcode", "fifteen-chars-x"):
            with self.assertRaises(ValueError):
                EnvServer({"Coin-v0": Coin}, token=bad)


class PythonServerWithoutToken(unittest.TestCase):
    def test_gymwire_subprotocol_is_selected_when_offered(self) -> None:
        server = ThreadedServer({"Coin-v0": Coin})
        try:
            ws = WebSocket.connect(server.url, subprotocols=["gymwire"])
            self.assertEqual(ws.subprotocol, "gymwire")
            ws.close()
            ws = WebSocket.connect(server.url)
            self.assertIsNone(ws.subprotocol)
            ws.close()
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
