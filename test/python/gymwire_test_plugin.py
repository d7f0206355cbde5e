"""A third-party package as ``python3 -m gymwire serve gymwire_test_plugin:ID`` imports it: importing
it registers its envs with Gymnasium, as ``gymnasium.make("gymwire_test_plugin:ID")`` expects.
TextEcho-v0's observation space is a Text, which the protocol has no form for."""
import gymnasium as gym
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
