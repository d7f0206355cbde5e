import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { defaultRng } from '../protocol/random.ts';
import { requireOrSkip } from './prerequisites.ts';

// Reference values printed by numpy 2.4 for np.random.default_rng(seed):
// three random(), five integers(10), integers(-9999, 9999), integers(2**40), uniform(-0.6, -0.4).
const reference: Array<[number | bigint, number[], number[], number, number, number]> = [
  [0, [0.6369616873214543, 0.2697867137638703, 0.04097352393619469], [0, 0, 1, 8, 6], 8254, 667003089280, -0.45410068780320034],
  [1, [0.5118216247002567, 0.9504636963259353, 0.14415961271963373], [8, 9, 2, 3, 8], -1534, 910068626245, -0.5181601727261678],
  [42, [0.7739560485559633, 0.4388784397520523, 0.8585979199113825], [0, 6, 2, 0, 5], 9511, 836881952700, -0.44278713894460925],
  [2n ** 40n + 7n, [0.829812891829413, 0.25530515834910417, 0.15379071585298754], [5, 6, 8, 7, 0], -201, 16931238572, -0.5925455986686405],
  [
    123456789012345678901234567890n,
    [0.34543790416273246, 0.33578336166567657, 0.15099490459335874],
    [6, 9, 7, 0, 6],
    -9917,
    456501593646,
    -0.41847590150031233,
  ],
];

test('defaultRng reproduces numpy default_rng for several seeds', () => {
  for (const [seed, randoms, ints, wide, huge, uni] of reference) {
    const g = defaultRng(seed);
    assert.deepEqual([g.random(), g.random(), g.random()], randoms, `random() seed ${seed}`);
    assert.deepEqual(
      Array.from({ length: 5 }, () => g.integers(10)),
      ints,
      `integers(10) seed ${seed}`,
    );
    assert.equal(g.integers(-9999, 9999), wide, `integers(-9999, 9999) seed ${seed}`);
    assert.equal(g.integers(2 ** 40), huge, `integers(2**40) seed ${seed}`);
    assert.equal(g.uniform(-0.6, -0.4), uni, `uniform seed ${seed}`);
  }
});

test('generator state round-trips', () => {
  const a = defaultRng(7);
  a.random();
  a.integers(5); // leaves a buffered 32-bit half
  const saved = a.getState();
  const expected = [a.random(), a.integers(100), a.integers(3)];
  const b = defaultRng(0);
  b.setState(saved);
  assert.deepEqual([b.random(), b.integers(100), b.integers(3)], expected);
});

test('integers rejects an empty range', () => {
  assert.throws(() => defaultRng(0).integers(3, 3), RangeError);
});

// Printed by numpy for np.random.default_rng(seed): standard_normal(6), then uniform(-0.1, 0.1, 2)
// (the order Gymnasium's MuJoCo envs draw their reset noise in, normal and uniform interleaved).
const normalReference: Array<[number, number[], number[]]> = [
  [
    0,
    [0.1257302210933933, -0.1321048632913019, 0.6404226504432821, 0.10490011715303971, -0.535669373161111, 0.36159505490948474],
    [0.021327155153435973, 0.045899312196799685],
  ],
  [
    3,
    [2.0409191213851825, -2.5556650313141818, 0.41809884672577885, -0.5677696061279298, -0.45264929211044586, -0.2155971630897659],
    [-0.0041897403718332005, -0.0680522170725843],
  ],
];

test('standardNormal reproduces numpy standard_normal, and the stream continues as numpy', () => {
  for (const [seed, normals, uniforms] of normalReference) {
    const g = defaultRng(seed);
    assert.deepEqual(Array.from(g.standardNormalArray(6)), normals, `standard_normal seed ${seed}`);
    assert.deepEqual(Array.from(g.uniformArray(-0.1, 0.1, 2)), uniforms, `uniform after it, seed ${seed}`);
  }
});

test('standardNormal matches numpy draw for draw over long streams, tail and rejections included', async (t) => {
  const { found } = await import('./python/find-python.ts');
  if (requireOrSkip(t, 'missing' in found ? found.missing : !found.numpy && `${found.python} has no numpy`)) return;
  const python = (found as { python: string }).python;
  const script =
    'import numpy as np, json\nprint(json.dumps([np.random.default_rng(s).standard_normal(20000).tolist() for s in (5, 6, 7)]))';
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const streams = JSON.parse(r.stdout) as number[][];
  let tails = 0;
  streams.forEach((expected, i) => {
    const got = defaultRng(5 + i).standardNormalArray(expected.length);
    for (let j = 0; j < expected.length; j++) {
      if (Math.abs(expected[j]) > 3.6541528853610088) tails++;
      if (got[j] !== expected[j]) assert.fail(`seed ${5 + i} draw ${j}: ${got[j]} != numpy's ${expected[j]}`);
    }
  });
  assert.ok(tails > 0, 'the streams reach the tail beyond R');
});
