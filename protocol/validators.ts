// Compiled validators for every message, built once at import (never per message).
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { Requests, RequestEnvelope, Results, ErrorResponse, type Op } from './schema/messages.ts';

export interface ValidationIssue {
  path: string;
  message: string;
}

export const checkEnvelope = TypeCompiler.Compile(RequestEnvelope);
export const checkErrorResponse = TypeCompiler.Compile(ErrorResponse);

const requestChecks = new Map<string, TypeCheck<TSchema>>();
const resultChecks = new Map<string, TypeCheck<TSchema>>();
for (const op of Object.keys(Requests) as Op[]) {
  requestChecks.set(op, TypeCompiler.Compile(Requests[op]));
  resultChecks.set(op, TypeCompiler.Compile(Results[op]));
}

/** The compiled check for requests of `op`, or undefined for an op this version does not know. */
export function requestCheck(op: string): TypeCheck<TSchema> | undefined {
  return requestChecks.get(op);
}

/** The compiled check for the result of `op`. */
export function resultCheck(op: Op): TypeCheck<TSchema> {
  return resultChecks.get(op)!;
}

/** The first few reasons `value` fails `check`, for error details. */
export function issues(check: TypeCheck<TSchema>, value: unknown, max = 5): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const e of check.Errors(value)) {
    out.push({ path: e.path || '/', message: e.message });
    if (out.length >= max) break;
  }
  return out;
}
