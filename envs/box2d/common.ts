// What the Box2D envs share: reading actions the way Gymnasium accepts them.
import { GymwireError } from '../../protocol/errors.ts';


/**
 * Reads a continuous action of `n` numbers (typed array or plain array) into `out`,
 * refusing a wrong length or a non-finite value. Clipping is left to the env,
 * since each clips in its own way.
 */
export function readBoxAction(action: unknown, n: number, out: Float64Array, envName: string): Float64Array {
  const a = action as ArrayLike<number> | null;
  if (a === null || typeof a !== 'object' || typeof a.length !== 'number' || a.length !== n) {
    throw new GymwireError('invalid_action', `${envName}: action must be an array of ${n} numbers, got ${describe(action)}`);
  }
  for (let i = 0; i < n; i++) {
    const v = Number(a[i]);
    if (!Number.isFinite(v)) throw new GymwireError('invalid_action', `${envName}: action[${i}] is not finite (${a[i]})`);
    out[i] = v;
  }
  return out;
}

/** Reads a Discrete(n) action: an integer in [0, n). */
export function readDiscreteAction(action: unknown, n: number, envName: string): number {
  if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= n) {
    throw new GymwireError('invalid_action', `${envName}: action must be an integer in [0, ${n}), got ${describe(action)}`);
  }
  return action;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** numpy's clip for a scalar. */
export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
