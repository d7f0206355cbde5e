// A tiny software rasteriser for env render() frames: solid fills only, no anti-aliasing,
// pixel coordinates with y pointing down (callers that think in world units with y up flip).
//
// Sampling rule: a pixel (x, y) is covered when its centre (x + 0.5, y + 0.5) lies inside the
// shape. This keeps adjacent shapes that share an edge from overlapping or leaving gaps.
// Shapes thinner than a pixel could fall between centres and vanish, so circles and 1-pixel
// lines fall back to always touching at least the pixels they pass through.
import type { Frame } from '../protocol/env-api.ts';

export type RGB = [number, number, number];

export type Point = readonly [number, number];

const WHITE: RGB = [255, 255, 255];

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** RGB bytes, row-major, y down: pixel (x, y) starts at 3 * (y * width + x). */
  readonly data: Uint8Array;
  // Scratch space for polygon edge crossings, reused between calls to avoid per-scanline allocation.
  private crossX = new Float64Array(16);
  private crossDir = new Int8Array(16);

  constructor(width: number, height: number, background: RGB = WHITE) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`Canvas size must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    this.clear(background);
  }

  clear(color: RGB): void {
    const d = this.data;
    d[0] = color[0];
    d[1] = color[1];
    d[2] = color[2];
    // Doubling copy: log2(n) memmoves instead of a per-pixel loop.
    let filled = 3;
    while (filled < d.length) {
      const n = Math.min(filled, d.length - filled);
      d.copyWithin(filled, 0, n);
      filled += n;
    }
  }

  /** Colours the pixel containing the point (x, y); points outside the canvas are ignored. */
  setPixel(x: number, y: number, color: RGB): void {
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = 3 * (py * this.width + px);
    this.data[i] = color[0];
    this.data[i + 1] = color[1];
    this.data[i + 2] = color[2];
  }

  /** Reads back a pixel (handy in tests and for compositing); throws outside the canvas. */
  getPixel(x: number, y: number): RGB {
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= this.width || y >= this.height) {
      throw new RangeError(`pixel (${x}, ${y}) is outside the ${this.width}x${this.height} canvas`);
    }
    const i = 3 * (y * this.width + x);
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  /** Fills pixels x0..x1 (inclusive) of row y, clipped to the canvas. */
  private span(y: number, x0: number, x1: number, color: RGB): void {
    if (y < 0 || y >= this.height) return;
    if (x0 < 0) x0 = 0;
    if (x1 >= this.width) x1 = this.width - 1;
    if (x1 < x0) return;
    const d = this.data;
    const [r, g, b] = color;
    let i = 3 * (y * this.width + x0);
    const end = 3 * (y * this.width + x1);
    for (; i <= end; i += 3) {
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
    }
  }

  /**
   * Scanline fill with the nonzero winding rule, so concave and self-overlapping outlines
   * (e.g. several parts traced as one path) fill the way a vector renderer would.
   * The outline is closed implicitly; fewer than 3 points draws nothing.
   */
  fillPolygon(points: ReadonlyArray<Point>, color: RGB): void {
    const n = points.length;
    if (n < 3) return;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const p of points) {
      if (p[1] < minY) minY = p[1];
      if (p[1] > maxY) maxY = p[1];
    }
    if (!(minY <= maxY)) return; // NaN coordinates
    const yStart = Math.max(0, Math.ceil(minY - 0.5));
    const yEnd = Math.min(this.height - 1, Math.ceil(maxY - 0.5) - 1);
    if (this.crossX.length < n) {
      this.crossX = new Float64Array(n);
      this.crossDir = new Int8Array(n);
    }
    const xs = this.crossX;
    const dirs = this.crossDir;
    for (let y = yStart; y <= yEnd; y++) {
      const yc = y + 0.5;
      let count = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const ax = points[j][0],
          ay = points[j][1];
        const bx = points[i][0],
          by = points[i][1];
        // Half-open in y so a vertex shared by two edges is counted once.
        let dir = 0;
        if (ay <= yc && yc < by) dir = 1;
        else if (by <= yc && yc < ay) dir = -1;
        if (dir === 0) continue;
        const x = ax + ((yc - ay) * (bx - ax)) / (by - ay);
        // Insertion sort: polygons here have a handful of crossings per row.
        let k = count++;
        while (k > 0 && xs[k - 1] > x) {
          xs[k] = xs[k - 1];
          dirs[k] = dirs[k - 1];
          k--;
        }
        xs[k] = x;
        dirs[k] = dir;
      }
      let winding = 0;
      for (let k = 0; k < count - 1; k++) {
        winding += dirs[k];
        if (winding === 0) continue;
        // Pixels whose centres lie in [xs[k], xs[k+1]).
        const x0 = Math.ceil(xs[k] - 0.5);
        const x1 = Math.ceil(xs[k + 1] - 0.5) - 1;
        this.span(y, x0, x1, color);
      }
    }
  }

  /** Filled disc of radius r (pixels) centred at (cx, cy). A disc too small to cover a pixel centre still marks its own pixel. */
  fillCircle(cx: number, cy: number, r: number, color: RGB): void {
    if (!(r > 0)) return;
    const yStart = Math.max(0, Math.ceil(cy - r - 0.5));
    const yEnd = Math.min(this.height - 1, Math.ceil(cy + r - 0.5) - 1);
    const r2 = r * r;
    let drew = false;
    for (let y = yStart; y <= yEnd; y++) {
      const dy = y + 0.5 - cy;
      const h2 = r2 - dy * dy;
      if (h2 < 0) continue;
      const half = Math.sqrt(h2);
      const x0 = Math.ceil(cx - half - 0.5);
      const x1 = Math.ceil(cx + half - 0.5) - 1;
      if (x1 >= x0) {
        this.span(y, x0, x1, color);
        drew = true;
      }
    }
    if (!drew) this.setPixel(cx, cy, color);
  }

  /** Axis-aligned rectangle covering x..x+w, y..y+h (negative w/h extend the other way). */
  fillRect(x: number, y: number, w: number, h: number, color: RGB): void {
    if (w < 0) {
      x += w;
      w = -w;
    }
    if (h < 0) {
      y += h;
      h = -h;
    }
    const x0 = Math.ceil(x - 0.5);
    const x1 = Math.ceil(x + w - 0.5) - 1;
    const y0 = Math.max(0, Math.ceil(y - 0.5));
    const y1 = Math.min(this.height - 1, Math.ceil(y + h - 0.5) - 1);
    for (let row = y0; row <= y1; row++) this.span(row, x0, x1, color);
  }

  /**
   * A straight segment. thickness <= 1 draws a Bresenham line through the pixels containing the
   * endpoints (always connected, never vanishes); thicker lines are filled quads with square
   * (butt) ends of the given width in pixels.
   */
  line(x0: number, y0: number, x1: number, y1: number, color: RGB, thickness = 1): void {
    if (thickness <= 1) {
      const c = clipSegment(x0, y0, x1, y1, -1, -1, this.width + 1, this.height + 1);
      if (c) this.bresenham(Math.floor(c[0]), Math.floor(c[1]), Math.floor(c[2]), Math.floor(c[3]), color);
      return;
    }
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len = Math.hypot(dx, dy);
    if (len === 0) {
      this.fillCircle(x0, y0, thickness / 2, color);
      return;
    }
    const nx = (-dy / len) * (thickness / 2);
    const ny = (dx / len) * (thickness / 2);
    this.fillPolygon(
      [
        [x0 + nx, y0 + ny],
        [x1 + nx, y1 + ny],
        [x1 - nx, y1 - ny],
        [x0 - nx, y0 - ny],
      ],
      color,
    );
  }

  /** Connected segments through the points (not closed). Thick polylines get round joints so bends have no notches. */
  polyline(points: ReadonlyArray<Point>, color: RGB, thickness = 1): void {
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      this.line(a[0], a[1], b[0], b[1], color, thickness);
      if (thickness > 1 && i < points.length - 1) this.fillCircle(b[0], b[1], thickness / 2, color);
    }
    if (points.length === 1) this.setPixel(points[0][0], points[0][1], color);
  }

  private bresenham(x0: number, y0: number, x1: number, y1: number, color: RGB): void {
    // The segment was clipped to just around the canvas, so this loop stays short;
    // setPixel drops the odd pixel that still falls outside.
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.setPixel(x0, y0, color);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** A snapshot of the canvas: `data` is a copy, so later drawing doesn't change frames already handed out. */
  toFrame(): Frame {
    return { width: this.width, height: this.height, data: this.data.slice() };
  }
}

/**
 * Liang-Barsky: the part of segment (x0,y0)-(x1,y1) inside [xmin,xmax]x[ymin,ymax], or null.
 * Keeps Bresenham from walking millions of off-screen pixels for wild coordinates.
 */
export function clipSegment(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  xmin: number,
  ymin: number,
  xmax: number,
  ymax: number,
): [number, number, number, number] | null {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return null;
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  const edges: Array<[number, number]> = [
    [-dx, x0 - xmin],
    [dx, xmax - x0],
    [-dy, y0 - ymin],
    [dy, ymax - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return null;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return null;
      if (t < t1) t1 = t;
    }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}
