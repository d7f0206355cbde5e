// BipedalWalker and BipedalWalkerHardcore: resets against what Gymnasium 1.4 builds, plus
// termination, time limits and reward for forward progress. (Recorded episodes are replayed
// step by step in box2d-golden.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Body, type BodyDef, type Joint, type Polygon, type RevoluteJoint, type Vec2Value } from 'planck';
import { make } from '../../envs/index.ts';
import { BipedalWalker, TERRAIN_STEP } from '../../envs/box2d/bipedal-walker.ts';
import { BipedalWalkerHeuristic } from '../../envs/box2d/heuristics.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { Wrapper } from '../../envs/wrappers.ts';

// What Gymnasium's reset builds, recorded by running its own bipedal_walker.py with a
// stand-in Box2D (scripts/record-walker-terrain.py): terrain (with stumps, stairs and pits
// in hardcore), clouds, the hull's push, the bodies' and joints' definitions, and where the
// generator's stream stands afterwards. This is how BipedalWalkerHardcore-v3, which has no
// golden trajectory, is compared with Gymnasium: its physics is BipedalWalker-v3's,
// replayed step by step in box2d-golden.test.ts.
interface ResetRecord {
  terrain_y: number[];
  obstacles: number[][];
  clouds: number[][];
  forces: number[][];
  dynamic: { position: number[]; angle: number; vertices: number[][] | null; box: number[] | null; [param: string]: unknown }[];
  joints: Record<string, number | number[]>[];
}
const RECORDS = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/bipedal-walker-resets.json', import.meta.url)), 'utf8')) as {
    records: { hardcore: boolean; seed: number; reset: ResetRecord; second_reset?: ResetRecord; next_uniform: number }[];
  }
).records;

function near(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got}, Gymnasium ${want}`);
}

function nearAll(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((x, i) => near(x, want[i], `${what}[${i}]`));
}

/** A polygon's points, sorted (planck, like Box2D, stores them in its convex hull's order). */
function pointSet(flat: number[]): number[] {
  const points: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) points.push([flat[i], flat[i + 1]]);
  return points.sort((a, b) => a[0] - b[0] || a[1] - b[1]).flat();
}

/** Resets `env` and records what it builds, as the fixture has it. */
function recordReset(env: BipedalWalker, args: { seed?: number }): ResetRecord {
  const forces: number[][] = [];
  const dynamic: ResetRecord['dynamic'] = [];
  const joints: ResetRecord['joints'] = [];
  const world = env.world;
  const applyForceToCenter = Body.prototype.applyForceToCenter;
  const createBody = world.createBody;
  const createJoint = world.createJoint;
  Body.prototype.applyForceToCenter = function (this: Body, force: Vec2Value, wake?: boolean) {
    forces.push([force.x, force.y]);
    applyForceToCenter.call(this, force, wake);
  };
  world.createBody = function (this: typeof world, def?: BodyDef) {
    const body = createBody.call(this, def);
    if (def?.type === 'dynamic')
      dynamic.push({ position: [def.position!.x, def.position!.y], angle: def.angle ?? 0, vertices: null, box: null });
    return body;
  } as typeof world.createBody;
  world.createJoint = function <T extends Joint>(this: typeof world, joint: T) {
    const j = joint as unknown as RevoluteJoint;
    const a = j.getLocalAnchorA();
    const b = j.getLocalAnchorB();
    joints.push({
      localAnchorA: [a.x, a.y],
      localAnchorB: [b.x, b.y],
      enableMotor: Number(j.isMotorEnabled()),
      enableLimit: Number(j.isLimitEnabled()),
      maxMotorTorque: j.getMaxMotorTorque(),
      motorSpeed: j.getMotorSpeed(),
      lowerAngle: j.getLowerLimit(),
      upperAngle: j.getUpperLimit(),
    });
    return createJoint.call(this, joint);
  } as typeof world.createJoint;
  try {
    env.reset(args);
  } finally {
    Body.prototype.applyForceToCenter = applyForceToCenter;
    delete (world as Partial<typeof world>).createBody;
    delete (world as Partial<typeof world>).createJoint;
  }
  // The dynamic bodies' fixtures, as Gymnasium's fixture definitions give them.
  [env.hull!, ...env.legs].forEach((body, i) => {
    const f = body.getFixtureList()!;
    const shape = f.getShape() as Polygon;
    const local = shape.m_vertices.slice(0, shape.m_count).map((v) => [v.x, v.y]);
    Object.assign(dynamic[i], {
      vertices: i === 0 ? local : null,
      box: i === 0 ? null : [Math.max(...local.map((v) => v[0])), Math.max(...local.map((v) => v[1]))],
      density: f.getDensity(),
      friction: f.getFriction(),
      restitution: f.getRestitution(),
      categoryBits: f.getFilterCategoryBits(),
      maskBits: f.getFilterMaskBits(),
    });
  });
  const obstacles = env.terrain.filter((t) => t.getFixtureList()!.getType() === 'polygon').reverse();
  return {
    terrain_y: [...env.terrainPoly.map(([p]) => p[0][1]), env.terrainPoly[env.terrainPoly.length - 1][0][1][1]],
    obstacles: obstacles.map((t) => (t.getFixtureList()!.getShape() as Polygon).m_vertices.flatMap((v) => [v.x, v.y])),
    clouds: env.cloudPoly.map(([poly]) => poly.flat()),
    forces,
    dynamic,
    joints,
  };
}

function assertSameReset(got: ResetRecord, want: ResetRecord, where: string): void {
  nearAll(got.terrain_y, want.terrain_y, `${where} terrain y`);
  assert.equal(got.obstacles.length, want.obstacles.length, `${where}: number of stumps, stairs and pit walls`);
  got.obstacles.forEach((o, i) => nearAll(pointSet(o), pointSet(want.obstacles[i]), `${where} obstacle ${i}`));
  got.clouds.forEach((c, i) => nearAll(c, want.clouds[i], `${where} cloud ${i}`));
  assert.equal(got.forces.length, want.forces.length);
  got.forces.forEach((f, i) => nearAll(f, want.forces[i], `${where} push`));
  assert.equal(got.dynamic.length, want.dynamic.length);
  got.dynamic.forEach((d, i) => {
    const w = want.dynamic[i];
    nearAll(d.position, w.position, `${where} body ${i} position`);
    near(d.angle, w.angle, `${where} body ${i} angle`);
    if (w.vertices) nearAll(pointSet(d.vertices!.flat()), pointSet(w.vertices.flat()), `${where} hull vertices`);
    if (w.box) nearAll(d.box!, w.box, `${where} body ${i} box`);
    // Box2D's fixture defaults where Gymnasium gives none: friction 0.2.
    for (const k of ['density', 'friction', 'restitution', 'categoryBits', 'maskBits'])
      near(d[k] as number, (w[k] as number | undefined) ?? 0.2, `${where} body ${i} ${k}`);
  });
  got.joints.forEach((j, i) => {
    for (const [k, v] of Object.entries(want.joints[i])) {
      if (Array.isArray(v)) nearAll(j[k] as number[], v, `${where} joint ${i} ${k}`);
      else near(j[k] as number, v, `${where} joint ${i} ${k}`);
    }
  });
}

for (const record of RECORDS) {
  const id = record.hardcore ? 'BipedalWalkerHardcore-v3' : 'BipedalWalker-v3';
  test(`${id} seed ${record.seed}: reset builds Gymnasium's terrain, clouds, push, bodies and joints`, () => {
    const env = new BipedalWalker({ hardcore: record.hardcore });
    assertSameReset(recordReset(env, { seed: record.seed }), record.reset, `${id} seed ${record.seed}`);
    // The recorder found every terrain fixture with friction 2.5 in the ground category.
    for (const t of env.terrain) {
      const f = t.getFixtureList()!;
      assert.ok(f.getFriction() === 2.5 && f.getFilterCategoryBits() === 1, 'terrain fixture');
    }
    if (record.second_reset) assertSameReset(recordReset(env, {}), record.second_reset, `${id} seed ${record.seed}, next reset`);
    near(env.npRandom.uniform(), record.next_uniform, `${id} seed ${record.seed}: the generator's next draw`);
  });
}

test('the recorded resets cover every kind of hardcore obstacle', () => {
  // Stumps are square, pit walls 1 x 4 terrain steps, stair steps 4 x 1.
  const sizes = new Set<string>();
  for (const r of RECORDS.filter((x) => x.hardcore)) {
    for (const o of r.reset.obstacles) {
      const xs = o.filter((_, i) => i % 2 === 0);
      const ys = o.filter((_, i) => i % 2 === 1);
      const w = Math.round((Math.max(...xs) - Math.min(...xs)) / TERRAIN_STEP);
      const h = Math.round((Math.max(...ys) - Math.min(...ys)) / TERRAIN_STEP);
      sizes.add(w === h ? 'stump' : w === 1 && h === 4 ? 'pit' : w === 4 && h === 1 ? 'stairs' : `${w}x${h}`);
    }
  }
  assert.deepEqual([...sizes].sort(), ['pit', 'stairs', 'stump']);
});

test('a limp walker (no motor torque) collapses onto its hull: terminated with -100', () => {
  const env = new BipedalWalker();
  env.reset({ seed: 4 });
  let last;
  let steps = 0;
  for (; steps < 500; steps++) {
    last = env.step([0, 0, 0, 0]);
    if (last.terminated) break;
  }
  assert.ok(last!.terminated, 'should have fallen');
  assert.equal(last!.reward, -100);
  assert.ok(steps > 5, `fell after ${steps} steps`);
});

test('make() truncates at 1600 steps (2000 hardcore)', () => {
  for (const [id, limit] of [
    ['BipedalWalker-v3', 1600],
    ['BipedalWalkerHardcore-v3', 2000],
  ] as const) {
    const env = make(id);
    assert.equal(env.spec?.max_episode_steps, limit);
    assert.equal(env.spec?.reward_threshold, 300);
    assert.equal(((env as Wrapper).unwrapped as BipedalWalker).hardcore, id.includes('Hardcore'));
    env.reset({ seed: 0 });
    // No controller keeps this walker up that long, so the episode ends (terminated) long
    // before; stepping on regardless, the time limit still fires at exactly its step.
    const action = new Float32Array([0.3, -0.3, 0.3, -0.3]);
    for (let t = 1; t < limit; t++) assert.equal(env.step(action).truncated, false, `${id} step ${t}`);
    assert.equal(env.step(action).truncated, true);
  }
});

test('hardcore terrain has obstacles; normal terrain has none', () => {
  const normal = new BipedalWalker();
  normal.reset({ seed: 1 });
  const hard = new BipedalWalker({ hardcore: true });
  hard.reset({ seed: 1 });
  // Terrain bodies: 199 edges, plus stump/stair/pit polygons in hardcore.
  assert.equal(normal.terrain.length, 199);
  assert.ok(hard.terrain.length > 199 + 5, `hardcore terrain bodies: ${hard.terrain.length}`);
});

test("one world for the env's life, as Gymnasium's: reset destroys the last episode's bodies and hands out their ids again", () => {
  const env = new BipedalWalker({ hardcore: true });
  const world = env.world;
  const proxyIds = () => {
    const ids: number[] = [];
    for (let b = world.getBodyList(); b; b = b.getNext())
      ids.push((b.getFixtureList() as unknown as { m_proxies: { proxyId: number }[] }).m_proxies[0].proxyId);
    return ids.sort((a, b) => a - b);
  };
  env.reset({ seed: 1 });
  for (let t = 0; t < 30; t++) env.step([1, -1, 1, -1]);
  const first = proxyIds();
  env.reset({ seed: 1 });
  assert.equal(env.world, world);
  assert.equal(world.getBodyCount(), env.terrain.length + 5, 'terrain, hull and four legs: nothing left of the last episode');
  assert.equal(world.getJointCount(), 4);
  // The same course, built again: Box2D's free list gives back the same set of ids.
  assert.deepEqual(proxyIds(), first);
});

test("Gymnasium's scripted gait walks forward and earns positive reward", () => {
  const env = new BipedalWalker();
  let obs = env.reset({ seed: 0 }).obs;
  const gait = new BipedalWalkerHeuristic();
  const x0 = env.hull!.getPosition().x;
  let action: Float64Array = new Float64Array(4);
  let total = 0;
  for (let t = 0; t < 400; t++) {
    const r = env.step(action);
    total += r.reward;
    obs = r.obs;
    if (r.terminated) break;
    action = gait.step(obs);
  }
  const dx = env.hull!.getPosition().x - x0;
  // 130 reward per SCALE metres of progress: 400 steps of this gait cover ~15 m.
  assert.ok(dx > 5, `moved ${dx} m`);
  assert.ok(total > 20, `return ${total}`);
});

test('actions are checked: wrong length or non-finite is refused', () => {
  const env = new BipedalWalker();
  env.reset({ seed: 0 });
  assert.throws(
    () => env.step([0, 0, 0]),
    (e: unknown) => e instanceof GymwireError && e.code === 'invalid_action',
  );
  assert.throws(() => env.step([0, 0, Number.POSITIVE_INFINITY, 0]), GymwireError);
  // Out-of-range actions act like ±1 (torque clipped), as in Gymnasium.
  const a = new BipedalWalker();
  const b = new BipedalWalker();
  a.reset({ seed: 2 });
  b.reset({ seed: 2 });
  assert.deepEqual(Array.from(a.step([3, -2, 1.5, -7]).obs), Array.from(b.step([1, -1, 1, -1]).obs));
});
