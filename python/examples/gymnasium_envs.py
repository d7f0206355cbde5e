"""Gymnasium's classic-control envs served over gymwire by the Python server.

    python3 python/examples/gymnasium_envs.py [--port 8765] [--host 127.0.0.1] [--token T]
        [--max-payload BYTES] [--max-envs N] [--max-num-envs N] [...]

is ``python3 -m gymwire serve CartPole-v1 MountainCar-v0 MountainCarContinuous-v0 Pendulum-v1
Acrobot-v1 [flags]`` (any flag of ``python3 -m gymwire serve --help``). Needs gymnasium (and
numpy). What ``list_envs`` tells clients — make kwargs, reset options, episode limit, reward
threshold, render modes — is read from Gymnasium (gymwire/gymnasium_registry.py). Frames for
``render`` need pygame; without it the envs list no render modes.
"""
import os
import sys

try:
    import gymwire  # noqa: F401 - installed (pip install ./python)
except ImportError:  # run from a checkout: the package next to this folder
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from gymwire.cli import serve_main  # noqa: E402

ENV_IDS = ["CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "Acrobot-v1"]

if __name__ == "__main__":
    sys.exit(serve_main([*ENV_IDS, *sys.argv[1:]], prog="gymnasium_envs.py"))
