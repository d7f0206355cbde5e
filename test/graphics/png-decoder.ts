// An independent minimal decoder for the 8-bit RGB non-interlaced PNGs the tests check (the
// encoder's own, and the server's render frames): inflate, then undo each row's filter.
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import type { Frame } from '../../protocol/env-api.ts';

export interface Chunk {
  type: string;
  body: Uint8Array;
  crc: number;
}

export function readChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let p = 8;
  while (p < png.length) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    chunks.push({ type, body: png.subarray(p + 8, p + 8 + len), crc: view.getUint32(p + 8 + len) });
    p += 12 + len;
  }
  assert.equal(p, png.length, 'chunks end exactly at the end of the file');
  return chunks;
}

/** Independent minimal decoder for 8-bit RGB non-interlaced PNGs: inflate, then undo each row's filter. */
export function decodeRgbPng(png: Uint8Array): Frame {
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks = readChunks(png);
  assert.equal(chunks[0].type, 'IHDR');
  assert.equal(chunks[chunks.length - 1].type, 'IEND');
  const ih = new DataView(chunks[0].body.buffer, chunks[0].body.byteOffset, 13);
  const width = ih.getUint32(0);
  const height = ih.getUint32(4);
  assert.deepEqual(Array.from(chunks[0].body.subarray(8)), [8, 2, 0, 0, 0]);
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.body));
  const raw = inflateSync(idat);
  const stride = width * 3;
  assert.equal(raw.length, (stride + 1) * height);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= 3 ? out[y * stride + i - 3] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = i >= 3 && y > 0 ? out[(y - 1) * stride + i - 3] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = Math.floor((a + b) / 2);
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(f, 0, `unknown filter ${f}`);
      out[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, data: out };
}
