// Frames as they come off the wire (protocol 1.3) back to rgb_array bytes. render() asks for
// zlib when the server offers it: the Node client needs the pixels (GIFs, evaluation clips), and
// inflating is cheap; PNG is for callers that pass the file on (a browser decodes it natively).
import { inflateSync } from 'node:zlib';
import type { Frame } from '../protocol/env-api.ts';
import type { Frame as WireFrame } from '../protocol/schema/messages.ts';
import { GymwireError } from '../protocol/errors.ts';

/** A frame as the server sent it: `data` encoded as `encoding` says. */
export interface EncodedFrame {
  width: number;
  height: number;
  encoding: string;
  data: Uint8Array;
}

/** msgpack hands bin out as a Node Buffer; callers get a plain Uint8Array over the same bytes. */
export function encodedFrame(frame: WireFrame): EncodedFrame {
  const data = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  return { width: frame.width, height: frame.height, encoding: frame.encoding ?? 'raw', data };
}

/** The rgb_array bytes of a raw or zlib frame; an encoding this client cannot decode, or bytes that do not fit the size, is refused. */
export function decodeFrame(frame: EncodedFrame): Frame {
  const expected = frame.width * frame.height * 3;
  let data: Uint8Array;
  if (frame.encoding === 'raw') data = frame.data;
  else if (frame.encoding === 'zlib') {
    try {
      // Bounded: a stream that inflates past the frame's size is refused, not buffered.
      const out = inflateSync(frame.data, { maxOutputLength: Math.max(1, expected) });
      data = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      throw new GymwireError('internal', `render: a zlib frame of ${frame.width}x${frame.height} did not inflate: ${(e as Error).message}`);
    }
  } else throw new GymwireError('internal', `render: this client decodes raw and zlib frames, not '${frame.encoding}' (use renderEncoded)`);
  if (data.length !== expected) {
    throw new GymwireError('internal', `render: a ${frame.width}x${frame.height} frame holds ${data.length} bytes, not ${expected}`);
  }
  return { width: frame.width, height: frame.height, data };
}
