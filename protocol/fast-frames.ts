// Hand-written msgpack for the two frames of the stepping loop: a step request and a step
// result whose action/obs are NDArrays or plain numbers — for a vector env, one result whose
// obs, reward, terminated and truncated are each one batched NDArray. The bytes are ordinary msgpack
// (fixmap, fixstr, bin, float 64) that any decoder reads; shapes outside this fast path,
// e.g. a non-empty info or a Tuple observation, go through the general encoder.
// Frames are cut from a slab that only moves forward, so a frame handed to a socket
// is never overwritten while it waits to be written.
import type { NDArray } from './schema/ndarray.ts';
import type { StepResult, VectorStepResult } from './schema/messages.ts';
import { encodeMessage } from './codec.ts';

const SLAB_SIZE = 64 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let view = new DataView(slab.buffer);
let start = 0;
let pos = 0;

function reserve(n: number): void {
  if (pos + n <= slab.length) return;
  // Move the frame begun so far to a fresh slab; the old one stays with whoever holds it.
  const begun = slab.subarray(start, pos);
  slab = new Uint8Array(Math.max(SLAB_SIZE, (begun.length + n) * 2));
  view = new DataView(slab.buffer);
  slab.set(begun, 0);
  pos = begun.length;
  start = 0;
}

function finish(): Uint8Array {
  const out = slab.subarray(start, pos);
  start = pos;
  return out;
}

function ascii(s: string): number[] {
  const out = [0xa0 | s.length];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  return out;
}
const K = (s: string) => Uint8Array.from(ascii(s));
const KEY_ID = K('id');
const KEY_OP = K('op');
const STEP = K('step');
const KEY_HANDLE = K('handle');
const KEY_ACTION = K('action');
const KEY_RESULT = K('result');
const KEY_OBS = K('obs');
const KEY_REWARD = K('reward');
const KEY_TERMINATED = K('terminated');
const KEY_TRUNCATED = K('truncated');
const KEY_INFO = K('info');
const KEY_DTYPE = K('dtype');
const KEY_SHAPE = K('shape');
const KEY_DATA = K('data');
const DTYPE_STR: Record<string, Uint8Array> = Object.fromEntries(
  ['float32', 'float64', 'int8', 'int32', 'int64', 'uint8', 'bool'].map((d) => [d, K(d)]),
);

function bytes(b: Uint8Array): void {
  slab.set(b, pos);
  pos += b.length;
}

function uint(n: number): void {
  if (n < 0x80) slab[pos++] = n;
  else if (n < 0x100) {
    slab[pos++] = 0xcc;
    slab[pos++] = n;
  } else if (n < 0x10000) {
    slab[pos++] = 0xcd;
    view.setUint16(pos, n);
    pos += 2;
  } else if (n < 0x100000000) {
    slab[pos++] = 0xce;
    view.setUint32(pos, n);
    pos += 4;
  } else {
    slab[pos++] = 0xcf;
    view.setUint32(pos, Math.floor(n / 0x100000000));
    view.setUint32(pos + 4, n >>> 0);
    pos += 8;
  }
}

function float64(x: number): void {
  slab[pos++] = 0xcb;
  view.setFloat64(pos, x);
  pos += 8;
}

/** Whether `v` is a value this module writes: an NDArray with a small shape, or a finite safe integer. */
function fastValue(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= -0x80000000 && v < 0x100000000;
  if (typeof v !== 'object' || v === null) return false;
  const a = v as NDArray;
  return a.data instanceof Uint8Array && Array.isArray(a.shape) && a.shape.length < 16 && DTYPE_STR[a.dtype] !== undefined;
}

function value(v: number | NDArray): void {
  if (typeof v === 'number') {
    if (v >= 0) uint(v);
    else if (v >= -32) slab[pos++] = v & 0xff;
    else {
      slab[pos++] = 0xd2;
      view.setInt32(pos, v);
      pos += 4;
    }
    return;
  }
  reserve(64 + v.data.length + 9 * v.shape.length);
  slab[pos++] = 0x83;
  bytes(KEY_DTYPE);
  bytes(DTYPE_STR[v.dtype]);
  bytes(KEY_SHAPE);
  slab[pos++] = 0x90 | v.shape.length;
  for (const d of v.shape) uint(d);
  bytes(KEY_DATA);
  const n = v.data.length;
  if (n < 0x100) {
    slab[pos++] = 0xc4;
    slab[pos++] = n;
  } else if (n < 0x10000) {
    slab[pos++] = 0xc5;
    view.setUint16(pos, n);
    pos += 2;
  } else {
    slab[pos++] = 0xc6;
    view.setUint32(pos, n);
    pos += 4;
  }
  slab.set(v.data, pos);
  pos += n;
}

/** {id, op: 'step', handle, action} as one frame. */
export function encodeStepRequest(id: number, handle: number, action: unknown): Uint8Array {
  if (!fastValue(action)) return encodeMessage({ id, op: 'step', handle, action });
  reserve(64);
  slab[pos++] = 0x84;
  bytes(KEY_ID);
  uint(id);
  bytes(KEY_OP);
  bytes(STEP);
  bytes(KEY_HANDLE);
  uint(handle);
  bytes(KEY_ACTION);
  value(action as number | NDArray);
  return finish();
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * {id, result: {obs, reward, terminated, truncated, info}} as one frame: a single env's
 * result (number reward, bool flags) or a vector env's (every field an NDArray).
 */
export function encodeStepResponse(id: number, result: StepResult | VectorStepResult): Uint8Array {
  if (!fastValue(result.obs) || !isEmpty(result.info)) return encodeMessage({ id, result });
  const batched = typeof result.reward !== 'number';
  if (batched && !(fastValue(result.reward) && fastValue(result.terminated) && fastValue(result.truncated))) {
    return encodeMessage({ id, result });
  }
  reserve(96);
  slab[pos++] = 0x82;
  bytes(KEY_ID);
  uint(id);
  bytes(KEY_RESULT);
  slab[pos++] = 0x85;
  bytes(KEY_OBS);
  value(result.obs as number | NDArray);
  reserve(64);
  if (batched) {
    const r = result as VectorStepResult;
    bytes(KEY_REWARD);
    value(r.reward);
    reserve(16);
    bytes(KEY_TERMINATED);
    value(r.terminated);
    reserve(16);
    bytes(KEY_TRUNCATED);
    value(r.truncated);
    reserve(16);
  } else {
    const r = result as StepResult;
    bytes(KEY_REWARD);
    float64(r.reward);
    bytes(KEY_TERMINATED);
    slab[pos++] = r.terminated ? 0xc3 : 0xc2;
    bytes(KEY_TRUNCATED);
    slab[pos++] = r.truncated ? 0xc3 : 0xc2;
  }
  bytes(KEY_INFO);
  slab[pos++] = 0x80;
  return finish();
}

// ---- reading step responses ---------------------------------------------------------------

const DTYPES_BY_KEY = Object.entries(DTYPE_STR).map(([name, key]) => ({ name, key }));

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  /** Consumes `key` if the next bytes are exactly it. */
  is(key: Uint8Array): boolean {
    const b = this.b;
    const p = this.pos;
    if (p + key.length > b.length) return false;
    for (let i = 0; i < key.length; i++) if (b[p + i] !== key[i]) return false;
    this.pos = p + key.length;
    return true;
  }
  /** A msgpack integer (positive/negative fixint, uint 8/16/32, int 8/16/32), or NaN for anything else. */
  int(): number {
    const b = this.b;
    if (this.pos >= b.length) return NaN;
    const t = b[this.pos++];
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    const p = this.pos;
    switch (t) {
      case 0xcc:
        this.pos += 1;
        return p < b.length ? b[p] : NaN;
      case 0xcd:
        this.pos += 2;
        return p + 2 <= b.length ? this.view.getUint16(p) : NaN;
      case 0xce:
        this.pos += 4;
        return p + 4 <= b.length ? this.view.getUint32(p) : NaN;
      case 0xd0:
        this.pos += 1;
        return p < b.length ? this.view.getInt8(p) : NaN;
      case 0xd1:
        this.pos += 2;
        return p + 2 <= b.length ? this.view.getInt16(p) : NaN;
      case 0xd2:
        this.pos += 4;
        return p + 4 <= b.length ? this.view.getInt32(p) : NaN;
    }
    return NaN;
  }
  bool(): boolean | null {
    const t = this.b[this.pos++];
    return t === 0xc3 ? true : t === 0xc2 ? false : null;
  }
  ndarray(): NDArray | null {
    if (this.b[this.pos++] !== 0x83 || !this.is(KEY_DTYPE)) return null;
    let dtype: string | null = null;
    for (const d of DTYPES_BY_KEY) {
      if (this.is(d.key)) {
        dtype = d.name;
        break;
      }
    }
    if (dtype === null || !this.is(KEY_SHAPE)) return null;
    const t = this.b[this.pos++];
    if ((t & 0xf0) !== 0x90) return null;
    const shape: number[] = [];
    for (let i = 0; i < (t & 0x0f); i++) {
      if (this.pos >= this.b.length) return null;
      const d = this.int();
      if (!(d >= 0)) return null;
      shape.push(d);
    }
    if (!this.is(KEY_DATA)) return null;
    const bt = this.b[this.pos++];
    const len = bt === 0xc4 ? this.int8u() : bt === 0xc5 ? this.int16u() : bt === 0xc6 ? this.int32u() : NaN;
    if (!(len >= 0) || this.pos + len > this.b.length) return null;
    const data = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return { dtype: dtype as NDArray['dtype'], shape, data };
  }
  private int8u(): number {
    return this.pos < this.b.length ? this.b[this.pos++] : NaN;
  }
  private int16u(): number {
    if (this.pos + 2 > this.b.length) return NaN;
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  private int32u(): number {
    if (this.pos + 4 > this.b.length) return NaN;
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
}

/**
 * Reads a step response laid out as encodeStepResponse writes it (NDArray or integer obs,
 * empty info; single or batched), without a general msgpack decode. Returns null for
 * anything else — another layout, an error, a non-empty info — and the caller then decodes
 * the frame normally. Bins in the result are views into `bytes`.
 */
export function decodeStepResponse(bytes: Uint8Array): { id: number; result: StepResult | VectorStepResult } | null {
  if (bytes.length < 60 || bytes[0] !== 0x82) return null;
  const r = new Reader(bytes);
  r.pos = 1;
  if (!r.is(KEY_ID)) return null;
  const id = r.int();
  if (!(id >= 0) || !r.is(KEY_RESULT) || bytes[r.pos++] !== 0x85 || !r.is(KEY_OBS)) return null;
  const t = bytes[r.pos];
  const obs = t === 0x83 ? r.ndarray() : r.int();
  if (obs === null || (typeof obs === 'number' && Number.isNaN(obs))) return null;
  if (!r.is(KEY_REWARD)) return null;
  if (bytes[r.pos] === 0x83 && typeof obs !== 'number') return decodeBatchedTail(r, id, obs);
  if (bytes[r.pos++] !== 0xcb || r.pos + 8 > bytes.length) return null;
  const reward = r.view.getFloat64(r.pos);
  r.pos += 8;
  if (!r.is(KEY_TERMINATED)) return null;
  const terminated = r.bool();
  if (terminated === null || !r.is(KEY_TRUNCATED)) return null;
  const truncated = r.bool();
  if (truncated === null || !r.is(KEY_INFO) || bytes[r.pos++] !== 0x80 || r.pos !== bytes.length) return null;
  return { id, result: { obs, reward, terminated, truncated, info: {} } };
}

/** The rest of a vector step response, from its reward NDArray on. */
function decodeBatchedTail(r: Reader, id: number, obs: NDArray): { id: number; result: VectorStepResult } | null {
  const reward = r.ndarray();
  if (reward === null || !r.is(KEY_TERMINATED) || r.b[r.pos] !== 0x83) return null;
  const terminated = r.ndarray();
  if (terminated === null || !r.is(KEY_TRUNCATED) || r.b[r.pos] !== 0x83) return null;
  const truncated = r.ndarray();
  if (truncated === null || !r.is(KEY_INFO) || r.b[r.pos++] !== 0x80 || r.pos !== r.b.length) return null;
  return { id, result: { obs, reward, terminated, truncated, info: {} } };
}

/**
 * Reads a step request laid out as encodeStepRequest writes it; null for anything else
 * (the caller then decodes the frame normally). The server still validates the result.
 */
export function decodeStepRequest(bytes: Uint8Array): { id: number; op: 'step'; handle: number; action: NDArray | number } | null {
  if (bytes.length < 24 || bytes[0] !== 0x84) return null;
  const r = new Reader(bytes);
  r.pos = 1;
  if (!r.is(KEY_ID)) return null;
  const id = r.int();
  if (!(id >= 0) || !r.is(KEY_OP) || !r.is(STEP) || !r.is(KEY_HANDLE)) return null;
  const handle = r.int();
  if (!(handle >= 0) || !r.is(KEY_ACTION) || r.pos >= bytes.length) return null;
  const action = bytes[r.pos] === 0x83 ? r.ndarray() : r.int();
  if (action === null || (typeof action === 'number' && Number.isNaN(action)) || r.pos !== bytes.length) return null;
  return { id, op: 'step', handle, action };
}
