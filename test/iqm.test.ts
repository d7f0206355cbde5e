// scripts/iqm.ts: the interquartile mean (scipy's trim_mean(·, 0.25)), its bootstrap CI and the worst seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iqm, percentile, summarize } from '../scripts/iqm.ts';

test('iqm: floor(n/4) cut from each end of the sorted scores; n < 4 cuts none', () => {
  assert.equal(iqm([8, 1, 7, 2, 6, 3, 5, 4]), 4.5); // 3..6
  assert.equal(iqm([100, 1, 2, 3, -100]), 2); // n = 5 cuts 1 each side
  assert.equal(iqm([1, 2, 9]), 4); // n = 3 cuts none: the mean
  assert.equal(iqm([5]), 5);
  assert.throws(() => iqm([]), RangeError);
});

test('percentile: numpy linear interpolation', () => {
  assert.equal(percentile([0, 10], 25), 2.5);
  assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
});

test('summarize: the CI brackets the IQM, is reproducible, and the worst seed is named', () => {
  const seeds = [10, 11, 12, 13, 14, 15, 16];
  const scores = [200, 250, -50, 230, 260, 240, 210];
  const s = summarize(seeds, scores);
  assert.equal(s.iqm, iqm(scores));
  assert.ok(s.low <= s.iqm && s.iqm <= s.high, JSON.stringify(s));
  assert.ok(s.low < s.high);
  assert.deepEqual(summarize(seeds, scores), s);
  assert.notDeepEqual(summarize(seeds, scores, 2000, 1), s); // another RNG seed, other resamples
  assert.equal(s.worst, -50);
  assert.equal(s.worstSeed, 12);
  assert.equal(s.n, 7);
});

test('summarize: all scores equal → the CI is that value', () => {
  const s = summarize([0, 1, 2, 3, 4], [7, 7, 7, 7, 7]);
  assert.deepEqual([s.iqm, s.low, s.high, s.worst], [7, 7, 7, 7]);
});
