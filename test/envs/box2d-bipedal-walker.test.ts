// BipedalWalker: termination, time limits and reward for forward progress. (Recorded
// episodes are replayed step by step in box2d-golden.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../envs/index.ts';
import { BipedalWalker } from '../../envs/box2d/bipedal-walker.ts';
import { BipedalWalkerHeuristic } from '../../envs/box2d/heuristics.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { Wrapper } from '../../envs/wrappers.ts';

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
  for (const [id, limit] of [['BipedalWalker-v3', 1600], ['BipedalWalkerHardcore-v3', 2000]] as const) {
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
  assert.throws(() => env.step([0, 0, 0]), (e: unknown) => e instanceof GymwireError && e.code === 'invalid_action');
  assert.throws(() => env.step([0, 0, Number.POSITIVE_INFINITY, 0]), GymwireError);
  // Out-of-range actions act like ±1 (torque clipped), as in Gymnasium.
  const a = new BipedalWalker();
  const b = new BipedalWalker();
  a.reset({ seed: 2 });
  b.reset({ seed: 2 });
  assert.deepEqual(Array.from(a.step([3, -2, 1.5, -7]).obs), Array.from(b.step([1, -1, 1, -1]).obs));
});
