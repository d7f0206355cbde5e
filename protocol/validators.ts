// Compiled validators for every message, built once at import (never per message), with
// TypeBox 1.x's compiler (typebox/compile); and spaceProblem(), which checks a space an env
// declares (its kind's schema, then what a schema cannot say). Numbers may be NaN or ±Infinity
// where the schemas say MsgpackNumber (schema/wire-types.ts): msgpack floats carry them.
import { Compile, type Validator } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { clip, preview } from './preview.ts';
import { Requests, RequestEnvelope, Results, ErrorResponse, type Op } from './schema/messages.ts';
import { BoxSpace, DiscreteSpace, MultiBinarySpace, MultiDiscreteSpace, type DType } from './schema/spaces.ts';
import { DTYPES } from './ndarray.ts';
import { shapeSize } from './spaces.ts';

export interface ValidationIssue {
  path: string;
  message: string;
}

// `{}`: the empty context, as Compile(type) gives (TypeBox's own type for it).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type Check<T extends TSchema = TSchema> = Validator<{}, T>;

export const checkEnvelope = Compile(RequestEnvelope);
export const checkErrorResponse = Compile(ErrorResponse);

const requestChecks = new Map<string, Check>();
const resultChecks = new Map<string, Check>();
for (const op of Object.keys(Requests) as Op[]) {
  requestChecks.set(op, Compile(Requests[op] as TSchema));
  resultChecks.set(op, Compile(Results[op] as TSchema));
}

/** The compiled check for requests of `op`, or undefined for an op this version does not know. */
export function requestCheck(op: string): Check | undefined {
  return requestChecks.get(op);
}

/** The compiled check for the result of `op`. */
export function resultCheck(op: Op): Check {
  return resultChecks.get(op)!;
}

/**
 * The first few reasons `value` fails `check`, for error details. TypeBox gathers at most
 * its maxErrors setting (8) whatever the value; paths name the client's keys, so both texts
 * are cut to a bounded length.
 */
export function issues(check: Check, value: unknown, max = 5): ValidationIssue[] {
  return check
    .Errors(value)
    .slice(0, max)
    .map((e) => ({ path: clip(e.instancePath || '/'), message: clip(e.message) }));
}

// ---- spaces an env declares -----------------------------------------------------------------

const spaceSchemaChecks: Record<string, Check> = {
  Box: Compile(BoxSpace),
  Discrete: Compile(DiscreteSpace),
  MultiDiscrete: Compile(MultiDiscreteSpace),
  MultiBinary: Compile(MultiBinarySpace),
};
const INTEGER_DTYPES: readonly string[] = ['int8', 'int32', 'int64', 'uint8'];

/**
 * Why `space` is not a well-formed space (null when it is), naming the part at fault from
 * `path`: first its kind's schema (schema/spaces.ts), then what a schema cannot say: Box bounds
 * as long as the shape wants, not NaN, low <= high; a MultiDiscrete's start as long as its nvec,
 * its dtype an integer one.
 */
export function spaceProblem(space: unknown, path = 'space'): string | null {
  if (typeof space !== 'object' || space === null) return `${path} is ${preview(space)}, not a space`;
  const s = space as Record<string, unknown>;
  if ((s.type === 'Box' || s.type === 'MultiDiscrete') && !DTYPES.includes(s.dtype as DType)) {
    return `${path}: ${s.type} dtype ${preview(s.dtype)} is not one of ${DTYPES.join(', ')}`;
  }
  if (s.type === 'Tuple') {
    if (!Array.isArray(s.spaces)) return `${path}: a Tuple's spaces must be an array, got ${preview(s.spaces)}`;
    return firstProblem(s.spaces.map((sub, i) => () => spaceProblem(sub, `${path}[${i}]`)));
  }
  if (s.type === 'Dict') {
    if (typeof s.spaces !== 'object' || s.spaces === null || Array.isArray(s.spaces)) {
      return `${path}: a Dict's spaces must be an object, got ${preview(s.spaces)}`;
    }
    return firstProblem(
      Object.entries(s.spaces).map(
        ([k, sub]) =>
          () =>
            spaceProblem(sub, `${path}.${k}`),
      ),
    );
  }
  const check = typeof s.type === 'string' ? spaceSchemaChecks[s.type] : undefined;
  if (check === undefined)
    return `${path}: type ${preview(s.type)} is not a space kind (Box, Discrete, MultiDiscrete, MultiBinary, Tuple, Dict)`;
  const issue = issues(check, space, 1)[0];
  if (issue !== undefined) return `${path}: ${s.type} ${issue.path} ${issue.message}`;
  if (s.type === 'Box') return boxProblem(space as BoxSpace, path);
  if (s.type === 'MultiDiscrete') return multiDiscreteProblem(space as MultiDiscreteSpace, path);
  return null;
}

function firstProblem(checks: (() => string | null)[]): string | null {
  for (const check of checks) {
    const why = check();
    if (why !== null) return why;
  }
  return null;
}

function boxProblem(space: BoxSpace, path: string): string | null {
  const size = shapeSize(space.shape);
  for (const bound of ['low', 'high'] as const) {
    const n = space[bound].length;
    if (n !== size) {
      const hint = "box's arguments are positional: box(low, high, shape, dtype)";
      return `${path}: Box ${bound} has ${n} elements, its shape [${space.shape}] wants ${size} (${hint})`;
    }
    const nan = space[bound].findIndex((x) => Number.isNaN(x));
    if (nan >= 0) return `${path}: Box ${bound}[${nan}] is NaN`;
  }
  const i = space.low.findIndex((lo, j) => !(lo <= space.high[j]));
  return i < 0 ? null : `${path}: Box low[${i}] = ${space.low[i]} is above high[${i}] = ${space.high[i]}`;
}

function multiDiscreteProblem(space: MultiDiscreteSpace, path: string): string | null {
  if (space.start.length !== space.nvec.length) {
    return `${path}: MultiDiscrete start has ${space.start.length} elements, its nvec ${space.nvec.length}`;
  }
  return INTEGER_DTYPES.includes(space.dtype) ? null : `${path}: MultiDiscrete dtype ${space.dtype} is not an integer dtype`;
}
