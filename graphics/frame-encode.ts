// A rendered frame in the encoding a render request asks for (protocol 1.3): raw bytes as they
// are, zlib (deflate level 1) or a fast PNG. Level 1 because frames go out at render_fps to every
// viewer: it costs a fraction of the render, and flat-coloured env frames shrink ~100x anyway.
import { deflateSync } from 'node:zlib';
import type { Frame } from '../protocol/env-api.ts';
import type { FrameEncoding } from '../protocol/frame-encoding.ts';
import { encodePng } from './png.ts';

export function encodeFrame(frame: Frame, encoding: FrameEncoding): Uint8Array {
  switch (encoding) {
    case 'raw':
      return frame.data;
    case 'zlib': {
      const z = deflateSync(frame.data, { level: 1 });
      return new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
    }
    case 'png':
      return encodePng(frame, 'fast');
  }
}
