// What a server checks in a frame's bytes before decoding it (PROTOCOL.md, section 1): plain
// msgpack only — no extension type (msgpackr would otherwise build Dates, Sets, typed arrays,
// records, and structured-clone references that make cycles and shared subtrees out of a
// few bytes) — string map keys, each at most once per map (decoders disagree on which of two
// equal keys wins, so a proxy and the server could read one frame as two different requests),
// at most MAX_DEPTH nested arrays/maps and MAX_VALUES values, and nothing after the one
// message. One loop over the bytes with fixed-size stacks, so neither a deep nor a wide frame
// can recurse; bin and str values are skipped, never read (map keys are hashed).

/** Arrays/maps nested in one frame, the top-level map counting as one. */
export const MAX_DEPTH = 32;
/** msgpack values in one frame, map keys included (an NDArray's bin counts one). */
export const MAX_VALUES = 65_536;

// Reused by every scan (scans are synchronous and never nest).
// Int32 suffices: a count is checked against MAX_VALUES before it is stored.
const remaining = new Int32Array(MAX_DEPTH + 1);
const isMap = new Uint8Array(MAX_DEPTH + 1);
// The keys of the maps being scanned, innermost map's last: where each starts, its length and
// a hash of its bytes; keyBase[d] is where the keys of the map at depth d begin.
const keyStart = new Int32Array(MAX_VALUES);
const keyLength = new Int32Array(MAX_VALUES);
const keyHash = new Int32Array(MAX_VALUES);
const keyBase = new Int32Array(MAX_DEPTH + 1);
let keyTop = 0;

// What the first byte of a value says, as a table so the loop is one lookup per value.
const FIXED = 0; // payload of SKIP[t] bytes (0 for fixint, nil, booleans)
const FIXSTR = 1;
const LEN = 2; // str/bin with a LEN_BYTES[t]-byte length
const FIXARRAY = 3;
const FIXMAP = 4;
const ARRAY = 5; // array16/32: LEN_BYTES[t]-byte count
const MAP = 6;
const EXT = 7;
const NEVER = 8; // 0xc1
const KIND = new Uint8Array(256);
const SKIP = new Uint8Array(256);
const LEN_BYTES = new Uint8Array(256);
const IS_STR = new Uint8Array(256);
for (let t = 0; t < 256; t++) {
  if (t < 0x80 || t >= 0xe0) KIND[t] = FIXED;
  else if (t < 0x90) KIND[t] = FIXMAP;
  else if (t < 0xa0) KIND[t] = FIXARRAY;
  else if (t < 0xc0) KIND[t] = FIXSTR;
  else KIND[t] = EXT; // 0xc7-0xc9, 0xd4-0xd8; the rest are set below
  IS_STR[t] = (t >= 0xa0 && t < 0xc0) || t === 0xd9 || t === 0xda || t === 0xdb ? 1 : 0;
}
KIND[0xc1] = NEVER;
for (const [t, skip] of [
  [0xc0, 0],
  [0xc2, 0],
  [0xc3, 0],
  [0xcc, 1],
  [0xd0, 1],
  [0xcd, 2],
  [0xd1, 2],
  [0xca, 4],
  [0xce, 4],
  [0xd2, 4],
  [0xcb, 8],
  [0xcf, 8],
  [0xd3, 8],
]) {
  KIND[t] = FIXED;
  SKIP[t] = skip;
}
for (const [t, kind, bytes] of [
  [0xc4, LEN, 1],
  [0xc5, LEN, 2],
  [0xc6, LEN, 4],
  [0xd9, LEN, 1],
  [0xda, LEN, 2],
  [0xdb, LEN, 4],
  [0xdc, ARRAY, 2],
  [0xdd, ARRAY, 4],
  [0xde, MAP, 2],
  [0xdf, MAP, 4],
]) {
  KIND[t] = kind;
  LEN_BYTES[t] = bytes;
}

const TRUNCATED = 'the frame ends inside a value (truncated msgpack)';
const DUPLICATE_KEY = 'a map has the same key twice';

/** FNV-1a over bytes[start, start + length). */
function hashBytes(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

function sameKey(bytes: Uint8Array, a: number, b: number): boolean {
  if (keyHash[a] !== keyHash[b] || keyLength[a] !== keyLength[b]) return false;
  const sa = keyStart[a];
  const sb = keyStart[b];
  for (let i = 0; i < keyLength[a]; i++) if (bytes[sa + i] !== bytes[sb + i]) return false;
  return true;
}

/** Whether keys [from, keyTop) hold two equal ones (few: each pair; many: sorted by hash, neighbours). */
function hasDuplicateKey(bytes: Uint8Array, from: number): boolean {
  const count = keyTop - from;
  if (count <= 16) {
    for (let a = from; a < keyTop; a++) for (let b = a + 1; b < keyTop; b++) if (sameKey(bytes, a, b)) return true;
    return false;
  }
  const order = Array.from({ length: count }, (_, i) => from + i).sort((a, b) => keyHash[a] - keyHash[b]);
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count && keyHash[order[j]] === keyHash[order[i]]; j++) if (sameKey(bytes, order[i], order[j])) return true;
  }
  return false;
}

function pushKey(bytes: Uint8Array, start: number, length: number): void {
  keyStart[keyTop] = start;
  keyLength[keyTop] = length;
  keyHash[keyTop] = hashBytes(bytes, start, length);
  keyTop++;
}

/**
 * Why `bytes` is not one plain msgpack value within the bounds, or null when it is. The
 * reason is a short fixed text (it never quotes the frame).
 */
export function scanFrame(bytes: Uint8Array, maxDepth = MAX_DEPTH, maxValues = MAX_VALUES): string | null {
  if (maxDepth > MAX_DEPTH) throw new RangeError(`maxDepth is at most ${MAX_DEPTH}`);
  const n = bytes.length;
  let pos = 0;
  let depth = 0;
  let values = 0;
  remaining[0] = 1;
  isMap[0] = 0;
  keyTop = 0;
  for (;;) {
    while (depth > 0 && remaining[depth] === 0) {
      if (isMap[depth] === 1) {
        if (hasDuplicateKey(bytes, keyBase[depth])) return DUPLICATE_KEY;
        keyTop = keyBase[depth];
      }
      depth--;
    }
    if (remaining[depth] === 0) break;
    const left = remaining[depth]--;
    if (pos >= n) return TRUNCATED;
    if (++values > maxValues) return `more than ${maxValues} msgpack values in one frame`;
    const t = bytes[pos++];
    // In a map, the entry count is even before each key.
    const isKey = isMap[depth] === 1 && (left & 1) === 0;
    if (isKey && IS_STR[t] === 0) return 'a map key is not a string';
    let children = -1;
    switch (KIND[t]) {
      case FIXED:
        pos += SKIP[t];
        break;
      case FIXSTR:
        if (isKey) pushKey(bytes, pos, t & 0x1f);
        pos += t & 0x1f;
        break;
      case FIXARRAY:
        children = t & 0x0f;
        break;
      case FIXMAP:
        children = 2 * (t & 0x0f);
        break;
      case LEN:
      case ARRAY:
      case MAP: {
        const lb = LEN_BYTES[t];
        if (pos + lb > n) return TRUNCATED;
        const len =
          lb === 1
            ? bytes[pos]
            : lb === 2
              ? (bytes[pos] << 8) | bytes[pos + 1]
              : bytes[pos] * 0x1000000 + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3]);
        pos += lb;
        if (isKey && pos + len <= n) pushKey(bytes, pos, len);
        if (KIND[t] === LEN) pos += len;
        else children = KIND[t] === MAP ? 2 * len : len;
        break;
      }
      case EXT:
        return 'msgpack extension types are not accepted (plain msgpack only)';
      default:
        return 'byte 0xc1 is not msgpack';
    }
    if (pos > n) return TRUNCATED;
    if (children >= 0) {
      if (depth + 1 > maxDepth) return `arrays/maps nested more than ${maxDepth} deep`;
      if (children > maxValues - values) return `more than ${maxValues} msgpack values in one frame`;
      depth++;
      remaining[depth] = children;
      isMap[depth] = KIND[t] === MAP || KIND[t] === FIXMAP ? 1 : 0;
      keyBase[depth] = keyTop;
    }
  }
  if (pos !== n) return 'bytes after the end of the message';
  return null;
}

// ---- the id of a frame that was refused -----------------------------------------------------

/** Size of values whose size the first byte gives (nil, bools, numbers, fixext); 0 for the rest. */
const FIXED_SIZE = new Uint8Array(256);
/** Bytes of the length field of bin, str, ext, array16/32, map16/32; 0 for the rest. */
const LENGTH_BYTES = new Uint8Array(256);
for (const [t, size] of [
  [0xc0, 1],
  [0xc2, 1],
  [0xc3, 1],
  [0xca, 5],
  [0xcb, 9],
  [0xcc, 2],
  [0xcd, 3],
  [0xce, 5],
  [0xcf, 9],
  [0xd0, 2],
  [0xd1, 3],
  [0xd2, 5],
  [0xd3, 9],
  [0xd4, 3],
  [0xd5, 4],
  [0xd6, 6],
  [0xd7, 10],
  [0xd8, 18],
])
  FIXED_SIZE[t] = size;
for (const [t, bytes] of [
  [0xc4, 1],
  [0xc5, 2],
  [0xc6, 4],
  [0xc7, 1],
  [0xc8, 2],
  [0xc9, 4],
  [0xd9, 1],
  [0xda, 2],
  [0xdb, 4],
  [0xdc, 2],
  [0xdd, 4],
  [0xde, 2],
  [0xdf, 4],
])
  LENGTH_BYTES[t] = bytes;

/** Whether the value at `pos` is the string "id" (in any str format). */
function isIdKey(bytes: Uint8Array, pos: number): boolean {
  const t = bytes[pos];
  const at = t === 0xa2 ? pos + 1 : t === 0xd9 && bytes[pos + 1] === 2 ? pos + 2 : -1;
  return at > 0 && bytes[at] === 0x69 && bytes[at + 1] === 0x64;
}

/** Header of the value at `pos`: how many bytes to skip and how many values it contains; null when unreadable. */
function header(bytes: Uint8Array, view: DataView, pos: number): { size: number; items: number } | null {
  const n = bytes.length;
  if (pos >= n) return null;
  const t = bytes[pos];
  const need = (k: number) => (pos + k <= n ? k : -1);
  if (t < 0x80 || t >= 0xe0) return { size: 1, items: 0 };
  if (t < 0x90) return { size: 1, items: 2 * (t & 0x0f) };
  if (t < 0xa0) return { size: 1, items: t & 0x0f };
  if (t < 0xc0) return need(1 + (t & 0x1f)) < 0 ? null : { size: 1 + (t & 0x1f), items: 0 };
  const f = FIXED_SIZE[t];
  if (f > 0) return need(f) < 0 ? null : { size: f, items: 0 };
  const lb = LENGTH_BYTES[t];
  if (lb === 0 || need(1 + lb) < 0) return null; // 0xc1
  const len = lb === 1 ? bytes[pos + 1] : lb === 2 ? view.getUint16(pos + 1) : view.getUint32(pos + 1);
  if (t >= 0xdc) return { size: 1 + lb, items: t >= 0xde ? 2 * len : len };
  const ext = t >= 0xc7 && t <= 0xc9 ? 1 : 0; // the ext type byte
  const size = 1 + lb + ext + len;
  return need(size) < 0 ? null : { size, items: 0 };
}

/** Position after the value at `pos` (any msgpack, extensions included), or -1. One counter, no stack. */
function skipValue(bytes: Uint8Array, view: DataView, pos: number): number {
  let pending = 1;
  while (pending > 0) {
    const h = header(bytes, view, pos);
    if (h === null) return -1;
    pos += h.size;
    pending += h.items - 1;
  }
  return pos;
}

/** A msgpack integer (or integral float) in [0, 2^53 - 1] at `pos`, else null. */
function readId(bytes: Uint8Array, view: DataView, pos: number): number | null {
  const t = bytes[pos];
  let v: number;
  if (t < 0x80) v = t;
  else if (t === 0xcc) v = bytes[pos + 1];
  else if (t === 0xcd) v = view.getUint16(pos + 1);
  else if (t === 0xce) v = view.getUint32(pos + 1);
  else if (t === 0xcf) v = Number(view.getBigUint64(pos + 1));
  else if (t === 0xd0) v = view.getInt8(pos + 1);
  else if (t === 0xd1) v = view.getInt16(pos + 1);
  else if (t === 0xd2) v = view.getInt32(pos + 1);
  else if (t === 0xd3) v = Number(view.getBigInt64(pos + 1));
  else if (t === 0xca) v = view.getFloat32(pos + 1);
  else if (t === 0xcb) v = view.getFloat64(pos + 1);
  else return null;
  return Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/**
 * The `id` of a frame whose top level is a map, read without decoding the rest: the last
 * `id` entry before the first unreadable byte, when it is an integer in [0, 2^53 - 1].
 * Extension values and deep nesting are skipped over, so a refused frame is still answered
 * with its id. Null when there is none.
 */
export function peekId(bytes: Uint8Array): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const top = header(bytes, view, 0);
  const t = bytes[0];
  if (top === null || !((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)) return null;
  let pos = top.size;
  let id: number | null = null;
  for (let entry = 0; entry < top.items / 2; entry++) {
    const idKey = isIdKey(bytes, pos);
    pos = skipValue(bytes, view, pos);
    if (pos < 0) break;
    const end = skipValue(bytes, view, pos);
    if (end < 0) break;
    if (idKey) id = readId(bytes, view, pos);
    pos = end;
  }
  return id;
}
