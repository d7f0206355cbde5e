import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  box,
  discrete,
  multiDiscrete,
  multiBinary,
  tuple,
  dict,
  contains,
  sample,
  flatten,
  unflatten,
  flatdim,
} from '../../protocol/spaces.ts';
import { fromWire, toWire, infoFromWire, infoToWire } from '../../protocol/space-wire.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { defaultRng } from '../../protocol/random.ts';
import { GymwireError } from '../../protocol/errors.ts';

const pendulumObs = box([-1, -1, -8], [1, 1, 8]);

test('contains: Box checks class, length and bounds; NaN is outside', () => {
  assert.ok(contains(pendulumObs, new Float32Array([0, 1, -8])));
  assert.ok(!contains(pendulumObs, new Float32Array([0, 1, 9])));
  assert.ok(!contains(pendulumObs, new Float32Array([0, NaN, 0])));
  assert.ok(!contains(pendulumObs, new Float64Array([0, 0, 0])), 'wrong dtype');
  assert.ok(!contains(pendulumObs, new Float32Array([0, 0])), 'wrong length');
  assert.ok(!contains(pendulumObs, [0, 0, 0]), 'plain array');
});

test('contains: Discrete, MultiDiscrete, MultiBinary, Tuple, Dict', () => {
  const d = discrete(3, 1);
  assert.ok(contains(d, 1) && contains(d, 3));
  assert.ok(!contains(d, 0) && !contains(d, 4) && !contains(d, 1.5));
  const md = multiDiscrete([2, 3], [0, -1]);
  assert.ok(contains(md, new Int32Array([1, 1])));
  assert.ok(!contains(md, new Int32Array([1, 2])));
  const mb = multiBinary([2, 2]);
  assert.ok(contains(mb, new Int8Array([0, 1, 1, 0])));
  assert.ok(!contains(mb, new Int8Array([0, 2, 1, 0])));
  const t = tuple([d, mb]);
  assert.ok(contains(t, [2, new Int8Array(4)]));
  assert.ok(!contains(t, [2]));
  const dc = dict({ a: d, b: pendulumObs });
  assert.ok(contains(dc, { a: 1, b: new Float32Array(3) }));
  assert.ok(!contains(dc, { a: 1 }));
  assert.ok(!contains(dc, { a: 1, b: new Float32Array(3), c: 2 }));
});

test('sample: Discrete is start + integers(n), as Gymnasium', () => {
  const rng = defaultRng(0);
  const ref = defaultRng(0);
  for (let i = 0; i < 50; i++) assert.equal(sample(discrete(5, -2), rng), -2 + ref.integers(5));
});

test('sample: bounded Box is uniform(low, high) in float64, cast to the dtype', () => {
  const space = box([-2, 0], [2, 10]);
  const rng = defaultRng(42);
  const ref = defaultRng(42);
  for (let i = 0; i < 20; i++) {
    const v = sample(space, rng) as Float32Array;
    assert.ok(v instanceof Float32Array && contains(space, v));
    assert.equal(v[0], Math.fround(-2 + 4 * ref.random()));
    assert.equal(v[1], Math.fround(10 * ref.random()));
  }
});

test('sample: unbounded and half-bounded Box coordinates respect their bounds', () => {
  const space = box([-Infinity, 0, -Infinity], [Infinity, Infinity, 5], [3], 'float64');
  const rng = defaultRng(1);
  let negatives = 0;
  for (let i = 0; i < 500; i++) {
    const v = sample(space, rng) as Float64Array;
    assert.ok(v[1] >= 0 && v[2] <= 5 && Number.isFinite(v[0]));
    if (v[0] < 0) negatives++;
  }
  assert.ok(negatives > 150 && negatives < 350, `normal coordinate looks symmetric (${negatives}/500)`);
});

test('sample: integer Box floors uniform(low, high + 1)', () => {
  const space = box(0, 3, [1000], 'int32');
  const v = sample(space, defaultRng(3)) as Int32Array;
  assert.ok(v instanceof Int32Array && contains(space, v));
  assert.deepEqual(new Set(v), new Set([0, 1, 2, 3]));
});

test('sample: MultiDiscrete, MultiBinary, Tuple and Dict stay inside their space', () => {
  const rng = defaultRng(7);
  const spaces = [
    multiDiscrete([3, 4], [1, 0]),
    multiBinary(9),
    tuple([discrete(2), box(-1, 1, [2])]),
    dict({ z: discrete(4), a: multiBinary(2) }),
  ];
  for (const s of spaces) for (let i = 0; i < 30; i++) assert.ok(contains(s, sample(s, rng)), s.type);
  // MultiBinary: numpy's buffered 8-bit draw keeps the top bit of each byte, low byte first.
  const bits = sample(multiBinary(4), defaultRng(0)) as Int8Array;
  const word = defaultRng(0).bitGenerator.nextUint32();
  assert.deepEqual(
    Array.from(bits),
    [0, 1, 2, 3].map((k) => (word >>> (8 * k + 7)) & 1),
  );
});

test('flatten / unflatten / flatdim', () => {
  const space = dict({ pos: box(-1, 1, [2]), choice: discrete(3, 1), keys: multiDiscrete([2, 2]), bits: multiBinary(2) });
  assert.equal(flatdim(space), 2 + 3 + 4 + 2);
  const value = { pos: new Float32Array([0.5, -0.25]), choice: 2, keys: new Int32Array([1, 0]), bits: new Int8Array([1, 0]) };
  // Dict keys flatten in sorted order: bits, choice, keys, pos.
  assert.deepEqual(Array.from(flatten(space, value)), [1, 0, 0, 1, 0, 0, 1, 1, 0, 0.5, -0.25]);
  const back = unflatten(space, flatten(space, value)) as typeof value;
  assert.deepEqual(back, value);
  assert.deepEqual(Array.from(flatten(tuple([discrete(2), discrete(2)]), [1, 0])), [0, 1, 1, 0]);
  assert.throws(() => unflatten(space, [1, 2]), RangeError);
});

test('wire values round-trip through msgpack for every space type', () => {
  const space = tuple([pendulumObs, discrete(4), multiDiscrete([3, 5]), multiBinary([2]), dict({ x: box(0, 1, [1], 'float64') })]);
  const value = [new Float32Array([0.1, -0.2, 3]), 3, new Int32Array([2, 4]), new Int8Array([1, 1]), { x: new Float64Array([0.75]) }];
  const wire = decodeMessage(encodeMessage(toWire(space, value)));
  const back = fromWire(space, wire);
  assert.deepEqual(back, value);
  assert.ok(contains(space, back));
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GymwireError);
    return e.code;
  }
  return 'no error';
}

test('fromWire refuses values outside the space with the given code', () => {
  const act = box(-2, 2, [1]);
  const f32 = (xs: number[]) => toWire(box(-9, 9, [xs.length]), new Float32Array(xs));
  assert.equal(
    code(() => fromWire(act, f32([5]))),
    'no error',
    "Box bounds are the env's to clip",
  );
  assert.equal(
    code(() => fromWire(act, f32([NaN]))),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(act, f32([Infinity]))),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(act, f32([1, 1]))),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(act, toWire(box(-2, 2, [1], 'float64'), new Float64Array([1])))),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(act, 1)),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(act, { dtype: 'float32', shape: [1], data: new Uint8Array(3) })),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(discrete(2), 2)),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(discrete(2), 0.5)),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(discrete(2), f32([1]))),
    'invalid_action',
  );
  assert.equal(
    code(() => fromWire(pendulumObs, 3, 'internal')),
    'internal',
  );
});

test('info typed arrays travel as NDArrays', () => {
  const info = { lives: 3, nested: { v: new Float32Array([1.5]) }, name: 'x' };
  const back = infoFromWire(decodeMessage(encodeMessage(infoToWire(info))) as Record<string, unknown>);
  assert.deepEqual(back, info);
  const empty = {};
  assert.equal(infoToWire(empty), empty);
});
