// The plots' PNGs: rendered from the SVG with a real font (resvg + DejaVu Sans from npm), so
// they decode to the SVG's size, carry anti-aliased text, and keep the legend off the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { curveFrame, curvePng, lossesFrame, lossesPng, type Box } from '../../agents/plot.ts';
import type { EpisodeRecord, EvalRecord, StatsRecord } from '../../agents/metrics.ts';

/** A minimal decoder for 8-bit RGB/RGBA non-interlaced PNGs (what resvg writes): RGBA pixels. */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let p = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  while (p < png.length) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    const body = png.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(p + 8);
      height = view.getUint32(p + 12);
      assert.equal(body[8], 8, 'bit depth');
      assert.ok(body[9] === 2 || body[9] === 6, `colour type ${body[9]}`);
      assert.equal(body[12], 0, 'not interlaced');
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    p += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, (stride + 1) * height);
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      assert.ok(pred !== undefined, `filter ${f}`);
      px[y * stride + x] = (v + pred) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: px };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([px[3 * i], px[3 * i + 1], px[3 * i + 2], 255], 4 * i);
  return { width, height, rgba };
}

/** Pixels in a box that are dark (ink) and that are grey in between (anti-aliased edges). */
function inkIn(img: { width: number; rgba: Uint8Array }, b: Box): { dark: number; between: number } {
  let dark = 0;
  let between = 0;
  for (let y = Math.ceil(b.y); y < b.y + b.h; y++) {
    for (let x = Math.ceil(b.x); x < b.x + b.w; x++) {
      const i = 4 * (y * img.width + x);
      const lum = (img.rgba[i] + img.rgba[i + 1] + img.rgba[i + 2]) / 3;
      if (lum < 100) dark++;
      else if (lum > 110 && lum < 240) between++;
    }
  }
  return { dark, between };
}

const disjoint = (a: Box, b: Box) => a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
const inside = (b: Box, [x, y]: [number, number]) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;

// Returns that swing over the whole range from the first episode to the last, so the data reach
// every corner of the plot area: a legend anywhere inside it would cover some.
const episodes: EpisodeRecord[] = Array.from({ length: 120 }, (_, i) => ({
  type: 'episode',
  step: (i + 1) * 100,
  episode: i + 1,
  return: i % 2 ? -1500 : -10,
  length: 100,
  wallSeconds: i,
}));
const evals: EvalRecord[] = [1, 2, 3, 4].map((k) => ({
  type: 'eval',
  step: k * 3000,
  mean: -1500 + 350 * k,
  std: 60,
  returns: [],
  wallSeconds: k,
}));
const stats: StatsRecord[] = Array.from({ length: 12 }, (_, i) => ({
  type: 'stats',
  step: (i + 1) * 1000,
  updates: (i + 1) * 1000,
  criticLoss: 40 / (i + 1),
  actorLoss: 90 - 5 * i,
  q: -90 + 5 * i,
  q2: -88 + 5 * i,
  updatesPerSec: 200,
  stepsPerSec: 200,
  wallSeconds: i,
}));
const curve = { title: 'DDPG Pendulum-v1 (seed 0)', episodes, evals };

test('learning-curve.png: the SVG rendered at its size, with anti-aliased text in the title and the legend', () => {
  const img = decodePng(curvePng(curve));
  assert.deepEqual([img.width, img.height], [800, 480]);
  const title = inkIn(img, { x: 200, y: 4, w: 400, h: 26 });
  assert.ok(title.dark > 150, `title glyphs drawn (${title.dark} dark pixels)`);
  assert.ok(title.between > 100, `their edges anti-aliased (${title.between} grey pixels)`);
  const legend = inkIn(img, curveFrame(curve).legend);
  assert.ok(legend.dark > 300 && legend.between > 200, `legend text drawn (${JSON.stringify(legend)})`);
});

test('learning curve: every data point inside the plot area, the legend outside it', () => {
  const f = curveFrame(curve);
  assert.ok(f.points.length > 200);
  for (const p of f.points) assert.ok(inside(f.plot, p), `point ${p} in the plot area`);
  assert.ok(disjoint(f.legend, f.plot), `legend ${JSON.stringify(f.legend)} clear of the plot area ${JSON.stringify(f.plot)}`);
  assert.ok(f.legend.x >= 0 && f.legend.y >= 30, 'below the title, inside the image');
});

test('losses.png: both panels rendered with text; each legend clear of every panel', () => {
  const d = { title: 'TD3 Pendulum-v1 (seed 0): losses and Q', stats };
  const img = decodePng(lossesPng(d));
  assert.deepEqual([img.width, img.height], [800, 600]);
  const { panels } = lossesFrame(d);
  assert.equal(panels.length, 2);
  for (const p of panels) {
    for (const q of p.points) assert.ok(inside(p.plot, q), `point ${q} in its panel`);
    for (const other of panels)
      assert.ok(disjoint(p.legend, other.plot), `legend ${JSON.stringify(p.legend)} clear of panel ${JSON.stringify(other.plot)}`);
    const ink = inkIn(img, p.legend);
    assert.ok(ink.dark > 50 && ink.between > 50, `legend text drawn (${JSON.stringify(ink)})`);
  }
});
