"""How much CPU the Python server spends per step, for one or more copies of the package.

    python3 python/bench/server_cost.py [--package DIR]... [--env Pendulum-v1] [--steps 4000]
                                        [--rounds 6] [--callgrind]

Each ``--package`` is a folder holding a ``gymwire`` package (default: this checkout's
python/), so two versions of the server can be compared in one run. Per round and package, a
server process (``EnvServer`` hosting Gymnasium's env, ../shared/vendor/gymnasium-1.4.0) is
stepped ``--steps`` times by one blocking client with one request in flight (speed.py's
MinimalClient); the figure is the server's CPU time per step, read from the kernel's
per-thread run time (/proc/PID/task/*/schedstat, nanoseconds), which neither the client nor
the machine's wake-up latency enters. Rounds alternate which package goes first; the medians
and the median of the per-round ratios against the first package are printed. Linux only.

On a machine shared with other work, CPU time per step moves by 10-30 % between rounds (caches
and cores shared with other processes). ``--callgrind`` counts instead the instructions the
server executes per step (valgrind's callgrind, instrumentation switched on for the stepping
only), which load does not change: one run of ``--steps`` steps per package.
"""
from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
GYMNASIUM = os.path.abspath(os.path.join(ROOT, "..", "shared", "vendor", "gymnasium-1.4.0"))
sys.path.insert(0, HERE)

import msgpack  # noqa: E402
import numpy as np  # noqa: E402

from speed import MinimalClient  # noqa: E402

# Runs in the server process: only what every version of EnvServer takes.
SERVER = """
import asyncio, sys
import gymnasium as gym
import gymwire.server
from gymwire import EnvRegistration, EnvServer
env_id = sys.argv[1]
if sys.argv[2:] == ["callgrind"]:
    # valgrind makes every step take milliseconds, which the server would take for a long step
    # and follow with a turn for the other connections: not what it does at full speed.
    gymwire.server._TURN_SECONDS = float("inf")
reg = EnvRegistration(
    env_id, lambda: gym.make(env_id, max_episode_steps=-1).unwrapped, max_episode_steps=gym.spec(env_id).max_episode_steps, kwargs={}
)
async def main():
    server = EnvServer([reg], port=0)
    await server.start()
    print(server.url, flush=True)
    await server.wait_closed()
asyncio.run(main())
"""


def cpu_ns(pid: int) -> int:
    """Run time of every thread of ``pid`` so far (schedstat's first field), in nanoseconds."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        with open(path) as f:
            total += int(f.read().split()[0])
    return total


class Server:
    """A server process and one client stepping it. ``id_last`` sends the step's id after its
    other fields, a layout the server's fast path does not know (its frames take the byte scan)."""

    def __init__(self, package: str, env_id: str, callgrind: bool = False, id_last: bool = False):
        self.id_last = id_last
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([package, GYMNASIUM])}
        tool = (
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", os.environ.get("CALLGRIND_OUT", "--callgrind-out-file=/dev/null"), "-q"]
            if callgrind
            else []
        )
        self.child = subprocess.Popen(
            [*tool, sys.executable, "-c", SERVER, env_id, *(["callgrind"] if callgrind else [])], env=env, stdout=subprocess.PIPE, text=True
        )
        url = self.child.stdout.readline().strip()  # type: ignore[union-attr]
        if not url.startswith("ws://"):
            self.child.kill()
            raise RuntimeError(f"the server of {package} did not start")
        host, port = url[len("ws://") :].rsplit(":", 1)
        self.client = MinimalClient(host, int(port))
        self.client.request(op="hello", protocol_version="1.1", client_name="server-cost", client_version="0")
        made = self.client.request(op="make", env_id=env_id)
        self.handle = made["handle"]
        space = made["action_space"]
        if space["type"] == "Box":
            data = np.zeros(space["shape"], space["dtype"]).tobytes()
            self.action: Any = {"dtype": space["dtype"], "shape": space["shape"], "data": data}
        else:
            self.action = int(space.get("start", 0))
        self.client.request(op="reset", handle=self.handle, seed=0)

    def steps(self, n: int) -> float:
        """Server CPU µs per step over n steps (resets at episode ends included)."""
        c0 = cpu_ns(self.child.pid)
        self._run(n)
        return (cpu_ns(self.child.pid) - c0) / n / 1000

    def instructions(self, n: int) -> float:
        """Instructions the server executes per step over n steps (needs callgrind)."""
        control = ["callgrind_control", str(self.child.pid)]
        subprocess.run([*control, "--instr=on"], check=True, capture_output=True)
        subprocess.run([*control, "--zero"], check=True, capture_output=True)
        self._run(n)
        out = subprocess.run([*control, "-e", "Ir"], check=True, capture_output=True, text=True).stdout
        subprocess.run([*control, "--instr=off"], check=True, capture_output=True)
        # "Totals: Ir" then one line per thread: "Th 1  149,834,289".
        counts = [int(line.split()[2].replace(",", "")) for line in out.splitlines() if line.strip().startswith("Th ")]
        if not counts:
            raise RuntimeError(f"callgrind_control printed no Ir counter: {out}")
        return sum(counts) / n

    def _run(self, n: int) -> None:
        client = self.client
        for _ in range(n):
            client.next_id += 1
            # As the package's and the Node clients write a step (id first), unless id_last.
            if self.id_last:
                step = {"op": "step", "handle": self.handle, "action": self.action, "id": client.next_id}
            else:
                step = {"id": client.next_id, "op": "step", "handle": self.handle, "action": self.action}
            client._send(msgpack.packb(step))
            r = client._recv()["result"]
            if r["terminated"] or r["truncated"]:
                client.request(op="reset", handle=self.handle)

    def stop(self) -> None:
        self.child.terminate()
        self.child.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", action="append", help="a folder holding a gymwire package (repeat to compare)")
    parser.add_argument("--env", default="Pendulum-v1")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--callgrind", action="store_true", help="count instructions per step instead (valgrind)")
    parser.add_argument("--id-last", action="store_true", help="send each step's id after its other fields")
    args = parser.parse_args()
    packages = args.package or [os.path.join(ROOT, "python")]
    if args.callgrind:
        per_step = {}
        for p in packages:
            server = Server(p, args.env, callgrind=True, id_last=args.id_last)
            try:
                server.steps(200)  # warm up
                per_step[p] = server.instructions(args.steps)
            finally:
                server.stop()
        layout = ", id last" if args.id_last else ""
        print(f"{args.env}: instructions the server executes per step ({args.steps} steps{layout}, callgrind)")
        for p in packages:
            print(f"  {p:50} {per_step[p]:10,.0f}  (x{per_step[p] / per_step[packages[0]]:.3f} of the first)")
        return
    servers = [Server(p, args.env, id_last=args.id_last) for p in packages]
    try:
        for s in servers:
            s.steps(min(args.steps, 1000))  # warm up
        figures: Dict[str, List[float]] = {p: [] for p in packages}
        for r in range(args.rounds):
            order = list(zip(packages, servers))
            for p, s in order if r % 2 == 0 else reversed(order):
                figures[p].append(s.steps(args.steps))
    finally:
        for s in servers:
            s.stop()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"{args.env}: server CPU µs per step, median of {args.rounds} rounds of {args.steps} steps (load average {load})")
    first = figures[packages[0]]
    for p in packages:
        ratio = statistics.median(x / y for x, y in zip(figures[p], first))
        rounds = ", ".join(f"{x:.1f}" for x in figures[p])
        print(f"  {p:50} {statistics.median(figures[p]):7.1f}  (x{ratio:.3f} of the first; rounds {rounds})")


if __name__ == "__main__":
    main()
