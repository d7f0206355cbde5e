import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeStepRequest, encodeStepResponse } from '../../protocol/fast-frames.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { requestCheck, resultCheck } from '../../protocol/validators.ts';

const norm = (bytes: Uint8Array) => decodeMessage(encodeMessage(decodeMessage(bytes)));

test('fast step requests decode to the same message as the general encoder', () => {
  const actions: unknown[] = [
    encodeArray(new Float32Array([0.25, -1])),
    encodeArray(new Float64Array(40), [5, 8]),
    encodeArray(new Uint8Array(300)),
    encodeArray(new Int32Array(20000)),
    encodeArray(new Float32Array(0), [0]),
    0,
    3,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    -1,
    -32,
    -33,
    -70000,
    [1, 2], // not fast: falls back
    { a: 1 },
  ];
  const ids = [0, 1, 127, 128, 300, 70000, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
  for (const action of actions) {
    for (const id of ids) {
      const fast = norm(encodeStepRequest(id, 7, action));
      assert.deepEqual(fast, norm(encodeMessage({ id, op: 'step', handle: 7, action })), `id ${id}`);
    }
  }
  assert.ok(requestCheck('step')!.Check(decodeMessage(encodeStepRequest(1, 1, actions[0]))));
});

test('fast step responses decode to the same message as the general encoder', () => {
  const obses = [encodeArray(new Float32Array([1, 2, 3])), 4, -5];
  for (const obs of obses) {
    for (const reward of [0, -1.5, 1e300, -Infinity, NaN]) {
      for (const [terminated, truncated] of [
        [false, false],
        [true, false],
        [false, true],
      ]) {
        const result = { obs, reward, terminated, truncated, info: {} };
        const fast = norm(encodeStepResponse(99, result)) as { id: number; result: unknown };
        assert.deepEqual(fast, norm(encodeMessage({ id: 99, result })));
        assert.ok(resultCheck('step').Check(fast.result));
      }
    }
  }
  const withInfo = { obs: 1, reward: 1, terminated: false, truncated: false, info: { x: 1 } };
  assert.deepEqual(decodeMessage(encodeStepResponse(1, withInfo)), { id: 1, result: withInfo });
});

test('frames already handed out are never overwritten, across slab boundaries', () => {
  const frames: [Uint8Array, unknown][] = [];
  for (let i = 0; i < 3000; i++) {
    const action = encodeArray(new Float64Array(1 + (i % 50)).fill(i));
    frames.push([encodeStepRequest(i, 1, action), norm(encodeMessage({ id: i, op: 'step', handle: 1, action }))]);
  }
  const big = encodeArray(new Float64Array(20000).fill(3));
  frames.push([encodeStepRequest(1, 1, big), norm(encodeMessage({ id: 1, op: 'step', handle: 1, action: big }))]);
  for (const [bytes, expected] of frames) assert.deepEqual(norm(bytes), expected);
});

test('decodeStepResponse reads what encodeStepResponse writes, and declines anything else', async () => {
  const { decodeStepResponse } = await import('../../protocol/fast-frames.ts');
  const obses = [
    encodeArray(new Float32Array([1, -2, 3])),
    encodeArray(new Float64Array(100), [10, 10]),
    encodeArray(new Uint8Array(70000)),
    0,
    7,
    300,
    -3,
    -100000,
  ];
  for (const obs of obses) {
    for (const id of [0, 5, 200, 70000, 2 ** 31]) {
      const result = { obs, reward: -0.5, terminated: id % 2 === 0, truncated: true, info: {} };
      const bytes = encodeStepResponse(id, result);
      const fast = decodeStepResponse(bytes);
      assert.ok(fast !== null, `id ${id}`);
      assert.deepEqual(norm(encodeMessage(fast)), norm(bytes));
      // Every truncation is declined, never misread or thrown on.
      const cuts = bytes.length < 2000 ? bytes.keys() : [1, 10, 40, 100, bytes.length - 9, bytes.length - 1];
      for (const cut of cuts) {
        if (cut > 0 && cut < bytes.length) assert.equal(decodeStepResponse(bytes.subarray(0, cut)), null, `cut ${cut}`);
      }
    }
  }
  const result = { obs: 1, reward: 0, terminated: false, truncated: false, info: {} };
  assert.equal(decodeStepResponse(encodeMessage({ id: 1, result })), null, 'another encoder layout (map16)');
  assert.equal(decodeStepResponse(encodeStepResponse(1, { ...result, info: { a: 1 } })), null, 'non-empty info');
  assert.equal(decodeStepResponse(encodeMessage({ id: 1, error: { code: 'internal', message: 'x'.repeat(80) } })), null);
  assert.equal(decodeStepResponse(encodeStepResponse(1, { ...result, obs: 1.5 as number })), null, 'float obs is not a fast value');
});

test('decodeStepRequest reads what encodeStepRequest writes, and declines anything else', async () => {
  const { decodeStepRequest } = await import('../../protocol/fast-frames.ts');
  for (const action of [encodeArray(new Float32Array([0.5])), encodeArray(new Int8Array(300), [3, 100]), 2, 0, -1, 70000]) {
    for (const id of [0, 1, 1000, 2 ** 31]) {
      const bytes = encodeStepRequest(id, 3, action);
      const fast = decodeStepRequest(bytes);
      assert.ok(fast !== null);
      assert.deepEqual(norm(encodeMessage(fast)), norm(bytes));
      for (let cut = 1; cut < bytes.length; cut += 1) assert.equal(decodeStepRequest(bytes.subarray(0, cut)), null);
    }
  }
  assert.equal(decodeStepRequest(encodeMessage({ id: 1, op: 'step', handle: 3, action: 1 })), null, 'map16 layout');
  assert.equal(decodeStepRequest(encodeStepRequest(1, 3, [1, 2])), null, 'tuple action goes the general way');
  const withExtra = Uint8Array.from([...encodeStepRequest(1, 3, 1), 0xc0]);
  assert.equal(decodeStepRequest(withExtra), null, 'trailing bytes');
});
