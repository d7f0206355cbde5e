"""Exercises gymwire.RemoteEnv's API without gymnasium (the package's own spaces), with numpy or
(GYMWIRE_NO_NUMPY=1) without; prints one JSON object of findings.

    python3 client_api.py URL
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from gymwire import Connection, GymwireError, RemoteEnv  # noqa: E402
from gymwire import wire  # noqa: E402

url = sys.argv[1]
found = {"numpy": wire.np is not None}

envs = RemoteEnv.list_envs(url)
found["listed"] = sorted(e["id"] for e in envs)

env = RemoteEnv(url, "Pendulum-v1", render_mode="rgb_array", g=9.81)
found["gymnasium"] = "gymnasium" in sys.modules
found["spec_g"] = env.gymwire_spec["kwargs"]["g"]
found["action_space"] = repr(env.action_space)
a = env.action_space.sample()
found["sample_in_space"] = bool(env.action_space.contains(a))
obs, info = env.reset(seed=3)
found["obs_in_space"] = bool(env.observation_space.contains(obs))
try:
    env.step([0.1, 0.2])
    found["wrong_shape"] = "no error"
except GymwireError as e:
    found["wrong_shape"] = e.code
try:
    env.step([float("nan")])
    found["nan"] = "no error"
except GymwireError as e:
    found["nan"] = e.code
result = env.step([0.5])
found["step_len"] = len(result)
found["step_types"] = [type(result[1]).__name__, type(result[2]).__name__, type(result[3]).__name__, type(result[4]).__name__]
frame = env.render()
shape = list(frame.shape) if hasattr(frame, "shape") else [len(frame), len(frame[0]), len(frame[0][0])]
found["frame_shape"] = shape
env.close()

# Two envs on one connection; a discrete one.
with Connection(url) as c:
    cart = RemoteEnv(c, "CartPole-v1")
    obs, _ = cart.reset(seed=0)
    found["cartpole_action_space"] = repr(cart.action_space)
    found["cartpole_step"] = cart.step(1)[2:4]
    try:
        cart.step(2)
        found["discrete_out_of_range"] = "no error"
    except GymwireError as e:
        found["discrete_out_of_range"] = e.code
    cart.close()

try:
    RemoteEnv(url, "NoSuchEnv-v0")
    found["unknown_env"] = "no error"
except GymwireError as e:
    found["unknown_env"] = e.code
try:
    RemoteEnv("ws://127.0.0.1:9", "Pendulum-v1")
    found["no_server"] = "no error"
except GymwireError as e:
    found["no_server"] = e.code
print(json.dumps(found))
