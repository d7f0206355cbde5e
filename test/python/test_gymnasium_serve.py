"""``python3 -m gymwire serve``: every classic-control and toy-text id of Gymnasium's registry,
served by one command, replays Gymnasium's own trajectories exactly through RemoteEnv; list_envs
says what Gymnasium says (kwargs from the constructors and the specs, episode limits, reward
thresholds, reset options read from the envs' sources); a space the protocol has no form for
(Text) is refused at make with ``unsupported`` naming it; ``--all`` skips, with the reason, the
ids that cannot be made here."""
from __future__ import annotations

import math
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import warnings
from typing import Any, List

from support import ROOT

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

from gymwire import Connection, InvalidKwargsError, RemoteEnv, UnsupportedError  # noqa: E402
from gymwire.cli import registrations_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = ("gymnasium.envs.classic_control.", "gymnasium.envs.toy_text.")
#: The classic-control and toy-text ids of the registry (read from it, not listed by hand).
IDS = [i for i, s in gym.registry.items() if isinstance(s.entry_point, str) and s.entry_point.startswith(FAMILIES)]
PLUGIN_ID = "gymwire_test_plugin:TextEcho-v0"
RANGES_ID = "gymwire_test_plugin:Banded-v0"


def server_env() -> dict:
    path = [os.path.join(ROOT, "python"), HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), "GYMWIRE_TOKEN": ""}


class ServedProcess:
    """``python3 -m gymwire serve ARGS --port 0``; ``url`` from the line it prints."""

    def __init__(self, args: List[str], timeout: float = 60.0):
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gymwire", "serve", *args, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=server_env(),
            cwd=ROOT,
        )
        lines: "queue.Queue[str]" = queue.Queue()

        def read() -> None:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                lines.put(line)
            lines.put("")  # exited

        threading.Thread(target=read, daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                line = None
            if not line:
                errors = self.errors()
                self.close()
                raise AssertionError(f"no listening line ({'exited' if line == '' else f'not within {timeout} s'}); stderr:\n{errors}")
            m = re.fullmatch(r"gymwire env server listening on (ws://127\.0\.0\.1:(\d+))\n", line)
            if m:
                self.url = m.group(1)
                return

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.stderr.close()


def same(a: Any, b: Any) -> bool:
    """Observations equal exactly: same values, and arrays of the same dtype and shape."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return int(a) == int(b) and float(a) == float(b)


class Served(unittest.TestCase):
    server: ServedProcess

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ServedProcess([*IDS, PLUGIN_ID, RANGES_ID])
        with Connection(cls.server.url) as c:
            cls.listed = {e["id"]: e for e in c.list_envs()}

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def test_ids_are_the_registrys(self) -> None:
        for expected in ("CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCarContinuous-v0", "FrozenLake-v1", "FrozenLake8x8-v1"):
            self.assertIn(expected, IDS)
        for expected in ("Taxi-v4", "CliffWalking-v1", "CliffWalkingSlippery-v1", "Blackjack-v1"):
            self.assertIn(expected, IDS)
        # Every id is listed, and the plugin's Banded; TextEcho (a Text observation) cannot be described, so it is not.
        self.assertEqual(sorted(self.listed), sorted([*IDS, "Banded-v0"]))

    def replay(self, env_id: str, seed: int, steps: int, **kwargs: Any) -> int:
        """Steps Gymnasium's env and the served one with the same seed and actions; returns episodes ended."""
        local = gym.make(env_id, **kwargs)
        remote = RemoteEnv(self.server.url, env_id, **kwargs)
        try:
            actions = local.action_space
            actions.seed(seed)
            where = f"{env_id} {kwargs} seed {seed}"
            o1, _ = local.reset(seed=seed)
            o2, _ = remote.reset(seed=seed)
            self.assertTrue(same(o1, o2), f"{where}: reset obs {o1!r} vs {o2!r}")
            ended = 0
            for t in range(steps):
                a = actions.sample()
                r1 = local.step(a)
                r2 = remote.step(a)
                self.assertTrue(same(r1[0], r2[0]), f"{where}, step {t}: obs {r1[0]!r} vs {r2[0]!r}")
                self.assertEqual(r1[1:4], r2[1:4], f"{where}, step {t}: reward, terminated, truncated")
                self.assertIs(type(r2[1]), float)
                if r1[2] or r1[3]:
                    ended += 1
                    # The next episode unseeded: both generators continue their streams.
                    o1, _ = local.reset()
                    o2, _ = remote.reset()
                    self.assertTrue(same(o1, o2), f"{where}: reset obs after episode {ended}")
            return ended
        finally:
            local.close()
            remote.close()

    def test_every_id_replays_gymnasiums_trajectories(self) -> None:
        for env_id in IDS:
            limit = gym.spec(env_id).max_episode_steps
            for seed in (0, 7):
                with self.subTest(env_id=env_id, seed=seed):
                    # Past the TimeLimit, so random play ends an episode by termination or truncation
                    # (CliffWalking has no limit, and random play rarely reaches its goal).
                    ended = self.replay(env_id, seed, limit + 50 if limit else 300)
                    if limit:
                        self.assertGreaterEqual(ended, 1, f"{env_id}: no episode ended")

    def test_kwargs_replay_too(self) -> None:
        self.replay("CartPole-v1", 3, 300, sutton_barto_reward=True)
        self.replay("Pendulum-v1", 3, 210, g=9.81)
        self.replay("FrozenLake-v1", 3, 300, map_name="8x8", is_slippery=False)
        self.replay("Taxi-v4", 3, 250, is_rainy=True)
        self.replay("Blackjack-v1", 3, 100, natural=True)

    def test_list_envs_reads_gymnasium(self) -> None:
        for env_id in IDS:
            spec = gym.spec(env_id)
            info = self.listed[env_id]
            self.assertEqual(info["max_episode_steps"], spec.max_episode_steps, env_id)
            self.assertEqual(info["reward_threshold"], spec.reward_threshold, env_id)
            self.assertEqual(info["nondeterministic"], spec.nondeterministic, env_id)
            self.assertNotIn("render_mode", info["kwargs"], env_id)
        kinds = {i: {k: (s["type"], s["default"]) for k, s in self.listed[i]["kwargs"].items()} for i in IDS}
        self.assertEqual(kinds["CartPole-v1"], {"sutton_barto_reward": ("boolean", False)})
        self.assertEqual(kinds["Pendulum-v1"], {"g": ("number", 10.0)})
        self.assertEqual(kinds["Acrobot-v1"], {})
        # An unannotated integer default (goal_velocity=0) is read as a number.
        self.assertEqual(kinds["MountainCar-v0"], {"goal_velocity": ("number", 0)})
        # The registered kwargs are the defaults: FrozenLake8x8's map, Blackjack's sab.
        self.assertEqual(kinds["FrozenLake-v1"]["map_name"], ("string", "4x4"))
        self.assertEqual(kinds["FrozenLake8x8-v1"]["map_name"], ("string", "8x8"))
        self.assertEqual(kinds["FrozenLake-v1"]["is_slippery"], ("boolean", True))
        self.assertEqual(kinds["Blackjack-v1"], {"natural": ("boolean", False), "sab": ("boolean", True)})
        self.assertEqual(kinds["CliffWalkingSlippery-v1"], {"is_slippery": ("boolean", True)})
        self.assertEqual(kinds["Taxi-v4"]["rainy_probability"], ("number", 0.8))
        # desc (list[str] | None) and reward_schedule (a tuple) have no KwargSpec: left out, and said so.
        for name in ("desc", "reward_schedule"):
            self.assertNotIn(name, kinds["FrozenLake-v1"])
            self.assertIn(f"FrozenLake-v1: kwarg {name} left out", self.server.errors())
        # Reset options, read from the envs' reset sources (classic control's bounds helper included).
        options = {i: {k: (s["type"], s["default"]) for k, s in self.listed[i]["reset_options"].items()} for i in IDS}
        self.assertEqual(options["CartPole-v1"], {"low": ("number", -0.05), "high": ("number", 0.05)})
        self.assertEqual(options["MountainCar-v0"], {"low": ("number", -0.6), "high": ("number", -0.4)})
        self.assertEqual(options["Acrobot-v1"], {"low": ("number", -0.1), "high": ("number", 0.1)})
        self.assertEqual(options["Pendulum-v1"], {"x_init": ("number", math.pi), "y_init": ("number", 1.0)})
        for toy in ("FrozenLake-v1", "Taxi-v4", "CliffWalking-v1", "Blackjack-v1"):
            self.assertEqual(options[toy], {})
        # Blackjack's Tuple observation goes on the wire as one.
        self.assertEqual([s["n"] for s in self.listed["Blackjack-v1"]["observation_space"]["spaces"]], [32, 11, 2])

    def test_reset_options_reach_the_env(self) -> None:
        remote = RemoteEnv(self.server.url, "Pendulum-v1")
        local = gym.make("Pendulum-v1")
        try:
            o1, _ = local.reset(seed=1, options={"x_init": 0.5, "y_init": 0.25})
            o2, _ = remote.reset(seed=1, options={"x_init": 0.5, "y_init": 0.25})
            self.assertTrue(same(o1, o2))
        finally:
            remote.close()
            local.close()

    def test_kwargs_are_checked(self) -> None:
        with self.assertRaises(InvalidKwargsError) as caught:
            RemoteEnv(self.server.url, "FrozenLake-v1", desc="SFHG")
        self.assertIn("does not accept kwarg", caught.exception.message)
        with self.assertRaises(InvalidKwargsError):
            RemoteEnv(self.server.url, "Pendulum-v1", g="strong")

    def test_tuple_kwargs_are_range_kwargs(self) -> None:
        kinds = {k: (s["type"], s["default"]) for k, s in self.listed["Banded-v0"]["kwargs"].items()}
        self.assertEqual(kinds, {"band": ("range", (0.7, math.inf)), "legacy": ("range", (-1.0, 1.0))})
        env = RemoteEnv(self.server.url, "Banded-v0", band=(0.25, math.inf), legacy=[-3, 2])
        try:
            self.assertEqual(env.reset(seed=0)[0].tolist(), [0.25, -3.0])
            self.assertEqual(env.spec.kwargs, {"band": (0.25, math.inf), "legacy": (-3.0, 2.0)})
        finally:
            env.close()
        with self.assertRaises(InvalidKwargsError) as caught:
            RemoteEnv(self.server.url, "Banded-v0", band=(1.0, 0.5))
        self.assertIn("must have low <= high", caught.exception.message)

    def test_an_unsupported_space_is_refused_at_make(self) -> None:
        with Connection(self.server.url) as c:
            with self.assertRaises(UnsupportedError) as caught:
                c.request("make", env_id="TextEcho-v0")
        self.assertIn("the observation space Text(", caught.exception.message)
        self.assertEqual(caught.exception.details, {"space": "observation"})
        self.assertIn("TextEcho-v0: served, but make answers unsupported", self.server.errors())
        # The server carries on.
        with Connection(self.server.url) as c:
            self.assertIn("handle", c.request("make", env_id="CartPole-v1"))


class Commands(unittest.TestCase):
    def run_gymwire(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "gymwire", *args], capture_output=True, text=True, env=server_env(), cwd=ROOT, timeout=60
        )

    def test_help_lists_serve(self) -> None:
        r = self.run_gymwire("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\n  serve ")
        r = self.run_gymwire("serve", "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for flag in ("--all", "--host", "--port", "--token", "--max-payload", "--max-envs", "--max-num-envs", "--idle-timeout"):
            self.assertIn(flag, r.stdout)

    def test_an_id_that_cannot_be_served_fails_the_command(self) -> None:
        r = self.run_gymwire("serve", "NoSuchEnv-v0", "--port", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot serve NoSuchEnv-v0: not in Gymnasium's registry", r.stderr)
        self.assertNotIn("listening", r.stdout)
        r = self.run_gymwire("serve", "no_such_module:Thing-v0", "--port", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no_such_module", r.stderr)

    def test_all_skips_what_cannot_be_served_with_the_reason(self) -> None:
        import gymwire_test_plugin  # noqa: F401 - registers TextEcho-v0

        said: List[str] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Gymnasium's deprecation warnings for the old versions
            regs = registrations_for([], all_ids=True, render=False, say=said.append)
        served = [r.id for r in regs or []]
        for env_id in IDS:
            self.assertIn(env_id, served)
        self.assertNotIn("TextEcho-v0", served)
        self.assertTrue(any(re.match(r"skipped TextEcho-v0: its observation space Text\(.*has no gymwire form", s) for s in said), said)
        # Every id of the registry is served or skipped, each skip with a reason.
        skipped = {s.split(":")[0][len("skipped ") :] for s in said if s.startswith("skipped ")}
        self.assertEqual(set(served) | skipped, set(gym.registry), said)
        try:
            import Box2D  # noqa: F401
        except ImportError:
            self.assertIn("LunarLander-v3", skipped)
            self.assertTrue(any(s.startswith("skipped LunarLander-v3: cannot be made here: DependencyNotInstalled: Box2D") for s in said))
        try:
            import mujoco  # noqa: F401
        except ImportError:
            self.assertTrue(any(s.startswith("skipped Hopper-v5: cannot be made here: DependencyNotInstalled: MuJoCo") for s in said))


if __name__ == "__main__":
    unittest.main()
