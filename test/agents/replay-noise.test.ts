import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayBuffer } from '../../agents/replay-buffer.ts';
import { ActionNoise } from '../../agents/noise.ts';
import { defaultRng } from '../../protocol/random.ts';

test('replay buffer wraps around, keeps terminated (not done) and samples stored transitions', () => {
  const buf = new ReplayBuffer(4, 2, 1);
  for (let i = 0; i < 6; i++) buf.add([i, -i], [i / 10], i * 100, [i + 1, -(i + 1)], i === 5);
  assert.equal(buf.size, 4);
  const batch = buf.sample(200, defaultRng(0));
  const seen = new Set<number>();
  for (let k = 0; k < 200; k++) {
    const i = batch.obs[k * 2];
    seen.add(i);
    assert.equal(batch.obs[k * 2 + 1], -i);
    assert.equal(batch.nextObs[k * 2], i + 1);
    assert.ok(Math.abs(batch.actions[k] - i / 10) < 1e-6);
    assert.equal(batch.rewards[k], i * 100);
    assert.equal(batch.terminated[k], i === 5 ? 1 : 0);
  }
  // Transitions 0 and 1 were overwritten by 4 and 5.
  assert.deepEqual([...seen].sort(), [2, 3, 4, 5]);
});

test('replay sampling is deterministic for a seed and snapshot/restore continues the ring', () => {
  const a = new ReplayBuffer(5, 1, 1);
  for (let i = 0; i < 7; i++) a.add([i], [0], i, [i], false);
  const b = new ReplayBuffer(5, 1, 1);
  b.restore(a.snapshot());
  a.add([70], [0], 70, [70], true);
  b.add([70], [0], 70, [70], true);
  assert.deepEqual(a.sample(50, defaultRng(3)), b.sample(50, defaultRng(3)));
});

test('a capacity of 1e6 LunarLander-sized transitions allocates', () => {
  const buf = new ReplayBuffer(1_000_000, 8, 2);
  buf.add(new Float32Array(8), new Float32Array(2), 0, new Float32Array(8), false);
  assert.equal(buf.sample(4, defaultRng(0)).obs.length, 32);
});

test('gaussian noise has the requested sigma and decays linearly', () => {
  const n = new ActionNoise(1, { kind: 'gaussian', sigma: 0.5, sigmaFinal: 0.1, sigmaDecaySteps: 1000 });
  const rng = defaultRng(1);
  let ss = 0;
  const N = 4000;
  const first = new ActionNoise(1, { kind: 'gaussian', sigma: 0.5 });
  for (let i = 0; i < N; i++) ss += first.sample(rng)[0] ** 2;
  assert.ok(Math.abs(Math.sqrt(ss / N) - 0.5) < 0.03);
  assert.equal(n.sigma, 0.5);
  for (let i = 0; i < 500; i++) n.sample(rng);
  assert.ok(Math.abs(n.sigma - 0.3) < 1e-12);
  for (let i = 0; i < 1000; i++) n.sample(rng);
  assert.ok(Math.abs(n.sigma - 0.1) < 1e-12);
});

test('OU noise is temporally correlated, mean-reverting, reset zeroes it, state round-trips', () => {
  const rng = defaultRng(2);
  const ou = new ActionNoise(1, { kind: 'ou', sigma: 0.3, theta: 0.15, dt: 0.01 });
  const xs: number[] = [];
  for (let i = 0; i < 5000; i++) xs.push(ou.sample(rng)[0]);
  let c = 0;
  let v = 0;
  for (let i = 1; i < xs.length; i++) {
    c += xs[i] * xs[i - 1];
    v += xs[i] * xs[i];
  }
  assert.ok(c / v > 0.9, `lag-1 autocorrelation ${c / v}`);
  const st = ou.getState();
  const copy = new ActionNoise(1, { kind: 'ou', sigma: 0.3, theta: 0.15, dt: 0.01 });
  copy.setState(st);
  const r1 = defaultRng(5);
  const r2 = defaultRng(5);
  assert.deepEqual(ou.sample(r1), copy.sample(r2));
  ou.reset();
  assert.deepEqual(ou.getState().x, [0]);
});
