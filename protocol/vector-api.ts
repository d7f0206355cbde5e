// The batched (vector) env API, Gymnasium 1.x's VectorEnv, shared by the in-process
// SyncVectorEnv (envs/vector/) and a remote vector client, so the agent's collection code
// is the same for both.
//
// Batched layout, for every space that batches (Box, Discrete, MultiDiscrete, MultiBinary):
// ONE flat typed array of numEnvs * itemSize elements, row-major [numEnvs, ...singleShape],
// sub-env i's item at [i * itemSize, (i + 1) * itemSize). The array type follows the
// single space's dtype (see batchLayout). Tuple and Dict spaces do not batch (an
// 'unsupported' GymwireError says so).
//
// Step results, as Gymnasium's (obs, rewards, terminations, truncations, infos):
// - rewards: Float64Array — Gymnasium's vector rewards are float64, and a JS number is
//   already a float64, so a sub-env's reward is carried exactly.
// - terminated, truncated: Uint8Array of 0/1 (numpy bool arrays).
// - info: Gymnasium's dict-of-arrays, see VectorInfo.
//
// Autoreset is Gymnasium 1.x's default, NEXT_STEP: when sub-env i ends (terminated or
// truncated) on step t, the obs returned at step t is its true final obs — no
// final_observation/final_info is needed in info — and the step t+1 call ignores
// action i, resets sub-env i (without a seed: its generator's stream continues) and
// returns the reset obs with reward 0, terminated 0, truncated 0 and the reset's info.
import type { Space } from './schema/spaces.ts';
import type { DType } from './schema/spaces.ts';
import type { EnvSpec } from './schema/env-spec.ts';
import type { TypedArray } from './env-api.ts';
import { GymwireError } from './errors.ts';

type Async<T> = T | Promise<T>;

/** The only autoreset mode implemented; named as Gymnasium's AutoresetMode.NEXT_STEP value. */
export type AutoresetMode = 'NextStep';

/**
 * Seeds for reset: one integer gives sub-env i the seed `seed + i`; an array gives each
 * sub-env its own (null/undefined: that one unseeded); absent: all unseeded.
 */
export type VectorSeed = number | ReadonlyArray<number | null | undefined>;

export interface VectorResetArgs {
  seed?: VectorSeed | null;
  /**
   * Passed to every sub-env's reset, except the key `reset_mask` (as Gymnasium 1.1+):
   * a Uint8Array/boolean array of numEnvs; only the marked sub-envs are reset, the
   * others keep their state and their rows of obs.
   */
  options?: Record<string, unknown>;
}

/**
 * Gymnasium's batched info: for each key some sub-env reported, `info[key]` holds every
 * sub-env's value and `info['_' + key]` is a Uint8Array mask of the sub-envs that
 * reported it. Values batch as: numbers → Float64Array(numEnvs); booleans →
 * Uint8Array(numEnvs); typed arrays → one flat array of numEnvs * length (same type,
 * row-major); nested plain objects → a nested VectorInfo; anything else (or values
 * whose types differ between sub-envs) → a plain array with null where unreported.
 * Unreported slots of typed columns are 0. An empty info is `{}`.
 */
export type VectorInfo = Record<string, unknown>;

export interface VectorResetResult<O extends TypedArray = TypedArray> {
  obs: O;
  info: VectorInfo;
}

export interface VectorStepResult<O extends TypedArray = TypedArray> {
  obs: O;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  info: VectorInfo;
}

/**
 * Batched actions: for Box/MultiDiscrete/MultiBinary one flat array of numEnvs * itemSize
 * (any numeric typed array or number[]); for Discrete one integer per sub-env
 * (Int32Array preferred).
 */
export type VectorActions = TypedArray | ArrayLike<number>;

/** What multi-env collection trains against: SyncVectorEnv answers directly, a remote one with promises. */
export interface VectorEnvLike<O extends TypedArray = TypedArray, A = VectorActions> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  /** The sub-envs' spec (as made by make), or null for envs built from bare factories. */
  readonly spec: EnvSpec | null;
  readonly autoresetMode: AutoresetMode;
  reset(args?: VectorResetArgs): Async<VectorResetResult<O>>;
  step(actions: A): Async<VectorStepResult<O>>;
  close(): Async<void>;
}

/** A synchronous, in-process vector env. */
export interface VectorEnv<O extends TypedArray = TypedArray, A = VectorActions> extends VectorEnvLike<O, A> {
  reset(args?: VectorResetArgs): VectorResetResult<O>;
  step(actions: A): VectorStepResult<O>;
  close(): void;
}

/** How one item of a space sits in a batched array. */
export interface BatchLayout {
  /** Element type of the batched array. Discrete batches as int32 (Gymnasium: int64; values fit). */
  dtype: DType;
  /** Shape of one sub-env's item; the batch is [numEnvs, ...itemShape]. [] for Discrete. */
  itemShape: number[];
  /** Elements per item (product of itemShape). */
  itemSize: number;
}

export function batchLayout(space: Space): BatchLayout {
  switch (space.type) {
    case 'Box':
      return { dtype: space.dtype, itemShape: [...space.shape], itemSize: space.shape.reduce((a, b) => a * b, 1) };
    case 'Discrete':
      return { dtype: 'int32', itemShape: [], itemSize: 1 };
    case 'MultiDiscrete':
      return { dtype: space.dtype, itemShape: [space.nvec.length], itemSize: space.nvec.length };
    case 'MultiBinary':
      // Gymnasium's MultiBinary samples are int8.
      return { dtype: 'int8', itemShape: [...space.shape], itemSize: space.shape.reduce((a, b) => a * b, 1) };
    case 'Tuple':
    case 'Dict':
      throw new GymwireError(
        'unsupported',
        `vector envs batch Box, Discrete, MultiDiscrete and MultiBinary spaces only, not ${space.type}`,
      );
  }
}

/** A zeroed typed array of the given dtype (the array type Gymwire uses for that dtype). */
export function typedArrayOf(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
  }
}

/** A zeroed batched array for numEnvs items of a space. */
export function allocBatch(space: Space, numEnvs: number): TypedArray {
  const layout = batchLayout(space);
  return typedArrayOf(layout.dtype, numEnvs * layout.itemSize);
}
