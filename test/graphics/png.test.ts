import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { encodePng, crc32 } from '../../graphics/png.ts';
import { Canvas } from '../../graphics/canvas.ts';
import type { Frame } from '../../protocol/env-api.ts';

interface Chunk {
  type: string;
  body: Uint8Array;
  crc: number;
}

function readChunks(png: Uint8Array): Chunk[] {
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
function decodeRgbPng(png: Uint8Array): Frame {
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

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('PNG of a drawn canvas decodes back to the same pixels, with valid chunk CRCs', () => {
  const c = new Canvas(61, 37, [250, 240, 230]);
  c.fillPolygon(
    [
      [3, 3],
      [50, 10],
      [20, 33],
    ],
    [10, 120, 200],
  );
  c.fillCircle(45, 25, 8, [200, 30, 30]);
  c.line(0, 36, 60, 0, [0, 0, 0]);
  const frame = c.toFrame();
  const png = encodePng(frame);
  for (const ch of readChunks(png)) {
    const typeAndBody = new Uint8Array(4 + ch.body.length);
    typeAndBody.set(new TextEncoder().encode(ch.type));
    typeAndBody.set(ch.body, 4);
    assert.equal(crc32(typeAndBody), ch.crc, `CRC of ${ch.type}`);
  }
  const back = decodeRgbPng(png);
  assert.equal(back.width, 61);
  assert.equal(back.height, 37);
  assert.deepEqual(back.data, frame.data);
});

test('PNG round-trips noisy data (several row filters get chosen)', () => {
  const width = 33,
    height = 29;
  const data = new Uint8Array(width * height * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // Mix gradients (favour Sub/Up/Average/Paeth) with noise (favours None).
    const y = Math.floor(i / (width * 3));
    data[i] = y % 4 === 0 ? (s >>> 16) & 0xff : (i * 7 + y * 3) & 0xff;
  }
  const frame = { width, height, data };
  const png = encodePng(frame);
  const back = decodeRgbPng(png);
  assert.deepEqual(back.data, data);
  const raw = inflateSync(
    Buffer.concat(
      readChunks(png)
        .filter((c) => c.type === 'IDAT')
        .map((c) => c.body),
    ),
  );
  const used = new Set<number>();
  for (let y = 0; y < height; y++) used.add(raw[y * (width * 3 + 1)]);
  assert.ok(used.size >= 2, `filters used: ${[...used]}`);
});

test('encodePng rejects frames whose data does not match the size', () => {
  assert.throws(() => encodePng({ width: 2, height: 2, data: new Uint8Array(11) }), RangeError);
  assert.throws(() => encodePng({ width: 0, height: 2, data: new Uint8Array(0) }), RangeError);
});
