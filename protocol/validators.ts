// Compiled validators for every message, built once at import (never per message).
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { TypeSystemPolicy } from '@sinclair/typebox/system';
import type { TSchema } from '@sinclair/typebox';
import { clip } from './preview.ts';
import { Requests, RequestEnvelope, Results, ErrorResponse, type Op } from './schema/messages.ts';

export interface ValidationIssue {
  path: string;
  message: string;
}

/**
 * Compiles with non-finite numbers allowed: msgpack floats carry ±Infinity and NaN, and the
 * protocol needs them (unbounded Box bounds, a NaN reward is the env's business). TypeBox reads
 * the policy while generating code, so it is set for our compiles only and restored after.
 */
function compile<T extends TSchema>(schema: T): TypeCheck<T> {
  const previous = TypeSystemPolicy.AllowNaN;
  TypeSystemPolicy.AllowNaN = true;
  try {
    return TypeCompiler.Compile(schema);
  } finally {
    TypeSystemPolicy.AllowNaN = previous;
  }
}

export const checkEnvelope = compile(RequestEnvelope);
export const checkErrorResponse = compile(ErrorResponse);

const requestChecks = new Map<string, TypeCheck<TSchema>>();
const resultChecks = new Map<string, TypeCheck<TSchema>>();
for (const op of Object.keys(Requests) as Op[]) {
  requestChecks.set(op, compile(Requests[op]));
  resultChecks.set(op, compile(Results[op]));
}

/** The compiled check for requests of `op`, or undefined for an op this version does not know. */
export function requestCheck(op: string): TypeCheck<TSchema> | undefined {
  return requestChecks.get(op);
}

/** The compiled check for the result of `op`. */
export function resultCheck(op: Op): TypeCheck<TSchema> {
  return resultChecks.get(op)!;
}

/**
 * The first few reasons `value` fails `check`, for error details. Paths name the client's
 * keys, so both texts are cut to a bounded length.
 */
export function issues(check: TypeCheck<TSchema>, value: unknown, max = 5): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const e of check.Errors(value)) {
    out.push({ path: clip(e.path || '/'), message: clip(e.message) });
    if (out.length >= max) break;
  }
  return out;
}
