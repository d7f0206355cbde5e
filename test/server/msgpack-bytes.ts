// msgpack written byte by byte, for frames no encoder would produce: values in a chosen
// format (map32 of one entry, float32 ids, ...), extension types, nesting deeper than any
// decoder recurses, and fields whose value is whatever bytes a test puts there.

export type Bytes = Uint8Array;

export function concat(parts: readonly (Bytes | readonly number[])[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function be(value: number, bytes: number): number[] {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** (8 * i)) & 255);
  return out;
}

/** A non-negative integer in its smallest format. */
export function uint(n: number): Bytes {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0xcc, n);
  if (n < 0x10000) return Uint8Array.of(0xcd, ...be(n, 2));
  if (n < 0x100000000) return Uint8Array.of(0xce, ...be(n, 4));
  return Uint8Array.of(0xcf, ...be(n, 8));
}

export function str(s: string): Bytes {
  const b = Buffer.from(s, 'utf8');
  const head =
    b.length < 32
      ? [0xa0 | b.length]
      : b.length < 256
        ? [0xd9, b.length]
        : b.length < 65536
          ? [0xda, ...be(b.length, 2)]
          : [0xdb, ...be(b.length, 4)];
  return concat([head, b]);
}

export function bin(b: Bytes): Bytes {
  const head = b.length < 256 ? [0xc4, b.length] : b.length < 65536 ? [0xc5, ...be(b.length, 2)] : [0xc6, ...be(b.length, 4)];
  return concat([head, b]);
}

export function arrayHeader(n: number): number[] {
  return n < 16 ? [0x90 | n] : n < 65536 ? [0xdc, ...be(n, 2)] : [0xdd, ...be(n, 4)];
}

export function mapHeader(n: number): number[] {
  return n < 16 ? [0x80 | n] : n < 65536 ? [0xde, ...be(n, 2)] : [0xdf, ...be(n, 4)];
}

export function array(items: readonly Bytes[]): Bytes {
  return concat([arrayHeader(items.length), ...items]);
}

/** A map of string keys to already-encoded values, in the given order. */
export function map(entries: readonly (readonly [string, Bytes])[]): Bytes {
  return concat([mapHeader(entries.length), ...entries.flatMap(([k, v]) => [str(k), v])]);
}

export function float64(x: number): Bytes {
  const out = new Uint8Array(9);
  out[0] = 0xcb;
  new DataView(out.buffer).setFloat64(1, x);
  return out;
}

export const NIL = Uint8Array.of(0xc0);

/** An extension value of `type` with `data` in the given format (fixext sizes must match `data`). */
export function ext(format: ExtFormat, type: number, data: Bytes): Bytes {
  const t = type & 255;
  switch (format) {
    case 'fixext1':
      return concat([[0xd4, t], data]);
    case 'fixext2':
      return concat([[0xd5, t], data]);
    case 'fixext4':
      return concat([[0xd6, t], data]);
    case 'fixext8':
      return concat([[0xd7, t], data]);
    case 'fixext16':
      return concat([[0xd8, t], data]);
    case 'ext8':
      return concat([[0xc7, data.length, t], data]);
    case 'ext16':
      return concat([[0xc8, ...be(data.length, 2), t], data]);
    case 'ext32':
      return concat([[0xc9, ...be(data.length, 4), t], data]);
  }
}
export type ExtFormat = 'fixext1' | 'fixext2' | 'fixext4' | 'fixext8' | 'fixext16' | 'ext8' | 'ext16' | 'ext32';
export const EXT_FORMATS: readonly ExtFormat[] = ['fixext1', 'fixext2', 'fixext4', 'fixext8', 'fixext16', 'ext8', 'ext16', 'ext32'];
export const FIXEXT_SIZE: Record<string, number> = { fixext1: 1, fixext2: 2, fixext4: 4, fixext8: 8, fixext16: 16 };

/** `depth` arrays (or maps with key "a") nested around `leaf`. */
export function nested(depth: number, leaf: Bytes, asMaps = false): Bytes {
  const open = asMaps ? [0x81, 0xa1, 0x61] : [0x91];
  const out = new Uint8Array(open.length * depth + leaf.length);
  for (let i = 0; i < depth; i++) out.set(open, i * open.length);
  out.set(leaf, open.length * depth);
  return out;
}
