"""A third-party package as ``python3 -m gymwire serve gymwire_test_plugin:ID`` imports it: importing
it registers its envs with Gymnasium, as ``gymnasium.make("gymwire_test_plugin:ID")`` expects.
TextEcho-v0's observation space is a Text, which the protocol has no form for. Banded-v0 takes
range kwargs (protocol 1.4) as Gymnasium's MuJoCo envs do: an annotated tuple[float, float]
with an infinite end, and an unannotated pair; its observation shows the low ends it got."""
from typing import Tuple

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class TextEcho(gym.Env):
    """Observes a string; any of two actions."""

    def __init__(self, length: int = 8):
        self.observation_space = spaces.Text(length)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return "hello", {}

    def step(self, action):
        return "hello", 0.0, False, False, {}


gym.register("TextEcho-v0", entry_point=TextEcho, max_episode_steps=10)


class Banded(gym.Env):
    """Observes the low ends of its two range kwargs."""

    def __init__(self, band: Tuple[float, float] = (0.7, float("inf")), legacy=(-1.0, 1.0)):
        self.low = np.array([band[0], legacy[0]])
        self.observation_space = spaces.Box(-np.inf, np.inf, (2,), np.float64)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.low.copy(), {}

    def step(self, action):
        return self.low.copy(), 0.0, False, False, {}


gym.register("Banded-v0", entry_point=Banded, max_episode_steps=10)
