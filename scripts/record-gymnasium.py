"""Records Gymnasium 1.4's own trajectories: the files in test/fixtures/gymnasium/.

For each env id and seed 0, 1, 2 it writes ENV_ID.seedN.json: the spaces, max_episode_steps,
the observation from env.reset(seed=seed), every env.step(action) (action, obs, reward,
terminated, truncated) until the episode ends or 1000 steps, and the observation from a
following env.reset() without a seed. The actions come from their own generator,
numpy.random.default_rng(10_000 + seed), never from the env's: a Box action is
rng.uniform(1.2 * low, 1.2 * high), the widened bounds computed in float32 and the draw cast
to float32 (so some lie outside the bounds and the env's own clipping is exercised), a Discrete action is start + rng.integers(n).
It also writes heuristic-scores.json: the returns of Gymnasium's own LunarLander heuristic
(gymnasium.envs.box2d.lunar_lander.heuristic) over seeds 0..49, for both LunarLander ids.

    PYTHONPATH=../shared/vendor/gymnasium-1.4.0 /usr/bin/python3 scripts/record-gymnasium.py
    PYTHONPATH=... /usr/bin/python3 scripts/record-gymnasium.py --out /tmp/golden CartPole-v1 Pendulum-v1

With no ids it records every env and the heuristic scores; the Box2D ones (LunarLander,
BipedalWalker, the heuristic scores) need the `Box2D` module, version 2.3.10 (pip install
box2d==2.3.10). Needs numpy 1.24 (Debian's python3-numpy), where mixed float32/float64 scalar
arithmetic is done in float64, as JavaScript numbers are; numpy 2 rounds some of it to float32.
The files are compact JSON; observations are the float32 values written as exact doubles.
"""
import argparse
import json
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "gymnasium"
CLASSIC_CONTROL = ["Pendulum-v1", "MountainCarContinuous-v0", "CartPole-v1", "MountainCar-v0", "Acrobot-v1"]
BOX2D = ["LunarLander-v3", "LunarLanderContinuous-v3", "BipedalWalker-v3"]
SEEDS = [0, 1, 2]
MAX_STEPS = 1000
ACTION_SEED_OFFSET = 10_000  # the actions' generator for seed s is default_rng(10_000 + s)
HEURISTIC_IDS = ["LunarLanderContinuous-v3", "LunarLander-v3"]
HEURISTIC_SEEDS = range(50)


def bound(v):
    v = float(v)
    return "inf" if v == np.inf else "-inf" if v == -np.inf else v


def space(s):
    if isinstance(s, gym.spaces.Box):
        return {
            "type": "Box",
            "shape": list(s.shape),
            "dtype": str(s.dtype),
            "low": [bound(v) for v in s.low.flat],
            "high": [bound(v) for v in s.high.flat],
        }
    if isinstance(s, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(s.n), "start": int(s.start)}
    raise TypeError(f"no recording for space {s}")


def obs(o):
    return [float(v) for v in np.asarray(o).flat]


def action_sampler(s, seed):
    """The actions of a recording: their own generator, 1.2 x a Box's bounds, uniform over a Discrete."""
    rng = np.random.default_rng(ACTION_SEED_OFFSET + seed)
    if isinstance(s, gym.spaces.Box):
        # The widened bounds in the space's dtype (float32 x 1.2 stays float32), then a float64
        # draw between them cast back: what Box(1.2 * low, 1.2 * high).sample() does.
        low, high = 1.2 * s.low, 1.2 * s.high
        return lambda: rng.uniform(low, high).astype(s.dtype)
    if isinstance(s, gym.spaces.Discrete):
        return lambda: int(s.start + rng.integers(s.n))
    raise TypeError(f"no sampling rule for space {s}")


def make(env_id):
    try:
        return gym.make(env_id)
    except gym.error.DependencyNotInstalled as e:
        sys.exit(f"{env_id}: {e}\n(the Box2D envs were recorded with box2d 2.3.10: pip install box2d==2.3.10)")


def record(env_id, seed):
    env = make(env_id)
    sample = action_sampler(env.action_space, seed)
    reset_obs, _ = env.reset(seed=seed)
    steps = []
    for _ in range(MAX_STEPS):
        action = sample()
        o, reward, terminated, truncated, _ = env.step(action)
        steps.append(
            {
                "action": action if isinstance(action, int) else [float(v) for v in action],
                "obs": obs(o),
                "reward": float(reward),
                "terminated": bool(terminated),
                "truncated": bool(truncated),
            }
        )
        if terminated or truncated:
            break
    second_reset_obs, _ = env.reset()  # without a seed: the generator's stream continues
    out = {
        "gymnasium_version": gym.__version__,
        "env_id": env_id,
        "seed": seed,
        "max_episode_steps": env.spec.max_episode_steps,
        "observation_space": space(env.observation_space),
        "action_space": space(env.action_space),
        "reset_obs": obs(reset_obs),
        "steps": steps,
        "second_reset_obs": obs(second_reset_obs),
    }
    env.close()
    return out


def heuristic_scores():
    scores = {}
    for env_id in HEURISTIC_IDS:
        env = make(env_id)
        from gymnasium.envs.box2d.lunar_lander import heuristic  # imports once Box2D does

        returns = []
        for seed in HEURISTIC_SEEDS:
            s, _ = env.reset(seed=seed)
            total = 0.0
            while True:  # as gymnasium's demo_heuristic_lander: until the episode ends (1000 steps at most)
                s, r, terminated, truncated, _ = env.step(heuristic(env, s))
                total += r
                if terminated or truncated:
                    break
            returns.append(total)
        env.close()
        r = np.array(returns)
        scores[env_id] = {
            "seeds": f"{HEURISTIC_SEEDS[0]}..{HEURISTIC_SEEDS[-1]}",
            "mean": float(r.mean()),
            "std": float(r.std()),  # population (ddof 0)
            "min": float(r.min()),
            "share_over_200": float((r > 200).mean()),
        }
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "ids", nargs="*", help=f"env ids (default: all), or heuristic-scores; all: {' '.join(CLASSIC_CONTROL + BOX2D)} heuristic-scores"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to write (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args()
    ids = args.ids or CLASSIC_CONTROL + BOX2D + ["heuristic-scores"]
    if gym.__version__ != "1.4.0":
        sys.exit(f"Gymnasium {gym.__version__}: the recordings are of 1.4.0")
    args.out.mkdir(parents=True, exist_ok=True)
    for env_id in ids:
        if env_id == "heuristic-scores":
            path = args.out / "heuristic-scores.json"
            path.write_text(json.dumps(heuristic_scores(), indent=1) + "\n")
            print(f"wrote {path}")
            continue
        for seed in SEEDS:
            path = args.out / f"{env_id}.seed{seed}.json"
            path.write_text(json.dumps(record(env_id, seed), separators=(",", ":"), allow_nan=False))
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
