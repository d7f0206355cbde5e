// The server side of a vector env handle: a SyncVectorEnv (copy: false, so its batched
// buffers are reused every step) plus the wire descriptors of those buffers, built once.
// A step checks the batched action, steps every sub-env, and hands back NDArrays that are
// views of the env's own buffers: the response is encoded from them before the next step
// can overwrite them, so nothing is copied until the bytes go into the frame.
import type { Env, TypedArray } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvSpec } from '../protocol/schema/env-spec.ts';
import type { NDArray } from '../protocol/schema/ndarray.ts';
import type { VectorStepResult as WireVectorStep, ResetResult as WireReset } from '../protocol/schema/messages.ts';
import type { ErrorCode } from '../protocol/schema/errors.ts';
import { GymwireError } from '../protocol/errors.ts';
import { bytesPerElement, decodeArray, encodeArray, looksLikeNDArray } from '../protocol/ndarray.ts';
import { batchLayout, type BatchLayout, type VectorInfo, type VectorSeed } from '../protocol/vector-api.ts';
import { preview, previewList } from '../protocol/preview.ts';
import { SLICE_MS, Sliced } from './scheduler.ts';
import { SyncVectorEnv } from '../envs/vector/sync-vector-env.ts';
import { columnKind } from '../envs/vector/batched-info.ts';

export interface VectorState {
  readonly vec: SyncVectorEnv;
  readonly numEnvs: number;
  readonly obsLayout: BatchLayout;
  readonly actLayout: BatchLayout;
  /** [numEnvs, ...item shape] */
  readonly obsShape: number[];
  readonly actShape: number[];
  /** The step result handed to the encoder; its NDArrays view the env's buffers. */
  readonly result: WireVectorStep;
  /** Discrete actions land here (as int32) whatever integer dtype the client sent. */
  readonly discreteActions: Int32Array | null;
  /** How long the last step / reset took to run (ms, not counting waits between its parts). */
  stepMs: number;
  resetMs: number;
}

/**
 * A step or reset whose last run took less than this (ms) is run whole: cheap sub-envs then
 * pay no clock read each. Well under a slice, so the autoresets a step may include cannot
 * make it long either (a sub-env whose step is this cheap resets cheaply too).
 */
const RUN_WHOLE_UNDER_MS = SLICE_MS / 8;

/** Runs `part(deadline)` in parts, whole when the last run was cheap; records the time spent in `record`. */
function timedParts<T>(lastMs: number, part: (deadline: number) => T | null, record: (ms: number) => void): (deadline: number) => T | null {
  let spent = 0;
  return (deadline) => {
    const t0 = performance.now();
    const r = part(lastMs < RUN_WHOLE_UNDER_MS ? Infinity : deadline);
    spent += performance.now() - t0;
    if (r !== null) record(spent);
    return r;
  };
}

const INTEGER_DTYPES = new Set(['int8', 'int32', 'int64', 'uint8']);

/** Builds numEnvs envs with `makeOne` into a vector env; closes what was built if any fails. */
export function makeVectorState(makeOne: () => Env, numEnvs: number): VectorState {
  return buildVectorState(makeOne, numEnvs).run(Infinity)!;
}

/**
 * makeVectorState in parts (server/scheduler.ts): sub-envs are made until the deadline, the
 * vector env is put together once all exist. A failure or cancel() closes what was built.
 */
export function buildVectorState(makeOne: () => Env, numEnvs: number): Sliced<VectorState> {
  const built: Env[] = [];
  const closeBuilt = () => {
    for (const env of built.splice(0)) {
      try {
        env.close();
      } catch {
        // already failing or abandoned; the first error is the one to report
      }
    }
  };
  const run = (deadline: number): VectorState | null => {
    let vec: SyncVectorEnv;
    try {
      while (built.length < numEnvs) {
        built.push(makeOne());
        if (deadline !== Infinity && built.length < numEnvs && performance.now() >= deadline) return null;
      }
      vec = new SyncVectorEnv(
        built.map((env) => () => env),
        { copy: false },
      );
    } catch (e) {
      closeBuilt();
      throw e;
    }
    built.length = 0;
    return vectorStateOf(vec, numEnvs);
  };
  return new Sliced(run, closeBuilt);
}

function vectorStateOf(vec: SyncVectorEnv, numEnvs: number): VectorState {
  const obsLayout = batchLayout(vec.singleObservationSpace);
  const actLayout = batchLayout(vec.singleActionSpace);
  const obsShape = [numEnvs, ...obsLayout.itemShape];
  const empty = new Uint8Array(0);
  return {
    vec,
    numEnvs,
    obsLayout,
    actLayout,
    obsShape,
    actShape: [numEnvs, ...actLayout.itemShape],
    result: {
      obs: { dtype: obsLayout.dtype, shape: obsShape, data: empty },
      reward: { dtype: 'float64', shape: [numEnvs], data: empty },
      terminated: { dtype: 'bool', shape: [numEnvs], data: empty },
      truncated: { dtype: 'bool', shape: [numEnvs], data: empty },
      info: {},
    },
    discreteActions: vec.singleActionSpace.type === 'Discrete' ? new Int32Array(numEnvs) : null,
    // Unknown until measured: the first step and reset run in parts.
    stepMs: Infinity,
    resetMs: Infinity,
  };
}

/** Bytes of a reset or step answer's batched observation, for the memory budget's check before a reset. */
function batchedObsBytes(state: VectorState): number {
  return state.numEnvs * state.obsLayout.itemSize * bytesPerElement(state.obsLayout.dtype);
}

/**
 * A vector env as the request handlers see it: in this thread (LocalVector) or in a worker
 * thread (server/vector-workers.ts). Its reset and step run in parts (server/scheduler.ts).
 */
export interface VectorHost {
  /** True when its sub-envs live in this thread's heap (the memory budget waits for their collection). */
  readonly inThisThread: boolean;
  /** Elsewhere: calls `fn` once the memory of the closed env is collected there (call before close()). */
  onMemoryFreed?(fn: () => void): void;
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly spec: EnvSpec | null;
  /** Bytes of a reset answer's batched observations, checked against the memory budget first. */
  readonly obsBytes: number;
  reset(seed: VectorSeed | null, options: Record<string, unknown> | null): Sliced<WireReset>;
  /** Checks the batched action (invalid_action, before anything runs) and steps every sub-env. */
  step(action: unknown): Sliced<WireVectorStep>;
  close(): void;
}

/** A vector env in this thread. */
export class LocalVector implements VectorHost {
  readonly inThisThread = true;
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly spec: EnvSpec | null;
  readonly obsBytes: number;

  constructor(readonly state: VectorState) {
    this.numEnvs = state.numEnvs;
    this.singleObservationSpace = state.vec.singleObservationSpace;
    this.singleActionSpace = state.vec.singleActionSpace;
    this.spec = state.vec.spec;
    this.obsBytes = batchedObsBytes(state);
  }

  reset(seed: VectorSeed | null, options: Record<string, unknown> | null): Sliced<WireReset> {
    return vectorResetSliced(this.state, seed, options);
  }

  step(action: unknown): Sliced<WireVectorStep> {
    return vectorStepSliced(this.state, batchedActionFromWire(this.state, action));
  }

  close(): void {
    this.state.vec.close();
  }
}

function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Points `wire.data` at `array`'s memory unless it already does (the env reuses its buffers). */
function viewInto(wire: NDArray, array: TypedArray): void {
  const d = wire.data;
  if (d.buffer !== array.buffer || d.byteOffset !== array.byteOffset || d.byteLength !== array.byteLength) wire.data = bytesOf(array);
}

function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new GymwireError(code, message, { path: 'action', ...details });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The batched action of a step request, checked against numEnvs x the single action
 * space: an NDArray [numEnvs, ...shape] of the space's dtype (Box), of any integer dtype
 * (Discrete [numEnvs], MultiDiscrete), int8/uint8/bool (MultiBinary); for Discrete also a
 * plain array of numEnvs integers. Throws invalid_action naming the first bad sub-env.
 */
export function batchedActionFromWire(state: VectorState, wire: unknown): TypedArray {
  const space: Space = state.vec.singleActionSpace;
  const n = state.numEnvs;
  if (space.type === 'Discrete') {
    const out = state.discreteActions!;
    let values: ArrayLike<number | bigint>;
    if (Array.isArray(wire)) {
      if (wire.length !== n) fail('invalid_action', `action: ${wire.length} values for ${n} sub-envs`);
      values = wire as number[];
    } else {
      const w = ndarray(wire);
      if (!INTEGER_DTYPES.has(w.dtype)) fail('invalid_action', `action: dtype ${w.dtype}; a Discrete batch wants an integer dtype`);
      if (!sameShape(w.shape, state.actShape)) fail('invalid_action', `action: shape ${previewList(w.shape)}, wanted [${n}]`);
      values = decoded(w);
    }
    const lo = space.start;
    const hi = space.start + space.n;
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]);
      if (!Number.isInteger(v) || v < lo || v >= hi) {
        fail('invalid_action', `action[${i}]: ${preview(values[i])} is outside Discrete(${space.n}, start=${space.start})`, {
          env_index: i,
        });
      }
      out[i] = v;
    }
    return out;
  }
  const w = ndarray(wire);
  if (!sameShape(w.shape, state.actShape)) {
    fail('invalid_action', `action: shape ${previewList(w.shape)}, wanted [${state.actShape.join(', ')}] (num_envs x the action space)`);
  }
  const size = state.actLayout.itemSize;
  switch (space.type) {
    case 'Box': {
      if (w.dtype !== space.dtype) fail('invalid_action', `action: dtype ${w.dtype}, the space wants ${space.dtype}`);
      const arr = decoded(w);
      if (arr instanceof Float32Array || arr instanceof Float64Array) {
        for (let k = 0; k < arr.length; k++) {
          const x = arr[k];
          // x - x is NaN for ±Infinity and NaN: one comparison per element.
          if (x - x !== 0)
            fail('invalid_action', `action[${Math.floor(k / size)}]: element ${k % size} is ${x}`, { env_index: Math.floor(k / size) });
        }
      } else if (space.dtype === 'bool') {
        checkBinary(arr, size);
      }
      return arr;
    }
    case 'MultiDiscrete': {
      if (!INTEGER_DTYPES.has(w.dtype)) fail('invalid_action', `action: dtype ${w.dtype} is not an integer type`);
      const arr = decoded(w);
      for (let k = 0; k < arr.length; k++) {
        const j = k % size;
        const v = Number(arr[k]);
        if (v < space.start[j] || v >= space.start[j] + space.nvec[j]) {
          fail('invalid_action', `action[${Math.floor(k / size)}]: element ${j} is ${v}, outside its range`, {
            env_index: Math.floor(k / size),
          });
        }
      }
      return arr;
    }
    case 'MultiBinary': {
      if (w.dtype !== 'int8' && w.dtype !== 'uint8' && w.dtype !== 'bool')
        fail('invalid_action', `action: dtype ${w.dtype}, the space wants int8`);
      const arr = decoded(w);
      checkBinary(arr, size);
      return arr;
    }
    default:
      // Tuple/Dict never get here: a vector env of them cannot be made.
      return fail('unsupported', `vector envs do not batch ${space.type} actions`);
  }
}

function ndarray(wire: unknown): NDArray {
  if (!looksLikeNDArray(wire)) fail('invalid_action', 'action: expected an NDArray map {dtype, shape, data} with a leading num_envs axis');
  return wire;
}

function decoded(w: NDArray): TypedArray {
  try {
    return decodeArray(w);
  } catch (e) {
    return fail('invalid_action', `action: ${(e as Error).message}`);
  }
}

function checkBinary(arr: TypedArray, size: number): void {
  for (let k = 0; k < arr.length; k++) {
    const v = arr[k];
    if (v !== 0 && v !== 1)
      fail('invalid_action', `action[${Math.floor(k / size)}]: elements must be 0 or 1`, { env_index: Math.floor(k / size) });
  }
}

/** step on a vector env, in parts: the sub-envs are stepped in order, a part at a time (SyncVectorEnv.stepSome). */
export function vectorStepSliced(state: VectorState, actions: TypedArray): Sliced<WireVectorStep> {
  state.vec.beginStep(actions);
  const part = timedParts(
    state.stepMs,
    (deadline) => state.vec.stepSome(deadline),
    (ms) => (state.stepMs = ms),
  );
  return new Sliced(
    (deadline) => {
      const r = part(deadline);
      if (r === null) return null;
      const out = state.result;
      viewInto(out.obs, r.obs);
      viewInto(out.reward, r.rewards);
      viewInto(out.terminated, r.terminated);
      viewInto(out.truncated, r.truncated);
      out.info = vectorInfoToWire(r.info, state.numEnvs);
      return out;
    },
    () => state.vec.abandonBatch(),
  );
}

/** reset on a vector env (obs [numEnvs, ...], batched info), in parts (SyncVectorEnv.resetSome). */
function vectorResetSliced(state: VectorState, seed: VectorSeed | null, options: Record<string, unknown> | null): Sliced<WireReset> {
  let opts = options ?? undefined;
  if (opts !== undefined && looksLikeNDArray(opts.reset_mask)) {
    // A numpy bool array from the client, as Gymnasium's vector envs require; SyncVectorEnv takes a Uint8Array.
    const { dtype } = opts.reset_mask;
    if (dtype !== 'bool') throw new GymwireError('bad_request', `options.reset_mask must have dtype bool (numpy bool_), got ${dtype}`);
    const mask = decodeArray(opts.reset_mask);
    opts = { ...opts, reset_mask: mask instanceof Uint8Array ? mask : Uint8Array.from(mask as ArrayLike<number>) };
  }
  state.vec.beginReset({ seed, options: opts });
  const part = timedParts(
    state.resetMs,
    (deadline) => state.vec.resetSome(deadline),
    (ms) => (state.resetMs = ms),
  );
  return new Sliced(
    (deadline) => {
      const r = part(deadline);
      if (r === null) return null;
      return { obs: encodeArray(r.obs, state.obsShape, state.obsLayout.dtype), info: vectorInfoToWire(r.info, state.numEnvs) };
    },
    () => state.vec.abandonBatch(),
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A batched info on the wire (PROTOCOL.md, Vector envs): number columns float64 [numEnvs],
 * boolean columns and '_key' masks bool [numEnvs], a typed array per sub-env one NDArray
 * [numEnvs, rowLength], nested infos nested maps, plain columns msgpack arrays (typed arrays
 * inside them as NDArrays).
 */
function vectorInfoToWire(info: VectorInfo, numEnvs: number): Record<string, unknown> {
  for (const _ in info) return batchedToWire(info, numEnvs);
  return info;
}

function batchedToWire(info: VectorInfo, numEnvs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in info) {
    const v = info[key];
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as TypedArray;
      const kind = columnKind(a);
      if (kind === 'boolean' || (kind === undefined && key.startsWith('_') && a instanceof Uint8Array && a.length === numEnvs)) {
        out[key] = encodeArray(a, [numEnvs], 'bool');
      } else if (typeof kind === 'object') {
        out[key] = plainEncode(a, [numEnvs, kind.rowLength]);
      } else {
        out[key] = plainEncode(a, [numEnvs]);
      }
    } else if (isPlainObject(v)) {
      out[key] = batchedToWire(v, numEnvs);
    } else if (Array.isArray(v)) {
      out[key] = v.map(valueToWire);
    } else {
      out[key] = v;
    }
  }
  return out;
}

function plainEncode(a: TypedArray, shape: number[]): NDArray {
  // A Buffer or other Uint8Array subclass travels as plain uint8 bytes.
  const arr = a instanceof Uint8Array && a.constructor !== Uint8Array ? new Uint8Array(a) : a;
  return encodeArray(arr, shape.reduce((x, y) => x * y, 1) === arr.length ? shape : [arr.length]);
}

function valueToWire(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return plainEncode(v as TypedArray, [(v as TypedArray).length]);
  if (Array.isArray(v)) return v.map(valueToWire);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = valueToWire(v[k]);
    return out;
  }
  return v;
}
