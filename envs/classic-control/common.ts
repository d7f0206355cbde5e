// What the classic-control envs share: Gymnasium's classic_control/utils.py (reset-bound
// options) and reading actions the way Gymnasium accepts them.
import { GymwireError } from '../../protocol/errors.ts';

/** utils.verify_number_and_cast: a reset option must be a number (or something float() takes). */
export function optionNumber(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const x = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isNaN(x)) {
    throw new GymwireError('bad_request', `reset option '${name}' (${JSON.stringify(value)}) could not be converted to a float`);
  }
  return x;
}

/**
 * utils.maybe_parse_reset_bounds: the `low`/`high` reset options, or the env's defaults.
 * Writes into `out` ([low, high]) so resets allocate nothing.
 */
export function resetBounds(
  options: Record<string, unknown> | undefined,
  defaultLow: number,
  defaultHigh: number,
  out: Float64Array,
): Float64Array {
  if (options === undefined || options === null) {
    out[0] = defaultLow;
    out[1] = defaultHigh;
    return out;
  }
  const low = 'low' in options ? optionNumber(options.low, 'low') : defaultLow;
  const high = 'high' in options ? optionNumber(options.high, 'high') : defaultHigh;
  if (low > high) throw new GymwireError('bad_request', `Lower bound (${low}) must be lower than higher bound (${high}).`);
  out[0] = low;
  out[1] = high;
  return out;
}

/** The single number of a shape-(1,) Box action (typed array or plain array), refusing anything else. */
export function scalarBoxAction(action: unknown, envName: string): number {
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
export function discreteAction(action: unknown, n: number, envName: string): number {
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

/** A continuous action as callers pass it: a typed array or a plain array of numbers. */
export type BoxAction = Float32Array | Float64Array | number[];
