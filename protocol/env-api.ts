// The Gymnasium 1.x Env API, shared by local envs (envs/), the remote client (client/)
// and the agent, which only ever sees this interface.
import type { Space } from './schema/spaces.ts';
import type { EnvSpec } from './schema/env-spec.ts';

export type TypedArray = Float32Array | Float64Array | Int8Array | Int32Array | BigInt64Array | Uint8Array;

/** A value of a space: a number (Discrete), a typed array (Box, MultiDiscrete, MultiBinary), or a Tuple/Dict of those. */
export type SpaceValue = number | TypedArray | SpaceValue[] | { [key: string]: SpaceValue };

export type Info = Record<string, unknown>;

export interface ResetArgs {
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<O = SpaceValue> {
  obs: O;
  info: Info;
}

export interface StepResult<O = SpaceValue> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/** An RGB frame, Gymnasium's rgb_array render mode: height x width x 3 bytes, row-major. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A synchronous, in-process environment. */
export interface Env<O = SpaceValue, A = SpaceValue> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  spec: EnvSpec | null;
  reset(args?: ResetArgs): ResetResult<O>;
  step(action: A): StepResult<O>;
  render(): Frame;
  close(): void;
  /**
   * close() frees the env's memory itself (MuJoCo's MjModel and MjData), rather than leaving it to
   * the garbage collector: a server can give back the env's memory charge at close.
   */
  readonly freesMemoryOnClose?: boolean;
}

type Async<T> = T | Promise<T>;

/** What the agent trains against: a local Env satisfies it as is, a RemoteEnv answers with promises. */
export interface EnvLike<O = SpaceValue, A = SpaceValue> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly spec: EnvSpec | null;
  reset(args?: ResetArgs): Async<ResetResult<O>>;
  step(action: A): Async<StepResult<O>>;
  render(): Async<Frame>;
  close(): Async<void>;
}
