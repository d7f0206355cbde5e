// What a server checks in a frame's bytes before decoding it (PROTOCOL.md, section 1): plain
// msgpack only — no extension type (msgpackr would otherwise build Dates, Sets, typed arrays,
// records, and structured-clone references that make cycles and shared subtrees out of a
// few bytes) — string map keys, at most MAX_DEPTH nested arrays/maps and MAX_VALUES values,
// and nothing after the one message. One loop over the bytes with a fixed-size stack, so
// neither a deep nor a wide frame can recurse or allocate; bin and str payloads are skipped,
// never read.

/** Arrays/maps nested in one frame, the top-level map counting as one. */
export const MAX_DEPTH = 32;
/** msgpack values in one frame, map keys included (an NDArray's bin counts one). */
export const MAX_VALUES = 65_536;

// Reused by every scan (scans are synchronous and never nest).
const remaining = new Float64Array(MAX_DEPTH + 1);
const isMap = new Uint8Array(MAX_DEPTH + 1);

function isStrHeader(t: number): boolean {
  return (t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb;
}

/**
 * Why `bytes` is not one plain msgpack value within the bounds, or null when it is. The
 * reason is a short fixed text (it never quotes the frame).
 */
export function scanFrame(bytes: Uint8Array, maxDepth = MAX_DEPTH, maxValues = MAX_VALUES): string | null {
  if (maxDepth > MAX_DEPTH) throw new RangeError(`maxDepth is at most ${MAX_DEPTH}`);
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let depth = 0;
  let values = 0;
  remaining[0] = 1;
  isMap[0] = 0;
  for (;;) {
    while (depth > 0 && remaining[depth] === 0) depth--;
    if (remaining[depth] === 0) break;
    const key = isMap[depth] === 1 && remaining[depth] % 2 === 0;
    remaining[depth]--;
    if (pos >= n) return 'the frame ends inside a value (truncated msgpack)';
    if (++values > maxValues) return `more than ${maxValues} msgpack values in one frame`;
    const t = bytes[pos++];
    if (key && !isStrHeader(t)) return 'a map key is not a string';
    let skip = 0; // payload bytes after the header
    let children = -1; // entries of an array/map header
    let map = false;
    if (t < 0x80 || t >= 0xe0) {
      // fixint
    } else if (t < 0x90) {
      children = t & 0x0f;
      map = true;
    } else if (t < 0xa0) {
      children = t & 0x0f;
    } else if (t < 0xc0) {
      skip = t & 0x1f;
    } else {
      const lenBytes = t === 0xc4 || t === 0xd9 ? 1 : t === 0xc5 || t === 0xda || t === 0xdc || t === 0xde ? 2 : t === 0xc6 || t === 0xdb || t === 0xdd || t === 0xdf ? 4 : 0;
      if (lenBytes > 0) {
        if (pos + lenBytes > n) return 'the frame ends inside a value (truncated msgpack)';
        const len = lenBytes === 1 ? bytes[pos] : lenBytes === 2 ? view.getUint16(pos) : view.getUint32(pos);
        pos += lenBytes;
        if (t >= 0xdc) {
          children = len;
          map = t >= 0xde;
        } else skip = len;
      } else {
        switch (t) {
          case 0xc0: // nil
          case 0xc2: // false
          case 0xc3: // true
            break;
          case 0xcc:
          case 0xd0:
            skip = 1;
            break;
          case 0xcd:
          case 0xd1:
            skip = 2;
            break;
          case 0xca:
          case 0xce:
          case 0xd2:
            skip = 4;
            break;
          case 0xcb:
          case 0xcf:
          case 0xd3:
            skip = 8;
            break;
          case 0xc1:
            return 'byte 0xc1 is not msgpack';
          default:
            // 0xc7-0xc9 ext 8/16/32, 0xd4-0xd8 fixext 1/2/4/8/16
            return 'msgpack extension types are not accepted (plain msgpack only)';
        }
      }
    }
    if (skip > 0) {
      if (pos + skip > n) return 'the frame ends inside a value (truncated msgpack)';
      pos += skip;
    }
    if (children >= 0) {
      if (depth + 1 > maxDepth) return `arrays/maps nested more than ${maxDepth} deep`;
      const items = map ? 2 * children : children;
      if (items > maxValues - values) return `more than ${maxValues} msgpack values in one frame`;
      depth++;
      remaining[depth] = items;
      isMap[depth] = map ? 1 : 0;
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
for (const [t, size] of [[0xc0, 1], [0xc2, 1], [0xc3, 1], [0xca, 5], [0xcb, 9], [0xcc, 2], [0xcd, 3], [0xce, 5], [0xcf, 9],
  [0xd0, 2], [0xd1, 3], [0xd2, 5], [0xd3, 9], [0xd4, 3], [0xd5, 4], [0xd6, 6], [0xd7, 10], [0xd8, 18]]) FIXED_SIZE[t] = size;
for (const [t, bytes] of [[0xc4, 1], [0xc5, 2], [0xc6, 4], [0xc7, 1], [0xc8, 2], [0xc9, 4], [0xd9, 1], [0xda, 2], [0xdb, 4],
  [0xdc, 2], [0xdd, 4], [0xde, 2], [0xdf, 4]]) LENGTH_BYTES[t] = bytes;

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
