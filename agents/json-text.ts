// JSON as gymwire's command lines and run files read and write it: standard JSON plus the bare
// tokens Infinity, -Infinity and NaN, as Python's json module reads and writes them. Env kwargs
// need them (a range kwarg such as Hopper's healthy_z_range = [0.7, Infinity]); JSON.stringify
// would write null instead, and a run's config.json would not make the same env again.
import { randomBytes } from 'node:crypto';

// A JSON string literal, or one of the three tokens outside any string.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/** A marker no text holds: random per call, so no string a user wrote can be taken for it. */
function marker(): string {
  return `\u0000json-text-${randomBytes(8).toString('hex')}:`;
}

/** JSON.parse, also reading Infinity, -Infinity and NaN (outside strings) as those numbers. */
export function parseJson(text: string): unknown {
  const mark = marker();
  const marked = text.replace(TOKENS, (t) => (t.startsWith('"') ? t : JSON.stringify(mark + t)));
  return JSON.parse(marked, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(mark) ? Number(v.slice(mark.length)) : v));
}

/** JSON.stringify, writing non-finite numbers as Infinity, -Infinity and NaN instead of null. */
export function stringifyJson(value: unknown, indent?: number): string {
  const mark = marker();
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? mark + String(v) : v), indent);
  return text.replace(TOKENS, (t) => {
    const s = t.startsWith('"') ? (JSON.parse(t) as string) : null;
    return s?.startsWith(mark) ? s.slice(mark.length) : t;
  });
}
