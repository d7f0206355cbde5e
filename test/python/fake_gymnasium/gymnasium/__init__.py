"""A stand-in for gymnasium with just the surface gymwire's gymnasium branch touches, so that
branch is exercised where the real package cannot be installed. It records how it was used."""
import numpy as np

from . import spaces  # noqa: F401

__version__ = "0.0-fake"


class Env:
    metadata = {"render_modes": []}
    spec = None
    reset_seeds = []

    def reset(self, *, seed=None, options=None):
        Env.reset_seeds.append(seed)
        if seed is not None or not hasattr(self, "np_random"):
            self.np_random = np.random.default_rng(seed)
