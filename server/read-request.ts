// The first stage of answering a frame: bytes -> a request that passed the envelope and its
// op's schema, or the error frame to answer instead. No env code runs here, and nothing here
// throws: every refusal is a bad_request (or unsupported, for an unknown op) carrying the
// request's id whenever it could be read.
//
// The order of checks is PROTOCOL.md section 7's: the bytes (plain msgpack within the depth
// and size bounds, protocol/msgpack-scan.ts), the envelope, the op, the op's schema. The
// bytes are checked before anything is decoded, so no value a client sends is ever a cycle,
// a shared subtree, deeper than MAX_DEPTH or larger than MAX_VALUES by the time a schema
// check or an error message looks at it; and error messages quote client values only
// through protocol/preview.ts.
import { decodeMessage } from '../protocol/codec.ts';
import { decodeStepRequest } from '../protocol/fast-frames.ts';
import { peekId, scanFrame } from '../protocol/msgpack-scan.ts';
import { clip, preview } from '../protocol/preview.ts';
import { checkEnvelope, issues, requestCheck } from '../protocol/validators.ts';
import type { Op, RequestOf } from '../protocol/schema/messages.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';
import { errorFrame } from './error-frames.ts';

type Refused = { ok: false; answer: Uint8Array; code: ErrorBody['code'] };
export type ReadRequest = { ok: true; id: number; op: Op; request: RequestOf[Op] } | Refused;

function refuse(id: number | null, body: ErrorBody): Refused {
  return { ok: false, answer: errorFrame(id, body), code: body.code };
}

/** The id of a decoded message that failed the envelope check, when it has a valid one. */
function envelopeId(message: unknown): number | null {
  if (typeof message !== 'object' || message === null) return null;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

/** Bytes -> a decoded message, or the refusal. Step requests in the usual layout skip the general decoder. */
function decode(frame: Uint8Array): { ok: true; message: unknown } | Refused {
  const step = decodeStepRequest(frame);
  if (step !== null) return { ok: true, message: step };
  const problem = scanFrame(frame);
  if (problem !== null) return refuse(peekId(frame), { code: 'bad_request', message: `frame refused: ${problem}` });
  try {
    return { ok: true, message: decodeMessage(frame) };
  } catch (e) {
    return refuse(peekId(frame), { code: 'bad_request', message: `frame is not valid msgpack: ${clip(String((e as Error)?.message))}` });
  }
}

/** Reads one incoming frame as far as a schema-valid request. */
export function readRequest(frame: Uint8Array): ReadRequest {
  const decoded = decode(frame);
  if (!decoded.ok) return decoded;
  const message = decoded.message;
  let id: number | null = null;
  try {
    if (!checkEnvelope.Check(message)) {
      return refuse(envelopeId(message), {
        code: 'bad_request',
        message: 'a request is a map with an integer id in [0, 2^53 - 1] and a string op',
        details: { issues: issues(checkEnvelope, message) },
      });
    }
    id = message.id;
    const op = message.op;
    const check = requestCheck(op);
    if (!check) return refuse(id, { code: 'unsupported', message: `unknown op ${preview(op)}`, details: { op: preview(op) } });
    if (!check.Check(message)) {
      return refuse(id, { code: 'bad_request', message: `invalid ${op} request`, details: { issues: issues(check, message) } });
    }
    return { ok: true, id, op: op as Op, request: message as RequestOf[Op] };
  } catch (e) {
    // A schema check that throws is a bug of ours, not the client's; still one answer.
    return refuse(id, { code: 'internal', message: `reading the request failed: ${clip(String((e as Error)?.message))}` });
  }
}
