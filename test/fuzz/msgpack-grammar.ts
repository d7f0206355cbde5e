// fast-check arbitraries for msgpack values written as bytes, from the whole grammar: every
// format of every type (fixint to uint64, float32 and float64 with NaN/±Infinity/-0, fixstr
// to str32 with invalid UTF-8, bin8-32, fixarray to array32, fixmap to map32 with non-string
// keys), every extension format with any type byte, the unused byte 0xc1, nesting far past
// the server's bound, and msgpackr structured-clone frames (shared subtrees and cycles).
// Each value says what a server must make of it: `hostile` names why a conforming server
// refuses any frame holding it (null: plain msgpack within the bounds), `asId` is its value
// as a request id when it is one.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { MAX_DEPTH } from '../../protocol/msgpack-scan.ts';
import { EXT_FORMATS, FIXEXT_SIZE, NIL, arrayHeader, concat, ext, mapHeader, nested, type Bytes } from '../server/msgpack-bytes.ts';

export type Hostility = 'extension type' | 'structured clone' | 'byte 0xc1' | 'non-string key';

export interface Gen {
  readonly bytes: Bytes;
  /** Why a server refuses a frame holding this value; null when it is plain msgpack within the bounds. */
  readonly hostile: Hostility | null;
  /** Nesting depth of arrays/maps (0 for a scalar). */
  readonly depth: number;
  /** The value as a request id (an integer in [0, 2^53 - 1]), or null. */
  readonly asId: number | null;
}

const plain = (bytes: Bytes, asId: number | null = null): Gen => ({ bytes, hostile: null, depth: 0, asId });

function be(bits: 8 | 16 | 32 | 64, n: number | bigint, signed: boolean): Bytes {
  const out = new Uint8Array(bits / 8);
  const v = new DataView(out.buffer);
  if (bits === 8) signed ? v.setInt8(0, Number(n)) : v.setUint8(0, Number(n));
  else if (bits === 16) signed ? v.setInt16(0, Number(n)) : v.setUint16(0, Number(n));
  else if (bits === 32) signed ? v.setInt32(0, Number(n)) : v.setUint32(0, Number(n));
  else signed ? v.setBigInt64(0, BigInt(n)) : v.setBigUint64(0, BigInt(n));
  return out;
}

const idOf = (n: number | bigint): number | null => {
  const x = Number(n);
  return Number.isSafeInteger(x) && x >= 0 && BigInt(x) === BigInt(n) ? x : null;
};
const idOfFloat = (x: number): number | null => (Number.isSafeInteger(x) && x >= 0 ? x : null);

const interesting = [0, 1, 2, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2];

/** Every integer format, each with values that fit it and values at its edges. */
const integer: fc.Arbitrary<Gen> = fc.oneof(
  fc.integer({ min: 0, max: 127 }).map((n) => plain(Uint8Array.of(n), n)),
  fc.integer({ min: -32, max: -1 }).map((n) => plain(Uint8Array.of(n & 0xff))),
  fc.integer({ min: 0, max: 255 }).map((n) => plain(concat([[0xcc], be(8, n, false)]), n)),
  fc.integer({ min: 0, max: 65535 }).map((n) => plain(concat([[0xcd], be(16, n, false)]), n)),
  fc.oneof(fc.constantFrom(...interesting.filter((n) => n < 2 ** 32)), fc.nat()).map((n) => plain(concat([[0xce], be(32, n, false)]), n)),
  fc
    .oneof(fc.constantFrom(...interesting).map(BigInt), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
    .map((n) => plain(concat([[0xcf], be(64, n, false)]), idOf(n))),
  fc.integer({ min: -128, max: 127 }).map((n) => plain(concat([[0xd0], be(8, n, true)]), idOf(n))),
  fc.integer({ min: -32768, max: 32767 }).map((n) => plain(concat([[0xd1], be(16, n, true)]), idOf(n))),
  fc.integer().map((n) => plain(concat([[0xd2], be(32, n, true)]), idOf(n))),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => plain(concat([[0xd3], be(64, n, true)]), idOf(n))),
);

const float: fc.Arbitrary<Gen> = fc.oneof(
  fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1, 2 ** 53, 2 ** 64, 1.5)).map((x) => {
    const b = new Uint8Array(9);
    b[0] = 0xcb;
    new DataView(b.buffer).setFloat64(1, x);
    return plain(b, idOfFloat(x));
  }),
  fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity, 3)).map((x) => {
    const b = new Uint8Array(5);
    b[0] = 0xca;
    new DataView(b.buffer).setFloat32(1, x);
    return plain(b, idOfFloat(Math.fround(x)));
  }),
);

/** Text in every str format: real words of the protocol, arbitrary Unicode, invalid UTF-8, long strings. */
const strPayload: fc.Arbitrary<Bytes> = fc.oneof(
  fc
    .constantFrom(
      'id',
      'op',
      'step',
      'reset',
      'make',
      'hello',
      'handle',
      'action',
      'dtype',
      'shape',
      'data',
      'float32',
      'int32',
      'CartPole-v1',
      '__proto__',
      'constructor',
      '',
    )
    .map((s) => Buffer.from(s)),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 40 }),
  fc.integer({ min: 100, max: 20_000 }).map((n) => Buffer.alloc(n, 0x61)),
);
const str: fc.Arbitrary<Gen> = fc.tuple(strPayload, fc.constantFrom('fix', 'str8', 'str16', 'str32')).map(([p, f]) => {
  const format = f === 'fix' && p.length > 31 ? 'str16' : f === 'str8' && p.length > 255 ? 'str16' : f;
  const head =
    format === 'fix'
      ? [0xa0 | p.length]
      : format === 'str8'
        ? [0xd9, p.length]
        : format === 'str16'
          ? [0xda, ...be(16, p.length, false)]
          : [0xdb, ...be(32, p.length, false)];
  return plain(concat([head, p]));
});

const bin: fc.Arbitrary<Gen> = fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0xc4, 0xc5, 0xc6)).map(([p, t]) => {
  const format = t === 0xc4 && p.length > 255 ? 0xc5 : t;
  const len = format === 0xc4 ? [p.length] : format === 0xc5 ? [...be(16, p.length, false)] : [...be(32, p.length, false)];
  return plain(concat([[format], len, p]));
});

const scalar: fc.Arbitrary<Gen> = fc.oneof(
  { arbitrary: fc.constantFrom(NIL, Uint8Array.of(0xc2), Uint8Array.of(0xc3)).map((b) => plain(b)), weight: 2 },
  { arbitrary: integer, weight: 4 },
  { arbitrary: float, weight: 2 },
  { arbitrary: str, weight: 3 },
  { arbitrary: bin, weight: 2 },
);

/** Any extension format with any type byte (msgpackr's own ones more often). */
const extension: fc.Arbitrary<Gen> = fc
  .tuple(
    fc.constantFrom(...EXT_FORMATS),
    fc.oneof(fc.constantFrom(0x00, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff), fc.integer({ min: 0, max: 255 })),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([format, type, data]) => {
    const size = FIXEXT_SIZE[format];
    const payload = size === undefined ? data : Uint8Array.from({ length: size }, (_, i) => data[i] ?? 0);
    return { bytes: ext(format, type, payload), hostile: 'extension type', depth: 0, asId: null };
  });

const clonePackr = new Packr({ structuredClone: true, useRecords: false });

/** A graph msgpackr encodes with shared references: a DAG of 2^levels leaves (from 2 levels on, a subtree is shared), or a cycle. */
const structuredClone: fc.Arbitrary<Gen> = fc
  .tuple(fc.integer({ min: 2, max: 60 }), fc.boolean(), fc.boolean())
  .map(([levels, maps, cycle]) => {
    let x: unknown = 1;
    for (let i = 0; i < levels; i++) x = maps ? { a: x, b: x } : [x, x];
    if (cycle) {
      const loop: unknown[] = [x];
      loop.push(loop);
      x = loop;
    }
    return { bytes: clonePackr.pack(x), hostile: 'structured clone', depth: 0, asId: null };
  });

/** Nesting from just under the bound to far past it. */
const deep: fc.Arbitrary<Gen> = fc.tuple(fc.integer({ min: MAX_DEPTH - 3, max: 20_000 }), fc.boolean()).map(([depth, maps]) => ({
  bytes: nested(depth, NIL, maps),
  hostile: null, // refused or not depending on where it sits: refusedInField
  depth,
  asId: null,
}));

function combine(header: number[], items: Gen[], mapKeys: Gen[] | null): Gen {
  const parts: Bytes[] = [];
  let hostile: Hostility | null = null;
  let depth = 0;
  items.forEach((item, i) => {
    if (mapKeys) {
      const k = mapKeys[i];
      parts.push(k.bytes);
      hostile ??= k.hostile;
      // A key that is not a str is refused by the server's scan.
      if (!isStr(k.bytes[0])) hostile ??= 'non-string key';
      depth = Math.max(depth, k.depth);
    }
    parts.push(item.bytes);
    hostile ??= item.hostile;
    depth = Math.max(depth, item.depth);
  });
  return { bytes: concat([header, ...parts]), hostile, depth: depth + 1, asId: null };
}

function isStr(t: number): boolean {
  return (t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb;
}

const arrayFormat = fc.constantFrom<'fix' | '16' | '32'>('fix', 'fix', '16', '32');
function header(kind: 'array' | 'map', n: number, format: 'fix' | '16' | '32'): number[] {
  if (format === 'fix' && n < 16) return kind === 'array' ? arrayHeader(n) : mapHeader(n);
  const base = kind === 'array' ? (format === '32' ? 0xdd : 0xdc) : format === '32' ? 0xdf : 0xde;
  return [base, ...be(format === '32' ? 32 : 16, n, false)];
}

/** Keys: mostly strings, sometimes any scalar or a container (which the server refuses). */
const key = (value: fc.Arbitrary<Gen>): fc.Arbitrary<Gen> =>
  fc.oneof({ arbitrary: str, weight: 12 }, { arbitrary: scalar, weight: 1 }, { arbitrary: value, weight: 1 });

/** Any msgpack value, hostile or not. */
export const msgpackValue: fc.Arbitrary<Gen> = fc.letrec<{ value: Gen; array: Gen; map: Gen }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalar, weight: 12 },
    { arbitrary: tie('array'), weight: 3 },
    { arbitrary: tie('map'), weight: 3 },
    { arbitrary: extension, weight: 1 },
    { arbitrary: structuredClone, weight: 1 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: fc.constant<Gen>({ bytes: Uint8Array.of(0xc1), hostile: 'byte 0xc1', depth: 0, asId: null }), weight: 1 },
  ),
  array: fc
    .tuple(fc.array(tie('value'), { maxLength: 6 }), arrayFormat)
    .map(([items, f]) => combine(header('array', items.length, f), items, null)),
  map: fc.tuple(fc.array(fc.tuple(key(tie('value')), tie('value')), { maxLength: 5 }), arrayFormat).map(([entries, f]) =>
    combine(
      header('map', entries.length, f),
      entries.map((e) => e[1]),
      entries.map((e) => e[0]),
    ),
  ),
})).value;

/**
 * Why a request whose field at `fieldDepth` (1 for a top-level field) holds `g` is refused
 * by the byte scan, or null when it is not.
 */
export function refusal(g: Gen, fieldDepth: number): Hostility | 'too deep' | null {
  return g.hostile ?? (g.depth + fieldDepth > MAX_DEPTH ? 'too deep' : null);
}
