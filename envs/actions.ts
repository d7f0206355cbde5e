// Reading actions the way Gymnasium's envs accept them: typed or plain arrays for Box
// actions, integers for Discrete ones; anything else is an `invalid_action` error naming
// the env, so a remote client learns what it sent wrong.
import { GymwireError } from '../protocol/errors.ts';
import { preview, previewList } from '../protocol/preview.ts';

/** A continuous action as callers pass it: a typed array or a plain array of numbers. */
export type BoxAction = Float32Array | Float64Array | number[];

/**
 * Reads a continuous action of `n` numbers into `out`, refusing a wrong length or a
 * non-finite value. Clipping is left to the env, since each clips in its own way.
 */
export function readBoxAction(action: unknown, n: number, out: Float64Array, envName: string): Float64Array {
  const a = action as ArrayLike<number> | null;
  if (a === null || typeof a !== 'object' || typeof a.length !== 'number' || a.length !== n) {
    throw new GymwireError('invalid_action', `${envName}: action must be an array of ${n} numbers, got ${describe(action)}`);
  }
  for (let i = 0; i < n; i++) {
    const v = Number(a[i]);
    if (!Number.isFinite(v)) throw new GymwireError('invalid_action', `${envName}: action[${i}] is not finite (${describe(a[i])})`);
    out[i] = v;
  }
  return out;
}

/** The single number of a shape-(1,) Box action, without the copy readBoxAction makes. */
export function readScalarBoxAction(action: unknown, envName: string): number {
  const a = action as ArrayLike<number> | null;
  if (a === null || typeof a !== 'object' || a.length !== 1) {
    throw new GymwireError('invalid_action', `${envName}: action must be an array of 1 number, got ${describe(action)}`);
  }
  const v = a[0];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new GymwireError('invalid_action', `${envName}: action[0] must be a finite number, got ${describe(v)}`);
  }
  return v;
}

/** A Discrete(n) action: an integer in [0, n), as Gymnasium's `action_space.contains` assertion demands. */
export function readDiscreteAction(action: unknown, n: number, envName: string): number {
  if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= n) {
    throw new GymwireError('invalid_action', `${envName}: action must be an integer in [0, ${n}), got ${describe(action)}`);
  }
  return action;
}

/** numpy's clip for a scalar. */
export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  return Array.isArray(v) ? previewList(v) : preview(v);
}
