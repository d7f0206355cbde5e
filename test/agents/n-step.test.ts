// n-step returns (n-step.ts): what is stored for each step, when, and how an episode's end
// (terminated or truncated) and a cut episode close the window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NStepWriter } from '../../agents/n-step.ts';
import { Collector, type StepResults } from '../../agents/collect.ts';
import { BASE_CONFIG } from '../../agents/defaults.ts';
import { ReplayBuffer } from '../../agents/replay-buffer.ts';
import { bootstrapDiscounts } from '../../agents/backends/batch.ts';
import { defaultRng } from '../../protocol/random.ts';

/** The buffer's transitions as rows: first obs value, action, return, first next-obs value, terminated, k. */
function rows(b: ReplayBuffer) {
  const s = b.snapshot();
  return Array.from({ length: s.size }, (_, i) => ({
    s: s.obs[i],
    a: s.actions[i],
    r: s.rewards[i],
    s2: s.nextObs[i],
    term: s.terminated[i],
    k: s.horizon![i],
  }));
}

/** Steps from..from+rewards.length-1 of sub-env `env`: s_t = t, a_t = 10 + t, s_{t+1} = t + 1. */
function play(w: NStepWriter, b: ReplayBuffer, env: number, rewards: number[], end: 'terminated' | 'truncated' | 'none', from = 0) {
  rewards.forEach((r, i) => {
    const t = from + i;
    const last = i === rewards.length - 1 && end !== 'none';
    w.push(b, env, Float32Array.of(t), Float32Array.of(10 + t), r, Float32Array.of(t + 1), last && end === 'terminated', last);
  });
}

test('n = 3, γ = 0.5: a step is stored once 3 steps follow it, with their discounted sum, s_{t+3} and k = 3', () => {
  const b = new ReplayBuffer(100, 1, 1);
  const w = new NStepWriter(3, 0.5, 1, 1, 1);
  play(w, b, 0, [1, 2], 'none');
  assert.equal(b.size, 0, 'nothing is complete after 2 steps');
  play(w, b, 0, [3, 4], 'none', 2);
  assert.deepEqual(rows(b), [
    { s: 0, a: 10, r: 1 + 0.5 * 2 + 0.25 * 3, s2: 3, term: 0, k: 3 },
    { s: 1, a: 11, r: 2 + 0.5 * 3 + 0.25 * 4, s2: 4, term: 0, k: 3 },
  ]);
});

for (const end of ['terminated', 'truncated'] as const) {
  test(`n = 3: an episode that ends (${end}) stores every waiting step, each up to the last state, k = what is left`, () => {
    const b = new ReplayBuffer(100, 1, 1);
    const w = new NStepWriter(3, 0.5, 1, 1, 1);
    play(w, b, 0, [1, 2, 3, 4], end);
    const term = end === 'terminated' ? 1 : 0;
    assert.deepEqual(rows(b), [
      { s: 0, a: 10, r: 1 + 0.5 * 2 + 0.25 * 3, s2: 3, term: 0, k: 3 },
      { s: 1, a: 11, r: 2 + 0.5 * 3 + 0.25 * 4, s2: 4, term, k: 3 },
      { s: 2, a: 12, r: 3 + 0.5 * 4, s2: 4, term, k: 2 },
      { s: 3, a: 13, r: 4, s2: 4, term, k: 1 },
    ]);
    // The next episode starts with an empty window.
    play(w, b, 0, [5], 'terminated');
    assert.deepEqual(rows(b)[4], { s: 0, a: 10, r: 5, s2: 1, term: 1, k: 1 });
  });
}

test('n = 1 stores every step at once, as plain one-step replay', () => {
  const b = new ReplayBuffer(100, 1, 1);
  play(new NStepWriter(1, 0.5, 1, 1, 1), b, 0, [1, 2, 3], 'truncated');
  assert.deepEqual(rows(b), [
    { s: 0, a: 10, r: 1, s2: 1, term: 0, k: 1 },
    { s: 1, a: 11, r: 2, s2: 2, term: 0, k: 1 },
    { s: 2, a: 12, r: 3, s2: 3, term: 0, k: 1 },
  ]);
});

test("sub-envs keep windows of their own, and clearEnv() drops a cut episode's waiting steps", () => {
  const b = new ReplayBuffer(100, 1, 1);
  const w = new NStepWriter(2, 1, 2, 1, 1);
  w.push(b, 0, Float32Array.of(0), Float32Array.of(0), 1, Float32Array.of(1), false, false);
  w.push(b, 1, Float32Array.of(100), Float32Array.of(0), 7, Float32Array.of(101), false, false);
  w.push(b, 0, Float32Array.of(1), Float32Array.of(0), 2, Float32Array.of(2), false, false);
  assert.deepEqual(
    rows(b).map((x) => [x.s, x.r, x.s2]),
    [[0, 3, 2]],
  );
  w.clearEnv(1);
  w.push(b, 1, Float32Array.of(0), Float32Array.of(0), 1, Float32Array.of(1), false, false);
  assert.equal(b.size, 1, "sub-env 1's step from before the clear is gone");
  w.push(b, 1, Float32Array.of(1), Float32Array.of(0), 1, Float32Array.of(2), false, false);
  assert.deepEqual(
    rows(b).map((x) => [x.s, x.r, x.s2]),
    [
      [0, 3, 2],
      [0, 2, 2],
    ],
  );
});

test('the collector stores n-step transitions (--n-step) and counts env steps, not transitions', () => {
  const c = new Collector({ ...BASE_CONFIG, nStep: 3, gamma: 0.5 }, 1, 1, 1, { low: [-1], high: [1] });
  const b = new ReplayBuffer(100, 1, 1);
  c.startEpisodes(Float32Array.of(0));
  const step = (t: number, terminated = 0): StepResults => ({
    obs: Float32Array.of(t),
    rewards: [1],
    terminated: [terminated],
    truncated: [0],
  });
  let counted = 0;
  for (let t = 1; t <= 4; t++) {
    c.act(null, defaultRng(t));
    counted += c.record(step(t, t === 4 ? 1 : 0), b, 100, () => {});
  }
  assert.equal(counted, 4);
  assert.deepEqual(
    rows(b).map((x) => [x.s, x.r, x.s2, x.term, x.k]),
    [
      [0, 1.75, 3, 0, 3],
      [1, 1.75, 4, 1, 3],
      [2, 1.5, 4, 1, 2],
      [3, 1, 4, 1, 1],
    ],
  );
});

test('bootstrap discounts: γ^k(1 − terminated) per row, γ for every row without horizons', () => {
  const batch = {
    size: 4,
    obs: new Float32Array(4),
    actions: new Float32Array(4),
    rewards: new Float32Array(4),
    nextObs: new Float32Array(4),
    terminated: Float32Array.of(0, 0, 1, 0),
  };
  assert.deepEqual(
    [...bootstrapDiscounts({ ...batch, horizon: Float32Array.of(1, 2, 3, 3) }, 0.5, new Float32Array(4))],
    [0.5, 0.25, 0, 0.125],
  );
  assert.deepEqual([...bootstrapDiscounts(batch, 0.5, new Float32Array(4))], [0.5, 0.5, 0, 0.5]);
});

test('replay: horizons are sampled with their rows and survive snapshot/restore; an older snapshot without them restores as 1', () => {
  const b = new ReplayBuffer(4, 1, 1);
  for (let i = 0; i < 4; i++) b.add([i], [i], i, [i + 1], false, i + 1);
  const batch = b.sample(32, defaultRng(0));
  for (let k = 0; k < 32; k++) assert.equal(batch.horizon![k], batch.obs[k] + 1);
  const copy = new ReplayBuffer(4, 1, 1);
  copy.restore(b.snapshot());
  assert.deepEqual([...copy.snapshot().horizon!], [1, 2, 3, 4]);
  const { horizon: _dropped, ...old } = b.snapshot();
  copy.restore(old);
  assert.deepEqual([...copy.snapshot().horizon!], [1, 1, 1, 1]);
});
