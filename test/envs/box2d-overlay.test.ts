// envs/box2d/planck-overlay: Box2DWorld's Box2D 2.3 behaviour where planck's differs
// (contact creation order, sleep timers), that it patches nothing outside its own
// instances, and the check of the planck it runs on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Body, Box, BroadPhase, Contact, DynamicTree, Edge, RevoluteJoint, Solver, Vec2, World } from 'planck';

// Every planck method the overlay could touch, as planck defines it, before the overlay and
// the envs are loaded (below, dynamically, so that this runs first).
const PROTOTYPES: [string, Record<string, unknown>][] = [
  ['Body', Body.prototype as unknown as Record<string, unknown>],
  ['BroadPhase', BroadPhase.prototype as unknown as Record<string, unknown>],
  ['Contact', Contact.prototype as unknown as Record<string, unknown>],
  ['DynamicTree', DynamicTree.prototype as unknown as Record<string, unknown>],
  ['RevoluteJoint', RevoluteJoint.prototype as unknown as Record<string, unknown>],
  ['Solver', Solver.prototype as unknown as Record<string, unknown>],
  ['World', World.prototype as unknown as Record<string, unknown>],
];
const original = new Map(
  PROTOTYPES.flatMap(([cls, proto]) => Object.getOwnPropertyNames(proto).map((name) => [`${cls}.${name}`, proto[name]])),
);

const { make } = await import('../../envs/index.ts');
const { Box2DWorld } = await import('../../envs/box2d/planck-overlay/world.ts');
const { assertOverlayFits, installedPlanck, overlayMismatches, PLANCK_VERSION } = await import('../../envs/box2d/planck-overlay/check.ts');

/**
 * Two bodies: a ground of four edges, made in the order of SLOTS (so that creation order,
 * hence proxy ids, is not the order in which a query of the tree meets them), and a tilted
 * plank falling on all of them from height y0. Returns the edges (by creation index) as the
 * contact list has them, head first, and where the plank is after `steps` steps.
 */
const SLOTS = [2, 0, 3, 1];
function plankOnEdges(world: World, y0: number, steps: number): { edgesInContactList: number[]; x: number } {
  const ground = world.createBody({ type: 'static' });
  const edges = SLOTS.map((i) => ground.createFixture({ shape: new Edge(new Vec2(i - 2, 0), new Vec2(i - 1, 0)), friction: 0.6 }));
  const plank = world.createBody({ type: 'dynamic', position: new Vec2(0.1, y0), angle: 0.3 });
  plank.createFixture({ shape: new Box(1.5, 0.2), density: 1, friction: 0.6 });
  plank.setLinearVelocity(new Vec2(0, -8));
  for (let i = 0; i < steps; i++) world.step(1 / 50, 180, 60);
  const edgesInContactList: number[] = [];
  for (let c = world.getContactList(); c; c = c.getNext()) edgesInContactList.push(edges.indexOf(c.getFixtureA()));
  return { edgesInContactList, x: plank.getPosition().x };
}

test('contacts begun in one step are created in Box2D 2.3 order (pairs sorted by proxy id), which moves the solution', () => {
  const gravity = new Vec2(0, -10);
  // Made on the edges: every proxy is new, and all four contacts begin in the first step.
  const box2d = plankOnEdges(new Box2DWorld({ gravity }), 0.4, 3);
  const planck = plankOnEdges(new World({ gravity }), 0.4, 3);
  // Box2D creates (edge 0, plank) first; each new contact goes to the head of the list.
  assert.deepEqual(box2d.edgesInContactList, [3, 2, 1, 0]);
  // planck creates them as its queries meet them, and the Gauss-Seidel passes visit the
  // contacts in that order: the plank lands elsewhere. This was BipedalWalker's 1e-2
  // departure from Gymnasium one step after reset.
  assert.deepEqual(planck.edgesInContactList, [2, 1, 0, 3]);
  assert.ok(Math.abs(box2d.x - planck.x) > 1e-3, `${box2d.x} vs ${planck.x}`);
  // Falling from above, the plank's query alone finds the four pairs, in the tree's order.
  assert.deepEqual(plankOnEdges(new Box2DWorld({ gravity }), 1.2, 8).edgesInContactList, [3, 2, 1, 0]);
  assert.deepEqual(plankOnEdges(new World({ gravity }), 1.2, 8).edgesInContactList, [2, 1, 0, 3]);
});

test("a destroyed fixture's broad-phase id is the next one given out, as Box2D's free list does", () => {
  const proxyId = (body: Body) => (body.getFixtureList() as unknown as { m_proxies: { proxyId: number }[] }).m_proxies[0].proxyId;
  const build = (world: World, x: number) => {
    const body = world.createBody({ type: 'static', position: new Vec2(x, 0) });
    body.createFixture({ shape: new Box(0.5, 0.5) });
    return body;
  };
  for (const [world, reused] of [
    [new Box2DWorld({}), true],
    [new World({}), false],
  ] as const) {
    build(world, 0);
    const gone = build(world, 2);
    build(world, 4);
    const id = proxyId(gone);
    world.destroyBody(gone);
    assert.equal(proxyId(build(world, 6)) === id, reused, world instanceof Box2DWorld ? 'Box2DWorld' : 'planck World');
  }
});

test('waking an awake body leaves its sleep timer, as b2Body::SetAwake does: a body at rest falls asleep', () => {
  // BipedalWalker sets its motors every step, and a contact beginning or ending wakes
  // both bodies: under planck's setAwake a body so touched never sleeps.
  for (const [world, sleeps] of [
    [new Box2DWorld({ gravity: new Vec2(0, -10) }), true],
    [new World({ gravity: new Vec2(0, -10) }), false],
  ] as const) {
    world.createBody({ type: 'static' }).createFixture({ shape: new Edge(new Vec2(-5, 0), new Vec2(5, 0)) });
    const box = world.createBody({ type: 'dynamic', position: new Vec2(0, 0.5) });
    box.createFixture({ shape: new Box(0.5, 0.5), density: 1 });
    for (let t = 0; t < 100 && box.isAwake(); t++) {
      box.setAwake(true);
      world.step(1 / 50, 180, 60);
    }
    assert.equal(!box.isAwake(), sleeps, world instanceof Box2DWorld ? 'Box2DWorld' : 'planck World');
  }
});

test('the overlay patches nothing outside its own worlds: planck classes and a plain World stay stock', () => {
  // Run every Box2D env a little, through resets, then look at planck.
  for (const id of ['LunarLander-v3', 'LunarLanderContinuous-v3', 'BipedalWalker-v3', 'BipedalWalkerHardcore-v3']) {
    const env = make(id);
    env.reset({ seed: 3 });
    for (let t = 0; t < 150; t++) {
      const r = env.step(id.startsWith('LunarLander-') ? t % 4 : id.startsWith('Lunar') ? [0.5, 0] : [0.5, -0.5, 0.5, -0.5]);
      if (r.terminated) env.reset();
    }
  }
  for (const [cls, proto] of PROTOTYPES) {
    for (const name of Object.getOwnPropertyNames(proto))
      assert.equal(proto[name], original.get(`${cls}.${name}`), `${cls}.prototype.${name} was replaced`);
  }
  // A plain World's bodies, joints, contacts and broad-phase run planck's own methods.
  const world = new World({ gravity: new Vec2(0, -10) });
  const ground = world.createBody({ type: 'static' });
  ground.createFixture({ shape: new Edge(new Vec2(-5, 0), new Vec2(5, 0)) });
  const a = world.createBody({ type: 'dynamic', position: new Vec2(0, 0.6) });
  a.createFixture({ shape: new Box(0.5, 0.5), density: 1 });
  const b = world.createBody({ type: 'dynamic', position: new Vec2(1, 0.6) });
  b.createFixture({ shape: new Box(0.5, 0.5), density: 1 });
  const joint = world.createJoint(new RevoluteJoint({ enableLimit: true, lowerAngle: -0.5, upperAngle: 0.5 }, a, b, new Vec2(0.5, 0.6)))!;
  for (let t = 0; t < 20; t++) world.step(1 / 50, 10, 8);
  const own = (object: object, name: string) => Object.prototype.hasOwnProperty.call(object, name);
  assert.ok(
    !own(a, 'setAwake') && !own(world, 'createContact') && !own((world as unknown as { m_broadPhase: object }).m_broadPhase, 'updatePairs'),
  );
  for (const name of ['initVelocityConstraints', 'solveVelocityConstraints', 'solvePositionConstraints'])
    assert.ok(!own(joint, name), name);
  let contacts = 0;
  for (let c = world.getContactList(); c; c = c.getNext(), contacts++) {
    // Contacts come from a pool that every world shares: one our world used carries
    // planck's own method back.
    assert.equal((c as unknown as Record<string, unknown>).solveVelocityConstraint, original.get('Contact.solveVelocityConstraint'));
  }
  assert.ok(contacts > 0);
});

test('the overlay checks the planck it runs on, and says what differs', () => {
  const build = installedPlanck();
  assert.equal(build.version, PLANCK_VERSION);
  assert.deepEqual(overlayMismatches(build), []);
  assert.doesNotThrow(() => assertOverlayFits(build));

  const older = { ...build, version: '1.4.2' };
  assert.deepEqual(overlayMismatches(older), ['planck 1.4.2 is installed']);
  // Whitespace does not count (see the CommonJS test below); code does.
  const source = build.sources['Contact.solveVelocityConstraint'];
  assert.deepEqual(
    overlayMismatches({
      ...build,
      sources: { ...build.sources, 'Contact.solveVelocityConstraint': `  ${source.replace(/\n/g, '\n  ')} ` },
    }),
    [],
  );
  const edited = { ...build, sources: { ...build.sources, 'Contact.solveVelocityConstraint': source.replace('var ', 'let ') } };
  assert.deepEqual(overlayMismatches(edited), [`Contact.solveVelocityConstraint is not the one of planck ${PLANCK_VERSION}`]);
  assert.throws(
    () => assertOverlayFits(edited),
    (e: unknown) =>
      e instanceof Error && e.name === 'PlanckOverlayMismatch' && /written for planck 1\.5\.0/.test(e.message) && /README/.test(e.message),
  );
});

/** A BipedalWalker episode's first observations, with actions that move every joint. */
const WALKER_SCRIPT = `
const env = make('BipedalWalker-v3');
const observations = [Array.from(env.reset({ seed: 3 }).obs)];
for (let t = 0; t < 30; t++) observations.push(Array.from(env.step(Float32Array.from([Math.sin(t), Math.cos(t), -Math.sin(0.5 * t), 0.3])).obs));
`;

test("planck's CommonJS build passes the check, and the envs loaded through require step as through import", () => {
  // What require('planck') loads (dist/planck.js): the same code, indented inside a wrapper.
  const cjs = createRequire(import.meta.url)('planck') as Record<string, { prototype: Record<string, { toString(): string }> }>;
  const build = installedPlanck();
  const sources = Object.fromEntries(
    Object.keys(build.sources).map((name) => {
      const [cls, method] = name.split('.');
      return [name, cjs[cls].prototype[method].toString()];
    }),
  );
  assert.notDeepEqual(sources, build.sources, 'the two builds differ in their text');
  assert.deepEqual(overlayMismatches({ version: build.version, sources }), []);

  // A script outside any ES module package, run by tsx, loads everything through require,
  // as Jest and CommonJS bundles do.
  const dir = mkdtempSync(join(tmpdir(), 'gymwire-commonjs-'));
  try {
    const envs = fileURLToPath(new URL('../../envs/index.ts', import.meta.url));
    writeFileSync(
      join(dir, 'walker.ts'),
      `import { make } from ${JSON.stringify(envs)};\n${WALKER_SCRIPT}
const planck = Object.keys(require.cache).filter((f) => /[\\/]planck[\\/]dist[\\/]/.test(f));
console.log(JSON.stringify({ planck, observations }));\n`,
    );
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const out = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', join(dir, 'walker.ts')], { cwd: repo, encoding: 'utf8', timeout: 60_000 }),
    ) as { planck: string[]; observations: number[][] };
    assert.ok(
      out.planck.some((f) => f.endsWith('planck.js')),
      `planck's CommonJS build was loaded: ${out.planck.join(', ')}`,
    );
    const observations = new Function('make', `${WALKER_SCRIPT}; return observations;`)(make) as number[][];
    assert.deepEqual(out.observations, observations);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
