// Animated GIF encoder (GIF89a), no dependencies.
//
// Each frame is encoded as soon as it is added, so memory holds compressed bytes, not frames.
// Env renders are flat-shaded with a handful of colours, so:
//  - only the rectangle that changed since the previous frame is stored (disposal "leave in
//    place"), which usually shrinks a frame to the moving parts;
//  - each stored rectangle gets its own local colour table: the exact colours when there are at
//    most 256 of them (lossless), otherwise a median-cut palette of 256.
// Delays are in GIF's centisecond units; fractional parts are carried over to later frames so a
// 30 fps animation averages exactly 30 fps rather than drifting.
import type { Frame } from '../protocol/env-api.ts';

export interface GifOptions {
  /** Delay after each frame in milliseconds (default 50 = 20 fps). Viewers treat < 20 ms as slow (100 ms), so keep >= 20. */
  delayMs?: number;
  /** NETSCAPE2.0 loop count: 0 = forever (default), n = repeat n times, false = play once (no loop block). */
  loop?: number | false;
}

/** Encodes frames (all the same size) into one animated GIF file. */
export function encodeGif(frames: readonly Frame[], options: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif needs at least one frame');
  const writer = new GifWriter(frames[0].width, frames[0].height, options);
  for (const f of frames) writer.addFrame(f);
  return writer.finish();
}

export class GifWriter {
  readonly width: number;
  readonly height: number;
  private readonly delayMs: number;
  private readonly out = new ByteSink();
  private previous: Uint8Array | null = null;
  private elapsedMs = 0;
  private frames = 0;
  private finished = false;

  constructor(width: number, height: number, options: GifOptions = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 0xffff || height > 0xffff) {
      throw new RangeError(`GIF size must be integers in 1..65535, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.delayMs = options.delayMs ?? 50;
    const loop = options.loop ?? 0;
    this.out.bytes([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]); // "GIF89a"
    // Logical screen descriptor: no global colour table (every frame carries its own).
    this.out.u16(width);
    this.out.u16(height);
    this.out.bytes([0x00, 0x00, 0x00]);
    if (loop !== false) {
      if (!Number.isInteger(loop) || loop < 0 || loop > 0xffff) throw new RangeError(`loop must be 0..65535 or false, got ${loop}`);
      this.out.bytes([0x21, 0xff, 0x0b]);
      this.out.ascii('NETSCAPE2.0');
      this.out.bytes([0x03, 0x01]);
      this.out.u16(loop);
      this.out.byte(0x00);
    }
  }

  get frameCount(): number {
    return this.frames;
  }

  /** Appends a frame shown for delayMs (default: the writer's delayMs). */
  addFrame(frame: Frame, delayMs: number = this.delayMs): void {
    if (this.finished) throw new Error('GifWriter.addFrame after finish()');
    if (frame.width !== this.width || frame.height !== this.height) {
      throw new RangeError(`frame is ${frame.width}x${frame.height}, the GIF is ${this.width}x${this.height}`);
    }
    if (frame.data.length !== this.width * this.height * 3) {
      throw new RangeError(`frame data has ${frame.data.length} bytes, expected ${this.width * this.height * 3}`);
    }
    const rect = this.previous
      ? changedRect(this.previous, frame.data, this.width, this.height)
      : { x: 0, y: 0, w: this.width, h: this.height };
    const pixels = crop(frame.data, this.width, rect);
    const { palette, indices } = indexColours(pixels);
    const tableBits = Math.max(1, Math.ceil(Math.log2(palette.length / 3)));

    // Graphic control extension: disposal 1 (leave in place), no transparency.
    const startCs = Math.round(this.elapsedMs / 10);
    this.elapsedMs += Math.max(0, delayMs);
    const delayCs = Math.min(0xffff, Math.round(this.elapsedMs / 10) - startCs);
    this.out.bytes([0x21, 0xf9, 0x04, 0x04]);
    this.out.u16(delayCs);
    this.out.bytes([0x00, 0x00]);

    // Image descriptor with a local colour table of 2^tableBits entries.
    this.out.byte(0x2c);
    this.out.u16(rect.x);
    this.out.u16(rect.y);
    this.out.u16(rect.w);
    this.out.u16(rect.h);
    this.out.byte(0x80 | (tableBits - 1));
    const table = new Uint8Array(3 << tableBits);
    table.set(palette);
    this.out.bytes(table);

    const minCodeSize = Math.max(2, tableBits);
    this.out.byte(minCodeSize);
    lzwEncode(indices, minCodeSize, this.out);

    this.previous = frame.data.slice();
    this.frames++;
  }

  /** Writes the trailer and returns the whole file. */
  finish(): Uint8Array {
    if (this.frames === 0) throw new Error('a GIF needs at least one frame');
    if (!this.finished) {
      this.out.byte(0x3b);
      this.finished = true;
    }
    return this.out.toBytes();
  }
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Bounding box of pixels that differ; a 1x1 rect at the origin when nothing changed (the frame still needs to exist for timing). */
function changedRect(prev: Uint8Array, cur: Uint8Array, width: number, height: number): Rect {
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let first = -1;
    for (let i = 0; i < stride; i++) {
      if (prev[row + i] !== cur[row + i]) {
        first = i;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let i = stride - 1; i > first; i--) {
      if (prev[row + i] !== cur[row + i]) {
        last = i;
        break;
      }
    }
    const fx = Math.floor(first / 3),
      lx = Math.floor(last / 3);
    if (fx < x0) x0 = fx;
    if (lx > x1) x1 = lx;
    if (y < y0) y0 = y;
    y1 = y;
  }
  if (x1 < 0) return { x: 0, y: 0, w: 1, h: 1 };
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

function crop(data: Uint8Array, width: number, r: Rect): Uint8Array {
  if (r.x === 0 && r.w === width) return data.subarray(r.y * width * 3, (r.y + r.h) * width * 3);
  const out = new Uint8Array(r.w * r.h * 3);
  for (let y = 0; y < r.h; y++) {
    const src = ((r.y + y) * width + r.x) * 3;
    out.set(data.subarray(src, src + r.w * 3), y * r.w * 3);
  }
  return out;
}

/** Palette (RGB triples, at most 256) and one palette index per pixel. */
function indexColours(pixels: Uint8Array): { palette: Uint8Array; indices: Uint8Array } {
  const n = pixels.length / 3;
  const indices = new Uint8Array(n);
  const lookup = new Map<number, number>();
  const colours: number[] = [];
  let lastKey = -1;
  let lastIndex = 0;
  let exact = true;
  for (let p = 0; p < n; p++) {
    const key = (pixels[3 * p] << 16) | (pixels[3 * p + 1] << 8) | pixels[3 * p + 2];
    if (key !== lastKey) {
      let idx = lookup.get(key);
      if (idx === undefined) {
        if (colours.length === 256) {
          exact = false;
          break;
        }
        idx = colours.length;
        colours.push(key);
        lookup.set(key, idx);
      }
      lastKey = key;
      lastIndex = idx;
    }
    indices[p] = lastIndex;
  }
  if (exact) {
    const palette = new Uint8Array(Math.max(2, colours.length) * 3);
    colours.forEach((c, i) => {
      palette[3 * i] = c >> 16;
      palette[3 * i + 1] = (c >> 8) & 0xff;
      palette[3 * i + 2] = c & 0xff;
    });
    return { palette, indices };
  }
  return quantize(pixels);
}

/**
 * Median cut on a 5-bit-per-channel histogram: split the box with the widest channel range at
 * its pixel-weighted median until there are 256 boxes; each box's mean colour is a palette entry.
 */
function quantize(pixels: Uint8Array): { palette: Uint8Array; indices: Uint8Array } {
  const n = pixels.length / 3;
  const hist = new Uint32Array(32768);
  const bin = (p: number): number => ((pixels[3 * p] >> 3) << 10) | ((pixels[3 * p + 1] >> 3) << 5) | (pixels[3 * p + 2] >> 3);
  for (let p = 0; p < n; p++) hist[bin(p)]++;
  const bins: number[] = [];
  for (let b = 0; b < 32768; b++) if (hist[b] > 0) bins.push(b);
  const channel = (b: number, c: number): number => (b >> (10 - 5 * c)) & 31;

  type Box = { bins: number[]; count: number; range: number; axis: number };
  const makeBox = (members: number[]): Box => {
    let count = 0;
    let axis = 0;
    let range = -1;
    for (let c = 0; c < 3; c++) {
      let lo = 31,
        hi = 0;
      for (const b of members) {
        const v = channel(b, c);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo > range) {
        range = hi - lo;
        axis = c;
      }
    }
    for (const b of members) count += hist[b];
    return { bins: members, count, range, axis };
  };
  const boxes: Box[] = [makeBox(bins)];
  while (boxes.length < 256) {
    // Prefer big, wide boxes: splitting them reduces error the most.
    let best = -1;
    let bestScore = 0;
    boxes.forEach((b, i) => {
      const score = b.bins.length > 1 ? b.range * b.count : 0;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    if (best < 0) break;
    const box = boxes[best];
    const sorted = [...box.bins].sort((a, b) => channel(a, box.axis) - channel(b, box.axis));
    let acc = 0;
    let cut = 1;
    for (; cut < sorted.length; cut++) {
      acc += hist[sorted[cut - 1]];
      if (acc * 2 >= box.count) break;
    }
    if (cut >= sorted.length) cut = sorted.length - 1;
    boxes.splice(best, 1, makeBox(sorted.slice(0, cut)), makeBox(sorted.slice(cut)));
  }

  // Mean colour of the real pixels in each box, so flat regions keep their true colour.
  const binToIndex = new Int16Array(32768).fill(-1);
  boxes.forEach((b, i) => {
    for (const x of b.bins) binToIndex[x] = i;
  });
  const sums = new Float64Array(boxes.length * 3);
  const counts = new Float64Array(boxes.length);
  const indices = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const i = binToIndex[bin(p)];
    indices[p] = i;
    sums[3 * i] += pixels[3 * p];
    sums[3 * i + 1] += pixels[3 * p + 1];
    sums[3 * i + 2] += pixels[3 * p + 2];
    counts[i]++;
  }
  const palette = new Uint8Array(boxes.length * 3);
  for (let i = 0; i < boxes.length; i++) {
    for (let c = 0; c < 3; c++) palette[3 * i + c] = Math.round(sums[3 * i + c] / Math.max(1, counts[i]));
  }
  return { palette, indices };
}

// LZW dictionary keyed by (prefix code << 8 | next index). Stamping entries with a generation
// number makes a clear O(1) instead of wiping 4096*256 slots.
const dictCode = new Int32Array(4096 * 256);
const dictStamp = new Uint32Array(4096 * 256);
let generation = 0;

/**
 * GIF's variable-width LZW, packed LSB-first into <=255-byte sub-blocks. Code widths follow the
 * decoder's rule exactly: the width grows once the next table slot no longer fits, and at 4096
 * entries the encoder emits a clear code and starts over.
 */
function lzwEncode(indices: Uint8Array, minCodeSize: number, out: ByteSink): void {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const blocks = new SubBlockWriter(out);
  let size = minCodeSize + 1;
  let next = eoi + 1;
  const newTable = (): void => {
    generation = (generation + 1) >>> 0;
    if (generation === 0) {
      dictStamp.fill(0);
      generation = 1;
    }
    size = minCodeSize + 1;
    next = eoi + 1;
  };
  newTable();
  blocks.code(clear, size);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = (prefix << 8) | k;
    if (dictStamp[key] === generation) {
      prefix = dictCode[key];
      continue;
    }
    blocks.code(prefix, size);
    // `next` is the slot the decoder fills after reading the following code; widen first if it needs the extra bit.
    if (next >= 1 << size && size < 12) size++;
    if (next === 4096) {
      blocks.code(clear, size);
      newTable();
    } else {
      dictStamp[key] = generation;
      dictCode[key] = next++;
    }
    prefix = k;
  }
  blocks.code(prefix, size);
  if (next >= 1 << size && size < 12) size++;
  blocks.code(eoi, size);
  blocks.end();
}

class SubBlockWriter {
  private block = new Uint8Array(255);
  private used = 0;
  private acc = 0;
  private bits = 0;
  constructor(private readonly out: ByteSink) {}

  code(code: number, size: number): void {
    this.acc |= code << this.bits;
    this.bits += size;
    while (this.bits >= 8) {
      this.push(this.acc & 0xff);
      this.acc >>>= 8;
      this.bits -= 8;
    }
  }

  private push(b: number): void {
    this.block[this.used++] = b;
    if (this.used === 255) this.flush();
  }

  private flush(): void {
    if (this.used === 0) return;
    this.out.byte(this.used);
    this.out.bytes(this.block.subarray(0, this.used));
    this.used = 0;
  }

  end(): void {
    if (this.bits > 0) this.push(this.acc & 0xff);
    this.acc = 0;
    this.bits = 0;
    this.flush();
    this.out.byte(0); // block terminator
  }
}

/** Growable byte buffer. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const bigger = new Uint8Array(cap);
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  bytes(bs: ArrayLike<number>): void {
    this.reserve(bs.length);
    this.buf.set(bs, this.len);
    this.len += bs.length;
  }

  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >> 8) & 0xff);
  }

  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
