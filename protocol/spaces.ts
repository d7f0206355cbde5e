// Constructors and operations on spaces-as-data (schema/spaces.ts).
import type { BoxSpace, DiscreteSpace, DType, Space } from './schema/spaces.ts';

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

/** A Discrete, like gymnasium.spaces.Discrete(n, start). */
export function discrete(n: number, start = 0): DiscreteSpace {
  return { type: 'Discrete', n, start };
}

export type { Space };
