// n-step returns (Sutton & Barto §7.1; SB3's n_steps): the transition stored for step t of a
// sub-env carries R = r_t + γ·r_{t+1} + … + γ^(k−1)·r_{t+k−1}, the state s_{t+k} and k, where
// k = n, or less when the episode ends first (then s_{t+k} is its last state and the transition
// is terminated if the episode was). The learner bootstraps with γ^k·Q'(s_{t+k}).
// Rewards reach the critic n − 1 steps sooner; with n = 1 this is plain one-step replay.
import type { ReplayBuffer } from './replay-buffer.ts';

export class NStepWriter {
  private readonly obs: Float32Array;
  private readonly actions: Float32Array;
  private readonly rewards: Float64Array;
  /** Steps waiting in each sub-env's window (oldest at `head`). */
  private readonly count: Int32Array;
  private readonly head: Int32Array;

  constructor(
    readonly n: number,
    private readonly gamma: number,
    numEnvs: number,
    private readonly obsDim: number,
    private readonly actDim: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n-step must be a positive integer, got ${n}`);
    this.obs = new Float32Array(numEnvs * n * obsDim);
    this.actions = new Float32Array(numEnvs * n * actDim);
    this.rewards = new Float64Array(numEnvs * n);
    this.count = new Int32Array(numEnvs);
    this.head = new Int32Array(numEnvs);
  }

  /**
   * Step t of sub-env `env`: (s_t, a_t, r_t) and what followed. Stores every transition that is
   * complete: the oldest waiting one once n steps wait, all of them when the episode ended.
   */
  push(
    buffer: ReplayBuffer,
    env: number,
    obs: Float32Array,
    action: Float32Array,
    reward: number,
    nextObs: Float32Array,
    terminated: boolean,
    ended: boolean,
  ): void {
    const { n, obsDim, actDim } = this;
    if (n === 1) {
      buffer.add(obs, action, reward, nextObs, terminated);
      return;
    }
    const slot = env * n + ((this.head[env] + this.count[env]) % n);
    this.obs.set(obs, slot * obsDim);
    this.actions.set(action, slot * actDim);
    this.rewards[slot] = reward;
    this.count[env]++;
    if (ended) {
      while (this.count[env] > 0) this.emit(buffer, env, nextObs, terminated);
    } else if (this.count[env] === n) {
      this.emit(buffer, env, nextObs, false);
    }
  }

  /** Forgets the waiting steps of sub-env `env` (its episode was cut). */
  clearEnv(env: number): void {
    this.count[env] = 0;
  }

  /** Stores the oldest waiting step of `env` with the return of every step after it up to nextObs. */
  private emit(buffer: ReplayBuffer, env: number, nextObs: Float32Array, terminated: boolean): void {
    const { n, obsDim, actDim } = this;
    const k = this.count[env];
    const first = env * n + this.head[env];
    let ret = 0;
    let discount = 1;
    for (let j = 0; j < k; j++) {
      ret += discount * this.rewards[env * n + ((this.head[env] + j) % n)];
      discount *= this.gamma;
    }
    buffer.add(
      this.obs.subarray(first * obsDim, (first + 1) * obsDim),
      this.actions.subarray(first * actDim, (first + 1) * actDim),
      ret,
      nextObs,
      terminated,
      k,
    );
    this.head[env] = (this.head[env] + 1) % n;
    this.count[env]--;
  }
}
