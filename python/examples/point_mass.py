"""PointMass: a Python env served over gymwire (the Python twin of examples/point-mass/point-mass-env.js).

    python3 python/examples/point_mass.py [--port 8765] [--host 127.0.0.1] [--token T]

A point mass in [-1, 1]^dims must reach a goal drawn at each reset (from [-0.8, 0.8]^dims, or
[-goal_range, goal_range]^dims with the reset option goal_range); the action is a force in
[-1, 1]^dims, the velocity follows the force with some lag. Observation [pos, vel, goal]
(float32), reward -distance - 0.01 |force|^2, terminated within goal_radius of the goal,
truncated after 100 steps (by the server's TimeLimit). Only the standard library: it runs
with or without numpy.
"""
import argparse
import math
import os
import random
import sys

try:
    import gymwire  # noqa: F401 - installed (pip install ./python)
except ImportError:  # run from a checkout: the package next to this folder
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from gymwire import BadRequestError, Box, EnvRegistration, serve  # noqa: E402

DAMPING = 0.8
MAX_STEP = 0.2
GOAL_RANGE = 0.8


class PointMassEnv:
    """Gymnasium's Env API, without depending on gymnasium."""

    def __init__(self, dims=2, goal_radius=0.05):
        if dims not in (1, 2):
            raise ValueError(f"dims must be 1 or 2, got {dims}")
        self.dims = dims
        self.goal_radius = goal_radius
        self.observation_space = Box(-1.0, 1.0, (3 * dims,), "float32")
        self.action_space = Box(-1.0, 1.0, (dims,), "float32")
        self.rng = random.Random()  # seeded from the OS until reset(seed=...) reseeds it
        self.pos = [0.0] * dims
        self.vel = [0.0] * dims
        self.goal = [0.0] * dims

    def reset(self, *, seed=None, options=None):
        # Options first: a value the env refuses leaves it as it was (not reseeded). The server
        # has checked that goal_range is a number (it is declared below); the range is ours.
        goal_range = float((options or {}).get("goal_range", GOAL_RANGE))
        if not 0 <= goal_range <= 1:
            raise BadRequestError(f"reset option goal_range must be in [0, 1], got {goal_range}")
        if seed is not None:
            self.rng = random.Random(seed)
        self.pos = [self.rng.uniform(-1, 1) for _ in range(self.dims)]
        self.goal = [self.rng.uniform(-goal_range, goal_range) for _ in range(self.dims)]
        self.vel = [0.0] * self.dims
        return self._obs(), {"distance": self._distance()}

    def step(self, action):
        force = [min(1.0, max(-1.0, float(a))) for a in (action.tolist() if hasattr(action, "tolist") else action)]
        for i, f in enumerate(force):
            self.vel[i] = DAMPING * self.vel[i] + (1 - DAMPING) * f
            x = self.pos[i] + MAX_STEP * self.vel[i]
            if x < -1 or x > 1:
                self.vel[i] = 0.0
            self.pos[i] = min(1.0, max(-1.0, x))
        distance = self._distance()
        reward = -distance - 0.01 * sum(f * f for f in force)
        return self._obs(), reward, distance < self.goal_radius, False, {"distance": distance}

    def render(self):
        size = 64
        frame = [[[255, 255, 255] for _ in range(size)] for _ in range(size)]
        for point, color in ((self.goal, [80, 200, 80]), (self.pos, [40, 80, 220])):
            cx = round((point[0] + 1) / 2 * (size - 1))
            cy = size - 1 - round((point[1] + 1) / 2 * (size - 1)) if self.dims == 2 else size // 2
            for y in range(max(0, cy - 2), min(size, cy + 3)):
                for x in range(max(0, cx - 2), min(size, cx + 3)):
                    frame[y][x] = color
        return frame

    def close(self):
        pass

    def _distance(self):
        return math.sqrt(sum((p - g) ** 2 for p, g in zip(self.pos, self.goal)))

    def _obs(self):
        return self.pos + self.vel + self.goal


REGISTRATION = EnvRegistration(
    "PyPointMass-v0",
    PointMassEnv,
    max_episode_steps=100,
    reward_threshold=-10.0,
    kwargs={
        "dims": {"type": "integer", "default": 2, "description": "Dimensions of the arena: 1 or 2."},
        "goal_radius": {"type": "number", "default": 0.05, "description": "Distance to the goal that ends the episode."},
    },
    reset_options={
        "goal_range": {
            "type": "number",
            "default": GOAL_RANGE,
            "description": "Goals are drawn from [-goal_range, goal_range] per dimension (at most 1).",
        },
    },
)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=None, help="clients must present this token (default: env GYMWIRE_TOKEN, else none)")
    args = parser.parse_args()
    serve([REGISTRATION], host=args.host, port=args.port, token=args.token)
