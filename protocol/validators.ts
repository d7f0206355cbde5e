// Compiled validators for every message, built once at import (never per message), with
// TypeBox 1.x's compiler (typebox/compile). Numbers may be NaN or ±Infinity where the
// schemas say MsgpackNumber (schema/wire-types.ts): msgpack floats carry them.
import { Compile, type Validator } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { clip } from './preview.ts';
import { Requests, RequestEnvelope, Results, ErrorResponse, type Op } from './schema/messages.ts';

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
