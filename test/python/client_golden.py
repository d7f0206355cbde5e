"""Replays a golden trajectory through gymwire.RemoteEnv and prints what came back as JSON.

    python3 client_golden.py URL GOLDEN.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from gymwire import RemoteEnv, wire  # noqa: E402


def plain(x):
    return x.tolist() if hasattr(x, "tolist") else x


url, golden_path = sys.argv[1], sys.argv[2]
with open(golden_path) as f:
    golden = json.load(f)
env = RemoteEnv(url, golden["env_id"])
obs, info = env.reset(seed=golden["seed"])
out = {
    "numpy": wire.np is not None,
    "obs_type": type(obs).__name__,
    "obs_dtype": str(getattr(obs, "dtype", "")),
    "space": type(env.observation_space).__name__,
    "reset_obs": plain(obs),
    "steps": [],
}
for s in golden["steps"]:
    obs, reward, terminated, truncated, info = env.step(s["action"])
    out["steps"].append({"obs": plain(obs), "reward": reward, "terminated": terminated, "truncated": truncated})
    if terminated or truncated:
        break
out["second_reset_obs"] = plain(env.reset()[0])
env.close()
print(json.dumps(out))
