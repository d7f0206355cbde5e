"""Dropped connections (PROTOCOL.md section 8, as the TypeScript client): the call that saw the drop
raises ConnectionLostError, step() keeps raising it, reset() re-opens the connection with backoff
and re-makes the env; a server that stays away or refuses the token ends the connection for good."""
from __future__ import annotations

import threading
import unittest
from unittest import mock
from typing import Any, Optional

from support import ThreadedServer

from gymwire import ConnectionLostError, Reconnect, RemoteEnv, UnauthorizedError
from gymwire.connection import Connection, backoff_delay
from gymwire.spaces import Box

FAST = Reconnect(attempts=3, base_delay=0.05, max_delay=0.1)


class WalkEnv:
    """obs = position; reset(seed=s) starts at s, each step adds the action."""

    def __init__(self) -> None:
        self.observation_space = Box(-1e6, 1e6, (1,), "float64")
        self.action_space = Box(-1.0, 1.0, (1,), "float64")
        self.x = 0.0

    def reset(self, seed: Optional[int] = None, options: Any = None) -> Any:
        if seed is not None:
            self.x = float(seed)
        return [self.x], {}

    def step(self, action: Any) -> Any:
        self.x += float(action[0])
        return [self.x], 1.0, False, False, {}


def position(obs: Any) -> float:
    return float(obs[0])


class Backoff(unittest.TestCase):
    def test_delays_double_up_to_the_cap_with_at_most_25_percent_jitter(self) -> None:
        opts = Reconnect(attempts=6, base_delay=0.25, max_delay=8.0)
        want = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
        self.assertEqual([backoff_delay(k, opts, lambda: 1.0) for k in range(7)], want)
        self.assertEqual([backoff_delay(k, opts, lambda: 0.0) for k in range(7)], [0.75 * d for d in want])


class Reconnecting(unittest.TestCase):
    def setUp(self) -> None:
        self.server = ThreadedServer({"Walk-v0": WalkEnv})

    def tearDown(self) -> None:
        self.server.close()

    def env(self, reconnect: Any = FAST, **connect: Any) -> RemoteEnv:
        env = RemoteEnv(self.server.url, "Walk-v0", connect={"reconnect": reconnect, **connect})
        self.addCleanup(env.close)
        return env

    def lost(self, run: Any) -> ConnectionLostError:
        with self.assertRaises(ConnectionLostError) as caught:
            run()
        return caught.exception

    def test_a_restart_interrupts_the_episode_and_reset_remakes_the_env(self) -> None:
        env = self.env(Reconnect(attempts=20, base_delay=0.05, max_delay=0.2))
        env.reset(seed=3)
        self.assertEqual(position(env.step([0.5])[0]), 3.5)
        self.server.stop()
        e = self.lost(lambda: env.step([0.5]))
        self.assertEqual(e.details, {"interrupted": True, "reconnecting": True})
        e = self.lost(lambda: env.step([0.5]))  # no reconnect attempt from step()
        self.assertTrue(e.details["interrupted"])
        self.assertTrue(env.connection.dropped)
        self.server.start()
        obs, _ = env.reset(seed=7)
        self.assertEqual(position(obs), 7.0)
        self.assertEqual(env.connection.generation, 1)
        self.assertEqual(position(env.step([-1.0])[0]), 6.0)

    def test_reset_waits_out_a_short_outage(self) -> None:
        env = self.env(Reconnect(attempts=10, base_delay=0.1, max_delay=0.2))
        env.reset(seed=0)
        self.server.stop()
        self.lost(lambda: env.step([0.0]))
        timer = threading.Timer(0.4, self.server.start)
        timer.start()
        obs, _ = env.reset(seed=2)
        timer.join()
        self.assertEqual(position(obs), 2.0)

    def test_a_server_that_stays_away_ends_the_connection_for_good(self) -> None:
        env = self.env()
        env.reset()
        self.server.stop()
        self.lost(lambda: env.step([0.0]))
        e = self.lost(lambda: env.reset())
        self.assertEqual(e.details["reconnecting"], False)
        self.assertTrue(env.connection.closed)
        with mock.patch.object(Connection, "_open", autospec=True, side_effect=Connection._open) as opened:
            self.lost(lambda: env.reset())
        self.assertEqual(opened.call_count, 0, "closed for good: no more tries")
        self.server.start()

    def test_reconnect_false_gives_up_at_the_first_drop(self) -> None:
        env = self.env(False)
        env.reset()
        self.server.stop()
        e = self.lost(lambda: env.step([0.0]))
        self.assertEqual(e.details, {"interrupted": True, "reconnecting": False})
        self.assertTrue(env.connection.closed)
        self.server.start()
        self.lost(lambda: env.reset())

    def test_a_refused_token_is_not_retried(self) -> None:
        self.server.stop()
        self.server.start(token="first-token-0123456789")
        env = self.env(Reconnect(attempts=6, base_delay=0.2, max_delay=2.0), token="first-token-0123456789")
        env.reset()
        self.server.stop()
        self.lost(lambda: env.step([0.0]))
        self.server.start(token="second-token-0123456789")
        with mock.patch.object(Connection, "_open", autospec=True, side_effect=Connection._open) as opened:
            with self.assertRaises(UnauthorizedError):
                env.reset()
        self.assertEqual(opened.call_count, 1, "a refused token is not tried again")
        self.assertTrue(env.connection.closed)


class VectorReconnecting(unittest.TestCase):
    def test_a_vector_env_is_remade_by_reset(self) -> None:
        try:
            from gymwire import RemoteVectorEnv
        except ImportError:
            raise unittest.SkipTest("RemoteVectorEnv needs gymnasium")
        server = ThreadedServer({"Walk-v0": WalkEnv})
        try:
            envs = RemoteVectorEnv(server.url, "Walk-v0", num_envs=3, connect={"reconnect": Reconnect(attempts=20, base_delay=0.05)})
            obs, _ = envs.reset(seed=10)
            self.assertEqual(obs[:, 0].tolist(), [10.0, 11.0, 12.0])
            server.stop()
            with self.assertRaises(ConnectionLostError):
                envs.step([[0.0]] * 3)
            with self.assertRaises(ConnectionLostError):
                envs.step([[0.0]] * 3)
            server.start()
            obs, _ = envs.reset(seed=20)
            self.assertEqual(obs[:, 0].tolist(), [20.0, 21.0, 22.0])
            self.assertEqual(envs.step([[1.0], [2.0], [3.0]])[0][:, 0].tolist(), [21.0, 23.0, 25.0])
            envs.close()
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
