// Constructors and operations on spaces-as-data (schema/spaces.ts).
import type { BoxSpace, DiscreteSpace, DType, Space } from './schema/spaces.ts';
import type { MultiBinarySpace, MultiDiscreteSpace, TupleSpace, DictSpace } from './schema/spaces.ts';
import type { SpaceValue, TypedArray } from './env-api.ts';
import type { NumpyGenerator } from './random.ts';
import { allocate, isArrayOf } from './ndarray.ts';
import { preview, previewList } from './preview.ts';

function fill(value: number | ArrayLike<number>, size: number): number[] {
  if (typeof value === 'number') return new Array<number>(size).fill(value);
  if (value.length !== size) throw new RangeError(`bound has ${value.length} elements, shape wants ${size}`);
  return Array.from(value);
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A Box, like gymnasium.spaces.Box(low, high, shape, dtype). */
export function box(
  low: number | ArrayLike<number>,
  high: number | ArrayLike<number>,
  shape?: number[],
  dtype: DType = 'float32',
): BoxSpace {
  checkBoxArguments(low, high, shape);
  const s = shape ?? [typeof low !== 'number' ? low.length : typeof high !== 'number' ? high.length : 1];
  const size = shapeSize(s);
  const lo = fill(low, size);
  const hi = fill(high, size);
  if (dtype === 'float32') {
    // Gymnasium stores bounds in the box's dtype; round them the same way so contains() agrees.
    for (let i = 0; i < size; i++) {
      lo[i] = Math.fround(lo[i]);
      hi[i] = Math.fround(hi[i]);
    }
  }
  return { type: 'Box', shape: s, dtype, low: lo, high: hi };
}

// A plugin author's likely slip, box({low, high, shape}), would otherwise fail as "bound has undefined elements".
function checkBoxArguments(low: unknown, high: unknown, shape: unknown): void {
  const bound = (v: unknown) =>
    typeof v === 'number' || (typeof v === 'object' && v !== null && typeof (v as ArrayLike<number>).length === 'number');
  if (!bound(low) || !bound(high)) {
    const got = typeof low === 'object' && low !== null && !bound(low) ? `{${Object.keys(low).join(', ')}}` : preview(low);
    throw new TypeError(`box's arguments are positional: box(low, high, shape, dtype), got box(${got}, ${preview(high)}, ...)`);
  }
  if (shape !== undefined && !(Array.isArray(shape) && shape.every((n) => Number.isInteger(n) && n >= 0))) {
    throw new TypeError(`box's shape must be an array of non-negative integers, got ${preview(shape)}`);
  }
}

/** A Discrete, like gymnasium.spaces.Discrete(n, start). */
export function discrete(n: number, start = 0): DiscreteSpace {
  return { type: 'Discrete', n, start };
}

export type { Space };

// ---- values of spaces -------------------------------------------------------------------------
//
// In memory a value of a space is:
//   Box           the typed array of its dtype (float32 -> Float32Array, float64 -> Float64Array,
//                 int8 -> Int8Array, int32 -> Int32Array, int64 -> BigInt64Array,
//                 uint8 and bool -> Uint8Array), flat and row-major, length = product of shape
//   Discrete      a number (an integer in [start, start + n))
//   MultiDiscrete an Int32Array, one entry per element of nvec (whatever the space's wire dtype)
//   MultiBinary   an Int8Array of 0/1, flat and row-major (Gymnasium's int8)
//   Tuple         an array of the sub-values
//   Dict          a plain object keyed like the space

export type { MultiBinarySpace, MultiDiscreteSpace, TupleSpace, DictSpace };

/** A MultiDiscrete, like gymnasium.spaces.MultiDiscrete(nvec, dtype=int64, start). */
export function multiDiscrete(nvec: number[], start?: number[], dtype: DType = 'int64'): MultiDiscreteSpace {
  return { type: 'MultiDiscrete', nvec, start: start ?? nvec.map(() => 0), dtype };
}

/** A MultiBinary, like gymnasium.spaces.MultiBinary(n). */
export function multiBinary(shape: number | number[]): MultiBinarySpace {
  return { type: 'MultiBinary', shape: typeof shape === 'number' ? [shape] : shape };
}

export function tuple(spaces: Space[]): TupleSpace {
  return { type: 'Tuple', spaces };
}

export function dict(spaces: Record<string, Space>): DictSpace {
  return { type: 'Dict', spaces };
}

/** Keys of a Dict space in Gymnasium's order (it sorts the keys of a plain dict). */
export function dictKeys(space: DictSpace): string[] {
  return Object.keys(space.spaces).sort();
}

function isIntegerArray(v: unknown): v is Int8Array | Uint8Array | Int32Array {
  return v instanceof Int32Array || v instanceof Int8Array || v instanceof Uint8Array;
}

/** Whether `value` is a member of `space` (same representation, shape and bounds; NaN is never inside). */
export function contains(space: Space, value: unknown): boolean {
  return notInSpace(space, value) === null;
}

/**
 * Why `value` is not a member of `space`, naming the part at fault from `path` (e.g. "obs[2] = 5
 * is outside the Box's [-1, 1]"), or null when it is a member: contains() in words.
 */
export function notInSpace(space: Space, value: unknown, path = 'value'): string | null {
  switch (space.type) {
    case 'Box': {
      if (!isArrayOf(space.dtype, value)) {
        return `${path} is ${preview(value)}, not the ${allocate(space.dtype, 0).constructor.name} of a ${space.dtype} Box`;
      }
      const arr = value as TypedArray;
      const size = shapeSize(space.shape);
      if (arr.length !== size) return `${path} has ${arr.length} elements, the Box's shape [${space.shape}] wants ${size}`;
      for (let i = 0; i < arr.length; i++) {
        const x = Number(arr[i]);
        if (!(x >= space.low[i] && x <= space.high[i]))
          return `${path}[${i}] = ${x} is outside the Box's [${space.low[i]}, ${space.high[i]}]`;
      }
      if (space.dtype === 'bool') {
        const i = (arr as Uint8Array).findIndex((b) => b !== 0 && b !== 1);
        if (i >= 0) return `${path}[${i}] = ${arr[i]} is not 0 or 1, as a bool Box wants`;
      }
      return null;
    }
    case 'Discrete':
      if (typeof value === 'number' && Number.isInteger(value) && value >= space.start && value < space.start + space.n) return null;
      return (
        `${path} = ${preview(value)} is not an integer in [${space.start}, ${space.start + space.n}) ` +
        `(Discrete(${space.n}, start=${space.start}))`
      );
    case 'MultiDiscrete': {
      if (!isIntegerArray(value)) return `${path} is ${preview(value)}, not an Int32Array (or Int8Array, Uint8Array) of a MultiDiscrete`;
      if (value.length !== space.nvec.length)
        return `${path} has ${value.length} elements, the MultiDiscrete's nvec has ${space.nvec.length}`;
      for (let i = 0; i < value.length; i++) {
        const lo = space.start[i];
        const hi = lo + space.nvec[i];
        if (!(value[i] >= lo && value[i] < hi)) return `${path}[${i}] = ${value[i]} is outside the MultiDiscrete's [${lo}, ${hi})`;
      }
      return null;
    }
    case 'MultiBinary': {
      if (!isIntegerArray(value)) return `${path} is ${preview(value)}, not an Int8Array (or Int32Array, Uint8Array) of a MultiBinary`;
      const size = shapeSize(space.shape);
      if (value.length !== size) return `${path} has ${value.length} elements, the MultiBinary's shape [${space.shape}] wants ${size}`;
      const i = (value as Int8Array).findIndex((b) => b !== 0 && b !== 1);
      return i < 0 ? null : `${path}[${i}] = ${value[i]} is not 0 or 1, as a MultiBinary wants`;
    }
    case 'Tuple': {
      if (!Array.isArray(value)) return `${path} is ${preview(value)}, not the array of a Tuple`;
      if (value.length !== space.spaces.length) return `${path} has ${value.length} elements, the Tuple has ${space.spaces.length} spaces`;
      for (let i = 0; i < value.length; i++) {
        const why = notInSpace(space.spaces[i], value[i], `${path}[${i}]`);
        if (why !== null) return why;
      }
      return null;
    }
    case 'Dict': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
        return `${path} is ${preview(value)}, not the plain object of a Dict`;
      }
      const want = Object.keys(space.spaces);
      const missing = want.find((k) => !(k in value));
      if (missing !== undefined) return `${path} lacks the Dict's key ${preview(missing)}`;
      const keys = Object.keys(value);
      if (keys.length !== want.length) return `${path} has keys ${previewList(keys)}, the Dict's are ${previewList(want)}`;
      for (const k of want) {
        const why = notInSpace(space.spaces[k], (value as Record<string, unknown>)[k], `${path}.${k}`);
        if (why !== null) return why;
      }
      return null;
    }
  }
}

/** numpy's standard_exponential by inversion. numpy itself uses a ziggurat, so draws differ from numpy's. */
function exponential(rng: NumpyGenerator): number {
  return -Math.log1p(-rng.random());
}

/**
 * A random member of `space`, as Gymnasium's Space.sample() draws it.
 * Bit-exact with numpy for bounded Box, Discrete, MultiDiscrete and MultiBinary; unbounded
 * (normal) and half-bounded (exponential) Box coordinates use our own normal/exponential,
 * and Tuple/Dict draw their parts from `rng` in order (Gymnasium seeds one generator per part).
 */
export function sample(space: Space, rng: NumpyGenerator): SpaceValue {
  switch (space.type) {
    case 'Box':
      return sampleBox(space, rng);
    case 'Discrete':
      return space.start + rng.integers(space.n);
    case 'MultiDiscrete': {
      // (random(shape) * nvec).astype(dtype) + start
      const out = new Int32Array(space.nvec.length);
      for (let i = 0; i < out.length; i++) out[i] = Math.floor(rng.random() * space.nvec[i]) + space.start[i];
      return out;
    }
    case 'MultiBinary': {
      // integers(0, 2, size, dtype=int8): numpy's buffered 8-bit Lemire draw with range 1,
      // which keeps the top bit of each byte of a uint32, low byte first.
      const out = new Int8Array(shapeSize(space.shape));
      let buf = 0;
      let left = 0;
      for (let i = 0; i < out.length; i++) {
        if (left === 0) {
          buf = rng.bitGenerator.nextUint32();
          left = 3;
        } else {
          buf >>>= 8;
          left -= 1;
        }
        out[i] = ((buf & 0xff) * 2) >>> 8;
      }
      return out;
    }
    case 'Tuple':
      return space.spaces.map((s) => sample(s, rng));
    case 'Dict': {
      const out: Record<string, SpaceValue> = {};
      for (const k of dictKeys(space)) out[k] = sample(space.spaces[k], rng);
      return out;
    }
  }
}

function sampleBox(space: BoxSpace, rng: NumpyGenerator): TypedArray {
  const size = shapeSize(space.shape);
  const isInt = space.dtype !== 'float32' && space.dtype !== 'float64';
  const values = new Float64Array(size);
  const lowB = (i: number) => space.low[i] > -Infinity;
  const highB = (i: number) => space.high[i] < Infinity;
  // Gymnasium fills the coordinates class by class: unbounded, low-bounded, high-bounded, bounded.
  for (let i = 0; i < size; i++) if (!lowB(i) && !highB(i)) values[i] = rng.normal();
  for (let i = 0; i < size; i++) if (lowB(i) && !highB(i)) values[i] = exponential(rng) + space.low[i];
  for (let i = 0; i < size; i++) if (!lowB(i) && highB(i)) values[i] = -exponential(rng) + space.high[i];
  for (let i = 0; i < size; i++) {
    if (lowB(i) && highB(i)) {
      const high = isInt ? Math.trunc(space.high[i]) + 1 : space.high[i];
      values[i] = rng.uniform(space.low[i], high);
    }
  }
  const out = allocate(space.dtype, size);
  for (let i = 0; i < size; i++) {
    const v = isInt ? Math.floor(values[i]) : values[i];
    if (out instanceof BigInt64Array) out[i] = BigInt(v);
    else out[i] = space.dtype === 'bool' ? (v ? 1 : 0) : v;
  }
  return out;
}

/** Length of the flat vector flatten() makes, as gymnasium.spaces.flatdim. */
export function flatdim(space: Space): number {
  switch (space.type) {
    case 'Box':
    case 'MultiBinary':
      return shapeSize(space.shape);
    case 'Discrete':
      return space.n;
    case 'MultiDiscrete':
      return space.nvec.reduce((a, b) => a + b, 0);
    case 'Tuple':
      return space.spaces.reduce((a, s) => a + flatdim(s), 0);
    case 'Dict':
      return Object.values(space.spaces).reduce((a, s) => a + flatdim(s), 0);
  }
}

/**
 * A value as one flat Float64Array, as gymnasium.spaces.flatten: Box/MultiBinary elements as they
 * are, Discrete as a one-hot of length n, MultiDiscrete as concatenated one-hots, Tuple and Dict
 * (sorted keys) concatenated.
 */
export function flatten(space: Space, value: SpaceValue): Float64Array {
  const out = new Float64Array(flatdim(space));
  flattenInto(space, value, out, 0);
  return out;
}

function flattenInto(space: Space, value: SpaceValue, out: Float64Array, at: number): number {
  switch (space.type) {
    case 'Box':
    case 'MultiBinary': {
      const arr = value as TypedArray;
      for (let i = 0; i < arr.length; i++) out[at + i] = Number(arr[i]);
      return at + arr.length;
    }
    case 'Discrete':
      out[at + ((value as number) - space.start)] = 1;
      return at + space.n;
    case 'MultiDiscrete': {
      const arr = value as Int32Array;
      for (let i = 0; i < space.nvec.length; i++) {
        out[at + arr[i] - space.start[i]] = 1;
        at += space.nvec[i];
      }
      return at;
    }
    case 'Tuple':
      space.spaces.forEach((s, i) => (at = flattenInto(s, (value as SpaceValue[])[i], out, at)));
      return at;
    case 'Dict':
      for (const k of dictKeys(space)) at = flattenInto(space.spaces[k], (value as Record<string, SpaceValue>)[k], out, at);
      return at;
  }
}

/** The inverse of flatten (one-hots decode to the index of their largest entry). */
export function unflatten(space: Space, flat: ArrayLike<number>): SpaceValue {
  if (flat.length !== flatdim(space)) throw new RangeError(`unflatten: got ${flat.length} values, space wants ${flatdim(space)}`);
  return unflattenAt(space, flat, 0);
}

function argmax(flat: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (flat[from + i] > flat[from + best]) best = i;
  return best;
}

function unflattenAt(space: Space, flat: ArrayLike<number>, at: number): SpaceValue {
  switch (space.type) {
    case 'Box': {
      const out = allocate(space.dtype, shapeSize(space.shape));
      for (let i = 0; i < out.length; i++) {
        if (out instanceof BigInt64Array) out[i] = BigInt(Math.round(flat[at + i]));
        else out[i] = flat[at + i];
      }
      return out;
    }
    case 'MultiBinary': {
      const out = new Int8Array(shapeSize(space.shape));
      for (let i = 0; i < out.length; i++) out[i] = flat[at + i];
      return out;
    }
    case 'Discrete':
      return space.start + argmax(flat, at, space.n);
    case 'MultiDiscrete': {
      const out = new Int32Array(space.nvec.length);
      for (let i = 0; i < out.length; i++) {
        out[i] = space.start[i] + argmax(flat, at, space.nvec[i]);
        at += space.nvec[i];
      }
      return out;
    }
    case 'Tuple':
      return space.spaces.map((s) => {
        const v = unflattenAt(s, flat, at);
        at += flatdim(s);
        return v;
      });
    case 'Dict': {
      const out: Record<string, SpaceValue> = {};
      for (const k of dictKeys(space)) {
        out[k] = unflattenAt(space.spaces[k], flat, at);
        at += flatdim(space.spaces[k]);
      }
      return out;
    }
  }
}
