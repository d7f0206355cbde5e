"""RemoteEnv as a Gymnasium user meets it, against the real Gymnasium 1.4.0: spec and metadata,
render modes, check_env on every env the Node server offers (its determinism checks included),
wrapper stacks and Sync/AsyncVectorEnv compared step by step with local Gymnasium envs."""
from __future__ import annotations

import pickle
import unittest
from typing import Any, Callable, Dict, List, Optional

import support
from support import ThreadedServer, gym_warnings

import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env
from gymnasium.utils.env_checker import check_space_limit

from gymwire import EnvRegistration, InvalidKwargsError, RemoteEnv, UnsupportedError
from gymwire.env_spec import NO_SERVER_TIME_LIMIT, RemoteEnvCreator

FPS_WARNING = "No render fps was declared in the environment"


def run_episodes(env: Any, actions_from: Any, seeds: List[int], steps: int) -> List[Any]:
    """Every (obs, reward, terminated, truncated, info) of ``steps`` steps per seed, actions drawn
    from ``actions_from``'s action space seeded with the seed."""
    out: List[Any] = []
    for seed in seeds:
        out.append(env.reset(seed=seed))
        actions_from.action_space.seed(seed)
        for _ in range(steps):
            obs, reward, terminated, truncated, info = env.step(actions_from.action_space.sample())
            out.append(
                (
                    obs,
                    reward,
                    terminated,
                    truncated,
                    {k: v for k, v in info.items() if k != "episode"},
                    info.get("episode", {}).get("r"),
                    info.get("episode", {}).get("l"),
                )
            )
            if terminated or truncated:
                out.append(env.reset())
    return out


class Spec(unittest.TestCase):
    def setUp(self) -> None:
        self.url = support.url()

    def test_spec_is_an_envspec_with_the_servers_id_limit_threshold_and_kwargs(self) -> None:
        env = RemoteEnv(self.url, "Pendulum-v1", g=9.81)
        self.addCleanup(env.close)
        spec = env.spec
        self.assertIsInstance(spec, gym.envs.registration.EnvSpec)
        self.assertEqual((spec.id, spec.max_episode_steps, spec.reward_threshold, spec.nondeterministic), ("Pendulum-v1", 200, None, False))
        self.assertEqual(spec.kwargs, {"g": 9.81})
        self.assertIsInstance(spec.entry_point, RemoteEnvCreator)
        cart = RemoteEnv(self.url, "CartPole-v1")
        self.addCleanup(cart.close)
        self.assertEqual((cart.spec.id, cart.spec.max_episode_steps, cart.spec.reward_threshold), ("CartPole-v1", 500, 475.0))

    def test_the_token_travels_in_the_spec_but_not_in_its_repr(self) -> None:
        token = support.url("GYMWIRE_TEST_TOKEN")
        env = RemoteEnv(support.url("GYMWIRE_TEST_TOKEN_URL"), "CartPole-v1", token=token)
        self.addCleanup(env.close)
        self.assertNotIn(token, repr(env.spec.entry_point) + env.spec.pprint(disable_print=True, include_entry_points=True))
        made = gym.make(env.spec)  # connects with the same token
        self.addCleanup(made.close)
        self.assertEqual(made.reset(seed=0)[0].shape, (4,))

    def test_make_of_the_spec_truncates_at_its_limit_or_the_one_given(self) -> None:
        env = RemoteEnv(self.url, "Pendulum-v1")
        self.addCleanup(env.close)
        for limit in (None, 250, 30):
            made = gym.make(env.spec) if limit is None else gym.make(env.spec, max_episode_steps=limit)
            self.addCleanup(made.close)
            self.assertIsInstance(made.unwrapped, RemoteEnv)
            self.assertEqual(made.unwrapped.gymwire_spec["max_episode_steps"], NO_SERVER_TIME_LIMIT)
            made.reset(seed=1)
            for steps in range(1, 1000):
                _, _, terminated, truncated, _ = made.step(made.action_space.sample())
                if terminated or truncated:
                    break
            self.assertEqual((steps, truncated), (limit or 200, True))

    def test_max_episode_steps_as_a_make_kwarg_sets_the_servers_limit(self) -> None:
        env = RemoteEnv(self.url, "CartPole-v1", max_episode_steps=7)
        self.addCleanup(env.close)
        self.assertEqual(env.spec.max_episode_steps, 7)
        env.reset(seed=0)
        truncated = [env.step(t % 2)[3] for t in range(7)]
        self.assertEqual(truncated, [False] * 6 + [True])

    def test_make_vec_of_the_spec(self) -> None:
        env = RemoteEnv(self.url, "CartPole-v1")
        self.addCleanup(env.close)
        envs = gym.make_vec(env.spec, num_envs=2, vectorization_mode="sync")
        self.addCleanup(envs.close)
        local = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync")
        self.addCleanup(local.close)
        a, b = envs.reset(seed=5), local.reset(seed=5)
        np.testing.assert_array_equal(a[0], b[0])

    def test_a_range_kwarg_is_a_tuple_with_inf_and_changes_the_env(self) -> None:
        listed = {e["id"]: e for e in RemoteEnv.list_envs(self.url)}["Hopper-v5"]["kwargs"]["healthy_z_range"]
        self.assertEqual((listed["type"], listed["default"]), ("range", (0.7, float("inf"))))
        self.assertIsInstance(listed["default"], tuple)
        ended = []
        for z_range in ((0.7, float("inf")), (1.3, float("inf"))):
            # Hopper starts at z = 1.25: healthy within (0.7, inf), not within (1.3, inf).
            env = RemoteEnv(self.url, "Hopper-v5", healthy_z_range=z_range)
            self.addCleanup(env.close)
            self.assertEqual(env.spec.kwargs["healthy_z_range"], z_range)
            self.assertIsInstance(env.spec.kwargs["healthy_z_range"], tuple)
            env.reset(seed=0)
            ended.append(env.step(np.zeros(3, np.float32))[2])
        self.assertEqual(ended, [False, True])
        with self.assertRaises(InvalidKwargsError) as caught:
            RemoteEnv(self.url, "Hopper-v5", healthy_z_range=(2.0, 1.0))
        self.assertIn("must have low <= high", caught.exception.message)

    def test_reset_seeds_np_random_as_gymnasium_does(self) -> None:
        env = RemoteEnv(self.url, "CartPole-v1")
        self.addCleanup(env.close)
        env.reset(seed=4)
        self.assertEqual(env.np_random_seed, 4)
        self.assertEqual(env.np_random.bit_generator.state, np.random.default_rng(4).bit_generator.state)


class MetadataAndRender(unittest.TestCase):
    def test_node_server_envs_render_rgb_array(self) -> None:
        url = support.url()
        env = RemoteEnv(url, "Pendulum-v1", render_mode="rgb_array")
        self.addCleanup(env.close)
        info = env.connection.env_info("Pendulum-v1")
        want: Dict[str, Any] = {"render_modes": ["rgb_array"]}
        if "render_fps" in info:  # protocol 1.2 servers report it
            want["render_fps"] = info["render_fps"]
        self.assertEqual(env.metadata, want)
        env.reset(seed=0)
        asked: List[Any] = []
        request = env.connection.request

        def spy(op: str, **fields: Any) -> Any:
            asked.append((op, fields.get("encoding")))
            return request(op, **fields)

        env.connection.request = spy  # type: ignore[method-assign]
        frame = env.render()
        self.assertEqual(asked, [("render", "zlib")], "protocol 1.3: the frame travels zlib-compressed")
        self.assertEqual((frame.shape, frame.dtype), ((500, 500, 3), np.uint8))
        self.assertGreater(len(np.unique(frame.reshape(-1, 3), axis=0)), 1)
        raw = request("render", handle=env._server.handle)["frame"]
        np.testing.assert_array_equal(frame, np.frombuffer(raw["data"], np.uint8).reshape(500, 500, 3))
        # A server before 1.3 lists no encodings: the client asks for raw frames, as before.
        del env.connection.hello["render_encodings"]
        asked.clear()
        np.testing.assert_array_equal(env.render(), frame)
        self.assertEqual(asked, [("render", None)])
        quiet = RemoteEnv(url, "Pendulum-v1")
        self.addCleanup(quiet.close)
        quiet.reset()
        got: List[Any] = []
        self.assertTrue(any("without specifying any render mode" in w for w in gym_warnings(lambda: got.append(quiet.render()))))
        self.assertEqual(got, [None])
        with self.assertRaises(UnsupportedError):
            RemoteEnv(url, "Pendulum-v1", render_mode="human")

    def test_render_modes_and_fps_come_from_the_servers_list_envs(self) -> None:
        class Drawn:
            metadata = {"render_modes": ["rgb_array"], "render_fps": 42}

            def __init__(self, render_mode: Optional[str] = "rgb_array") -> None:
                self.render_mode = render_mode
                self.observation_space = gym.spaces.Box(-1, 1, (1,), np.float32)
                self.action_space = gym.spaces.Discrete(2)

            def reset(self, seed: Any = None, options: Any = None) -> Any:
                return np.zeros(1, np.float32), {}

            def step(self, action: Any) -> Any:
                return np.zeros(1, np.float32), 0.0, False, False, {}

            def render(self) -> Any:
                return np.full((4, 6, 3), 7, np.uint8) if self.render_mode == "rgb_array" else None

        server = ThreadedServer([EnvRegistration("Drawn-v0", Drawn), EnvRegistration("Blind-v0", lambda: Drawn(None))])
        self.addCleanup(server.close)
        env = RemoteEnv(server.url, "Drawn-v0", render_mode="rgb_array")
        self.addCleanup(env.close)
        self.assertEqual(env.metadata, {"render_modes": ["rgb_array"], "render_fps": 42})
        env.reset()
        self.assertEqual(env.render().tolist(), np.full((4, 6, 3), 7, np.uint8).tolist())
        blind = RemoteEnv(server.url, "Blind-v0")
        self.addCleanup(blind.close)
        self.assertEqual(blind.metadata, {"render_modes": [], "render_fps": 42})
        with self.assertRaises(UnsupportedError):
            RemoteEnv(server.url, "Blind-v0", render_mode="rgb_array")


def local_check_env_warnings(env_id: str) -> Optional[List[str]]:
    """check_env's warnings on Gymnasium's own env (render checks skipped: no pygame here), or None
    if Gymnasium cannot make it here."""
    try:
        env = gym.make(env_id).unwrapped
    except Exception:  # noqa: BLE001 - Box2D envs: no Box2D build here
        return None
    try:
        return gym_warnings(lambda: check_env(env, skip_render_check=True))
    finally:
        env.close()


def space_warnings(env: RemoteEnv) -> List[str]:
    """What check_env warns about an env's spaces alone (its check_space_limit on each)."""

    def run() -> None:
        check_space_limit(env.observation_space, "observation")
        check_space_limit(env.action_space, "action")

    return gym_warnings(run)


class CheckEnv(unittest.TestCase):
    def test_check_env_passes_on_every_env_the_node_server_offers(self) -> None:
        url = support.url()
        ids = [e["id"] for e in RemoteEnv.list_envs(url)]
        self.assertGreaterEqual(len(ids), 9)
        for env_id in ids:
            with self.subTest(env_id):
                env = RemoteEnv(url, env_id)
                try:
                    self.assertIsNotNone(env.spec)
                    self.assertFalse(env.spec.nondeterministic)  # so the determinism checks run
                    got = gym_warnings(lambda: check_env(env))
                    spaces_only = space_warnings(env)
                finally:
                    env.close()
                local = local_check_env_warnings(env_id)
                allowed = set(local or [])
                if local is None and env_id.endswith("-v5"):
                    # A MuJoCo env: Gymnasium cannot make its own here (no mujoco module). Its
                    # spaces are Gymnasium's (unbounded float64 observations, ctrlrange actions:
                    # test/envs/mujoco-*.test.ts), so what check_env says about them is allowed.
                    allowed |= set(spaces_only)
                if "render_fps" not in env.metadata:
                    allowed |= {w for w in got if FPS_WARNING in w}
                print(
                    f"check_env {env_id}: passed; warnings: {sorted(set(got)) or 'none'}"
                    f"{'' if local is None else f'; Gymnasium own env: {sorted(set(local)) or chr(110) + chr(111) + chr(110) + chr(101)}'}",
                    flush=True,
                )
                self.assertLessEqual(set(got), allowed, f"{env_id}: warnings a local env does not give")

    def test_check_env_catches_a_server_env_whose_seeded_reset_is_not_deterministic(self) -> None:
        class Restless:
            def __init__(self) -> None:
                self.observation_space = gym.spaces.Box(-1, 1, (2,), np.float32)
                self.action_space = gym.spaces.Box(-1, 1, (1,), np.float32)

            def reset(self, seed: Any = None, options: Any = None) -> Any:
                return np.random.uniform(-1, 1, 2).astype(np.float32), {}  # ignores the seed

            def step(self, action: Any) -> Any:
                return np.zeros(2, np.float32), 0.0, False, False, {}

        server = ThreadedServer(
            [EnvRegistration("Restless-v0", Restless), EnvRegistration("RestlessKnown-v0", Restless, nondeterministic=True)]
        )
        self.addCleanup(server.close)
        env = RemoteEnv(server.url, "Restless-v0")
        self.addCleanup(env.close)
        with self.assertRaisesRegex(AssertionError, "non-deterministic"):
            check_env(env, skip_render_check=True)
        known = RemoteEnv(server.url, "RestlessKnown-v0")
        self.addCleanup(known.close)
        self.assertTrue(known.spec.nondeterministic)
        check_env(known, skip_render_check=True)  # declared nondeterministic: the checks are skipped


class WrappersAndVectors(unittest.TestCase):
    """The same wrapper stack over RemoteEnv and over Gymnasium's env gives the same numbers."""

    def setUp(self) -> None:
        self.url = support.url()

    def compare(self, env_id: str, wrap: Callable[[Any], Any], seeds: List[int], steps: int) -> None:
        remote = wrap(RemoteEnv(self.url, env_id))
        local = wrap(gym.make(env_id))
        self.addCleanup(remote.close)
        self.addCleanup(local.close)
        a = run_episodes(remote, local, seeds, steps)
        b = run_episodes(local, local, seeds, steps)
        self.assertEqual(len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            self.assertEqual(pickle.dumps(x), pickle.dumps(y), f"{env_id} record {i}: {x} != {y}")

    def test_continuous_stack(self) -> None:
        def wrap(env: Any) -> Any:
            env = gym.wrappers.RescaleAction(env, -0.5, 0.5)
            env = gym.wrappers.ClipAction(env)
            env = gym.wrappers.NormalizeObservation(env)
            env = gym.wrappers.TransformReward(env, lambda r: 2 * r)
            env = gym.wrappers.TimeLimit(env, 150)
            return gym.wrappers.RecordEpisodeStatistics(env)

        self.compare("MountainCarContinuous-v0", wrap, [0, 1, 2], 400)

    def test_discrete_stack(self) -> None:
        def wrap(env: Any) -> Any:
            env = gym.wrappers.TimeLimit(env, 60)
            env = gym.wrappers.FrameStackObservation(env, 3)
            env = gym.wrappers.FlattenObservation(env)
            return gym.wrappers.RecordEpisodeStatistics(env)

        self.compare("CartPole-v1", wrap, [3, 4], 300)

    def test_sync_and_async_vector_envs_of_remote_envs(self) -> None:
        url = self.url
        local = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(3)])
        self.addCleanup(local.close)
        for vector in (gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv):
            with self.subTest(vector.__name__):
                envs = vector([lambda: RemoteEnv(url, "CartPole-v1") for _ in range(3)])
                try:
                    a, b = envs.reset(seed=11), local.reset(seed=11)
                    np.testing.assert_array_equal(a[0], b[0])
                    local.action_space.seed(0)
                    for t in range(200):
                        action = local.action_space.sample()
                        x, y = envs.step(action), local.step(action)
                        for u, v in zip(x[:4], y[:4]):
                            np.testing.assert_array_equal(u, v, f"step {t}")
                finally:
                    envs.close()


if __name__ == "__main__":
    unittest.main()
