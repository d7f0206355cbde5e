"""Stand-in gymnasium.spaces: each class keeps the arguments it was built with."""
import numpy as np


class Space:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Box(Space):
    def __init__(self, low, high, shape=None, dtype=np.float32):
        super().__init__(low, high, shape=shape, dtype=dtype)
        self.low, self.high, self.shape, self.dtype = low, high, shape, np.dtype(dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and x.dtype == self.dtype and bool(np.all(x >= self.low) and np.all(x <= self.high))


class Discrete(Space):
    def __init__(self, n, start=0):
        super().__init__(n, start=start)
        self.n, self.start = n, start


class MultiDiscrete(Space):
    pass


class MultiBinary(Space):
    pass


class Tuple(Space):
    pass


class Dict(Space):
    pass
