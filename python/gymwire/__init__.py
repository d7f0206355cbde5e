"""gymwire for Python: use envs served by any gymwire server (``RemoteEnv``), and serve
Python envs to any gymwire client (``serve``). Protocol: protocol/PROTOCOL.md."""
from .client import Connection, RemoteEnv, __version__
from .server import EnvRegistration, EnvServer, serve
from .spaces import Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple, space_from_wire, space_to_wire
from .wire import PROTOCOL_VERSION, GymwireError

__all__ = [
    "Box", "Connection", "Dict", "Discrete", "EnvRegistration", "EnvServer", "GymwireError", "MultiBinary",
    "MultiDiscrete", "PROTOCOL_VERSION", "RemoteEnv", "Tuple", "__version__", "serve", "space_from_wire", "space_to_wire",
]
