// The hand-written step frames carry vector results too: same message as the general
// encoder, read back by the fast reader (not the general fallback), declined when not fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStepRequest, decodeStepResponse, encodeStepRequest, encodeStepResponse } from '../../protocol/fast-frames.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { resultCheck } from '../../protocol/validators.ts';

const norm = (bytes: Uint8Array) => decodeMessage(encodeMessage(decodeMessage(bytes)));

function vectorResult(n: number) {
  const obs = Float32Array.from({ length: n * 3 }, (_, i) => i / 7);
  const reward = Float64Array.from({ length: n }, (_, i) => -i * 1.5);
  const terminated = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const truncated = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
  return {
    obs: encodeArray(obs, [n, 3]),
    reward: encodeArray(reward),
    terminated: encodeArray(terminated, [n], 'bool'),
    truncated: encodeArray(truncated, [n], 'bool'),
    info: {},
  };
}

test('vector step responses: fast bytes = general message, read back by the fast reader', () => {
  for (const n of [1, 2, 16, 256, 3000]) {
    for (const id of [0, 200, 70000]) {
      const result = vectorResult(n);
      const bytes = encodeStepResponse(id, result).slice();
      assert.deepEqual(norm(bytes), norm(encodeMessage({ id, result })), `n ${n}`);
      const fast = decodeStepResponse(bytes);
      assert.ok(fast !== null, `the fast reader takes n=${n}`);
      assert.equal(fast.id, id);
      assert.ok(resultCheck('step').Check(fast.result));
      assert.deepEqual(norm(encodeMessage(fast.result)), norm(encodeMessage(result)));
    }
  }
  // A non-empty info goes through the general encoder, and the fast reader declines it.
  const withInfo = { ...vectorResult(4), info: { _x: encodeArray(new Uint8Array(4), [4], 'bool') } };
  const general = encodeStepResponse(1, withInfo);
  assert.deepEqual(norm(general), norm(encodeMessage({ id: 1, result: withInfo })));
  assert.equal(decodeStepResponse(general), null);
  // Truncated frames are declined, never misread.
  const bytes = encodeStepResponse(9, vectorResult(8)).slice();
  for (let cut = 1; cut < bytes.length; cut += 7) assert.equal(decodeStepResponse(bytes.subarray(0, cut)), null, `cut ${cut}`);
});

test('vector step requests: a [N, ...] action rides the fast request frame', () => {
  const action = encodeArray(new Float32Array(512), [256, 2]);
  const bytes = encodeStepRequest(5, 3, action).slice();
  assert.deepEqual(norm(bytes), norm(encodeMessage({ id: 5, op: 'step', handle: 3, action })));
  const read = decodeStepRequest(bytes);
  assert.ok(read !== null);
  assert.deepEqual(read.action, { dtype: 'float32', shape: [256, 2], data: action.data });
});
