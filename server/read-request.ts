// The first stage of answering a frame: bytes -> a request that passed the envelope and its
// op's schema, or the error frame to answer instead. No env code runs here.
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';
import { decodeStepRequest } from '../protocol/fast-frames.ts';
import { checkEnvelope, issues, requestCheck } from '../protocol/validators.ts';
import type { Op, RequestOf } from '../protocol/schema/messages.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';

export type ReadRequest = { ok: true; id: number; op: Op; request: RequestOf[Op] } | { ok: false; answer: Uint8Array };

export function errorFrame(id: number | null, body: ErrorBody): Uint8Array {
  return encodeMessage({ id, error: body });
}

function refuse(id: number | null, body: ErrorBody): ReadRequest {
  return { ok: false, answer: errorFrame(id, body) };
}

/** Reads one incoming frame as far as a schema-valid request. */
export function readRequest(frame: Uint8Array): ReadRequest {
  // Step requests, the bulk of the traffic, skip the general msgpack decode (not the validation).
  let message: unknown = decodeStepRequest(frame);
  try {
    if (message === null) message = decodeMessage(frame);
  } catch (e) {
    return refuse(null, { code: 'bad_request', message: `frame is not valid msgpack: ${(e as Error).message}` });
  }
  if (!checkEnvelope.Check(message)) {
    const id = typeof message === 'object' && message !== null && Number.isSafeInteger((message as { id?: unknown }).id) && (message as { id: number }).id >= 0
      ? (message as { id: number }).id
      : null;
    return refuse(id, {
      code: 'bad_request',
      message: 'a request is a map with an integer id >= 0 and a string op',
      details: { issues: issues(checkEnvelope, message) },
    });
  }
  const { id, op } = message;
  const check = requestCheck(op);
  if (!check) return refuse(id, { code: 'unsupported', message: `unknown op '${op}'`, details: { op } });
  if (!check.Check(message)) {
    return refuse(id, { code: 'bad_request', message: `invalid ${op} request`, details: { issues: issues(check, message) } });
  }
  return { ok: true, id, op: op as Op, request: message as RequestOf[Op] };
}
