"""Records what Gymnasium 1.4's BipedalWalker builds on reset, without Box2D.

Box2D cannot be built here, so Gymnasium's physics cannot run; but everything reset does
before its first world step (terrain with stumps, stairs and pits, clouds, the hull's initial
push, the draws from the env's generator) is plain Python and numpy. This script runs
Gymnasium's own bipedal_walker.py with a stand-in `Box2D` module that only records the
bodies, fixtures, forces and joints it is asked for, and writes them to
test/fixtures/bipedal-walker-resets.json, which test/envs/box2d-bipedal-walker.test.ts
compares with ours for BipedalWalkerHardcore-v3 (which has no golden trajectory) and
BipedalWalker-v3.

    PYTHONPATH=../shared/vendor/gymnasium-1.4.0 /usr/bin/python3 scripts/record-walker-terrain.py

Needs numpy 1.24 (as the golden recordings: Debian's python3-numpy).
"""
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "bipedal-walker-resets.json"
HARDCORE_SEEDS = [0, 1, 2]
NORMAL_SEEDS = [0, 1, 2]


def short(v):
    """12 significant digits: the test compares to 1e-9, and the file stays small."""
    return float(f"{float(v):.12g}")


class Recorder:
    """What the stand-in world is asked to create, in order."""

    def __init__(self):
        self.static = []  # static bodies' fixture vertices, flattened
        self.dynamic = []  # dynamic bodies: position, angle, fixture
        self.forces = []
        self.joints = []
        self.fixture_params = set()  # every static fixture's (friction, categoryBits)


REC = Recorder()


class Shape:
    def __init__(self, vertices=None, box=None, radius=None, pos=None):
        self.vertices = vertices
        self.box = box


class FixtureDef:
    def __init__(self, shape=None, **kwargs):
        self.shape = shape
        self.kwargs = kwargs


class Body:
    """A stand-in b2Body; Gymnasium sets colors and ground_contact on it freely."""

    def ApplyForceToCenter(self, force, wake):
        REC.forces.append([short(v) for v in force])


class World:
    def CreateStaticBody(self, fixtures):
        REC.static.append([short(c) for p in fixtures.shape.vertices for c in p])
        REC.fixture_params.add((fixtures.kwargs.get("friction"), fixtures.kwargs.get("categoryBits", 1)))
        return Body()

    def CreateDynamicBody(self, position, fixtures, angle=0.0):
        shape = fixtures.shape
        REC.dynamic.append(
            {
                "position": [short(v) for v in position],
                "angle": short(angle),
                "vertices": [[short(x), short(y)] for x, y in shape.vertices] if shape.vertices else None,
                "box": [short(v) for v in shape.box] if shape.box else None,
                **{k: short(v) for k, v in fixtures.kwargs.items()},
            }
        )
        return Body()

    def CreateJoint(self, jd):
        REC.joints.append(
            {k: [short(c) for c in v] if isinstance(v, tuple) else short(v) for k, v in jd.items() if k not in ("bodyA", "bodyB")}
        )

    def DestroyBody(self, body):
        pass


class RayCastCallback:
    pass


class ContactListener:
    def __init__(self, *args, **kwargs):
        pass


def install_stand_in_box2d():
    b2 = types.ModuleType("Box2D.b2")
    b2.circleShape = Shape
    b2.edgeShape = Shape
    b2.polygonShape = Shape
    b2.fixtureDef = FixtureDef
    b2.revoluteJointDef = lambda **kwargs: kwargs
    b2.contactListener = ContactListener
    b2.rayCastCallback = RayCastCallback
    box2d = types.ModuleType("Box2D")
    box2d.b2 = b2
    box2d.b2World = World
    sys.modules["Box2D"] = box2d
    sys.modules["Box2D.b2"] = b2


def load_bipedal_walker():
    """gymnasium/envs/box2d/bipedal_walker.py alone (the package's __init__ needs car racing too)."""
    import gymnasium

    path = Path(gymnasium.__file__).parent / "envs" / "box2d" / "bipedal_walker.py"
    spec = importlib.util.spec_from_file_location("bipedal_walker", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # reset() ends with one world step, which needs the physics: stop there.
    module.BipedalWalker.step = lambda self, action: (np.zeros(24, dtype=np.float32), 0.0, False, False, {})
    return module


def snapshot(env):
    """The reset just recorded: static bodies split into obstacles and terrain edges."""
    edges = len(env.terrain_x) - 1
    obstacles = REC.static[: len(REC.static) - edges]
    # Gymnasium makes the edges last, one per pair of consecutive terrain points.
    for i, edge in enumerate(REC.static[len(obstacles) :]):
        assert edge == [short(env.terrain_x[i]), short(env.terrain_y[i]), short(env.terrain_x[i + 1]), short(env.terrain_y[i + 1])]
    assert REC.fixture_params == {(2.5, 1)}, REC.fixture_params
    shot = {
        "terrain_y": [short(y) for y in env.terrain_y],
        "obstacles": obstacles,
        "clouds": [[short(c) for p in poly for c in p] for poly, _, _ in env.cloud_poly],
        "forces": REC.forces,
        "dynamic": REC.dynamic,
        "joints": REC.joints,
    }
    REC.__init__()
    return shot


def record(module, hardcore, seed, second):
    env = module.BipedalWalker(hardcore=hardcore)
    REC.__init__()
    env.reset(seed=seed)
    out = {"hardcore": hardcore, "seed": seed, "reset": snapshot(env)}
    if second:
        env.reset()  # without a seed: the generator's stream continues
        out["second_reset"] = snapshot(env)
    out["next_uniform"] = float(env.np_random.uniform())
    return out


def main():
    install_stand_in_box2d()
    module = load_bipedal_walker()
    records = [record(module, True, s, s == HARDCORE_SEEDS[0]) for s in HARDCORE_SEEDS]
    records += [record(module, False, s, False) for s in NORMAL_SEEDS]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "source": "Gymnasium 1.4.0 bipedal_walker.py run by scripts/record-walker-terrain.py with a stand-in Box2D",
                "numpy": np.__version__,
                "records": records,
            }
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
