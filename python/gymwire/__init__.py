"""gymwire for Python: use envs served by any gymwire server (``RemoteEnv``, ``RemoteVectorEnv``),
and serve Python envs to any gymwire client (``serve``). Protocol: protocol/PROTOCOL.md."""
from .connection import Connection, Reconnect, __version__
from .errors import (
    BadRequestError,
    ConnectionLostError,
    EnvBrokenError,
    GymwireError,
    InternalError,
    InvalidActionError,
    InvalidKwargsError,
    LimitExceededError,
    NotReadyError,
    ResetNeededError,
    UnauthorizedError,
    UnknownEnvError,
    UnknownHandleError,
    UnsupportedError,
    VersionMismatchError,
)
from .remote_env import RemoteEnv
from .server import EnvRegistration, EnvServer, serve
from .spaces import Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple, space_from_wire, space_to_wire
from .wire import PROTOCOL_VERSION

try:  # RemoteVectorEnv is a gymnasium.vector.VectorEnv: only with gymnasium (and numpy)
    from .remote_vector_env import RemoteVectorEnv
except ImportError:  # pragma: no cover - exercised by the install test without gymnasium
    pass

__all__ = [
    "BadRequestError",
    "Box",
    "Connection",
    "ConnectionLostError",
    "Dict",
    "Discrete",
    "EnvBrokenError",
    "EnvRegistration",
    "EnvServer",
    "GymwireError",
    "InternalError",
    "InvalidActionError",
    "InvalidKwargsError",
    "LimitExceededError",
    "MultiBinary",
    "MultiDiscrete",
    "NotReadyError",
    "PROTOCOL_VERSION",
    "Reconnect",
    "RemoteEnv",
    "RemoteVectorEnv",
    "ResetNeededError",
    "Tuple",
    "UnauthorizedError",
    "UnknownEnvError",
    "UnknownHandleError",
    "UnsupportedError",
    "VersionMismatchError",
    "__version__",
    "serve",
    "space_from_wire",
    "space_to_wire",
]
