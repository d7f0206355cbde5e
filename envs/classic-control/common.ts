// What the classic-control envs share: Gymnasium's classic_control/utils.py (reset-bound
// options).
import { preview } from '../../protocol/preview.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { ResetOptionSpec } from '../../protocol/schema/env-spec.ts';

/** utils.verify_number_and_cast: a reset option must be a number (or something float() takes). */
export function optionNumber(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const x = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isNaN(x)) {
    throw new GymwireError('bad_request', `reset option '${name}' (${preview(value)}) could not be converted to a float`);
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

/** The `low`/`high` reset options of an env that reads them with resetBounds, for list_envs. */
export function boundsOptions(bounds: { low: number; high: number }, what: string): Record<string, ResetOptionSpec> {
  return {
    low: { type: 'number', default: bounds.low, description: `Lower end of the uniform range ${what} is drawn from.` },
    high: { type: 'number', default: bounds.high, description: `Upper end of the uniform range ${what} is drawn from.` },
  };
}
