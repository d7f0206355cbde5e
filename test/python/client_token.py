"""Connects to a server started with a token: without it, with a wrong one, with the right one
(explicitly and through GYMWIRE_TOKEN); prints one JSON object of findings.

    python3 client_token.py URL TOKEN
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from gymwire import Connection, GymwireError, RemoteEnv  # noqa: E402

url, token = sys.argv[1], sys.argv[2]
found = {}


def code_of(fn):
    try:
        fn()
        return "ok"
    except GymwireError as e:
        return e.code


os.environ.pop("GYMWIRE_TOKEN", None)
found["missing"] = code_of(lambda: Connection(url).close())
found["wrong"] = code_of(lambda: Connection(url, token=token + "x").close())
with Connection(url, token=token) as c:
    env = RemoteEnv(c, "Pendulum-v1")
    obs, _ = env.reset(seed=0)
    found["explicit_obs_len"] = len(obs)
    env.close()
os.environ["GYMWIRE_TOKEN"] = token
env = RemoteEnv(url, "CartPole-v1")
env.reset(seed=1)
found["env_var_step"] = len(env.step(0))
env.close()
print(json.dumps(found))
