"""Records 200 steps of each of Gymnasium 1.4's MuJoCo v5 envs, run by Gymnasium's own code.

Writes test/fixtures/mujoco/steps/NAME.json (RECORDINGS below), replayed step by step by
test/envs/mujoco-recordings.test.ts against our envs (envs/mujoco/).

There is no Python `mujoco` on the recording machine (and none is needed): Gymnasium's env
classes (the *_v5.py files and mujoco_env.py's reset, step, do_simulation, set_state) run
unchanged against a stand-in `mujoco` module whose MjModel, MjData and functions (mj_step,
mj_forward, mj_rnePostConstraint, mj_resetData, mj_name2id) forward to MuJoCo's own
WebAssembly build, mujoco-js (MuJoCo 3.3.8, the same as our envs run on), in a Node child
process: scripts/mujoco-rpc.ts. The stand-in MjData keeps numpy copies of the fields
Gymnasium reads (qpos, qvel, ctrl, xpos, site_xpos, cinert, cvel, cfrc_ext, qfrc_actuator,
qfrc_constraint, ten_length, ...): each call sends the writable ones (qpos, qvel, act, ctrl)
and gets them all back, so Gymnasium sees MuJoCo's state as it would with the real bindings.
The physics is then MuJoCo's on both sides; what the recordings check is Gymnasium's env
logic: observation layout and clipping, reward terms, the info dict, termination, frame_skip,
reset noise. Anything else Gymnasium touches raises AttributeError naming it.

Each env is Gymnasium's class with the recording's kwargs (mostly the defaults) inside
gymnasium's TimeLimit (the registered max_episode_steps), reset with its seed and again,
unseeded (the generator's stream continues), when an episode is truncated or OVERRUN_STEPS
steps after it first terminated: Gymnasium's classes step on past termination, and the states
after a fall are the ones the health ranges, observation clips and contact-cost ranges are for.
The actions come from their own generator, numpy.random.default_rng(ACTION_SEED_OFFSET + seed):
rng.uniform(1.2 * low, 1.2 * high) cast to float32 (some lie outside the ctrlrange, which MuJoCo
clamps), as scripts/record-gymnasium.py draws them.

Per step it stores the action, the observation, the reward, terminated/truncated and the
info dict's numeric entries (arrays flattened); per reset, the observation and info. Number
arrays are stored as base64 of little-endian bytes, shuffled (all first bytes, then all second
bytes, ...) and zlib-compressed: float64, exact, except the actions (float32, as drawn) and
the step observations. Those are stored rounded to float32 (Humanoid's are 348 wide: float64
would make its file about twice as large), each step's with the first 8 bytes of the SHA-256
of its exact float64 little-endian bytes, so that a replay can still be checked bit for bit.

    PYTHONPATH=../shared/vendor/gymnasium-1.4.0 /usr/bin/python3 scripts/record-mujoco-steps.py [NAME ...]

Recorded with Gymnasium 1.4.0, numpy 1.24 (Debian's python3-numpy) and the mujoco-js in
package-lock.json (npm ci first: it runs `node --import tsx scripts/mujoco-rpc.ts`).
"""
import base64
import enum
import hashlib
import importlib
import json
import math
import os
import select
import subprocess
import sys
import time
import types
import zlib
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "test" / "fixtures" / "mujoco" / "steps"
STEPS = 200
OVERRUN_STEPS = 40
ACTION_SEED_OFFSET = 10_000
# Seconds to wait for each reply from the Node side (the first includes loading MuJoCo).
REPLY_TIMEOUT = 120
# id -> (module, class)
ENVS = {
    "InvertedPendulum-v5": ("inverted_pendulum_v5", "InvertedPendulumEnv"),
    "InvertedDoublePendulum-v5": ("inverted_double_pendulum_v5", "InvertedDoublePendulumEnv"),
    "Reacher-v5": ("reacher_v5", "ReacherEnv"),
    "Pusher-v5": ("pusher_v5", "PusherEnv"),
    "Swimmer-v5": ("swimmer_v5", "SwimmerEnv"),
    "HalfCheetah-v5": ("half_cheetah_v5", "HalfCheetahEnv"),
    "Hopper-v5": ("hopper_v5", "HopperEnv"),
    "Walker2d-v5": ("walker2d_v5", "Walker2dEnv"),
    "Ant-v5": ("ant_v5", "AntEnv"),
    "Humanoid-v5": ("humanoid_v5", "HumanoidEnv"),
    "HumanoidStandup-v5": ("humanoidstandup_v5", "HumanoidStandupEnv"),
}
NO_LIMIT = (-math.inf, math.inf)
# file name -> (env id, kwargs, seed). One recording per env with its defaults; and Hopper and
# Walker2d once more without an angle limit: with random actions they fall backwards, and the
# angle's lower bound ends every episode before their height could, so only there is the
# height's bound what ends them.
RECORDINGS = {
    **{env_id: (env_id, {}, seed) for seed, env_id in enumerate(ENVS, start=1)},
    "Hopper-v5.no-angle-limit": ("Hopper-v5", {"healthy_angle_range": NO_LIMIT}, 12),
    "Walker2d-v5.no-angle-limit": ("Walker2d-v5", {"healthy_angle_range": NO_LIMIT}, 13),
}


# --- the Node side -------------------------------------------------------------------------


class Rpc:
    """scripts/mujoco-rpc.ts as a child process: one JSON request and one reply per line."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["node", "--import", "tsx", str(ROOT / "scripts" / "mujoco-rpc.ts")],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.next_id = 0
        self.pending = b""

    def __call__(self, op, **args):
        self.next_id += 1
        self.proc.stdin.write((json.dumps({"id": self.next_id, "op": op, **args}) + "\n").encode())
        reply = json.loads(self._line(op))
        if reply.get("id") != self.next_id:
            raise RuntimeError(f"reply {reply.get('id')} to request {self.next_id}")
        if "error" in reply:
            raise RuntimeError(f"mujoco-rpc {op}: {reply['error']}")
        return reply

    def _line(self, op):
        """The next reply line, waiting at most REPLY_TIMEOUT seconds for it."""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + REPLY_TIMEOUT
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise RuntimeError(f"scripts/mujoco-rpc.ts did not answer {op} within {REPLY_TIMEOUT} s")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise RuntimeError(f"scripts/mujoco-rpc.ts ended (exit code {self.proc.wait(timeout=5)}) during {op}")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def from_b64(s):
    return np.frombuffer(base64.b64decode(s), dtype="<f8")


def to_b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f8").tobytes()).decode("ascii")


# --- the stand-in `mujoco` module ----------------------------------------------------------

# MjData fields mirrored (all that Gymnasium's v5 envs read) -> shape, from the model's sizes.
DATA_FIELDS = {
    "qpos": lambda m: (m.nq,),
    "qvel": lambda m: (m.nv,),
    "act": lambda m: (m.na,),
    "ctrl": lambda m: (m.nu,),
    "xpos": lambda m: (m.nbody, 3),
    "xipos": lambda m: (m.nbody, 3),
    "site_xpos": lambda m: (m.nsite, 3),
    "subtree_com": lambda m: (m.nbody, 3),
    "cinert": lambda m: (m.nbody, 10),
    "cvel": lambda m: (m.nbody, 6),
    "cfrc_ext": lambda m: (m.nbody, 6),
    "qfrc_actuator": lambda m: (m.nv,),
    "qfrc_constraint": lambda m: (m.nv,),
    "ten_length": lambda m: (m.ntendon,),
    "ten_velocity": lambda m: (m.ntendon,),
    "sensordata": lambda m: (m.nsensordata,),
}
WRITABLE = ("qpos", "qvel", "act", "ctrl")
BODY_FIELDS = ("xpos", "xipos", "subtree_com", "cinert", "cvel", "cfrc_ext")


def stand_in_mujoco(rpc):
    hello = rpc("hello")
    mj = types.ModuleType("mujoco")
    mj.__version__ = hello["version"]
    mj.mjtObj = enum.IntEnum("mjtObj", hello["mjtObj"])

    class MjModel:
        """A model loaded in the Node process: its sizes, timestep, ctrlrange and body masses."""

        def __init__(self, reply):
            self._handle = reply["model"]
            for name, value in reply["sizes"].items():
                setattr(self, name, value)
            self.opt = types.SimpleNamespace(timestep=reply["timestep"])
            self.vis = types.SimpleNamespace(global_=types.SimpleNamespace(offwidth=640, offheight=480))
            arrays = {k: from_b64(v).copy() for k, v in reply["arrays"].items()}
            self.actuator_ctrlrange = arrays["actuator_ctrlrange"].reshape(self.nu, 2)
            self.body_mass = arrays["body_mass"]

        @classmethod
        def from_xml_path(cls, path):
            return cls(rpc("load", path=str(path)))

        def __getattr__(self, name):
            raise AttributeError(f"the stand-in MjModel does not forward {name}")

    class MjData:
        """Numpy copies of the mirrored fields, refreshed in place after every call."""

        def __init__(self, model):
            reply = rpc("make_data", model=model._handle)
            object.__setattr__(self, "_model", model)
            object.__setattr__(self, "_handle", reply["data"])
            object.__setattr__(self, "_fields", {k: np.zeros(shape(model)) for k, shape in DATA_FIELDS.items()})
            self._pull(reply["fields"])

        def __getattr__(self, name):
            fields = self.__dict__.get("_fields", {})
            if name in fields:
                return fields[name]
            raise AttributeError(f"the stand-in MjData does not forward {name}")

        def __setattr__(self, name, value):
            raise AttributeError(f"the stand-in MjData's {name} is not rebindable: assign into it (data.{name}[:] = ...)")

        def body(self, key):
            body_id = key if isinstance(key, (int, np.integer)) else mj.mj_name2id(self._model, mj.mjtObj.mjOBJ_BODY, key)
            if not 0 <= body_id < self._model.nbody:
                raise KeyError(f"no body {key!r}")
            return types.SimpleNamespace(id=body_id, **{f: self._fields[f][body_id] for f in BODY_FIELDS})

        def _call(self, model, fn, **extra):
            if model is not self._model:
                raise ValueError(f"{fn}: MjData of another model")
            sent = {f: to_b64(self._fields[f]) for f in WRITABLE}
            self._pull(rpc("call", fn=fn, model=model._handle, data=self._handle, set=sent, **extra)["fields"])

        def _pull(self, fields):
            for name, b64 in fields.items():
                a = self._fields[name]
                a[...] = from_b64(b64).reshape(a.shape)

    def mj_step(model, data, nstep=1):
        data._call(model, "mj_step", nstep=int(nstep))

    def mj_name2id(model, obj_type, name):
        return rpc("name2id", model=model._handle, type=int(obj_type), name=name)["objid"]

    mj.MjModel = MjModel
    mj.MjData = MjData
    mj.mj_step = mj_step
    mj.mj_name2id = mj_name2id
    for fn in ("mj_forward", "mj_rnePostConstraint", "mj_resetData"):
        setattr(mj, fn, lambda model, data, _fn=fn: data._call(model, _fn))
    return mj


def install_stand_ins(rpc):
    sys.modules["mujoco"] = stand_in_mujoco(rpc)
    # Only the renderer's methods that are never called here touch these.
    for name in ("glfw", "imageio"):
        sys.modules[name] = mock.MagicMock(name=name)


# --- the recording -------------------------------------------------------------------------


def pack(values, dtype="<f8"):
    """Numbers as zlib-compressed, byte-shuffled little-endian bytes, base64: exact and small."""
    a = np.ascontiguousarray(values, dtype=dtype)
    shuffled = a.view(np.uint8).reshape(-1, a.itemsize).T.tobytes()
    return base64.b64encode(zlib.compress(shuffled, 9)).decode("ascii")


def obs_digest(obs):
    """The first 8 bytes (hex) of the SHA-256 of the observation's little-endian float64 bytes."""
    return hashlib.sha256(np.ascontiguousarray(obs, dtype="<f8").tobytes()).hexdigest()[:16]


def numeric_info(info):
    """The info dict's numeric entries, each as a flat list of floats."""
    out = {}
    for key, value in info.items():
        a = np.asarray(value)
        if a.dtype.kind in "biuf":
            out[key] = [float(v) for v in a.flat]
    return out


def plain(value):
    """A kwarg as JSON: tuples as lists, infinities as the strings "Infinity" / "-Infinity"."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def record(name, gym):
    env_id, kwargs, seed = RECORDINGS[name]
    module, class_name = ENVS[env_id]
    cls = getattr(importlib.import_module(f"gymnasium.envs.mujoco.{module}"), class_name)
    max_steps = gym.spec(env_id).max_episode_steps
    env = gym.wrappers.TimeLimit(cls(**kwargs), max_episode_steps=max_steps)
    space = env.action_space
    rng = np.random.default_rng(ACTION_SEED_OFFSET + seed)
    low, high = 1.2 * space.low, 1.2 * space.high  # float32, as Box(1.2 * low, 1.2 * high) has them

    obs, info = env.reset(seed=seed)
    resets = [{"step": 0, "obs": pack(obs), "info": numeric_info(info)}]
    actions, observations, rewards, infos = [], [], [], {}
    terminated, truncated = [], []
    first_terminated = None
    for t in range(STEPS):
        action = rng.uniform(low, high).astype(space.dtype)
        obs, reward, term, trunc, info = env.step(action)
        actions.append(action)
        observations.append(np.array(obs, dtype=np.float64))
        rewards.append(float(reward))
        for key, values in numeric_info(info).items():
            infos.setdefault(key, []).append(values)
        if term:
            terminated.append(t)
        if trunc:
            truncated.append(t)
        if term and first_terminated is None:
            first_terminated = t
        overrun = first_terminated is not None and t - first_terminated >= OVERRUN_STEPS
        if (trunc or overrun) and t + 1 < STEPS:
            first_terminated = None
            obs, info = env.reset()
            resets.append({"step": t + 1, "obs": pack(obs), "info": numeric_info(info)})
    for key, rows in infos.items():
        if len(rows) != STEPS:
            raise RuntimeError(f"{name}: info[{key!r}] is missing at some steps")
    env.close()
    return {
        "gymnasium": gym.__version__,
        "numpy": np.__version__,
        "mujoco": sys.modules["mujoco"].__version__,
        "env_id": env_id,
        "kwargs": {k: plain(v) for k, v in kwargs.items()},
        "seed": seed,
        "action_seed": ACTION_SEED_OFFSET + seed,
        "max_episode_steps": max_steps,
        "steps": STEPS,
        "overrun_steps": OVERRUN_STEPS,
        "obs_size": int(observations[0].size),
        "action_size": int(actions[0].size),
        "actions": pack(actions, "<f4"),
        "obs": pack(observations, "<f4"),
        "obs_sha256": [obs_digest(o) for o in observations],
        "reward": pack(rewards),
        "terminated": terminated,
        "truncated": truncated,
        "info": {key: {"width": len(rows[0]), "values": pack(rows)} for key, rows in infos.items()},
        "resets": resets,
    }


def main():
    names = sys.argv[1:] or list(RECORDINGS)
    unknown = [n for n in names if n not in RECORDINGS]
    if unknown:
        sys.exit(f"unknown recordings {unknown}; known: {list(RECORDINGS)}")
    rpc = Rpc()
    try:
        install_stand_ins(rpc)
        import gymnasium as gym

        OUT_DIR.mkdir(parents=True, exist_ok=True)
        for name in names:
            out = record(name, gym)
            path = OUT_DIR / f"{name}.json"
            path.write_text(json.dumps(out, allow_nan=False) + "\n")
            ends = f"{len(out['resets'])} resets, {len(out['terminated'])} steps terminated, {len(out['truncated'])} truncated"
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes; {ends})")
    finally:
        rpc.close()


if __name__ == "__main__":
    main()
