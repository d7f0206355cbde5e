// Values of spaces <-> their wire form (see PROTOCOL.md "Values of spaces").
// fromWire is strict, because the server uses it to check actions: dtype and shape must be
// the space's exactly, floats must be finite, integer spaces must be in range. Box bounds are
// not enforced: like Gymnasium, envs clip out-of-bound continuous actions themselves.
import type { SpaceValue, TypedArray } from './env-api.ts';
import type { DType, Space } from './schema/spaces.ts';
import type { ErrorCode } from './schema/errors.ts';
import type { NDArray, WireValue } from './schema/ndarray.ts';
import { GymwireError } from './errors.ts';
import { allocate, decodeArray, encodeArray, isArrayOf, looksLikeNDArray } from './ndarray.ts';
import { preview, previewList } from './preview.ts';
import { contains, shapeSize } from './spaces.ts';

/** A value of `space` in its wire form. Typed arrays of the right class are sent without copying. */
export function toWire(space: Space, value: SpaceValue): WireValue {
  switch (space.type) {
    case 'Box':
      return encodeArray(asDType(value, space.dtype, shapeSize(space.shape)), space.shape, space.dtype);
    case 'Discrete':
      return Number(value);
    case 'MultiDiscrete':
      return encodeArray(asDType(value, space.dtype, space.nvec.length), [space.nvec.length], space.dtype);
    case 'MultiBinary':
      return encodeArray(asDType(value, 'int8', shapeSize(space.shape)), space.shape, 'int8');
    case 'Tuple':
      return space.spaces.map((s, i) => toWire(s, (value as SpaceValue[])[i]));
    case 'Dict': {
      const out: Record<string, WireValue> = {};
      for (const k of Object.keys(space.spaces)) out[k] = toWire(space.spaces[k], (value as Record<string, SpaceValue>)[k]);
      return out;
    }
  }
}

function asDType(value: SpaceValue, dtype: DType, length: number): TypedArray {
  if (isArrayOf(dtype, value) && value.length === length) return value;
  if (!ArrayBuffer.isView(value) && !Array.isArray(value))
    throw new TypeError(`expected an array of ${length} ${dtype}, got ${typeof value}`);
  const src = value as ArrayLike<number | bigint>;
  if (src.length !== length) throw new RangeError(`expected ${length} elements, got ${src.length}`);
  const out = allocate(dtype, length);
  for (let i = 0; i < length; i++) {
    if (out instanceof BigInt64Array) out[i] = BigInt(src[i]);
    else out[i] = Number(src[i]);
  }
  return out;
}

function fail(code: ErrorCode, path: string, message: string): never {
  throw new GymwireError(code, `${path || 'value'}: ${message}`, { path });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function wireArray(wire: unknown, path: string, code: ErrorCode): NDArray {
  if (!looksLikeNDArray(wire)) fail(code, path, 'expected an NDArray map {dtype, shape, data}');
  return wire;
}

function decodeChecked(wire: NDArray, path: string, code: ErrorCode): TypedArray {
  try {
    return decodeArray(wire);
  } catch (e) {
    return fail(code, path, (e as Error).message);
  }
}

const INTEGER_DTYPES: readonly DType[] = ['int8', 'int32', 'int64', 'uint8'];

function toInt32(arr: TypedArray): Int32Array {
  if (arr instanceof Int32Array) return arr;
  const out = new Int32Array(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]);
  return out;
}

/**
 * The in-memory value of a wire value of `space` (see protocol/spaces.ts for the types).
 * Throws GymwireError(code) — 'invalid_action' for actions — when it is not in the space.
 */
export function fromWire(space: Space, wire: unknown, code: ErrorCode = 'invalid_action', path = ''): SpaceValue {
  switch (space.type) {
    case 'Box': {
      const w = wireArray(wire, path, code);
      if (w.dtype !== space.dtype) fail(code, path, `dtype ${w.dtype}, the space wants ${space.dtype}`);
      if (!sameShape(w.shape, space.shape)) fail(code, path, `shape ${previewList(w.shape)}, the space wants [${space.shape.join(', ')}]`);
      const arr = decodeChecked(w, path, code);
      if (arr instanceof Float32Array || arr instanceof Float64Array) {
        for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) fail(code, path, `element ${i} is ${arr[i]}`);
      } else if (space.dtype === 'bool' && !contains(space, arr)) {
        fail(code, path, 'bool elements must be 0 or 1');
      }
      return arr;
    }
    case 'Discrete':
      if (typeof wire !== 'number' || !Number.isInteger(wire)) fail(code, path, `expected an integer, got ${preview(wire)}`);
      if (!contains(space, wire)) fail(code, path, `${wire} is outside Discrete(${space.n}, start=${space.start})`);
      return wire;
    case 'MultiDiscrete': {
      const w = wireArray(wire, path, code);
      if (!INTEGER_DTYPES.includes(w.dtype)) fail(code, path, `dtype ${w.dtype} is not an integer type`);
      if (!sameShape(w.shape, [space.nvec.length]))
        fail(code, path, `shape ${previewList(w.shape)}, the space wants [${space.nvec.length}]`);
      const arr = toInt32(decodeChecked(w, path, code));
      if (!contains(space, arr)) fail(code, path, 'an element is outside its range');
      return arr;
    }
    case 'MultiBinary': {
      const w = wireArray(wire, path, code);
      if (w.dtype !== 'int8' && w.dtype !== 'uint8' && w.dtype !== 'bool') fail(code, path, `dtype ${w.dtype}, the space wants int8`);
      if (!sameShape(w.shape, space.shape)) fail(code, path, `shape ${previewList(w.shape)}, the space wants [${space.shape.join(', ')}]`);
      const raw = decodeChecked(w, path, code) as Int8Array | Uint8Array;
      const arr = raw instanceof Int8Array ? raw : new Int8Array(raw.buffer, raw.byteOffset, raw.length);
      if (!contains(space, arr)) fail(code, path, 'elements must be 0 or 1');
      return arr;
    }
    case 'Tuple': {
      if (!Array.isArray(wire) || wire.length !== space.spaces.length)
        fail(code, path, `expected an array of ${space.spaces.length} values`);
      return space.spaces.map((s, i) => fromWire(s, wire[i], code, `${path}[${i}]`));
    }
    case 'Dict': {
      if (typeof wire !== 'object' || wire === null || Array.isArray(wire) || looksLikeNDArray(wire)) fail(code, path, 'expected a map');
      const keys = Object.keys(space.spaces);
      const got = Object.keys(wire);
      if (got.length !== keys.length || !keys.every((k) => k in wire)) fail(code, path, `expected keys ${keys.join(', ')}`);
      const out: Record<string, SpaceValue> = {};
      for (const k of keys) out[k] = fromWire(space.spaces[k], (wire as Record<string, unknown>)[k], code, `${path}.${k}`);
      return out;
    }
  }
}

/** Info dicts: typed arrays become NDArray maps (and back); other values travel as msgpack has them. */
export function infoToWire(info: Record<string, unknown>): Record<string, unknown> {
  for (const _ in info) return mapInfo(info, true) as Record<string, unknown>;
  return info;
}

export function infoFromWire(info: Record<string, unknown>): Record<string, unknown> {
  for (const _ in info) return mapInfo(info, false) as Record<string, unknown>;
  return info;
}

function mapInfo(value: unknown, outgoing: boolean): unknown {
  if (outgoing && ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (value instanceof Uint8Array && value.constructor !== Uint8Array) return encodeArray(new Uint8Array(value));
    return encodeArray(value as TypedArray);
  }
  if (!outgoing && looksLikeNDArray(value)) return decodeArray(value);
  if (Array.isArray(value)) return value.map((v) => mapInfo(v, outgoing));
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapInfo(v, outgoing);
    return out;
  }
  return value;
}

/**
 * The in-memory value of a wire value the peer is trusted to have built for `space`
 * (observations from a server): no range or finiteness checks, arrays are views when aligned.
 */
export function decodeValue(space: Space, wire: unknown): SpaceValue {
  switch (space.type) {
    case 'Box':
      return decodeArray(wireArray(wire, '', 'internal'));
    case 'Discrete':
      return wire as number;
    case 'MultiDiscrete':
      return toInt32(decodeArray(wireArray(wire, '', 'internal')));
    case 'MultiBinary': {
      const raw = decodeArray(wireArray(wire, '', 'internal')) as Int8Array | Uint8Array;
      return raw instanceof Int8Array ? raw : new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    }
    case 'Tuple':
      return space.spaces.map((s, i) => decodeValue(s, (wire as unknown[])[i]));
    case 'Dict': {
      const out: Record<string, SpaceValue> = {};
      for (const k of Object.keys(space.spaces)) out[k] = decodeValue(space.spaces[k], (wire as Record<string, unknown>)[k]);
      return out;
    }
  }
}
