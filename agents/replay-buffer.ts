// Uniform experience replay on preallocated Float32Arrays: one slot per transition, no
// per-transition objects, so a million LunarLander transitions (8-float obs, 2-float actions)
// take ~80 MB and add() never allocates.
import type { NumpyGenerator } from '../protocol/random.ts';
import type { Batch, Transitions } from './backends/types.ts';

/** The buffer's contents and counters (a snapshot without horizon is from before n-step returns: all 1). */
export interface ReplaySnapshot extends Transitions {
  capacity: number;
  obsDim: number;
  actDim: number;
  size: number;
  next: number;
}

export class ReplayBuffer {
  readonly capacity: number;
  readonly obsDim: number;
  readonly actDim: number;
  private obs: Float32Array;
  private actions: Float32Array;
  private rewards: Float32Array;
  private nextObs: Float32Array;
  /** 1 when the episode really ended (terminated), 0 otherwise — including time-limit truncation. */
  private terminated: Float32Array;
  /** Env steps k from obs to nextObs: the reward is their discounted sum, the bootstrap is γ^k·Q'. */
  private horizon: Float32Array;
  private next = 0;
  private count = 0;

  constructor(capacity: number, obsDim: number, actDim: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`replay capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.obs = new Float32Array(capacity * obsDim);
    this.actions = new Float32Array(capacity * actDim);
    this.rewards = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.terminated = new Float32Array(capacity);
    this.horizon = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(
    obs: ArrayLike<number>,
    action: ArrayLike<number>,
    reward: number,
    nextObs: ArrayLike<number>,
    terminated: boolean,
    horizon = 1,
  ): void {
    const i = this.next;
    this.obs.set(obs, i * this.obsDim);
    this.actions.set(action, i * this.actDim);
    this.rewards[i] = reward;
    this.nextObs.set(nextObs, i * this.obsDim);
    this.terminated[i] = terminated ? 1 : 0;
    this.horizon[i] = horizon;
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** n transitions drawn uniformly with replacement (like SB3's ReplayBuffer). */
  sample(n: number, rng: NumpyGenerator, out?: Batch): Batch {
    if (this.count === 0) throw new Error('cannot sample from an empty replay buffer');
    const { obsDim: od, actDim: ad } = this;
    const batch =
      out && out.size === n
        ? out
        : {
            size: n,
            obs: new Float32Array(n * od),
            actions: new Float32Array(n * ad),
            rewards: new Float32Array(n),
            nextObs: new Float32Array(n * od),
            terminated: new Float32Array(n),
            horizon: new Float32Array(n),
          };
    const horizon = batch.horizon ?? (batch.horizon = new Float32Array(n));
    for (let k = 0; k < n; k++) {
      const i = rng.integers(0, this.count);
      batch.obs.set(this.obs.subarray(i * od, (i + 1) * od), k * od);
      batch.nextObs.set(this.nextObs.subarray(i * od, (i + 1) * od), k * od);
      batch.actions.set(this.actions.subarray(i * ad, (i + 1) * ad), k * ad);
      batch.rewards[k] = this.rewards[i];
      batch.terminated[k] = this.terminated[i];
      horizon[k] = this.horizon[i];
    }
    return batch;
  }

  /** Views of the filled part (no copy) for checkpointing. */
  snapshot(): ReplaySnapshot {
    const n = this.count;
    return {
      capacity: this.capacity,
      obsDim: this.obsDim,
      actDim: this.actDim,
      size: n,
      next: this.next,
      obs: this.obs.subarray(0, n * this.obsDim),
      actions: this.actions.subarray(0, n * this.actDim),
      rewards: this.rewards.subarray(0, n),
      nextObs: this.nextObs.subarray(0, n * this.obsDim),
      terminated: this.terminated.subarray(0, n),
      horizon: this.horizon.subarray(0, n),
    };
  }

  restore(s: ReplaySnapshot): void {
    if (s.obsDim !== this.obsDim || s.actDim !== this.actDim) throw new Error('replay snapshot has different obs/action sizes');
    if (s.size > this.capacity) throw new Error(`replay snapshot holds ${s.size} transitions, capacity is ${this.capacity}`);
    this.obs.set(s.obs);
    this.actions.set(s.actions);
    this.rewards.set(s.rewards);
    this.nextObs.set(s.nextObs);
    this.terminated.set(s.terminated);
    if (s.horizon) this.horizon.set(s.horizon);
    else this.horizon.fill(1, 0, s.size);
    this.count = s.size;
    // Same capacity: the ring continues exactly. Larger: new transitions go after the old ones.
    this.next = s.capacity === this.capacity ? s.next : s.size % this.capacity;
  }
}
