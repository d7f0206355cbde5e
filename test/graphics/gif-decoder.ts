// Test helper (not a test file): an independent, strict GIF decoder used by the GIF and rollout tests.
import assert from 'node:assert/strict';

// An independent, strict GIF decoder: parses every block, LZW-decodes with the textbook rule
// (add an entry after every code but the first after a clear; widen when the next slot reaches
// 2^width), refuses to read past the image data, and composites frames onto a canvas the way a
// viewer would for disposal "none"/"leave in place".

export interface DecodedGif {
  width: number;
  height: number;
  loop: number | null;
  frames: Array<{ delayCs: number; rect: [number, number, number, number]; rgb: Uint8Array }>;
}

function lzwDecode(data: Uint8Array, minCodeSize: number, pixelCount: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const out = new Uint8Array(pixelCount);
  let outLen = 0;
  let bitPos = 0;
  const totalBits = data.length * 8;
  const read = (width: number): number => {
    assert.ok(bitPos + width <= totalBits, 'LZW stream ran out of data before EOI');
    let v = 0;
    for (let i = 0; i < width; i++, bitPos++) v |= ((data[bitPos >> 3] >> (bitPos & 7)) & 1) << i;
    return v;
  };
  let table: number[][] = [];
  let width = minCodeSize + 1;
  let prev: number[] | null = null;
  const reset = (): void => {
    table = [];
    for (let i = 0; i < clear; i++) table.push([i]);
    table.push([], []);
    width = minCodeSize + 1;
    prev = null;
  };
  reset();
  let sawClearFirst = false;
  for (;;) {
    const code = read(width);
    if (!sawClearFirst) {
      assert.equal(code, clear, 'stream starts with a clear code');
      sawClearFirst = true;
    }
    if (code === clear) {
      reset();
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < table.length) entry = table[code];
    else {
      assert.equal(code, table.length, `code ${code} beyond table size ${table.length}`);
      assert.ok(prev, 'KwKwK code right after a clear');
      entry = [...prev, prev[0]];
    }
    for (const v of entry) {
      assert.ok(outLen < pixelCount, 'more pixels than the image has');
      out[outLen++] = v;
    }
    if (prev) {
      assert.ok(table.length < 4096, 'table overflow: encoder should have sent a clear');
      table.push([...prev, entry[0]]);
    }
    if (table.length === 1 << width && width < 12) width++;
    prev = entry;
  }
  assert.equal(outLen, pixelCount, 'pixel count');
  // Only zero padding may follow EOI, and less than one byte of it.
  assert.ok(totalBits - bitPos < 8, `${totalBits - bitPos} bits left after EOI`);
  return out;
}

export function decodeGif(gif: Uint8Array): DecodedGif {
  let p = 0;
  const u8 = (): number => gif[p++];
  const u16 = (): number => {
    const v = gif[p] | (gif[p + 1] << 8);
    p += 2;
    return v;
  };
  const ascii = (n: number): string => {
    const s = String.fromCharCode(...gif.subarray(p, p + n));
    p += n;
    return s;
  };
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (let n = u8(); n !== 0; n = u8()) {
      for (let i = 0; i < n; i++) parts.push(gif[p + i]);
      p += n;
    }
    return Uint8Array.from(parts);
  };
  assert.equal(ascii(6), 'GIF89a');
  const width = u16();
  const height = u16();
  const flags = u8();
  u8();
  u8();
  let globalTable: Uint8Array | null = null;
  if (flags & 0x80) {
    const n = 3 << ((flags & 7) + 1);
    globalTable = gif.subarray(p, p + n);
    p += n;
  }
  const screen = new Uint8Array(width * height * 3);
  const result: DecodedGif = { width, height, loop: null, frames: [] };
  let delayCs = 0;
  for (;;) {
    assert.ok(p < gif.length, 'file ended without a trailer');
    const intro = u8();
    if (intro === 0x3b) break;
    if (intro === 0x21) {
      const label = u8();
      if (label === 0xf9) {
        assert.equal(u8(), 4);
        const packed = u8();
        assert.ok(((packed >> 2) & 7) <= 1, 'disposal none / leave in place');
        delayCs = u16();
        u8();
        assert.equal(u8(), 0);
      } else if (label === 0xff) {
        assert.equal(u8(), 11);
        const app = ascii(11);
        const body = subBlocks();
        if (app === 'NETSCAPE2.0') {
          assert.equal(body[0], 1);
          result.loop = body[1] | (body[2] << 8);
        }
      } else subBlocks();
      continue;
    }
    assert.equal(intro, 0x2c, `unexpected block 0x${intro.toString(16)}`);
    const x = u16(),
      y = u16(),
      w = u16(),
      h = u16();
    const iflags = u8();
    assert.equal(iflags & 0x40, 0, 'not interlaced');
    let table = globalTable;
    if (iflags & 0x80) {
      const n = 3 << ((iflags & 7) + 1);
      table = gif.subarray(p, p + n);
      p += n;
    }
    assert.ok(table, 'a colour table');
    assert.ok(x + w <= width && y + h <= height, 'frame inside the screen');
    const minCodeSize = u8();
    const indices = lzwDecode(subBlocks(), minCodeSize, w * h);
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const idx = indices[j * w + i];
        assert.ok(3 * idx + 2 < table.length, 'index inside the colour table');
        const o = 3 * ((y + j) * width + x + i);
        screen[o] = table[3 * idx];
        screen[o + 1] = table[3 * idx + 1];
        screen[o + 2] = table[3 * idx + 2];
      }
    }
    result.frames.push({ delayCs, rect: [x, y, w, h], rgb: screen.slice() });
  }
  assert.equal(p, gif.length, 'nothing after the trailer');
  return result;
}
