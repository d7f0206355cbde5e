// Collection alone (collect.ts): actions in the Box bounds (uniform warm-up, μ + noise clipped
// in the tanh space), NEXT_STEP autoreset bookkeeping, the step budget, and the reset seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collector, type EpisodeEnd, type StepResults } from '../../agents/collect.ts';
import { BASE_CONFIG } from '../../agents/defaults.ts';
import { ReplayBuffer } from '../../agents/replay-buffer.ts';
import { defaultRng } from '../../protocol/random.ts';

const OBS = 2;
const ACT = 2;
const bounds = { low: [-2, 0], high: [2, 10] };

function collector(N: number, extra: Partial<typeof BASE_CONFIG> = {}) {
  return new Collector({ ...BASE_CONFIG, ...extra }, N, OBS, ACT, bounds);
}

/** Results of one vector step: obs (i, t), reward 1 per sub-env unless given. */
function results(N: number, t: number, ends: { terminated?: number[]; truncated?: number[] } = {}): StepResults {
  return {
    obs: Float32Array.from({ length: N * OBS }, (_, k) => (k % OBS === 0 ? Math.floor(k / OBS) : t)),
    rewards: new Float64Array(N).fill(1),
    terminated: Uint8Array.from({ length: N }, (_, i) => (ends.terminated?.includes(i) ? 1 : 0)),
    truncated: Uint8Array.from({ length: N }, (_, i) => (ends.truncated?.includes(i) ? 1 : 0)),
  };
}

test('warm-up actions are uniform over the Box; later ones are μ + noise clipped to [-1, 1], then mapped to the bounds', () => {
  const c = collector(3, { noiseSigma: 5 });
  const rng = defaultRng(1);
  const warm = c.act(null, rng);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < ACT; j++) assert.ok(warm[i * ACT + j] >= bounds.low[j] && warm[i * ACT + j] <= bounds.high[j]);
  // σ = 5 puts most draws outside [-1, 1]: clipped there, so the env sees the bounds themselves.
  const acted = c.act(new Float32Array(3 * ACT).fill(0.5), rng);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < ACT; j++) assert.ok(acted[i * ACT + j] >= bounds.low[j] && acted[i * ACT + j] <= bounds.high[j]);
  assert.ok(
    [...acted].some((a, k) => a === bounds.low[k % ACT] || a === bounds.high[k % ACT]),
    'clipped',
  );
  const noiseless = collector(1, { noise: 'none' }).act(Float32Array.of(0.5, -0.5), rng);
  assert.deepEqual([...noiseless], [1, 2.5]);
});

test('record: transitions in the buffer, episode ends reported at their step, the autoreset step skipped and its action ignored', () => {
  const N = 2;
  const c = collector(N);
  const buffer = new ReplayBuffer(100, OBS, ACT);
  const rng = defaultRng(0);
  c.startEpisodes(results(N, 0).obs);
  const ends: [EpisodeEnd, number][] = [];
  const on = (e: EpisodeEnd, stored: number) => ends.push([e, stored]);
  c.act(null, rng);
  assert.equal(c.record(results(N, 1), buffer, 100, on), 2);
  c.act(null, rng);
  // Sub-env 1 is truncated (stored as not terminated: it must still bootstrap), sub-env 0 goes on.
  assert.equal(c.record(results(N, 2, { truncated: [1] }), buffer, 100, on), 2);
  assert.deepEqual(ends, [[{ env: 1, return: 2, length: 2 }, 2]]);
  assert.deepEqual([c.awaitsReset(0), c.awaitsReset(1)], [false, true]);
  const u = c.act(null, rng);
  assert.deepEqual([...u.subarray(ACT, 2 * ACT)], [0, 5], "the autoreset step's action is the middle of the Box");
  // The autoreset step: sub-env 1's result is the first obs of its next episode, not a transition.
  assert.equal(c.record(results(N, 3, { terminated: [0] }), buffer, 100, on), 1);
  assert.deepEqual(ends[1], [{ env: 0, return: 3, length: 3 }, 1]);
  assert.equal(buffer.size, 5);
  assert.deepEqual(
    [...buffer.snapshot().terminated.subarray(0, 5)],
    [0, 0, 0, 0, 1],
    'the truncation stored terminated = 0, the termination 1',
  );
  assert.deepEqual(c.running(), [], 'sub-env 0 ended, sub-env 1 has not stepped in its new episode yet');
  c.act(null, rng);
  c.record(results(N, 4), buffer, 100, on);
  assert.deepEqual(c.running(), [{ env: 1, return: 1, length: 1 }]);
});

test('record stops storing at the budget: the last vector step beyond --steps is dropped', () => {
  const c = collector(4);
  const buffer = new ReplayBuffer(100, OBS, ACT);
  c.startEpisodes(results(4, 0).obs);
  c.act(null, defaultRng(0));
  assert.equal(
    c.record(results(4, 1), buffer, 3, () => {}),
    3,
  );
  assert.equal(buffer.size, 3);
  assert.deepEqual(
    c.running().map((e) => e.length),
    [1, 1, 1],
  );
  assert.deepEqual(
    c.running().map((e) => e.env),
    [0, 1, 2],
    'sub-env 3 has not stepped',
  );
});

test('reset seeds: one stream per full reset, the same for the same seed and count', () => {
  const a = collector(3, { seed: 7 });
  const b = collector(3, { seed: 7 });
  const first = a.nextResetSeeds();
  assert.deepEqual(b.nextResetSeeds(), first);
  const second = a.nextResetSeeds();
  assert.notDeepEqual(second, first);
  assert.equal(a.resets, 2);
  assert.equal(new Set([...first, ...second]).size, 6);
});
