"""What the Python test modules share: the package on sys.path, the servers test/python/python.test.ts
started (URLs in environment variables), and Python servers run in a thread of the test process."""
from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import unittest
import warnings
from typing import Any, Callable, List, Optional

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

import websockets  # noqa: E402

from gymwire import EnvServer  # noqa: E402

# python.test.ts runs the server's modules under each websockets version it tests (find-python.ts):
# a run that meant one version must not pass on another.
_WANTED = os.environ.get("GYMWIRE_TEST_WEBSOCKETS")
if _WANTED and websockets.__version__ != _WANTED:
    raise RuntimeError(f"websockets {websockets.__version__} imported from {websockets.__file__}, not {_WANTED} (GYMWIRE_TEST_WEBSOCKETS)")


def url(name: str = "GYMWIRE_TEST_URL") -> str:
    """A server's URL from python.test.ts (skips the test when it was not given one)."""
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest(f"{name} is not set (python.test.ts sets it)")
    return value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadedServer:
    """An EnvServer on its own event loop in a daemon thread; ``stop()`` drops every connection
    (as a server restart would) and ``start()`` serves again on the same port."""

    def __init__(self, envs: Any, port: Optional[int] = None, **options: Any):
        self.envs = envs
        # Connections are dropped at stop(): no need to wait a second for their close frames.
        self.options = {"close_timeout": 0.1, **options}
        self.port = port or free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: Optional[EnvServer] = None
        self.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, **options: Any) -> None:
        self.server = EnvServer(self.envs, "127.0.0.1", self.port, **{**self.options, **options})
        self._run(self.server.start())

    def stop(self) -> None:
        async def stop() -> None:
            assert self.server is not None
            self.server.close()
            await self.server.wait_closed()

        self._run(stop())

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def gym_warnings(run: Callable[[], Any]) -> List[str]:
    """The messages of the warnings ``run()`` raised (gymnasium.logger.warn goes through warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    return [str(w.message).replace("\x1b[33m", "").replace("\x1b[0m", "") for w in caught]
