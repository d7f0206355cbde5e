// SyncVectorEnv: N sub-envs stepped one after another in this thread, as Gymnasium 1.x's
// gymnasium.vector.SyncVectorEnv with its default autoreset mode, NEXT_STEP (the batched
// layout and the autoreset rule are described in protocol/vector-api.ts).
import type { Env, Frame, Info, ResetArgs, TypedArray } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { EnvSpec } from '../../protocol/schema/env-spec.ts';
import {
  batchLayout,
  typedArrayOf,
  type AutoresetMode,
  type BatchLayout,
  type VectorActions,
  type VectorEnv,
  type VectorInfo,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
} from '../../protocol/vector-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { make, type Kwargs } from '../registry.ts';
import { addInfo, isEmptyInfo } from './batched-info.ts';

export interface SyncVectorEnvOptions {
  /**
   * As Gymnasium's `copy`: true (the default) returns fresh arrays from reset and step;
   * false returns the env's own buffers, which the next reset/step overwrites, and step
   * returns the same result object each time (its info is a shared frozen empty object
   * when no sub-env reported info) — no allocation per step by the vector layer, for
   * callers that consume a step before taking the next.
   */
  copy?: boolean;
}

const EMPTY_INFO: VectorInfo = Object.freeze({});

/** A reset or step in progress: the next sub-env to do and what has been gathered so far. */
interface Batch {
  kind: 'reset' | 'step';
  next: number;
  info: VectorInfo | null;
  seeds: (number | null)[];
  mask: ArrayLike<boolean | number> | null;
  options: Record<string, unknown> | undefined;
  actions: VectorActions | null;
}

function sameSpace(a: Space, b: Space): boolean {
  // Spaces are plain data; their JSON is canonical enough (same constructors, same key order).
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * O is the batched obs array type the caller expects (Float32Array for float32 Boxes,
 * Int32Array for Discrete, ...); it is not checked against the space.
 */
export class SyncVectorEnv<O extends TypedArray = TypedArray> implements VectorEnv<O> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly autoresetMode: AutoresetMode = 'NextStep';
  readonly copy: boolean;
  /** The sub-envs' spec; null unless every sub-env was made with the same one. */
  readonly spec: EnvSpec | null;
  /** The sub-envs, for code that needs one (rendering, tests). */
  readonly envs: readonly Env[];

  private readonly obsLayout: BatchLayout;
  private readonly actLayout: BatchLayout;
  private readonly discreteActions: boolean;
  private readonly observations: O;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  /** Sub-envs that ended on the previous step and are reset, not stepped, on the next. */
  private readonly autoresetEnvs: Uint8Array;
  /** One reusable action per sub-env, filled from its row of the batched actions. */
  private readonly actionBuffers: TypedArray[];
  /** The result step returns when copy is false, updated in place. */
  private readonly sharedResult: VectorStepResult<O>;
  private hasReset = false;
  private closed = false;
  /** A reset or step begun and not finished yet (beginReset/beginStep, then resetSome/stepSome). */
  private batch: Batch | null = null;
  /** Reused by every step, so stepping allocates nothing here. */
  private readonly stepBatch: Batch = { kind: 'step', next: 0, info: null, seeds: [], mask: null, options: undefined, actions: null };

  constructor(envFns: ReadonlyArray<() => Env>, options: SyncVectorEnvOptions = {}) {
    if (envFns.length === 0) throw new GymwireError('invalid_kwargs', 'SyncVectorEnv needs at least one env');
    this.copy = options.copy ?? true;
    this.envs = envFns.map((fn) => fn());
    this.numEnvs = this.envs.length;
    this.singleObservationSpace = this.envs[0].observationSpace;
    this.singleActionSpace = this.envs[0].actionSpace;
    this.envs.forEach((env, i) => {
      if (!sameSpace(env.observationSpace, this.singleObservationSpace)) {
        throw new GymwireError(
          'unsupported',
          `sub-env ${i} has a different observation space from sub-env 0; a vector env batches equal spaces only`,
        );
      }
      if (!sameSpace(env.actionSpace, this.singleActionSpace)) {
        throw new GymwireError(
          'unsupported',
          `sub-env ${i} has a different action space from sub-env 0; a vector env batches equal spaces only`,
        );
      }
    });
    const first = this.envs[0].spec;
    const specJson = JSON.stringify(first);
    this.spec = first !== null && this.envs.every((e) => JSON.stringify(e.spec) === specJson) ? first : null;
    this.obsLayout = batchLayout(this.singleObservationSpace);
    this.actLayout = batchLayout(this.singleActionSpace);
    this.discreteActions = this.singleActionSpace.type === 'Discrete';

    const n = this.numEnvs;
    this.observations = typedArrayOf(this.obsLayout.dtype, n * this.obsLayout.itemSize) as O;
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.autoresetEnvs = new Uint8Array(n);
    this.sharedResult = {
      obs: this.observations,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      info: EMPTY_INFO,
    };
    this.actionBuffers = this.discreteActions
      ? []
      : Array.from({ length: n }, () => typedArrayOf(this.actLayout.dtype, this.actLayout.itemSize));
  }

  reset(args: VectorResetArgs = {}): VectorResetResult<O> {
    this.beginReset(args);
    return this.resetSome(Infinity)!;
  }

  step(actions: VectorActions): VectorStepResult<O> {
    this.beginStep(actions);
    return this.stepSome(Infinity)!;
  }

  /**
   * Starts a reset carried out in parts by resetSome(), for callers that interleave other work
   * with a big batch (the server, server/scheduler.ts). The arguments are checked here.
   */
  beginReset(args: VectorResetArgs = {}): void {
    this.checkIdle();
    const seeds = this.seedsFor(args.seed);
    let options = args.options;
    let mask: ArrayLike<boolean | number> | null = null;
    if (options !== undefined && options !== null && 'reset_mask' in options) {
      const { reset_mask: m, ...rest } = options;
      mask = this.checkMask(m);
      options = Object.keys(rest).length > 0 ? rest : undefined;
    }
    if (mask === null && !this.hasReset) this.hasReset = true;
    if (mask !== null && !this.hasReset) {
      throw new GymwireError('reset_needed', 'reset with a reset_mask needs a full reset first');
    }
    this.batch = { kind: 'reset', next: 0, info: null, seeds, mask, options: options ?? undefined, actions: null };
  }

  /**
   * Resets sub-envs from where the last call stopped, in index order, until all are done
   * (returns the result, as reset() would) or performance.now() passes `deadline` after a
   * sub-env (returns null: call again). Infinity does it all without reading the clock.
   */
  resetSome(deadline: number): VectorResetResult<O> | null {
    try {
      return this.resetPart(this.batchOf('reset'), deadline);
    } catch (e) {
      // A sub-env threw: the batch ends here, as reset() always did.
      this.abandonBatch();
      throw e;
    }
  }

  private resetPart(batch: Batch, deadline: number): VectorResetResult<O> | null {
    const n = this.numEnvs;
    const { seeds, mask, options } = batch;
    for (let i = batch.next; i < n; i++) {
      if (mask !== null && !mask[i]) continue;
      this.terminated[i] = 0;
      this.truncated[i] = 0;
      this.autoresetEnvs[i] = 0;
      const resetArgs: ResetArgs = {};
      if (seeds[i] !== null) resetArgs.seed = seeds[i] as number;
      if (options !== undefined) resetArgs.options = options;
      const result = this.envs[i].reset(resetArgs);
      this.writeObs(i, result.obs);
      if (!isEmptyInfo(result.info)) batch.info = addInfo(batch.info ?? {}, result.info, i, n);
      if (deadline !== Infinity && i + 1 < n && performance.now() >= deadline) {
        batch.next = i + 1;
        return null;
      }
    }
    this.batch = null;
    return { obs: this.copy ? (this.observations.slice() as O) : this.observations, info: batch.info ?? {} };
  }

  /** Starts a step carried out in parts by stepSome() (see beginReset); the actions are checked here and read as it goes. */
  beginStep(actions: VectorActions): void {
    this.checkIdle();
    if (!this.hasReset) throw new GymwireError('reset_needed', 'Cannot call step() before reset().');
    const n = this.numEnvs;
    const size = this.actLayout.itemSize;
    if (actions.length !== n * size) {
      throw new GymwireError('invalid_action', `expected ${n * size} batched action values (${n} envs x ${size}), got ${actions.length}`);
    }
    const batch = this.stepBatch;
    batch.next = 0;
    batch.info = null;
    batch.actions = actions;
    this.batch = batch;
  }

  /** Steps sub-envs from where the last call stopped until all are done or `deadline` passes (as resetSome). */
  stepSome(deadline: number): VectorStepResult<O> | null {
    try {
      return this.stepPart(this.batchOf('step'), deadline);
    } catch (e) {
      this.abandonBatch();
      throw e;
    }
  }

  private stepPart(batch: Batch, deadline: number): VectorStepResult<O> | null {
    const actions = batch.actions!;
    const n = this.numEnvs;
    for (let i = batch.next; i < n; i++) {
      const env = this.envs[i];
      let subInfo: Info;
      if (this.autoresetEnvs[i]) {
        // NEXT_STEP: this sub-env ended on the last step; reset it and ignore its action.
        const result = env.reset();
        this.writeObs(i, result.obs);
        this.rewards[i] = 0;
        this.terminated[i] = 0;
        this.truncated[i] = 0;
        subInfo = result.info;
      } else {
        const result = env.step(this.actionFor(actions, i));
        this.writeObs(i, result.obs);
        this.rewards[i] = result.reward;
        this.terminated[i] = result.terminated ? 1 : 0;
        this.truncated[i] = result.truncated ? 1 : 0;
        subInfo = result.info;
      }
      if (!isEmptyInfo(subInfo)) batch.info = addInfo(batch.info ?? {}, subInfo, i, n);
      if (deadline !== Infinity && i + 1 < n && performance.now() >= deadline) {
        batch.next = i + 1;
        return null;
      }
    }
    this.batch = null;
    batch.actions = null;
    // Set only now: a sub-env stepped early in the batch must not be seen as ending this step.
    for (let i = 0; i < n; i++) this.autoresetEnvs[i] = this.terminated[i] | this.truncated[i];
    const info = batch.info;

    if (!this.copy) {
      this.sharedResult.info = info ?? EMPTY_INFO;
      return this.sharedResult;
    }
    return {
      obs: this.observations.slice() as O,
      rewards: this.rewards.slice(),
      terminated: this.terminated.slice(),
      truncated: this.truncated.slice(),
      info: info ?? {},
    };
  }

  /** Gives up a reset or step begun and not finished (its caller went away); the sub-envs stay as they are. */
  abandonBatch(): void {
    this.batch = null;
    this.stepBatch.actions = null;
  }

  /** Every sub-env's frame, as Gymnasium's SyncVectorEnv.render returns a tuple of them. */
  render(): Frame[] {
    this.checkOpen();
    return this.envs.map((env) => env.render());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const env of this.envs) env.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new GymwireError('env_broken', 'this vector env is closed');
  }

  /** Open, and no reset or step half done. */
  private checkIdle(): void {
    this.checkOpen();
    if (this.batch !== null) throw new GymwireError('internal', `a ${this.batch.kind} of this vector env is still in progress`);
  }

  private batchOf(kind: Batch['kind']): Batch {
    const batch = this.batch;
    if (batch === null || batch.kind !== kind)
      throw new GymwireError('internal', `${kind}Some without begin${kind === 'step' ? 'Step' : 'Reset'}`);
    if (this.closed) {
      this.batch = null;
      throw new GymwireError('env_broken', 'this vector env is closed');
    }
    return batch;
  }

  private seedsFor(seed: VectorResetArgs['seed']): (number | null)[] {
    const n = this.numEnvs;
    if (seed === undefined || seed === null) return new Array<null>(n).fill(null);
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0) throw new GymwireError('bad_request', `seed must be a non-negative integer, got ${seed}`);
      return Array.from({ length: n }, (_, i) => seed + i);
    }
    if (seed.length !== n) throw new GymwireError('bad_request', `got ${seed.length} seeds for ${n} sub-envs`);
    return seed.map((s) => s ?? null);
  }

  private checkMask(mask: unknown): ArrayLike<boolean | number> {
    const ok =
      (mask instanceof Uint8Array || (Array.isArray(mask) && mask.every((m) => typeof m === 'boolean'))) &&
      (mask as ArrayLike<unknown>).length === this.numEnvs;
    if (!ok) throw new GymwireError('bad_request', `options.reset_mask must be a Uint8Array or boolean[] of ${this.numEnvs}`);
    const m = mask as ArrayLike<boolean | number>;
    let any = false;
    for (let i = 0; i < m.length; i++) any ||= Boolean(m[i]);
    if (!any) throw new GymwireError('bad_request', 'options.reset_mask marks no sub-env');
    return m;
  }

  private writeObs(i: number, obs: unknown): void {
    const size = this.obsLayout.itemSize;
    if (typeof obs === 'number') {
      // Discrete observation.
      (this.observations as Int32Array)[i] = obs;
      return;
    }
    const arr = obs as TypedArray;
    if (!ArrayBuffer.isView(arr) || arr.length !== size) {
      throw new GymwireError('internal', `sub-env ${i} returned an observation that is not a typed array of ${size} values`);
    }
    (this.observations as Float32Array).set(arr as Float32Array, i * size);
  }

  /** Sub-env i's action: a number for Discrete, else its row copied into a reused buffer. */
  private actionFor(actions: VectorActions, i: number): number | TypedArray {
    if (this.discreteActions) return Number(actions[i]);
    const size = this.actLayout.itemSize;
    const base = i * size;
    const buf = this.actionBuffers[i];
    if (buf instanceof BigInt64Array) {
      for (let k = 0; k < size; k++) buf[k] = BigInt(actions[base + k]);
    } else {
      for (let k = 0; k < size; k++) (buf as Float32Array)[k] = Number(actions[base + k]);
    }
    return buf;
  }
}

/**
 * A SyncVectorEnv of numEnvs envs made by make(id, kwargs), like gymnasium.make_vec(id,
 * num_envs, vectorization_mode="sync"). Import envs/index.ts first so ids are registered.
 */
export function makeVec<O extends TypedArray = TypedArray>(
  id: string,
  numEnvs: number,
  kwargs: Kwargs = {},
  options: SyncVectorEnvOptions = {},
): SyncVectorEnv<O> {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) {
    throw new GymwireError('invalid_kwargs', `num_envs must be a positive integer, got ${numEnvs}`);
  }
  // Make the first env before the rest so a bad id or kwarg fails once, with make's message.
  const first = make(id, kwargs);
  return new SyncVectorEnv<O>(
    Array.from({ length: numEnvs }, (_, i) => (i === 0 ? () => first : () => make(id, kwargs))),
    options,
  );
}
