import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { encodePng, crc32 } from '../../graphics/png.ts';
import { Canvas } from '../../graphics/canvas.ts';
import { decodeRgbPng, readChunks } from './png-decoder.ts';

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

test("'fast' PNGs (filter none, deflate level 1) decode to the same pixels, every row with filter 0", () => {
  const c = new Canvas(40, 30, [250, 240, 230]);
  c.fillCircle(20, 15, 9, [200, 30, 30]);
  const frame = c.toFrame();
  const png = encodePng(frame, 'fast');
  assert.deepEqual(decodeRgbPng(png).data, frame.data);
  const raw = inflateSync(
    Buffer.concat(
      readChunks(png)
        .filter((ch) => ch.type === 'IDAT')
        .map((ch) => ch.body),
    ),
  );
  for (let y = 0; y < 30; y++) assert.equal(raw[y * (40 * 3 + 1)], 0, `row ${y} filter`);
});
