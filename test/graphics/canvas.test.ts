import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Canvas, clipSegment, type RGB } from '../../graphics/canvas.ts';
import { drawMovingScene } from './moving-scene.ts';

const WHITE: RGB = [255, 255, 255];
const RED: RGB = [255, 0, 0];
const BLUE: RGB = [0, 0, 255];

function isColor(c: Canvas, x: number, y: number, color: RGB): boolean {
  const p = c.getPixel(x, y);
  return p[0] === color[0] && p[1] === color[1] && p[2] === color[2];
}

function countColor(c: Canvas, color: RGB): number {
  let n = 0;
  for (let i = 0; i < c.data.length; i += 3) {
    if (c.data[i] === color[0] && c.data[i + 1] === color[1] && c.data[i + 2] === color[2]) n++;
  }
  return n;
}

test('new canvas is filled with the background, white by default', () => {
  const c = new Canvas(7, 5);
  assert.equal(c.data.length, 7 * 5 * 3);
  assert.equal(countColor(c, WHITE), 35);
  const d = new Canvas(3, 2, [1, 2, 3]);
  assert.deepEqual(Array.from(d.data), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  d.clear([9, 8, 7]);
  assert.equal(countColor(d, [9, 8, 7]), 6);
  assert.throws(() => new Canvas(0, 3));
});

test('setPixel writes row-major RGB with y down and ignores out-of-range points', () => {
  const c = new Canvas(4, 3);
  c.setPixel(2, 1, RED);
  const i = 3 * (1 * 4 + 2);
  assert.deepEqual(Array.from(c.data.subarray(i, i + 3)), RED);
  c.setPixel(-1, 0, RED);
  c.setPixel(4, 0, RED);
  c.setPixel(0, 3, RED);
  assert.equal(countColor(c, RED), 1);
});

test('fillRect covers exactly the integer rectangle and clips', () => {
  const c = new Canvas(10, 10);
  c.fillRect(2, 3, 4, 2, RED);
  assert.equal(countColor(c, RED), 8);
  assert.ok(isColor(c, 2, 3, RED) && isColor(c, 5, 4, RED));
  assert.ok(isColor(c, 6, 3, WHITE) && isColor(c, 2, 5, WHITE) && isColor(c, 1, 3, WHITE));
  c.fillRect(-5, 8, 100, 100, BLUE);
  assert.equal(countColor(c, BLUE), 20);
});

test('fillPolygon: axis-aligned square covers the pixels whose centres are inside', () => {
  const c = new Canvas(10, 10);
  c.fillPolygon(
    [
      [2, 2],
      [6, 2],
      [6, 5],
      [2, 5],
    ],
    RED,
  );
  assert.equal(countColor(c, RED), 4 * 3);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 10; x++) {
      assert.equal(isColor(c, x, y, RED), x >= 2 && x < 6 && y >= 2 && y < 5, `pixel ${x},${y}`);
    }
  }
});

test('fillPolygon: triangle inside/outside matches a point-in-triangle check, either winding', () => {
  // Irrational-ish coordinates so no pixel centre sits exactly on an edge (ties are rule-dependent).
  const tri: Array<[number, number]> = [
    [3.1, 2.3],
    [27.4, 8.2],
    [10.2, 25.3],
  ];
  const inside = (px: number, py: number): boolean => {
    let sign = 0;
    for (let i = 0; i < 3; i++) {
      const [ax, ay] = tri[i];
      const [bx, by] = tri[(i + 1) % 3];
      const cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
      const s = Math.sign(cross);
      if (s === 0) continue;
      if (sign === 0) sign = s;
      else if (s !== sign) return false;
    }
    return true;
  };
  for (const pts of [tri, [...tri].reverse()]) {
    const c = new Canvas(30, 30);
    c.fillPolygon(pts, BLUE);
    let mismatches = 0;
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 30; x++) {
        if (isColor(c, x, y, BLUE) !== inside(x + 0.5, y + 0.5)) mismatches++;
      }
    }
    assert.equal(mismatches, 0);
    assert.ok(countColor(c, BLUE) > 150);
  }
});

test('fillPolygon: concave shape leaves its notch empty', () => {
  // A "U": outer 0..9 square minus the notch x in [3,7), y in [0,6).
  const c = new Canvas(10, 10);
  c.fillPolygon(
    [
      [0, 0],
      [3, 0],
      [3, 6],
      [7, 6],
      [7, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ],
    RED,
  );
  assert.ok(isColor(c, 1, 1, RED));
  assert.ok(isColor(c, 8, 1, RED));
  assert.ok(isColor(c, 5, 8, RED));
  assert.ok(isColor(c, 5, 2, WHITE));
  assert.ok(isColor(c, 3, 5, WHITE) && isColor(c, 6, 5, WHITE));
  assert.equal(countColor(c, RED), 100 - 4 * 6);
});

test('fillPolygon: nonzero rule fills overlapping same-direction loops, holes with opposite direction', () => {
  const c = new Canvas(10, 10);
  // Two overlapping squares traced in one path, both clockwise: overlap stays filled.
  c.fillPolygon(
    [
      [0, 0],
      [6, 0],
      [6, 6],
      [0, 6],
      [0, 0],
      [4, 4],
      [10, 4],
      [10, 10],
      [4, 10],
      [4, 4],
    ],
    RED,
  );
  assert.ok(isColor(c, 5, 5, RED));
  assert.ok(isColor(c, 1, 1, RED) && isColor(c, 8, 8, RED));
  assert.ok(isColor(c, 8, 1, WHITE));
  // Outer square clockwise with an inner square counter-clockwise: a hole.
  const d = new Canvas(10, 10);
  d.fillPolygon(
    [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
      [3, 3],
      [3, 7],
      [7, 7],
      [7, 3],
      [3, 3],
    ],
    RED,
  );
  assert.ok(isColor(d, 5, 5, WHITE));
  assert.ok(isColor(d, 1, 1, RED));
  assert.equal(countColor(d, RED), 100 - 16);
});

test('fillPolygon clips shapes that extend past every edge, and ignores degenerate input', () => {
  const c = new Canvas(8, 6);
  c.fillPolygon(
    [
      [-100, -100],
      [100, -100],
      [100, 100],
      [-100, 100],
    ],
    RED,
  );
  assert.equal(countColor(c, RED), 48);
  const d = new Canvas(8, 6);
  d.fillPolygon(
    [
      [-20, -20],
      [-10, -20],
      [-10, -10],
    ],
    RED,
  );
  d.fillPolygon(
    [
      [1, 1],
      [5, 5],
    ],
    RED,
  );
  d.fillPolygon(
    [
      [NaN, 1],
      [2, 3],
      [4, 1],
    ],
    RED,
  );
  assert.equal(countColor(d, RED), 0);
  // Half off the left edge.
  const e = new Canvas(8, 6);
  e.fillPolygon(
    [
      [-4, 0],
      [4, 0],
      [4, 6],
      [-4, 6],
    ],
    BLUE,
  );
  assert.equal(countColor(e, BLUE), 4 * 6);
});

test('fillCircle covers pixel centres within the radius and clips at the border', () => {
  const c = new Canvas(40, 40);
  c.fillCircle(20, 20, 10, RED);
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 40; x++) {
      const d2 = (x + 0.5 - 20) ** 2 + (y + 0.5 - 20) ** 2;
      if (d2 < 99) assert.ok(isColor(c, x, y, RED), `inside ${x},${y}`);
      if (d2 > 101) assert.ok(isColor(c, x, y, WHITE), `outside ${x},${y}`);
    }
  }
  const area = countColor(c, RED);
  assert.ok(Math.abs(area - Math.PI * 100) < 20, `area ${area}`);
  const e = new Canvas(10, 10);
  e.fillCircle(0, 0, 5, BLUE);
  const q = countColor(e, BLUE);
  assert.ok(Math.abs(q - (Math.PI * 25) / 4) < 5, `quarter area ${q}`);
  const tiny = new Canvas(5, 5);
  tiny.fillCircle(2.2, 3.7, 0.1, RED);
  assert.equal(countColor(tiny, RED), 1);
  assert.ok(isColor(tiny, 2, 3, RED));
});

test('thin lines are connected Bresenham paths including both endpoints', () => {
  const c = new Canvas(20, 20);
  c.line(1, 1, 15, 6, RED);
  assert.ok(isColor(c, 1, 1, RED) && isColor(c, 15, 6, RED));
  // One pixel per column for an x-major line.
  assert.equal(countColor(c, RED), 15);
  for (let x = 1; x <= 15; x++) {
    let n = 0;
    for (let y = 0; y < 20; y++) if (isColor(c, x, y, RED)) n++;
    assert.equal(n, 1);
  }
  const v = new Canvas(5, 5);
  v.line(2, 0, 2, 4, BLUE);
  for (let y = 0; y < 5; y++) assert.ok(isColor(v, 2, y, BLUE));
  assert.equal(countColor(v, BLUE), 5);
});

test('lines far outside the canvas are clipped (and do not loop for ages)', () => {
  // What line() walks is the segment clipped to just around the canvas, a few pixels long.
  const clipped = clipSegment(-1e9, 5, 1e9, 5, -1, -1, 11, 11)!;
  assert.deepEqual(clipped, [-1, 5, 11, 5]);
  assert.equal(clipSegment(-1e9, -1e9, -1e9 + 1, 1e9, -1, -1, 11, 11), null, 'a segment that misses the canvas');
  const c = new Canvas(10, 10);
  c.line(-1e9, 5, 1e9, 5, RED);
  c.line(-1e9, -1e9, -1e9 + 1, 1e9, RED);
  assert.equal(countColor(c, RED), 10);
  for (let x = 0; x < 10; x++) assert.ok(isColor(c, x, 5, RED));
});

test('thick lines are filled quads of the given width', () => {
  const c = new Canvas(30, 30);
  c.line(5, 10, 25, 10, RED, 4);
  // Covers y in [8, 12) for x in [5, 25).
  assert.equal(countColor(c, RED), 20 * 4);
  assert.ok(isColor(c, 5, 8, RED) && isColor(c, 24, 11, RED));
  assert.ok(isColor(c, 5, 7, WHITE) && isColor(c, 5, 12, WHITE) && isColor(c, 25, 10, WHITE));
  const d = new Canvas(30, 30);
  d.line(5, 5, 25, 25, BLUE, 3);
  // Pixels well inside the band (distance to the centre line < 1.3, away from the ends) are
  // covered; pixels clearly outside it (distance > 1.7) are not.
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < 30; x++) {
      const px = x + 0.5,
        py = y + 0.5;
      const along = (px - 5 + (py - 5)) / Math.SQRT2;
      const dist = Math.abs(px - 5 - (py - 5)) / Math.SQRT2;
      const len = Math.hypot(20, 20);
      if (along > 0.5 && along < len - 0.5 && dist < 1.3) assert.ok(isColor(d, x, y, BLUE), `in ${x},${y}`);
      if (dist > 1.7 || along < -0.5 || along > len + 0.5) assert.ok(isColor(d, x, y, WHITE), `out ${x},${y}`);
    }
  }
});

test('polyline draws every segment, with round joints when thick', () => {
  const c = new Canvas(20, 20);
  c.polyline(
    [
      [2, 2],
      [12, 2],
      [12, 12],
    ],
    RED,
  );
  assert.equal(countColor(c, RED), 11 + 10);
  const d = new Canvas(30, 30);
  d.polyline(
    [
      [5, 5],
      [20, 5],
      [20, 20],
    ],
    BLUE,
    6,
  );
  // The outer corner of the bend is filled by the joint disc.
  assert.ok(isColor(d, 21, 4, BLUE));
  assert.ok(isColor(d, 10, 5, BLUE) && isColor(d, 20, 15, BLUE));
  assert.ok(isColor(d, 10, 15, WHITE));
});

test('toFrame returns a copy with width/height', () => {
  const c = new Canvas(3, 2, [10, 20, 30]);
  const f = c.toFrame();
  assert.equal(f.width, 3);
  assert.equal(f.height, 2);
  assert.deepEqual(f.data, c.data);
  c.setPixel(0, 0, RED);
  assert.equal(f.data[0], 10);
});

test('a moving scene drawn 200 times gives a frame per draw, each a different picture (speed: npm run bench:render)', () => {
  const c = new Canvas(600, 400);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    drawMovingScene(c, i);
    const frame = c.toFrame();
    assert.equal(frame.data.length, 600 * 400 * 3);
    if (i < 40) seen.add(Buffer.from(frame.data).toString('base64'));
  }
  assert.equal(seen.size, 40);
});
