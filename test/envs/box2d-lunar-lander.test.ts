// LunarLander: its heuristic's scores against Gymnasium's, and the env's kwargs and checks.
// (Recorded episodes are replayed step by step in box2d-golden.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { make } from '../../envs/index.ts';
import { LunarLander } from '../../envs/box2d/lunar-lander.ts';
import { lunarLanderHeuristic } from '../../envs/box2d/heuristics.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { GOLDEN_DIR } from './golden.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function heuristicReturns(continuous: boolean, seeds: number): number[] {
  const env = new LunarLander({ continuous });
  const returns: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    let obs = env.reset({ seed }).obs;
    let total = 0;
    for (let t = 0; t < 1000; t++) {
      const r = env.step(lunarLanderHeuristic(obs, continuous));
      total += r.reward;
      obs = r.obs;
      if (r.terminated) break;
    }
    returns.push(total);
  }
  return returns;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('the PD heuristic lands LunarLanderContinuous-v3 (seeds 0..19: mean ≥ 250, every episode > 200)', () => {
  const returns = heuristicReturns(true, 20);
  assert.ok(mean(returns) >= 250, `mean ${mean(returns)}`);
  assert.ok(Math.min(...returns) > 200, `returns ${returns.map((r) => r.toFixed(1))}`);
});

test('the heuristic lands LunarLander-v3 (seeds 0..19: mean ≥ 220)', () => {
  const returns = heuristicReturns(false, 20);
  assert.ok(mean(returns) >= 220, `mean ${mean(returns)}, returns ${returns.map((r) => r.toFixed(1))}`);
});

test("the heuristic's returns over seeds 0..49 match Gymnasium's own (test/fixtures/gymnasium/heuristic-scores.json)", () => {
  const reference = JSON.parse(readFileSync(`${GOLDEN_DIR}heuristic-scores.json`, 'utf8')) as Record<
    string,
    { seeds: string; mean: number; std: number; min: number; share_over_200: number }
  >;
  const stats = (returns: number[]) => {
    const m = mean(returns);
    return {
      mean: m,
      std: Math.sqrt(mean(returns.map((r) => (r - m) ** 2))),
      min: Math.min(...returns),
      share: returns.filter((r) => r > 200).length / returns.length,
    };
  };
  // Continuous: the episodes replay Gymnasium's to ~1e-4, so the statistics agree to 0.01.
  const cont = reference['LunarLanderContinuous-v3'];
  assert.equal(cont.seeds, '0..49');
  const c = stats(heuristicReturns(true, 50));
  assert.ok(
    Math.abs(c.mean - cont.mean) < 0.01 && Math.abs(c.std - cont.std) < 0.01 && Math.abs(c.min - cont.min) < 0.01,
    JSON.stringify(c),
  );
  assert.equal(c.share, cont.share_over_200);
  // Discrete: the bang-bang controller turns differences of 1e-4 at touchdown into other
  // episodes. Ours: 253.6 +- 81.9, share 0.92, with seeds 33 and 37 crashing after sliding
  // off the pad's edge; Gymnasium's: 264.6 +- 41.3, 0.92, no crash. Those two seeds are on a
  // knife edge: moving the state by 3e-4 once at touchdown (the drift between Box2D and
  // planck there) crashes seed 33 in 7 of 10 runs and seed 37 in 3, and 1e-3 observation
  // noise crashes 3 episodes a run (bench/lunar-lander-heuristic.ts). So the statistics
  // are compared, not episodes: the mean within two standard errors of Gymnasium's, the
  // share over 200 within 0.05.
  const disc = reference['LunarLander-v3'];
  const d = stats(heuristicReturns(false, 50));
  assert.ok(Math.abs(d.mean - disc.mean) <= (2 * disc.std) / Math.sqrt(50), `mean ${d.mean} vs ${disc.mean}`);
  assert.ok(Math.abs(d.share - disc.share_over_200) <= 0.05, `share over 200: ${d.share} vs ${disc.share_over_200}`);
});

test('doing nothing crashes: -100 and terminated on hull contact', () => {
  const env = new LunarLander();
  env.reset({ seed: 3 });
  let last;
  for (let t = 0; t < 1000; t++) {
    last = env.step(0);
    if (last.terminated) break;
  }
  assert.ok(last!.terminated);
  assert.equal(last!.reward, -100);
});

test('kwargs: gravity is checked, wind changes the flight, make() wraps in a 1000-step TimeLimit', () => {
  assert.throws(
    () => make('LunarLander-v3', { gravity: -13 }),
    (e: unknown) => e instanceof GymwireError && e.code === 'invalid_kwargs',
  );
  assert.throws(() => make('LunarLander-v3', { gravity: 0 }), GymwireError);

  const calm = new LunarLander({ continuous: true });
  const windy = new LunarLander({ continuous: true, enable_wind: true, wind_power: 20, turbulence_power: 2 });
  const a = calm.reset({ seed: 5 }).obs;
  const b = windy.reset({ seed: 5 }).obs;
  // Same terrain and push (the wind phase is drawn after them), but the wind already blew once.
  assert.ok(maxAbsDiff(a, b) > 1e-4);
  assert.ok(Math.abs(a[1] - b[1]) < 1e-3);

  const env = make('LunarLanderContinuous-v3');
  assert.equal(env.spec?.max_episode_steps, 1000);
  assert.equal(env.spec?.reward_threshold, 200);
  assert.equal(env.spec?.kwargs.continuous, true);
  assert.deepEqual(env.actionSpace, { type: 'Box', shape: [2], dtype: 'float32', low: [-1, -1], high: [1, 1] });
  assert.deepEqual((make('LunarLander-v3').actionSpace as { type: string }).type, 'Discrete');
});

test('actions: out-of-range continuous actions are clipped, invalid ones refused', () => {
  const a = new LunarLander({ continuous: true });
  const b = new LunarLander({ continuous: true });
  a.reset({ seed: 7 });
  b.reset({ seed: 7 });
  const ra = a.step([5, -3]);
  const rb = b.step(new Float32Array([1, -1]));
  assert.deepEqual(Array.from(ra.obs), Array.from(rb.obs));
  assert.throws(
    () => a.step([1]),
    (e: unknown) => e instanceof GymwireError && e.code === 'invalid_action',
  );
  assert.throws(() => a.step([Number.NaN, 0]), GymwireError);
  const d = new LunarLander();
  d.reset({ seed: 1 });
  assert.throws(
    () => d.step(4),
    (e: unknown) => e instanceof GymwireError && e.code === 'invalid_action',
  );
  assert.throws(() => d.step(1.5), GymwireError);
});
