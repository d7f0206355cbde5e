// The JSON Schema document of the whole protocol (written to protocol/schema.json by `npm run schema`).
// Every named TypeBox schema (one with an $id) appears once under $defs and is referenced
// elsewhere by {$ref: id}. msgpack bin fields, which JSON Schema cannot express, are marked
// {"x-msgpack": "bin"}.
import type { TSchema } from '@sinclair/typebox';
import * as messages from './messages.ts';
import { ErrorCode, ErrorBody } from './errors.ts';
import { EnvSpec, KwargSpec } from './env-spec.ts';
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
    if (obj.type === 'Uint8Array') {
      const { type: _t, ...rest } = obj;
      return { ...(visit(rest, false) as Record<string, Json>), 'x-msgpack': 'bin' };
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
