"""RemoteEnv's gymnasium branch, against a stand-in gymnasium (fake_gymnasium/); prints JSON.

    python3 client_gymnasium.py URL
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "fake_gymnasium"))
sys.path.insert(0, os.path.join(here, "..", "..", "python"))

import gymnasium  # noqa: E402
import numpy as np  # noqa: E402

from gymwire import RemoteEnv  # noqa: E402

url = sys.argv[1]
env = RemoteEnv(url, "Pendulum-v1")
obs, _ = env.reset(seed=4)
box = env.observation_space
cart = RemoteEnv(url, "CartPole-v1")
print(json.dumps({
    "is_gymnasium_env": isinstance(env, gymnasium.Env),
    "obs_space_class": type(box).__module__ + "." + type(box).__name__,
    "box_low": box.low.tolist(),
    "box_low_dtype": str(box.low.dtype),
    "box_shape": list(box.shape),
    "box_dtype": str(box.dtype),
    "obs_in_box": box.contains(obs),
    "reset_seeds": gymnasium.Env.reset_seeds,
    "np_random": type(env.np_random).__name__,
    "action_space": [type(cart.action_space).__name__, cart.action_space.n, cart.action_space.start],
    "step": [type(x).__name__ for x in env.step(np.array([0.5], dtype=np.float32))],
}))
env.close()
cart.close()
