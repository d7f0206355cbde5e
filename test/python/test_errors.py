"""Every protocol error code has its GymwireError subclass, and each is what a client gets when a
server answers with that code: the Node server (python.test.ts) and a Python server in a thread."""
from __future__ import annotations

import pickle
import unittest
from typing import Any, Callable

import numpy as np
import support
from support import ThreadedServer

import gymwire
from gymwire import Connection, RemoteEnv, errors
from gymwire.errors import ERROR_CLASSES, ERROR_CODES, GymwireError, error_for, error_from_body
from gymwire.spaces import Box
from gymwire.websocket import WebSocket
from gymwire import wire

# The codes of protocol/schema/errors.ts, in its order.
PROTOCOL_CODES = [
    "bad_request",
    "version_mismatch",
    "not_ready",
    "unknown_env",
    "invalid_kwargs",
    "unknown_handle",
    "invalid_action",
    "reset_needed",
    "env_broken",
    "limit_exceeded",
    "unauthorized",
    "unsupported",
    "internal",
    "connection_lost",
]


class ExplodingEnv:
    """Steps fine once, then raises: the server must answer internal, then env_broken."""

    def __init__(self) -> None:
        self.observation_space = Box(-1.0, 1.0, (1,), "float32")
        self.action_space = Box(-1.0, 1.0, (1,), "float32")
        self.steps = 0

    def reset(self, seed: Any = None, options: Any = None) -> Any:
        return [0.0], {}

    def step(self, action: Any) -> Any:
        self.steps += 1
        if self.steps > 1:
            raise RuntimeError("boom")
        return [0.0], 0.0, False, False, {}


class Classes(unittest.TestCase):
    def test_one_subclass_per_protocol_code(self) -> None:
        self.assertEqual(sorted(ERROR_CODES), sorted(PROTOCOL_CODES))
        names = set()
        for code in PROTOCOL_CODES:
            e = error_for(code, "why", {"k": 1})
            self.assertIs(type(e), ERROR_CLASSES[code])
            self.assertIsInstance(e, GymwireError)
            self.assertEqual((e.code, e.message, e.details), (code, "why", {"k": 1}))
            self.assertIs(getattr(gymwire, type(e).__name__), type(e), "exported from gymwire")
            names.add(type(e).__name__)
        self.assertEqual(len(names), len(PROTOCOL_CODES))

    def test_an_unknown_code_is_an_internal_error_that_keeps_the_code(self) -> None:
        e = error_from_body({"code": "brand_new_code", "message": "from a newer server"})
        self.assertIsInstance(e, errors.InternalError)
        self.assertEqual(e.code, "brand_new_code")
        self.assertIn("brand_new_code", str(e))

    def test_errors_pickle_with_their_class(self) -> None:
        # AsyncVectorEnv sends a worker's exception to the parent process.
        for sent, cls in (
            (errors.InvalidActionError("bad", {"path": "action"}), errors.InvalidActionError),
            (GymwireError("invalid_action", "bad", {"path": "action"}), errors.InvalidActionError),
        ):
            e = pickle.loads(pickle.dumps(sent))
            self.assertIs(type(e), cls)
            self.assertEqual((e.code, e.message, e.details), ("invalid_action", "bad", {"path": "action"}))


class FromTheNodeServer(unittest.TestCase):
    def setUp(self) -> None:
        self.url = support.url()

    def assertCode(self, cls: type, run: Callable[[], Any]) -> GymwireError:
        with self.assertRaises(cls) as caught:
            run()
        self.assertEqual(caught.exception.code, cls.code)
        return caught.exception

    def test_the_codes_a_client_can_provoke(self) -> None:
        with Connection(self.url) as c:
            self.assertCode(errors.UnknownEnvError, lambda: RemoteEnv(c, "NoSuchEnv-v0"))
            self.assertCode(errors.InvalidKwargsError, lambda: RemoteEnv(c, "Pendulum-v1", gravity=3))
            env = RemoteEnv(c, "Pendulum-v1")
            self.assertCode(errors.ResetNeededError, lambda: env.step([0.0]))
            env.reset(seed=0)
            e = self.assertCode(errors.InvalidActionError, lambda: env.step([float("nan")]))
            self.assertEqual(e.details["path"], "action")
            self.assertCode(errors.InvalidActionError, lambda: env.step([0.1, 0.2]))
            self.assertCode(errors.BadRequestError, lambda: c.request("reset", handle=env.handle, seed=[1, 2]))
            cart = RemoteEnv(c, "CartPole-v1")
            cart.reset(seed=0)
            self.assertCode(errors.InvalidActionError, lambda: cart.step(1.0))  # Gymnasium's Discrete refuses floats too
            self.assertCode(errors.InvalidActionError, lambda: cart.step(2))
            self.assertEqual(len(cart.step(np.int64(1))), 5)
            self.assertEqual(len(cart.step(np.array(0))), 5)
            self.assertCode(errors.UnsupportedError, lambda: c.request("no_such_op"))
            env.close()
            self.assertCode(errors.UnknownHandleError, lambda: c.request("close", handle=env.handle))
            self.assertCode(errors.UnsupportedError, lambda: RemoteEnv(c, "CartPole-v1", render_mode="human"))

    def test_not_ready_and_version_mismatch(self) -> None:
        ws = WebSocket.connect(self.url)
        try:
            ws.send(wire.pack({"id": 1, "op": "list_envs"}))
            self.assertIsInstance(error_from_body(wire.unpack(ws.recv())["error"]), errors.NotReadyError)
            ws.send(wire.pack({"id": 2, "op": "hello", "protocol_version": "9.0", "client_name": "t", "client_version": "0"}))
            e = error_from_body(wire.unpack(ws.recv())["error"])
            self.assertIsInstance(e, errors.VersionMismatchError)
            self.assertEqual(e.details["server_protocol_version"].split(".")[0], "1")
        finally:
            ws.close()
        original = gymwire.connection.PROTOCOL_VERSION
        gymwire.connection.PROTOCOL_VERSION = "2.0"
        try:
            self.assertCode(errors.VersionMismatchError, lambda: Connection(self.url))
        finally:
            gymwire.connection.PROTOCOL_VERSION = original

    def test_unauthorized_and_connection_lost(self) -> None:
        token_url = support.url("GYMWIRE_TEST_TOKEN_URL")
        self.assertCode(errors.UnauthorizedError, lambda: Connection(token_url, token="wrong"))
        self.assertCode(errors.ConnectionLostError, lambda: Connection(f"ws://127.0.0.1:{support.free_port()}", reconnect=False))


class FromABrokenServer(unittest.TestCase):
    """A server that answers hello and make properly, then a step result missing its fields:
    the client raises InternalError, not a KeyError from its own innards."""

    def test_a_malformed_result_is_an_internal_error(self) -> None:
        from test_websocket import WebsocketsPeer

        box = {"type": "Box", "shape": [1], "dtype": "float32", "low": [-1.0], "high": [1.0]}
        obs = {"dtype": "float32", "shape": [1], "data": b"\0\0\0\0"}
        results = {
            "hello": {
                "protocol_version": "1.1",
                "server_name": "broken",
                "server_version": "0",
                "limits": {"max_payload_bytes": 1 << 20, "max_envs": 4},
            },
            "list_envs": {"envs": []},
            "make": {
                "handle": 1,
                "observation_space": box,
                "action_space": box,
                "num_envs": 1,
                "spec": {"id": "Broken-v0", "max_episode_steps": None, "reward_threshold": None, "nondeterministic": False, "kwargs": {}},
            },
            "reset": {"obs": obs},  # no info
            "step": {"obs": obs, "reward": None, "terminated": False, "truncated": False, "info": {}},
        }

        async def serve(ws: Any) -> None:
            async for frame in ws:
                msg = wire.unpack(frame)
                await ws.send(wire.pack({"id": msg["id"], "result": results[msg["op"]]}))

        peer = WebsocketsPeer(serve)
        try:
            env = RemoteEnv(peer.url, "Broken-v0")
            with self.assertRaisesRegex(errors.InternalError, "reset with a malformed result"):
                env.reset()
            with self.assertRaisesRegex(errors.InternalError, "step with a malformed result"):
                env.step([0.0])
            env.close()
        finally:
            peer.close()


class FromAPythonServer(unittest.TestCase):
    def test_internal_then_env_broken_and_limit_exceeded(self) -> None:
        server = ThreadedServer({"Exploding-v0": ExplodingEnv}, max_envs=1)
        try:
            with Connection(server.url) as c:
                env = RemoteEnv(c, "Exploding-v0")
                env.reset()
                env.step([0.0])
                e = self._raises(errors.InternalError, lambda: env.step([0.0]))
                self.assertIn("boom", e.message)
                self._raises(errors.EnvBrokenError, lambda: env.step([0.0]))
                e = self._raises(errors.LimitExceededError, lambda: RemoteEnv(c, "Exploding-v0"))
                self.assertEqual(e.details, {"max_envs": 1})
        finally:
            server.close()

    def _raises(self, cls: type, run: Callable[[], Any]) -> GymwireError:
        with self.assertRaises(cls) as caught:
            run()
        return caught.exception


if __name__ == "__main__":
    unittest.main()
