import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addInfo, isEmptyInfo } from '../../envs/vector/batched-info.ts';

test('addInfo batches scalars, booleans and typed arrays into columns with _key masks', () => {
  let info = {};
  info = addInfo(info, { x: 1.5, ok: true, v: Float32Array.of(1, 2) }, 0, 3);
  info = addInfo(info, { x: -2, v: Float32Array.of(5, 6) }, 2, 3);
  assert.deepEqual(info, {
    x: Float64Array.of(1.5, 0, -2),
    _x: Uint8Array.of(1, 0, 1),
    ok: Uint8Array.of(1, 0, 0),
    _ok: Uint8Array.of(1, 0, 0),
    v: Float32Array.of(1, 2, 0, 0, 5, 6),
    _v: Uint8Array.of(1, 0, 1),
  });
});

test('addInfo recurses into nested objects (Gymnasium: nested dict plus a mask for the key)', () => {
  let info = {};
  info = addInfo(info, { episode: { r: 10, l: 3 } }, 1, 2);
  info = addInfo(info, { episode: { r: 4 } }, 0, 2);
  assert.deepEqual(info, {
    episode: { r: Float64Array.of(4, 10), _r: Uint8Array.of(1, 1), l: Float64Array.of(0, 3), _l: Uint8Array.of(0, 1) },
    _episode: Uint8Array.of(1, 1),
  });
});

test('addInfo keeps other values in plain arrays and degrades mixed types to raw values', () => {
  let info = {};
  info = addInfo(info, { name: 'a', n: 1, flag: true, arr: Int32Array.of(1, 2) }, 0, 3);
  info = addInfo(info, { n: 'two', flag: 3, arr: Int32Array.of(9) }, 2, 3);
  assert.deepEqual(info, {
    name: ['a', null, null],
    _name: Uint8Array.of(1, 0, 0),
    n: [1, null, 'two'],
    _n: Uint8Array.of(1, 0, 1),
    flag: [true, null, 3],
    _flag: Uint8Array.of(1, 0, 1),
    arr: [Int32Array.of(1, 2), null, Int32Array.of(9)],
    _arr: Uint8Array.of(1, 0, 1),
  });
});

test('isEmptyInfo', () => {
  assert.equal(isEmptyInfo({}), true);
  assert.equal(isEmptyInfo({ a: undefined }), false);
});
