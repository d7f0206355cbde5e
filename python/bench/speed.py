"""How much a Python client costs per step, against the same gymwire server.

    python3 python/bench/speed.py [--url ws://HOST:PORT] [--env Pendulum-v1] [--steps 3000]
                                  [--rounds 8] [--sizes 1,16,64,256] [--seconds 1] [--no-ts]

Without --url it starts the Node server of this repository (node --import tsx server/cli.ts).

1. One env, one request in flight: process CPU time per step (time.process_time: user +
   system, which a machine's wake-up latency does not hide) and steps/s of
   - ``minimal``: a blocking client over a plain socket written from PROTOCOL.md alone (below:
     upgrade, one masked frame out, one frame in, msgpack, numpy), the floor a client can reach,
     and ``minimal+pool``, the same with masking keys drawn from a pool as gymwire's are;
   - ``gymwire``: gymwire.RemoteEnv;
   in interleaved rounds (alternating which goes first), with the median of each and of their
   per-round ratios;
   - ``TypeScript``: client/remote-env.ts for reference (bench/remote-cpu.ts, another process).
2. Vector envs (needs gymnasium): env-steps/s and client CPU µs per env-step of
   gymwire.RemoteVectorEnv at each size, against Gymnasium's own SyncVectorEnv of local envs
   (interleaved runs of --seconds each, medians), and the TypeScript RemoteVectorEnv.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

import msgpack  # noqa: E402
import numpy as np  # noqa: E402

from gymwire import RemoteEnv  # noqa: E402


class MinimalClient:
    """A gymwire client from PROTOCOL.md alone: blocking socket, no checks beyond the status line.
    Each frame gets a masking key from os.urandom (a getrandom syscall), as websocket-client does;
    with ``key_pool`` the keys come from a 4 KiB os.urandom pool instead, as gymwire's do."""

    def __init__(self, host: str, port: int, key_pool: bool = False):
        self.key_pool = key_pool
        self.pool, self.at = os.urandom(4096), 0
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += self.sock.recv(4096)
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0

    def _send(self, payload: bytes) -> None:
        n = len(payload)
        if self.key_pool:
            if self.at == 4096:
                self.pool, self.at = os.urandom(4096), 0
            mask, self.at = self.pool[self.at : self.at + 4], self.at + 4
        else:
            mask = os.urandom(4)
        masked = (int.from_bytes(payload, "little") ^ int.from_bytes(mask * (n // 4 + 1), "little")).to_bytes(4 * (n // 4 + 1), "little")[
            :n
        ]
        head = (
            struct.pack("!BB", 0x82, 0x80 | n)
            if n < 126
            else struct.pack("!BBH", 0x82, 0xFE, n)
            if n < 65536
            else struct.pack("!BBQ", 0x82, 0xFF, n)
        )
        self.sock.sendall(head + mask + masked)

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self.sock.recv(65536)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _recv(self) -> Any:
        _, b1 = self._exactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._exactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._exactly(8))[0]
        return msgpack.unpackb(self._exactly(n))

    def request(self, **message: Any) -> Any:
        self.next_id += 1
        message["id"] = self.next_id
        self._send(msgpack.packb(message))
        return self._recv()["result"]


class MinimalEnv:
    """Gymnasium's reset/step on MinimalClient, Box spaces only."""

    def __init__(self, url: str, env_id: str, key_pool: bool = False):
        host, port = url.split("//")[1].rsplit(":", 1)
        self.client = MinimalClient(host, int(port), key_pool)
        self.client.request(op="hello", protocol_version="1.1", client_name="minimal", client_version="0")
        made = self.client.request(op="make", env_id=env_id)
        self.handle, self.act = made["handle"], made["action_space"]
        self.obs_dtype = np.dtype(made["observation_space"]["dtype"])

    def reset(self, seed: Any = None) -> Any:
        r = self.client.request(op="reset", handle=self.handle, seed=seed)
        return np.frombuffer(r["obs"]["data"], self.obs_dtype), r["info"]

    def step(self, action: Any) -> Any:
        a = np.asarray(action, self.act["dtype"])
        r = self.client.request(
            op="step", handle=self.handle, action={"dtype": self.act["dtype"], "shape": self.act["shape"], "data": a.tobytes()}
        )
        return np.frombuffer(r["obs"]["data"], self.obs_dtype), r["reward"], r["terminated"], r["truncated"], r["info"]


def run_steps(env: Any, n: int, action: Any) -> Tuple[float, float]:
    """(CPU µs per step, steps/s) of n steps, resetting at episode ends."""
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return cpu / n * 1e6, n / wall


def single(url: str, env_id: str, steps: int, rounds: int) -> Dict[str, Any]:
    envs: Dict[str, Any] = {
        "minimal": MinimalEnv(url, env_id),
        "minimal+pool": MinimalEnv(url, env_id, key_pool=True),
        "gymwire": RemoteEnv(url, env_id),
    }
    action = np.zeros(envs["gymwire"].action_space.shape, envs["gymwire"].action_space.dtype)
    for env in envs.values():
        env.reset(seed=0)
        run_steps(env, min(steps, 1000), action)  # warm up
    figures: Dict[str, List[Tuple[float, float]]] = {name: [] for name in envs}
    ratios: Dict[str, List[float]] = {"minimal": [], "minimal+pool": []}
    for r in range(rounds):
        order = list(envs) if r % 2 == 0 else list(reversed(envs))
        got = {name: run_steps(envs[name], steps, action) for name in order}
        for name, f in got.items():
            figures[name].append(f)
        for name, rs in ratios.items():
            rs.append(got["gymwire"][0] / got[name][0])
    envs["gymwire"].close()
    return {
        name: {"cpu_us_per_step": statistics.median(c for c, _ in f), "steps_per_s": statistics.median(s for _, s in f)}
        for name, f in figures.items()
    } | {"ratios": ratios}


def vector(url: str, env_id: str, sizes: List[int], seconds: float, rounds: int) -> Dict[int, Dict[str, float]]:
    """Per size: env-steps/s and client CPU µs per env-step of both vector envs, medians of
    ``rounds`` interleaved runs of ``seconds`` each."""
    import gymnasium as gym

    from gymwire import RemoteVectorEnv

    out: Dict[int, Dict[str, float]] = {}
    for n in sizes:
        envs = {
            "gymwire": RemoteVectorEnv(url, env_id, num_envs=n),
            "gymnasium": gym.vector.SyncVectorEnv([lambda: gym.make(env_id) for _ in range(n)]),
        }
        runs: Dict[str, List[Tuple[float, float]]] = {name: [] for name in envs}
        for name, e in envs.items():
            e.reset(seed=0)
            for _ in range(20):
                e.step(np.zeros(e.action_space.shape, e.action_space.dtype))
        for r in range(rounds):
            for name in list(envs) if r % 2 == 0 else list(reversed(envs)):
                e = envs[name]
                actions = np.zeros(e.action_space.shape, e.action_space.dtype)
                count = 0
                c0, t0 = time.process_time(), time.perf_counter()
                while time.perf_counter() - t0 < seconds:
                    for _ in range(5):
                        e.step(actions)
                    count += 5
                cpu, wall = time.process_time() - c0, time.perf_counter() - t0
                runs[name].append((count * n / wall, cpu / (count * n) * 1e6))
        for e in envs.values():
            e.close()
        out[n] = {
            f"{name}_{key}": statistics.median(run[i] for run in rs)
            for name, rs in runs.items()
            for i, key in enumerate(("env_steps_per_s", "cpu_us_per_env_step"))
        }
    return out


def typescript(url: str, env_id: str, steps: int, sizes: List[int], seconds: float) -> Dict[str, Any]:
    r = subprocess.run(
        [
            "node",
            "--import",
            "tsx",
            "bench/remote-cpu.ts",
            "--url",
            url,
            "--env",
            env_id,
            "--steps",
            str(steps),
            "--sizes",
            ",".join(map(str, sizes)),
            "--seconds",
            str(seconds),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def start_node_server() -> Tuple[str, Callable[[], None]]:
    child = subprocess.Popen(["node", "--import", "tsx", "server/cli.ts", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()  # type: ignore[union-attr]
    if "listening on" not in line:
        child.kill()
        raise RuntimeError(f"the Node server did not start: {line!r}")

    def stop() -> None:
        child.terminate()
        child.wait(10)

    return line.split("listening on ")[1].strip(), stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--env", default="Pendulum-v1")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--sizes", default="1,16,64,256")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--no-ts", action="store_true", help="skip the TypeScript reference")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url, stop = (args.url, lambda: None) if args.url else start_node_server()
    try:
        print(f"server {url}, env {args.env}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        s = single(url, args.env, args.steps, args.rounds)
        ts = None
        if not args.no_ts:
            try:
                ts = typescript(url, args.env, args.steps, sizes, args.seconds)
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"(TypeScript reference skipped: {e})")
        print(f"\n1. one env, one request in flight ({args.rounds} interleaved rounds of {args.steps} steps; medians)")
        print(f"{'client':<14}{'CPU us/step':>14}{'steps/s':>12}")
        for name in ("minimal", "minimal+pool", "gymwire"):
            print(f"{name:<14}{s[name]['cpu_us_per_step']:>14.1f}{s[name]['steps_per_s']:>12,.0f}")
        if ts:
            print(
                f"{'TypeScript':<14}{statistics.median(r['cpu_us_per_step'] for r in ts['single']):>14.1f}"
                f"{statistics.median(r['steps_per_s'] for r in ts['single']):>12,.0f}"
            )
        for name, rs in s["ratios"].items():
            print(
                f"gymwire / {name} CPU per step: median of per-round ratios {statistics.median(rs):.3f} "
                f"(rounds: {', '.join(f'{r:.2f}' for r in rs)})"
            )
        try:
            v = vector(url, args.env, sizes, args.seconds, max(1, args.rounds // 2))
        except ImportError as e:
            print(f"\n2. vector envs skipped: {e}")
            return
        print(
            f"\n2. vector envs, {args.env}: env-steps/s (client CPU us per env-step), "
            f"medians of {max(1, args.rounds // 2)} interleaved runs"
        )
        print(f"{'num_envs':>8}{'gymwire.RemoteVectorEnv':>28}{'gymnasium SyncVectorEnv':>28}{'TypeScript RemoteVectorEnv':>30}")
        for n, row in v.items():
            t = ts["vector"].get(str(n)) if ts else None
            print(
                f"{n:>8}{row['gymwire_env_steps_per_s']:>18,.0f} ({row['gymwire_cpu_us_per_env_step']:>6.2f})"
                f"{row['gymnasium_env_steps_per_s']:>18,.0f} ({row['gymnasium_cpu_us_per_env_step']:>6.2f})"
                + (f"{t['env_steps_per_s']:>20,.0f} ({t['cpu_us_per_env_step']:>6.2f})" if t else "")
            )
        print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    finally:
        stop()


if __name__ == "__main__":
    main()
