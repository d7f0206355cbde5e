// PNG encoder for RGB frames: 8-bit truecolour, no interlace, zlib from node:zlib.
// Two ways: 'adaptive' gives each scanline the filter with the smallest sum of absolute
// (signed) bytes, the usual libpng heuristic, and deflates hard — the smallest files, for files
// kept (GIF-less episode clips, plots); 'fast' uses filter none and deflate level 1 — for frames
// sent once at render_fps, where the filter search would cost many times the render itself and
// flat-coloured env frames deflate well without it (docs/measurements.md has the figures).
import { deflateSync } from 'node:zlib';
import type { Frame } from '../protocol/env-api.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309 / ITU-T V.42, as PNG and zlib's crc32 use). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Filtered scanlines: each row is one filter-type byte followed by the filtered row bytes. */
function filterRows(frame: Frame): Uint8Array {
  const stride = frame.width * 3;
  const out = new Uint8Array((stride + 1) * frame.height);
  const candidate = new Uint8Array(stride);
  const best = new Uint8Array(stride);
  const zeros = new Uint8Array(stride);
  for (let y = 0; y < frame.height; y++) {
    const row = frame.data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? frame.data.subarray((y - 1) * stride, y * stride) : zeros;
    let bestType = 0;
    let bestCost = Infinity;
    for (let type = 0; type <= 4; type++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? row[i - 3] : 0;
        const b = prev[i];
        const c = i >= 3 ? prev[i - 3] : 0;
        let v: number;
        switch (type) {
          case 0:
            v = row[i];
            break;
          case 1:
            v = row[i] - a;
            break;
          case 2:
            v = row[i] - b;
            break;
          case 3:
            v = row[i] - ((a + b) >> 1);
            break;
          default:
            v = row[i] - paeth(a, b, c);
            break;
        }
        v &= 0xff;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestType = type;
        best.set(candidate);
      }
    }
    out[y * (stride + 1)] = bestType;
    out.set(best, y * (stride + 1) + 1);
  }
  return out;
}

/** Scanlines with filter type 0 (none): a zero byte before each row. */
function unfilteredRows(frame: Frame): Uint8Array {
  const stride = frame.width * 3;
  const out = new Uint8Array((stride + 1) * frame.height);
  for (let y = 0; y < frame.height; y++) out.set(frame.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return out;
}

export type PngMode = 'adaptive' | 'fast';

/** Encodes an RGB frame (width x height x 3 bytes, row-major) as a PNG file. */
export function encodePng(frame: Frame, mode: PngMode = 'adaptive'): Uint8Array {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(`frame data has ${data.length} bytes, expected ${width}*${height}*3 = ${width * height * 3}`);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0 (adaptive, five types)
  ihdr[12] = 0; // no interlace
  const idat = new Uint8Array(mode === 'fast' ? deflateSync(unfilteredRows(frame), { level: 1 }) : deflateSync(filterRows(frame)));
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
