import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeArray, encodeArray, DTYPES, allocate, looksLikeNDArray } from '../../protocol/ndarray.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import type { NDArray } from '../../protocol/schema/ndarray.ts';
import { GymwireError } from '../../protocol/errors.ts';

const SAMPLES: Record<string, (number | bigint)[]> = {
  float32: [0, -1.5, 3.25, Infinity, -Infinity, 1e-30],
  float64: [0, Math.PI, -1e300, Number.MIN_VALUE, -0, 2 ** 60],
  int8: [0, 127, -128, -1, 5, 6],
  int32: [0, 2147483647, -2147483648, -1, 42, 7],
  int64: [0n, 9223372036854775807n, -9223372036854775808n, -1n, 2n ** 53n + 1n, 3n],
  uint8: [0, 255, 1, 128, 7, 9],
  bool: [0, 1, 1, 0, 1, 0],
};

function filled(dtype: (typeof DTYPES)[number]) {
  const arr = allocate(dtype, 6);
  SAMPLES[dtype].forEach((v, i) => ((arr as unknown as (number | bigint)[])[i] = v));
  return arr;
}

test('every dtype survives encode -> msgpack -> decode, with shape', () => {
  for (const dtype of DTYPES) {
    const arr = filled(dtype);
    const bytes = encodeMessage({ a: encodeArray(arr, [2, 3], dtype) });
    const back = decodeMessage(bytes) as { a: NDArray };
    assert.equal(back.a.dtype, dtype);
    assert.deepEqual(back.a.shape, [2, 3]);
    const dec = decodeArray(back.a);
    assert.equal(dec.constructor, arr.constructor, dtype);
    assert.deepEqual(Array.from(dec as ArrayLike<unknown>), Array.from(arr as ArrayLike<unknown>), dtype);
  }
});

test('the wire bytes are little-endian', () => {
  const f = encodeArray(new Float32Array([1]));
  assert.deepEqual(Array.from(f.data), [0x00, 0x00, 0x80, 0x3f]);
  const i = encodeArray(new Int32Array([0x01020304]));
  assert.deepEqual(Array.from(i.data), [4, 3, 2, 1]);
  const l = encodeArray(new BigInt64Array([0x0102030405060708n]));
  assert.deepEqual(Array.from(l.data), [8, 7, 6, 5, 4, 3, 2, 1]);
  // A peer writes float64 LE bytes by hand; we read the same value.
  const buf = new Uint8Array(8);
  new DataView(buf.buffer).setFloat64(0, -2.5, true);
  assert.deepEqual(Array.from(decodeArray({ dtype: 'float64', shape: [1], data: buf }) as Float64Array), [-2.5]);
});

test('encoding shares memory; aligned decoding is a view, odd offsets are copied correctly', () => {
  const arr = new Float64Array([1, 2, 3]);
  const wire = encodeArray(arr);
  assert.equal(wire.data.buffer, arr.buffer);
  const aligned = decodeArray(wire);
  assert.equal(aligned.buffer, arr.buffer);
  for (let offset = 1; offset < 8; offset++) {
    const backing = new Uint8Array(24 + offset);
    backing.set(new Uint8Array(arr.buffer), offset);
    const data = backing.subarray(offset, offset + 24);
    const dec = decodeArray({ dtype: 'float64', shape: [3], data });
    assert.deepEqual(Array.from(dec as Float64Array), [1, 2, 3], `offset ${offset}`);
  }
  for (let offset = 1; offset < 4; offset++) {
    const backing = new Uint8Array(8 + offset);
    backing.set(new Uint8Array(new Float32Array([0.5, -7]).buffer), offset);
    const dec = decodeArray({ dtype: 'float32', shape: [2], data: backing.subarray(offset, offset + 8) });
    assert.deepEqual(Array.from(dec as Float32Array), [0.5, -7]);
  }
});

test('a subarray encodes only its own elements', () => {
  const big = new Int32Array([9, 8, 7, 6, 5]);
  const wire = encodeArray(big.subarray(1, 3));
  const back = decodeMessage(encodeMessage(wire)) as NDArray;
  assert.deepEqual(Array.from(decodeArray(back) as Int32Array), [8, 7]);
});

test('a byte length that does not match dtype and shape is rejected', () => {
  assert.throws(
    () => decodeArray({ dtype: 'float32', shape: [3], data: new Uint8Array(8) }),
    (e: unknown) => e instanceof GymwireError && e.code === 'bad_request',
  );
  assert.throws(() => encodeArray(new Float32Array(4), [3]), RangeError);
});

test('scalars and empty arrays', () => {
  const s = decodeArray(decodeMessage(encodeMessage(encodeArray(new Float32Array([4]), []))) as NDArray);
  assert.deepEqual(Array.from(s as Float32Array), [4]);
  const e = decodeArray(decodeMessage(encodeMessage(encodeArray(new Float32Array(0), [0, 3]))) as NDArray);
  assert.equal(e.length, 0);
});

test('msgpack output is plain msgpack: maps with string keys, bin for bytes', () => {
  const bytes = encodeMessage({ id: 1, op: 'x', data: new Uint8Array([1, 2]) });
  // fixmap/map16 first byte, never msgpackr's record extension (0xd4..0xd8 / 0xc7..0xc9 ext).
  assert.ok(bytes[0] === 0xde || (bytes[0] & 0xf0) === 0x80, `first byte ${bytes[0].toString(16)}`);
  const text = Buffer.from(bytes);
  const binAt = text.indexOf(Buffer.from([0xc4, 0x02, 0x01, 0x02]));
  assert.ok(binAt > 0, 'Uint8Array is encoded as bin 8');
  // {a: 1, b: [true, null]} byte for byte as any msgpack encoder may write it (fixmap or map16).
  const small = Array.from(encodeMessage({ a: 1, b: [true, null] }));
  const body = [0xa1, 0x61, 0x01, 0xa1, 0x62, 0x92, 0xc3, 0xc0];
  assert.ok(
    JSON.stringify(small) === JSON.stringify([0x82, ...body]) || JSON.stringify(small) === JSON.stringify([0xde, 0, 2, ...body]),
    `unexpected encoding ${small.map((b) => b.toString(16)).join(' ')}`,
  );
  assert.ok(looksLikeNDArray(decodeMessage(encodeMessage(encodeArray(new Uint8Array([1]))))));
});
