// The JSON Schema document of the whole protocol (written to protocol/schema.json by `npm run schema`).
// Every named TypeBox schema (one with an $id, and each definition of a Type.Cyclic) appears
// once under $defs and is referenced elsewhere by {$ref: id}. msgpack bin fields, which JSON
// Schema cannot express, are marked {"x-msgpack": "bin"}; numbers that may be NaN or
// ±Infinity (wire-types.ts) are published as {"type": "number"}.
import type { TSchema } from 'typebox';
import { NUMBER_MARK } from './wire-types.ts';
import * as messages from './messages.ts';
import { ErrorCode, ErrorBody } from './errors.ts';
import { EnvSpec, KwargSpec, ResetOptionSpec } from './env-spec.ts';
import { Space, DType } from './spaces.ts';

const ROOTS: TSchema[] = [
  ...Object.values(messages.Requests),
  messages.Request,
  messages.RequestEnvelope,
  ...Object.values(messages.Results),
  messages.ResultResponse,
  messages.ErrorResponse,
  messages.Response,
  messages.Limits,
  messages.EnvInfo,
  messages.Frame,
  messages.NDArray,
  messages.WireValue,
  Space,
  DType,
  EnvSpec,
  KwargSpec,
  ResetOptionSpec,
  ErrorCode,
  ErrorBody,
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function protocolJsonSchema(): Record<string, Json> {
  const defs: Record<string, Json> = {};
  const visit = (node: unknown, top: boolean): Json => {
    if (Array.isArray(node)) return node.map((n) => visit(n, false));
    if (node === null || typeof node !== 'object') return node as Json;
    const obj = node as Record<string, unknown>;
    if (obj[NUMBER_MARK] === true) {
      const { [NUMBER_MARK]: _mark, ...rest } = obj;
      return visit({ ...rest, type: 'number' }, false);
    }
    if (typeof obj.$ref === 'string' && typeof obj.$defs === 'object' && obj.$defs !== null) {
      // A Type.Cyclic: its definitions go to the document's $defs, under their own names.
      for (const [name, body] of Object.entries(obj.$defs as Record<string, unknown>)) {
        if (!(name in defs)) {
          defs[name] = null;
          defs[name] = visit({ ...(body as object), $id: name }, true);
        }
      }
      return { $ref: obj.$ref };
    }
    const id = typeof obj.$id === 'string' ? obj.$id : undefined;
    if (id !== undefined && !top) {
      if (!(id in defs)) {
        defs[id] = null; // reserve first: recursive schemas refer to themselves
        defs[id] = visit(obj, true);
      }
      return { $ref: id };
    }
    const out: Record<string, Json> = {};
    for (const key of Object.keys(obj).sort()) out[key] = visit(obj[key], false);
    return out;
  };
  for (const root of ROOTS) visit(root, false);
  const sorted: Record<string, Json> = {};
  for (const k of Object.keys(defs).sort()) sorted[k] = defs[k];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://gymwire.dev/protocol/schema.json',
    title: `gymwire protocol ${messages.PROTOCOL_VERSION}`,
    description: 'Every gymwire message. Frames are msgpack; see protocol/PROTOCOL.md.',
    protocol_version: messages.PROTOCOL_VERSION,
    oneOf: [{ $ref: 'Request' }, { $ref: 'Response' }],
    $defs: sorted,
  };
}

/** The text of protocol/schema.json. */
export function protocolJsonSchemaText(): string {
  return JSON.stringify(protocolJsonSchema(), null, 2) + '\n';
}
