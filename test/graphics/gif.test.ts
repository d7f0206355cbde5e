import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGif, GifWriter } from '../../graphics/gif.ts';
import { Canvas, type RGB } from '../../graphics/canvas.ts';
import type { Frame } from '../../protocol/env-api.ts';
import { decodeGif } from './gif-decoder.ts';

function scene(t: number): Frame {
  const c = new Canvas(80, 60, [255, 255, 255]);
  c.fillRect(0, 45, 80, 15, [100, 100, 100]);
  c.fillPolygon(
    [
      [10 + t * 5, 30],
      [30 + t * 5, 30],
      [30 + t * 5, 44],
      [10 + t * 5, 44],
    ],
    [0, 0, 0],
  );
  c.line(20 + t * 5, 30, 20 + t * 5 + 15 * Math.sin(t), 30 - 15 * Math.cos(t), [202, 152, 101], 4);
  c.fillCircle(20 + t * 5, 30, 3, [129, 132, 203]);
  return c.toFrame();
}

test('animated GIF of canvas scenes round-trips exactly, with loop block and frame count', () => {
  const frames = [0, 1, 2, 3, 3, 4].map(scene); // includes an unchanged frame
  const gif = encodeGif(frames, { delayMs: 40, loop: 0 });
  const d = decodeGif(gif);
  assert.equal(d.width, 80);
  assert.equal(d.height, 60);
  assert.equal(d.loop, 0);
  assert.equal(d.frames.length, frames.length);
  d.frames.forEach((f, i) => {
    assert.deepEqual(f.rgb, frames[i].data, `frame ${i}`);
    assert.equal(f.delayCs, 4);
  });
  // Later frames store only the changed rectangle.
  const [, , w1, h1] = d.frames[1].rect;
  assert.ok(w1 * h1 < 80 * 60, 'frame 1 is a sub-rectangle');
  assert.deepEqual(d.frames[4].rect, [0, 0, 1, 1], 'unchanged frame is a 1x1 placeholder');
});

test('loop option: repeat count, or no NETSCAPE block at all', () => {
  const f = [scene(0), scene(1)];
  assert.equal(decodeGif(encodeGif(f, { loop: 3 })).loop, 3);
  const once = encodeGif(f, { loop: false });
  assert.equal(decodeGif(once).loop, null);
  assert.equal(Buffer.from(once).includes('NETSCAPE2.0'), false);
});

test('fractional centisecond delays are carried over instead of drifting', () => {
  const frames = Array.from({ length: 30 }, (_, i) => scene(i / 10));
  const d = decodeGif(encodeGif(frames, { delayMs: 1000 / 30 }));
  const total = d.frames.reduce((s, f) => s + f.delayCs, 0);
  assert.equal(total, 100);
  assert.ok(d.frames.every((f) => f.delayCs === 3 || f.delayCs === 4));
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('LZW is exact for every palette size and many lengths (code-width edges, EOI width)', () => {
  const rnd = lcg(7);
  for (const nColours of [1, 2, 3, 4, 5, 8, 16, 17, 100, 255, 256]) {
    const colours: RGB[] = Array.from({ length: nColours }, (_, i) => [i, (i * 37) & 255, 255 - i]);
    for (let len = 1; len <= 70; len += nColours > 16 ? 7 : 1) {
      // Low-entropy runs for some lengths, noise for others, so tables grow at different rates.
      const data = new Uint8Array(len * 3);
      let c = 0;
      for (let p = 0; p < len; p++) {
        if (len % 2 === 0 || rnd() < 0.3) c = Math.floor(rnd() * nColours);
        data.set(colours[c], 3 * p);
      }
      const frame = { width: len, height: 1, data };
      const d = decodeGif(encodeGif([frame]));
      assert.deepEqual(d.frames[0].rgb, data, `${nColours} colours, ${len} px`);
    }
  }
});

test('long noisy frames force table-full clear codes and still decode exactly', () => {
  const rnd = lcg(11);
  const width = 200,
    height = 150;
  const mk = (): Frame => {
    const data = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const i = Math.floor(rnd() * 256);
      data[3 * p] = i;
      data[3 * p + 1] = (i * 7) & 255;
      data[3 * p + 2] = (i * 13) & 255;
    }
    return { width, height, data };
  };
  const frames = [mk(), mk()];
  const d = decodeGif(encodeGif(frames));
  assert.equal(d.frames.length, 2);
  assert.deepEqual(d.frames[0].rgb, frames[0].data);
  assert.deepEqual(d.frames[1].rgb, frames[1].data);
  // Same check with low-entropy data, where long strings fill the table differently.
  const c = new Canvas(300, 200);
  for (let i = 0; i < 40; i++) c.fillCircle((i * 53) % 300, (i * 31) % 200, 5 + (i % 20), [(i * 6) & 255, (i * 40) & 255, (i * 90) & 255]);
  const f = c.toFrame();
  assert.deepEqual(decodeGif(encodeGif([f])).frames[0].rgb, f.data);
});

test('more than 256 colours: quantized to a 256-colour palette, close to the source', () => {
  const width = 64,
    height = 64;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      data[o] = x * 4;
      data[o + 1] = y * 4;
      data[o + 2] = 128;
    }
  }
  const frame = { width, height, data };
  const d = decodeGif(encodeGif([frame, frame]));
  assert.equal(d.frames.length, 2);
  let sumAbs = 0;
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) {
    const e = Math.abs(d.frames[0].rgb[i] - data[i]);
    sumAbs += e;
    if (e > maxAbs) maxAbs = e;
  }
  const distinct = new Set<number>();
  for (let p = 0; p < width * height; p++)
    distinct.add((d.frames[0].rgb[3 * p] << 16) | (d.frames[0].rgb[3 * p + 1] << 8) | d.frames[0].rgb[3 * p + 2]);
  assert.ok(distinct.size <= 256 && distinct.size > 200, `${distinct.size} colours used`);
  assert.ok(sumAbs / data.length < 4, `mean abs error ${sumAbs / data.length}`);
  assert.ok(maxAbs <= 16, `max abs error ${maxAbs}`);
});

test('GifWriter validates input and reports the frame count', () => {
  const w = new GifWriter(80, 60, { delayMs: 100 });
  assert.throws(() => w.finish(), /at least one frame/);
  assert.throws(() => w.addFrame({ width: 10, height: 10, data: new Uint8Array(300) }), RangeError);
  w.addFrame(scene(0));
  w.addFrame(scene(1), 250);
  assert.equal(w.frameCount, 2);
  const d = decodeGif(w.finish());
  assert.deepEqual(
    d.frames.map((f) => f.delayCs),
    [10, 25],
  );
  assert.throws(() => w.addFrame(scene(2)), /after finish/);
  assert.throws(() => encodeGif([]), RangeError);
});
