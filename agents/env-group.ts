// The trainer's batch of sub-envs: one or more vector envs (one per server, or one SyncVectorEnv
// in this process), or single envs, driven as one row-major batch of numEnvs sub-envs with
// Gymnasium's NEXT_STEP autoreset (protocol/vector-api.ts). Only what collection needs is
// kept: obs, rewards, terminated, truncated (infos are not read by the agents, so not merged).
import type { EnvLike } from '../protocol/env-api.ts';
import type { BoxSpace, Space } from '../protocol/schema/spaces.ts';
import type { VectorEnvLike } from '../protocol/vector-api.ts';
import { GymwireError } from '../protocol/errors.ts';

/** One piece of the batch: numEnvs sub-envs with NEXT_STEP autoreset. */
export interface BatchPart {
  readonly numEnvs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Resets every sub-env, sub-env i with seeds[i]; resolves with the batched obs. */
  reset(seeds: number[]): Promise<ArrayLike<number>>;
  step(actions: Float32Array): Promise<{
    obs: ArrayLike<number>;
    rewards: ArrayLike<number>;
    terminated: ArrayLike<number | boolean>;
    truncated: ArrayLike<number | boolean>;
  }>;
  close(): Promise<void>;
}

/** A VectorEnvLike (SyncVectorEnv, RemoteVectorEnv) as a part; its own autoreset is used as is. */
export function vectorPart(env: VectorEnvLike): BatchPart {
  if (env.autoresetMode !== 'NextStep') throw new Error(`the trainer needs NEXT_STEP autoreset, the vector env uses ${env.autoresetMode}`);
  return {
    numEnvs: env.numEnvs,
    observationSpace: env.singleObservationSpace,
    actionSpace: env.singleActionSpace,
    reset: async (seeds) => (await env.reset({ seed: seeds })).obs as ArrayLike<number>,
    step: async (actions) => (await env.step(actions)) as Awaited<ReturnType<BatchPart['step']>>,
    close: async () => {
      await env.close();
    },
  };
}

/**
 * A single EnvLike (a custom factory's env, or a RemoteEnv) as a part of one sub-env, with
 * NEXT_STEP autoreset done here: the step after an episode ends resets it (unseeded, so its
 * generator's stream continues) and ignores the action, as a vector env would.
 */
export function singleEnvPart(env: EnvLike): BatchPart {
  let ended = false;
  const zero = { rewards: [0], terminated: [0], truncated: [0] };
  return {
    numEnvs: 1,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    async reset(seeds) {
      ended = false;
      return (await env.reset({ seed: seeds[0] })).obs as ArrayLike<number>;
    },
    async step(actions) {
      if (ended) {
        ended = false;
        return { obs: (await env.reset()).obs as ArrayLike<number>, ...zero };
      }
      const r = await env.step(actions);
      ended = r.terminated || r.truncated;
      return { obs: r.obs as ArrayLike<number>, rewards: [r.reward], terminated: [r.terminated], truncated: [r.truncated] };
    },
    close: async () => {
      await env.close();
    },
  };
}

function box(space: Space, what: string): BoxSpace {
  if (space.type !== 'Box') throw new Error(`DDPG and TD3 need a Box ${what} space, got ${space.type}`);
  return space;
}

/**
 * Some parts of a step lost their connection (`parts`, of `of`); the others' results are in. A
 * connection_lost error itself, so whatever handles a lost connection handles this one.
 */
export class PartsLost extends GymwireError {
  constructor(
    readonly parts: number[],
    readonly of: number,
    readonly first: GymwireError,
  ) {
    super('connection_lost', first.message, first.details);
  }
}

/** Several parts stepped concurrently as one batch; sub-env ids run over the parts in order. */
export class EnvGroup {
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly obsDim: number;
  readonly actDim: number;
  /** The latest batched results, [numEnvs * obsDim] etc.; overwritten by every reset/step. */
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  private readonly offsets: number[] = [];

  constructor(readonly parts: BatchPart[]) {
    if (parts.length === 0) throw new Error('EnvGroup needs at least one env');
    this.observationSpace = box(parts[0].observationSpace, 'observation');
    this.actionSpace = box(parts[0].actionSpace, 'action');
    const sig = (p: BatchPart) => JSON.stringify([p.observationSpace, p.actionSpace]);
    parts.forEach((p, k) => {
      if (sig(p) !== sig(parts[0])) throw new Error(`env ${k} has different spaces from env 0; every server must serve the same env`);
    });
    let n = 0;
    for (const p of parts) {
      this.offsets.push(n);
      n += p.numEnvs;
    }
    this.numEnvs = n;
    this.obsDim = this.observationSpace.low.length;
    this.actDim = this.actionSpace.low.length;
    this.obs = new Float32Array(n * this.obsDim);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
  }

  private putObs(k: number, obs: ArrayLike<number>): void {
    const p = this.parts[k];
    if (obs.length !== p.numEnvs * this.obsDim) {
      throw new GymwireError('internal', `env ${k} returned ${obs.length} observation values, expected ${p.numEnvs} x ${this.obsDim}`);
    }
    this.obs.set(obs, this.offsets[k] * this.obsDim);
  }

  /** Resets every sub-env; sub-env i (over all parts) gets seeds[i]. */
  async reset(seeds: number[]): Promise<void> {
    await this.resetParts(
      this.parts.map((_, k) => k),
      seeds,
    );
  }

  /** The sub-env ids of part `k`. */
  subEnvsOf(k: number): number[] {
    return Array.from({ length: this.parts[k].numEnvs }, (_, j) => this.offsets[k] + j);
  }

  /**
   * Steps every part with its rows of `actions` (numEnvs * actDim values, env units). When some
   * parts lose their connection and the others answer, the answers are kept and PartsLost names
   * the lost parts (their rows keep the previous values); any other error is thrown as it is.
   */
  async step(actions: Float32Array): Promise<void> {
    const d = this.actDim;
    const settled = await Promise.allSettled(
      this.parts.map((p, k) => p.step(actions.subarray(this.offsets[k] * d, (this.offsets[k] + p.numEnvs) * d))),
    );
    const lost: number[] = [];
    let lostError: GymwireError | null = null;
    settled.forEach((s, k) => {
      if (s.status === 'rejected') {
        if (!(s.reason instanceof GymwireError && s.reason.code === 'connection_lost')) throw s.reason;
        lost.push(k);
        lostError ??= s.reason;
        return;
      }
      const r = s.value;
      this.putObs(k, r.obs);
      const o = this.offsets[k];
      for (let j = 0; j < this.parts[k].numEnvs; j++) {
        this.rewards[o + j] = r.rewards[j];
        this.terminated[o + j] = r.terminated[j] ? 1 : 0;
        this.truncated[o + j] = r.truncated[j] ? 1 : 0;
      }
    });
    if (lostError !== null) throw new PartsLost(lost, this.parts.length, lostError);
  }

  /** Resets the parts `ks` only; sub-env i of theirs gets seeds[i] (seeds over all sub-envs). */
  async resetParts(ks: number[], seeds: number[]): Promise<void> {
    const results = await Promise.all(
      ks.map((k) => this.parts[k].reset(seeds.slice(this.offsets[k], this.offsets[k] + this.parts[k].numEnvs))),
    );
    results.forEach((obs, i) => {
      const k = ks[i];
      this.putObs(k, obs);
      for (const j of this.subEnvsOf(k)) {
        this.rewards[j] = 0;
        this.terminated[j] = 0;
        this.truncated[j] = 0;
      }
    });
  }

  /** Closes every part; a part whose connection is already gone is not an error. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const p of this.parts) {
      try {
        await p.close();
      } catch (e) {
        if (!(e instanceof GymwireError && e.code === 'connection_lost')) errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }
}

/** How many of numEnvs sub-envs each of `servers` hosts: as even as possible, earlier ones first. */
export function spreadEnvs(numEnvs: number, servers: number): number[] {
  if (servers < 1) throw new Error('need at least one server');
  if (numEnvs < servers)
    throw new Error(`--num-envs ${numEnvs} is fewer than the ${servers} servers given with --url; every server needs at least one env`);
  return Array.from({ length: servers }, (_, k) => Math.floor(numEnvs / servers) + (k < numEnvs % servers ? 1 : 0));
}
