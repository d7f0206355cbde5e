"""What Gymnasium reads about an env besides its API: ``spec`` (a ``gymnasium.envs.registration.EnvSpec``)
and ``metadata`` (render modes and fps), built from what the server says.

The spec's entry point is a ``RemoteEnvCreator``, so ``gymnasium.make(env.spec)`` — which
``check_env`` uses to try each render mode and ``close()`` twice — makes another ``RemoteEnv``
of the same id on the same server. It asks the server for an env without a time limit and
lets ``gymnasium.make`` add ``TimeLimit(spec.max_episode_steps)``, exactly as Gymnasium does
with a local env, so ``gymnasium.make(env.spec, max_episode_steps=N)`` truncates at N.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from .connection import Connection

try:
    from gymnasium.envs.registration import EnvSpec
except ImportError:
    EnvSpec = None  # type: ignore[assignment,misc]

#: The renderings a RemoteEnv can give: the protocol's render op returns an RGB array.
CLIENT_RENDER_MODES = ("rgb_array",)

#: max_episode_steps asked of the server when gymnasium.make's TimeLimit does the truncating.
NO_SERVER_TIME_LIMIT = 2**31 - 1


def env_metadata(info: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """``metadata`` from the server's EnvInfo: ``render_modes`` are the server's modes that a
    client can render (``rgb_array``), and ``render_fps`` is the server's. A server that does not
    report them (protocol 1.1) is assumed to render ``rgb_array`` (its envs answer ``render``
    with an RGB frame or ``unsupported``) at an unknown fps, which is then left out."""
    info = info or {}
    modes = info.get("render_modes")
    render_modes: List[str] = [m for m in modes if m in CLIENT_RENDER_MODES] if isinstance(modes, list) else list(CLIENT_RENDER_MODES)
    metadata: Dict[str, Any] = {"render_modes": render_modes}
    fps = info.get("render_fps")
    if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0:
        metadata["render_fps"] = fps
    return metadata


class RemoteEnvCreator:
    """The entry point of a remote env's EnvSpec: ``creator(**kwargs)`` makes ``RemoteEnv(url,
    env_id, **kwargs)`` with the connection settings of the env it came from (token included,
    never shown in its repr)."""

    def __init__(self, url: str, env_id: str, connect: Dict[str, Any], metadata: Dict[str, Any], time_limit: Optional[int]):
        self.url = url
        self.env_id = env_id
        self.connect = connect
        #: gymnasium.make reads the creator's metadata to pick render modes.
        self.metadata = metadata
        self.time_limit = time_limit

    def __call__(self, **kwargs: Any) -> Any:
        from .remote_env import RemoteEnv

        if self.time_limit is not None:
            kwargs.setdefault("max_episode_steps", NO_SERVER_TIME_LIMIT)
        return RemoteEnv(self.url, self.env_id, connect=self.connect, **kwargs)

    def __repr__(self) -> str:
        return f"gymwire.RemoteEnvCreator({self.url!r}, {self.env_id!r})"


def make_spec(connection: Connection, env_id: str, server_spec: Dict[str, Any], metadata: Dict[str, Any]) -> Any:
    """A gymnasium EnvSpec for an env the server made (None without gymnasium)."""
    if EnvSpec is None:
        return None
    limit = server_spec.get("max_episode_steps")
    # A list is a range kwarg (1.4; the only array a kwarg holds): a tuple, as Gymnasium's spec has it.
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in (server_spec.get("kwargs") or {}).items()}
    try:
        return EnvSpec(
            id=server_spec.get("id", env_id),
            entry_point=RemoteEnvCreator(connection.url, env_id, connection.settings(), metadata, limit),
            reward_threshold=server_spec.get("reward_threshold"),
            nondeterministic=bool(server_spec.get("nondeterministic", False)),
            max_episode_steps=limit,
            kwargs=kwargs,
        )
    except Exception as e:  # noqa: BLE001 - an id Gymnasium cannot parse: no spec, as for an env made without make()
        from gymnasium import logger

        logger.warn(f"gymwire: no EnvSpec for {env_id!r}: {e}")
        return None
