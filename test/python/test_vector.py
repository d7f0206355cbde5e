"""RemoteVectorEnv against Gymnasium's SyncVectorEnv, step by step: batched spaces, next-step
autoreset, int / list / partly-unseeded seeds, reset_mask, infos with their ``_key`` masks,
and sub-envs spread over two servers. Against the Node server (its classic-control envs) and
against a Python server hosting Gymnasium's own envs, where everything must be bit-equal."""
from __future__ import annotations

import unittest
from typing import Any, Dict, List

import support
from support import ThreadedServer

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from gymwire import EnvRegistration, InvalidActionError, RemoteVectorEnv
from gymwire.remote_vector_env import merge_vector_infos, split_evenly


class Chatty(gym.Wrapper):
    """Adds infos of every batching kind, reported by some steps only."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.t = 0

    def reset(self, **kwargs: Any) -> Any:
        self.t = 0
        obs, info = self.env.reset(**kwargs)
        return obs, {**info, "started": True}

    def step(self, action: Any) -> Any:
        self.t += 1
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = dict(info)
        if self.t % 3 == 0:
            info["t"] = float(self.t)
            info["pair"] = np.array([self.t, -self.t], dtype=np.float32)
        if self.t % 4 == 0:
            info["flag"] = self.t % 8 == 0
            info["nested"] = {"half": self.t / 2}
        return obs, reward, terminated, truncated, info


def gymnasium_env(env_id: str, chatty: bool = False) -> Any:
    env = gym.make(env_id, max_episode_steps=-1).unwrapped  # the server adds the TimeLimit itself
    return Chatty(env) if chatty else env


def registrations() -> List[EnvRegistration]:
    out = []
    for env_id in ("CartPole-v1", "Pendulum-v1", "Acrobot-v1", "FrozenLake-v1"):
        spec = gym.spec(env_id)
        out.append(
            EnvRegistration(env_id, lambda env_id=env_id: gymnasium_env(env_id), max_episode_steps=spec.max_episode_steps, kwargs={})
        )
    out.append(EnvRegistration("ChattyCartPole-v1", lambda: gymnasium_env("CartPole-v1", True), max_episode_steps=500, kwargs={}))
    return out


def local_vector(env_id: str, n: int) -> Any:
    if env_id == "ChattyCartPole-v1":
        return gym.vector.SyncVectorEnv([lambda: Chatty(gym.make("CartPole-v1")) for _ in range(n)])
    return gym.vector.SyncVectorEnv([lambda: gym.make(env_id) for _ in range(n)])


def plain_infos(info: Dict[str, Any], numbers: str) -> Any:
    """Infos as comparable values, arrays as (dtype, shape, list). ``numbers``: "exact" compares
    number columns too, "masks" only their shapes (keys and masks are always compared)."""
    out = {}
    for k, v in info.items():
        if isinstance(v, dict):
            out[k] = plain_infos(v, numbers)
        elif isinstance(v, np.ndarray) and v.dtype != bool and v.dtype != object and numbers == "masks":
            out[k] = ("number", v.shape)
        elif isinstance(v, np.ndarray):
            out[k] = (str(v.dtype), v.shape, v.tolist())
        else:
            out[k] = v
    return out


class Compare:
    """Steps a RemoteVectorEnv and a SyncVectorEnv with the same seeds and actions and compares every result."""

    def __init__(
        self, test: unittest.TestCase, remote: Any, local: Any, reward_rtol: float = 0.0, numbers: str = "exact", obs_rtol: float = 0.0
    ):
        self.test, self.remote, self.local = test, remote, local
        self.reward_rtol = reward_rtol
        self.obs_rtol = obs_rtol
        self.numbers = numbers
        test.addCleanup(remote.close)
        test.addCleanup(local.close)

    def same(self, a: Any, b: Any, what: str, rtol: float = 0.0) -> None:
        if rtol:
            np.testing.assert_allclose(a, b, rtol=rtol, err_msg=what)
        else:
            np.testing.assert_array_equal(a, b, what)
        self.test.assertEqual(a.dtype, b.dtype, what)

    def reset(self, **kwargs: Any) -> None:
        what = f"reset obs {kwargs}"
        (o1, i1), (o2, i2) = self.remote.reset(**kwargs), self.local.reset(**kwargs)
        self.same(o1, o2, what, self.obs_rtol)
        self.test.assertEqual(plain_infos(i1, self.numbers), plain_infos(i2, self.numbers), f"reset info {kwargs}")

    def steps(self, count: int, seed: int) -> int:
        self.local.action_space.seed(seed)
        ends = 0
        for t in range(count):
            actions = self.local.action_space.sample()
            r1, r2 = self.remote.step(actions), self.local.step(actions)
            self.same(r1[0], r2[0], f"obs at step {t}", self.obs_rtol)
            self.same(r1[1], r2[1], f"rewards at step {t}", self.reward_rtol)
            self.same(r1[2], r2[2], f"terminated at step {t}")
            self.same(r1[3], r2[3], f"truncated at step {t}")
            self.test.assertEqual(plain_infos(r1[4], self.numbers), plain_infos(r2[4], self.numbers), f"info at step {t}")
            ends += int(np.sum(r1[2] | r1[3]))
        return ends

    def scenario(self, n: int, steps: int) -> int:
        """Seeds as an int, then a list with unseeded sub-envs (their streams continue), then a reset_mask."""
        self.reset(seed=3)
        ends = self.steps(steps, 0)
        self.reset(seed=[100 + i if i % 2 else None for i in range(n)])
        ends += self.steps(steps // 2, 1)
        self.reset(options={"reset_mask": np.array([i % 3 == 0 for i in range(n)])})
        ends += self.steps(steps // 2, 2)
        self.reset(options={"reset_mask": np.arange(n) == 0})  # one sub-env: other servers' shares sit out
        ends += self.steps(steps // 4, 3)
        return ends


class AgainstTheNodeServer(unittest.TestCase):
    # CartPole and the mountain cars replay Gymnasium exactly. Pendulum's and Acrobot's float64
    # states drift from numpy's by ulps (V8's sin/cos are not glibc's): Pendulum's rewards show it,
    # and now and then an Acrobot observation rounds to the neighbouring float32.
    CASES = [
        ("CartPole-v1", 0.0, 0.0, 240),
        ("MountainCar-v0", 0.0, 0.0, 240),
        ("MountainCarContinuous-v0", 0.0, 0.0, 240),
        ("Pendulum-v1", 0.0, 1e-9, 240),
        ("Acrobot-v1", 1e-6, 0.0, 200),
    ]

    def test_one_server(self) -> None:
        url = support.url()
        for env_id, obs_rtol, reward_rtol, steps in self.CASES:
            with self.subTest(env_id):
                remote = RemoteVectorEnv(url, env_id, num_envs=5)
                ends = Compare(self, remote, local_vector(env_id, 5), reward_rtol, obs_rtol=obs_rtol).scenario(5, steps)
                if env_id == "CartPole-v1":
                    self.assertGreater(ends, 5, "autoresets were exercised")

    def test_spread_over_two_servers(self) -> None:
        urls = [support.url(), support.url("GYMWIRE_TEST_URL2")]
        for env_id, _, _, steps in self.CASES[:2]:
            with self.subTest(env_id):
                remote = RemoteVectorEnv(urls, env_id, num_envs=7)
                self.assertEqual([s.count for s in remote._shares], [4, 3])
                self.assertEqual([s.server.connection.url for s in remote._shares], urls)
                Compare(self, remote, local_vector(env_id, 7)).scenario(7, steps)

    def test_spaces_metadata_and_spec(self) -> None:
        remote = RemoteVectorEnv(support.url(), "CartPole-v1", num_envs=4)
        self.addCleanup(remote.close)
        local = local_vector("CartPole-v1", 4)
        self.addCleanup(local.close)
        self.assertEqual(remote.single_observation_space, local.single_observation_space)
        self.assertEqual(remote.single_action_space, local.single_action_space)
        self.assertEqual(remote.observation_space, local.observation_space)
        self.assertEqual(remote.action_space, local.action_space)
        self.assertEqual(remote.num_envs, 4)
        self.assertIs(remote.metadata["autoreset_mode"], AutoresetMode.NEXT_STEP)
        self.assertIsNone(remote.render_mode)
        self.assertEqual((remote.spec.id, remote.spec.max_episode_steps), ("CartPole-v1", 500))
        self.assertIsInstance(remote, gym.vector.VectorEnv)

    def test_gymnasium_vector_wrappers_see_the_same_episodes(self) -> None:
        remote = gym.wrappers.vector.RecordEpisodeStatistics(RemoteVectorEnv(support.url(), "CartPole-v1", num_envs=4))
        local = gym.wrappers.vector.RecordEpisodeStatistics(local_vector("CartPole-v1", 4))
        for envs in (remote, local):
            self.addCleanup(envs.close)
            envs.reset(seed=9)
        local.action_space.seed(9)
        episodes = 0
        for _ in range(150):
            a = local.action_space.sample()
            i1, i2 = remote.step(a)[4], local.step(a)[4]
            self.assertEqual(set(i1), set(i2))
            if "episode" in i1:
                episodes += int(i1["_episode"].sum())
                np.testing.assert_array_equal(i1["_episode"], i2["_episode"])
                np.testing.assert_array_equal(i1["episode"]["r"], i2["episode"]["r"])
                np.testing.assert_array_equal(i1["episode"]["l"], i2["episode"]["l"])
        self.assertGreater(episodes, 4)

    def test_bad_arguments_raise_as_sync_vector_env_does(self) -> None:
        remote = RemoteVectorEnv(support.url(), "CartPole-v1", num_envs=3)
        self.addCleanup(remote.close)
        remote.reset(seed=0)
        with self.assertRaises(InvalidActionError):
            remote.step(np.zeros(4, np.int64))
        with self.assertRaises(InvalidActionError):
            remote.step(np.array([0, 1, 5]))  # the server checks the range
        with self.assertRaises(InvalidActionError):
            remote.step(np.array([0, 1, 2**32]))  # int64 all the way: no wrap to an in-range 0
        with self.assertRaises(InvalidActionError):
            remote.step(np.array([0.0, 1.0, 1.7]))  # not truncated to 1
        remote.step(np.array([0, 1, 1], dtype=np.uint8))
        with self.assertRaises(ValueError):
            remote.reset(seed=[1, 2])
        with self.assertRaises(TypeError):
            remote.reset(options={"reset_mask": [True, False, True]})
        with self.assertRaises(ValueError):
            remote.reset(options={"reset_mask": np.zeros(3, bool)})
        with self.assertRaises(ValueError):
            RemoteVectorEnv([support.url()] * 4, "CartPole-v1", num_envs=3)


class AgainstGymnasiumEnvsInAPythonServer(unittest.TestCase):
    """The same Gymnasium envs on both sides: only the vectorization differs, so all is bit-equal."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.servers = [ThreadedServer(registrations()), ThreadedServer(registrations())]

    @classmethod
    def tearDownClass(cls) -> None:
        for server in cls.servers:
            server.close()

    def test_classic_control_and_frozen_lake_exactly(self) -> None:
        for env_id in ("Pendulum-v1", "Acrobot-v1", "CartPole-v1", "FrozenLake-v1"):
            for urls in ([self.servers[0].url], [s.url for s in self.servers]):
                with self.subTest(env_id, servers=len(urls)):
                    remote = RemoteVectorEnv(urls, env_id, num_envs=5)
                    if env_id == "FrozenLake-v1":  # Discrete observations: int64 batches, as batch_space makes them
                        self.assertEqual(remote.observation_space, batch_space(gym.spaces.Discrete(16), 5))
                    # FrozenLake's info "prob" is 1 after a reset and 1/3 after a slip. The protocol
                    # batches numbers as float64; Gymnasium's _add_info types the column by the
                    # first value it sees, so an int 1 first truncates the others to 0: compare masks.
                    numbers = "masks" if env_id == "FrozenLake-v1" else "exact"
                    ends = Compare(self, remote, local_vector(env_id, 5), numbers=numbers).scenario(5, 150)
                    if env_id in ("CartPole-v1", "FrozenLake-v1"):
                        self.assertGreater(ends, 3)

    def test_infos_of_every_kind_with_their_masks(self) -> None:
        for urls in ([self.servers[0].url], [s.url for s in self.servers]):
            with self.subTest(servers=len(urls)):
                remote = RemoteVectorEnv(urls, "ChattyCartPole-v1", num_envs=5)
                Compare(self, remote, local_vector("ChattyCartPole-v1", 5)).scenario(5, 60)


class MergingInfos(unittest.TestCase):
    def test_shares_without_a_key_fill_zeros_and_false(self) -> None:
        a = {
            "x": np.array([1.0, 2.0]),
            "_x": np.array([True, True]),
            "s": np.array(["a", None], dtype=object),
            "_s": np.array([True, False]),
        }
        b = {"y": {"z": np.array([5], dtype=np.int8), "_z": np.array([True])}, "_y": np.array([True])}
        got = merge_vector_infos([(a, 2), (b, 1)])
        self.assertEqual(got["x"].tolist(), [1.0, 2.0, 0.0])
        self.assertEqual(got["_x"].tolist(), [True, True, False])
        self.assertEqual(got["s"].tolist(), ["a", None, None])
        self.assertEqual(got["y"]["z"].tolist(), [0, 0, 5])
        self.assertEqual(got["y"]["z"].dtype, np.int8)
        self.assertEqual(got["_y"].tolist(), [False, False, True])

    def test_split_evenly(self) -> None:
        self.assertEqual(split_evenly(7, 2), [4, 3])
        self.assertEqual(split_evenly(8, 3), [3, 3, 2])
        self.assertEqual(split_evenly(256, 3), [86, 85, 85])


if __name__ == "__main__":
    unittest.main()
