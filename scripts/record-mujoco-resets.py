"""Records what Gymnasium 1.4's MuJoCo v5 envs draw at reset, and how they are registered.

Writes test/fixtures/mujoco/gymnasium-v5.json. There is no Python `mujoco` here, so the env
classes are imported with stand-in `mujoco`, `glfw` and `imageio` modules (the env modules
only touch them inside methods that are not called), and each class's own reset_model() runs
on a stand-in `self`: a model with the env's nq and nv, init_qpos and init_qvel all zero, and
set_state() recording what it is given. With zero initial state, what reset_model() sets is
exactly the noise it drew from np_random, in Gymnasium's order and sizes; the TypeScript test
adds it to MuJoCo's qpos0 and compares with what our env's reset(seed) sets (Reacher's target
and Pusher's cylinder and goal, which replace qpos entries rather than add to them, are
compared as recorded).

Also recorded per env: its registration (max_episode_steps, reward_threshold) and the defaults
of its constructor's keyword arguments (a range as a [low, high] list; infinities as the
strings "Infinity" / "-Infinity", which JSON cannot hold).

    PYTHONPATH=../shared/vendor/gymnasium-1.4.0 /usr/bin/python3 scripts/record-mujoco-resets.py
"""
import importlib
import inspect
import json
import math
import sys
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "mujoco" / "gymnasium-v5.json"
SEEDS = [*range(12), 42]
# id -> (module, class, nq, nv): nq and nv are the models' (the test checks them against MuJoCo's).
ENVS = {
    "InvertedPendulum-v5": ("inverted_pendulum_v5", "InvertedPendulumEnv", 2, 2),
    "InvertedDoublePendulum-v5": ("inverted_double_pendulum_v5", "InvertedDoublePendulumEnv", 3, 3),
    "HalfCheetah-v5": ("half_cheetah_v5", "HalfCheetahEnv", 9, 9),
    "Hopper-v5": ("hopper_v5", "HopperEnv", 6, 6),
    "Walker2d-v5": ("walker2d_v5", "Walker2dEnv", 9, 9),
    "Swimmer-v5": ("swimmer_v5", "SwimmerEnv", 5, 5),
    "Reacher-v5": ("reacher_v5", "ReacherEnv", 4, 4),
    "Pusher-v5": ("pusher_v5", "PusherEnv", 11, 11),
    "Ant-v5": ("ant_v5", "AntEnv", 15, 14),
    "Humanoid-v5": ("humanoid_v5", "HumanoidEnv", 24, 23),
    "HumanoidStandup-v5": ("humanoidstandup_v5", "HumanoidStandupEnv", 24, 23),
}
# Constructor parameters that are a renderer setting or a file path, not recorded.
SKIPPED_KWARGS = {"self", "kwargs", "default_camera_config"}


def stand_in_modules():
    for name in ("mujoco", "glfw", "imageio"):
        sys.modules[name] = mock.MagicMock(name=name)
    sys.modules["mujoco"].__version__ = "3.3.8"


def plain(value):
    """A kwarg default as JSON: tuples as lists, infinities as strings."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def kwarg_defaults(cls):
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name: plain(p.default) for p in params if p.name not in SKIPPED_KWARGS}


class StandInSelf:
    """What reset_model() reads of an env: the noise scale, the initial state, the model's sizes."""

    def __init__(self, cls, nq, nv, seed):
        defaults = {p.name: p.default for p in inspect.signature(cls.__init__).parameters.values()}
        self._reset_noise_scale = defaults.get("reset_noise_scale")  # Reacher and Pusher have none
        self.model = mock.Mock(nq=nq, nv=nv)
        self.init_qpos = np.zeros(nq)
        self.init_qvel = np.zeros(nv)
        self.np_random = np.random.default_rng(seed)
        self.recorded = None

    def set_state(self, qpos, qvel):
        self.recorded = {"qpos": np.asarray(qpos).tolist(), "qvel": np.asarray(qvel).tolist()}

    def _get_obs(self):
        return None


def main():
    stand_in_modules()
    import gymnasium

    out = {"gymnasium": gymnasium.__version__, "numpy": np.__version__, "seeds": SEEDS, "envs": {}}
    for env_id, (module, class_name, nq, nv) in ENVS.items():
        cls = getattr(importlib.import_module(f"gymnasium.envs.mujoco.{module}"), class_name)
        spec = gymnasium.spec(env_id)
        noise = {}
        for seed in SEEDS:
            self = StandInSelf(cls, nq, nv, seed)
            cls.reset_model(self)
            noise[str(seed)] = self.recorded
        out["envs"][env_id] = {
            "max_episode_steps": spec.max_episode_steps,
            "reward_threshold": spec.reward_threshold,
            "nq": nq,
            "nv": nv,
            "kwargs": kwarg_defaults(cls),
            "reset_noise": noise,
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, allow_nan=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
