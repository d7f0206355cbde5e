// The Box2D envs' speed-ups (envs/box2d/planck-patches.ts fast paths and the envs' own
// allocation-free code) must not change a single bit: every env is run with seeded random
// actions through several episodes, once with the fast paths and once on stock planck
// (still with the polygon mass fix), and the observations and rewards compared exactly,
// with BipedalWalker's lidar end points (drawn, not observed) too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { make } from '../../envs/index.ts';
import type { BipedalWalker } from '../../envs/box2d/bipedal-walker.ts';
import type { Wrapper } from '../../envs/wrappers.ts';
import { setPlanckFastPaths } from '../../envs/box2d/planck-patches.ts';
import type { SpaceValue } from '../../protocol/env-api.ts';
import { defaultRng } from '../../protocol/random.ts';
import { sample } from '../../protocol/spaces.ts';

interface Trace {
  obs: number[];
  rewards: number[];
  episodes: number;
}

function trace(id: string, steps: number, kwargs: Record<string, unknown> = {}): Trace {
  const env = make(id, kwargs);
  const lidar = ((env as Wrapper<unknown, unknown>).unwrapped as Partial<BipedalWalker>).lidar;
  const rng = defaultRng(7);
  const out: Trace = { obs: [], rewards: [], episodes: 0 };
  out.obs.push(...(env.reset({ seed: 100 }).obs as Float32Array));
  for (let t = 0; t < steps; t++) {
    const action: SpaceValue = sample(env.actionSpace, rng);
    const r = env.step(action);
    out.obs.push(...(r.obs as Float32Array));
    out.rewards.push(r.reward);
    if (lidar) for (const ray of lidar) out.obs.push(ray.p2[0], ray.p2[1]);
    if (r.terminated || r.truncated) {
      out.episodes++;
      out.obs.push(...(env.reset({ seed: 100 + out.episodes }).obs as Float32Array));
    }
  }
  env.close();
  return out;
}

function assertSameTrace(fast: Trace, stock: Trace): void {
  assert.equal(fast.episodes, stock.episodes);
  assert.equal(fast.obs.length, stock.obs.length);
  for (let i = 0; i < fast.obs.length; i++) {
    if (!Object.is(fast.obs[i], stock.obs[i])) assert.fail(`obs value ${i}: ${fast.obs[i]} (fast) vs ${stock.obs[i]} (stock)`);
  }
  for (let i = 0; i < fast.rewards.length; i++) {
    if (!Object.is(fast.rewards[i], stock.rewards[i])) assert.fail(`reward ${i}: ${fast.rewards[i]} (fast) vs ${stock.rewards[i]} (stock)`);
  }
}

const CASES: [string, number, Record<string, unknown>][] = [
  ['LunarLander-v3', 1500, {}],
  ['LunarLanderContinuous-v3', 1500, {}],
  ['LunarLanderContinuous-v3', 800, { enable_wind: true }],
  ['BipedalWalker-v3', 1200, {}],
  ['BipedalWalkerHardcore-v3', 1200, {}],
];

for (const [id, steps, kwargs] of CASES) {
  test(`${id}${Object.keys(kwargs).length ? ' ' + JSON.stringify(kwargs) : ''}: fast paths are bit-identical to stock planck`, () => {
    setPlanckFastPaths(false);
    let stock: Trace;
    try {
      stock = trace(id, steps, kwargs);
    } finally {
      setPlanckFastPaths(true);
    }
    const fast = trace(id, steps, kwargs);
    assert.ok(fast.episodes >= 1, 'the trace should cover a reset');
    assertSameTrace(fast, stock);
  });
}
