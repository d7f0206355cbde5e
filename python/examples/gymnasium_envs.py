"""Gymnasium's classic-control envs served over gymwire by the Python server.

    python3 python/examples/gymnasium_envs.py [--port 8765] [--host 127.0.0.1] [--token T]
        [--max-payload BYTES] [--max-envs N] [--max-num-envs N]

Needs gymnasium (and numpy). Each env is registered with what ``list_envs`` tells clients:
its ``make`` kwargs and the reset options its ``reset(options=...)`` reads, both of which the
server checks before the env sees them, its episode limit and reward threshold from
Gymnasium's registry. The server wraps the bare env as ``gymnasium.make`` would (order
enforcing, TimeLimit), so the env is made without Gymnasium's own wrappers. Frames for
``render`` need pygame; without it the envs list no render modes.
"""
import argparse
import importlib.util
import math
import os
import sys

try:
    import gymwire  # noqa: F401 - installed (pip install ./python)
except ImportError:  # run from a checkout: the package next to this folder
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gymnasium as gym  # noqa: E402

from gymwire import EnvRegistration, serve  # noqa: E402

RENDER_MODE = "rgb_array" if importlib.util.find_spec("pygame") is not None else None


def bounds(low, high, what):
    """The ``low``/``high`` reset options of classic_control.utils.maybe_parse_reset_bounds."""
    return {
        "low": {"type": "number", "default": low, "description": f"Lower end of the uniform range {what} is drawn from."},
        "high": {"type": "number", "default": high, "description": f"Upper end of the uniform range {what} is drawn from."},
    }


def goal_velocity():
    return {
        "goal_velocity": {"type": "number", "default": 0.0, "description": "Minimum velocity at the flag for the episode to terminate."}
    }


# id -> (make kwargs, reset options), as the envs' constructors and reset() read them.
ENVS = {
    "CartPole-v1": (
        {
            "sutton_barto_reward": {
                "type": "boolean",
                "default": False,
                "description": "Reward 0 per step and -1 on termination, as in Sutton & Barto.",
            }
        },
        bounds(-0.05, 0.05, "each of the 4 state variables"),
    ),
    "MountainCar-v0": (goal_velocity(), bounds(-0.6, -0.4, "the initial position")),
    "MountainCarContinuous-v0": (goal_velocity(), bounds(-0.6, -0.4, "the initial position")),
    "Pendulum-v1": (
        {"g": {"type": "number", "default": 10.0, "description": "Acceleration of gravity (m/s^2)."}},
        {
            "x_init": {"type": "number", "default": math.pi, "description": "The initial angle is drawn from [-x_init, x_init]."},
            "y_init": {"type": "number", "default": 1.0, "description": "The initial angular velocity is drawn from [-y_init, y_init]."},
        },
    ),
    "Acrobot-v1": ({}, bounds(-0.1, 0.1, "each of the 4 state variables")),
}


def registration(env_id):
    kwargs, reset_options = ENVS[env_id]
    spec = gym.spec(env_id)

    def make(**kw):
        # max_episode_steps=-1: no TimeLimit of Gymnasium's own; the server adds its own.
        return gym.make(env_id, render_mode=RENDER_MODE, max_episode_steps=-1, **kw).unwrapped

    return EnvRegistration(
        env_id,
        make,
        max_episode_steps=spec.max_episode_steps,
        reward_threshold=spec.reward_threshold,
        kwargs=kwargs,
        reset_options=reset_options,
    )


REGISTRATIONS = [registration(env_id) for env_id in ENVS]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=None, help="clients must present this token (default: env GYMWIRE_TOKEN, else none)")
    parser.add_argument("--max-payload", type=int, default=4 * 1024 * 1024, help="largest frame read, in bytes")
    parser.add_argument("--max-envs", type=int, default=64, help="most envs open on one connection")
    parser.add_argument("--max-num-envs", type=int, default=1024, help="most env instances on one connection")
    args = parser.parse_args()
    serve(
        REGISTRATIONS,
        host=args.host,
        port=args.port,
        token=args.token,
        max_payload_bytes=args.max_payload,
        max_envs=args.max_envs,
        max_num_envs=args.max_num_envs,
    )
