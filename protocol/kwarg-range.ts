// Range kwargs (1.4): a (low, high) pair of numbers, either end possibly infinite, as
// Gymnasium's MuJoCo envs take for healthy_z_range, contact_force_range and the like. What
// make() accepts as one, and how people write one as text ("0.7, inf"), in one place for the
// server, the env page and the command lines.
import type { KwargRange } from './schema/env-spec.ts';
import { preview } from './preview.ts';

/** Why `value` is not a range (a short phrase quoting it through preview), or null when it is one. */
export function rangeProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return `must be a [low, high] pair of numbers, got ${preview(value)}`;
  if (value.length !== 2) return `must be a [low, high] pair of numbers, got ${preview(value)}`;
  const [low, high] = value as unknown[];
  if (typeof low !== 'number' || typeof high !== 'number') {
    return `must be a [low, high] pair of numbers, got [${preview(low)}, ${preview(high)}]`;
  }
  if (Number.isNaN(low) || Number.isNaN(high)) return `must not hold NaN, got [${low}, ${high}]`;
  if (low > high) return `must have low <= high, got [${low}, ${high}]`;
  return null;
}

/** `value` as a fresh range; throws an Error saying why it is not one. */
export function toRange(value: unknown): KwargRange {
  const problem = rangeProblem(value);
  if (problem !== null) throw new Error(problem);
  const [low, high] = value as number[];
  return [low, high];
}

const NUMBER_TEXT = /^[-+]?(inf|infinity)$/i;

/** One end of a range as people write it: a number, or inf / -inf / Infinity / -Infinity (any case). */
function parseEnd(text: string): number {
  const t = text.trim();
  if (NUMBER_TEXT.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  // Number('') is 0 and Number('0x10') is 16: only decimal notation is a number here.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

/**
 * "low, high" (brackets or parentheses around it allowed, as Python prints a tuple) as a range;
 * throws an Error naming the text when it is not one.
 */
export function parseRangeText(text: string): KwargRange {
  const inner = text.trim().replace(/^[[(]\s*(.*?)\s*[\])]$/, '$1');
  const parts = inner.split(',');
  const ends = parts.map(parseEnd);
  if (parts.length !== 2 || ends.some(Number.isNaN)) {
    throw new Error(`'${text.slice(0, 60)}' is not a range: write "low, high" (numbers, inf or -inf)`);
  }
  return toRange(ends);
}
