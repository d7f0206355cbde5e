// Error answers that cannot fail: whatever was thrown, and whatever its details hold, the
// client gets one frame back.
import { encodeMessage } from '../protocol/codec.ts';
import { GymwireError } from '../protocol/errors.ts';
import { clip } from '../protocol/preview.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';

// The answer of last resort, when even an error frame cannot be encoded.
const UNENCODABLE = encodeMessage({ id: null, error: { code: 'internal', message: 'the server could not encode its answer' } });

/** {id, error: body} as a frame; never throws. */
export function errorFrame(id: number | null, body: ErrorBody): Uint8Array {
  try {
    return encodeMessage({ id, error: body });
  } catch {
    try {
      // Details the encoder refused (a value msgpack cannot carry): answer without them.
      return encodeMessage({ id, error: { code: body.code, message: clip(String(body.message)) } });
    } catch {
      return UNENCODABLE;
    }
  }
}

function text(e: unknown, key: 'message' | 'stack'): string {
  try {
    return clip(String((e as Error)?.[key] ?? e), key === 'stack' ? 4000 : 500);
  } catch {
    return 'an unprintable error';
  }
}

/**
 * The answer to request `id` (op `op`) whose handling threw `e`: a GymwireError keeps its
 * code; anything else is logged and answered `internal`. Never throws, whatever `e` or the log does.
 */
export function thrownErrorFrame(id: number, op: string, e: unknown, log: (line: string) => void): Uint8Array {
  if (e instanceof GymwireError) return errorFrame(id, e.toBody());
  try {
    log(`${op} #${id}: ${text(e, 'stack')}`);
  } catch {
    // a failing log must not cost the client its answer
  }
  return errorFrame(id, { code: 'internal', message: `${op} failed: ${text(e, 'message')}` });
}
