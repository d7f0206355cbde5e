// Collection: acting in N sub-envs at once and turning what they return into transitions.
// Actions are uniform during the warm-up, then μ(s) + exploration noise clipped to [-1, 1]
// (the actor's tanh space), mapped to the Box bounds. Results follow Gymnasium's NEXT_STEP
// autoreset: when sub-env i ends on step t, step t+1 resets it and ignores its action — that
// step is not a transition, not an env step and not part of an episode.
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';
import type { TrainConfig } from './train-config.ts';
import { scaleAction } from './actor-io.ts';
import { ActionNoise } from './noise.ts';
import type { ReplayBuffer } from './replay-buffer.ts';
import { NStepWriter } from './n-step.ts';

/** One vector step's results for the N sub-envs (EnvGroup's fields). */
export interface StepResults {
  obs: Float32Array;
  rewards: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
}

export interface EpisodeEnd {
  /** The sub-env that played it. */
  env: number;
  return: number;
  length: number;
}

type CollectConfig = Pick<
  TrainConfig,
  'seed' | 'nStep' | 'gamma' | 'noise' | 'noiseSigma' | 'noiseSigmaFinal' | 'noiseDecaySteps' | 'ouTheta' | 'ouDt'
>;

/**
 * The sub-envs' episodes as they are played: observations, returns, lengths and autoreset
 * marks change only through these methods (a start, a step's results, a cut).
 */
export class Collector {
  /** The current observation of every sub-env, [N * obsDim]. */
  readonly obs: Float32Array;
  /** Sub-env i ended on the last step, so its next step is an autoreset: action ignored, nothing stored. */
  private readonly pending: Uint8Array;
  private readonly epReturn: Float64Array;
  private readonly epLength: Int32Array;
  /** Per-sub-env noise (OU's state is per episode). */
  readonly noises: ActionNoise[];
  /** Full resets so far (start, resume, reconnect): each seeds the sub-envs from its own stream. */
  private fullResets: number;
  private readonly u: Float32Array;
  /** Turns each sub-env's steps into (n-step) transitions. */
  private readonly writer: NStepWriter;
  private readonly envAction: Float32Array;
  private readonly low: Float32Array;
  private readonly high: Float32Array;

  constructor(
    private readonly c: CollectConfig,
    readonly numEnvs: number,
    readonly obsDim: number,
    readonly actDim: number,
    bounds: { low: ArrayLike<number>; high: ArrayLike<number> },
  ) {
    const N = numEnvs;
    this.fullResets = 0;
    this.obs = new Float32Array(N * obsDim);
    this.pending = new Uint8Array(N);
    this.epReturn = new Float64Array(N);
    this.epLength = new Int32Array(N);
    this.u = new Float32Array(N * actDim);
    this.writer = new NStepWriter(c.nStep, c.gamma, N, obsDim, actDim);
    this.envAction = new Float32Array(N * actDim);
    this.low = new Float32Array(N * actDim);
    this.high = new Float32Array(N * actDim);
    for (let i = 0; i < N; i++) {
      this.low.set(bounds.low, i * actDim);
      this.high.set(bounds.high, i * actDim);
    }
    // Each sub-env samples about steps/N times, so the σ decay is spread over that many.
    const decay = c.noiseDecaySteps > 0 ? Math.max(1, Math.round(c.noiseDecaySteps / N)) : 0;
    this.noises = Array.from(
      { length: N },
      () =>
        new ActionNoise(actDim, {
          kind: c.noise,
          sigma: c.noiseSigma,
          sigmaFinal: c.noiseSigmaFinal,
          sigmaDecaySteps: decay,
          theta: c.ouTheta,
          dt: c.ouDt,
        }),
    );
  }

  /**
   * Seeds for the next full reset: sub-env i gets the i-th draw of default_rng([seed, 0x5eed5, r]),
   * r = full resets before, so runs repeat and a resumed run does not replay the episodes it saw.
   */
  nextResetSeeds(): number[] {
    const seedRng = defaultRng([this.c.seed, 0x5eed5, this.fullResets]);
    this.fullResets++;
    return Array.from({ length: this.numEnvs }, () => seedRng.integers(0, 2 ** 31));
  }

  /** Full resets so far (saved with a checkpoint). */
  get resets(): number {
    return this.fullResets;
  }

  /** A resumed run's count of full resets before, so its episodes are not the ones it saw. */
  restoreResets(n: number): void {
    this.fullResets = n;
  }

  /** Whether sub-env i's next step is an autoreset (its episode ended on the last step). */
  awaitsReset(i: number): boolean {
    return this.pending[i] === 1;
  }

  /** After a full reset: every sub-env starts an episode from `obs`. */
  startEpisodes(obs: Float32Array): void {
    this.restartEpisodes(
      Array.from({ length: this.numEnvs }, (_, i) => i),
      obs,
    );
  }

  /** After some sub-envs alone were reset (their connection was lost): each starts an episode from its rows of `obs`. */
  restartEpisodes(subEnvs: number[], obs: Float32Array): void {
    const d = this.obsDim;
    for (const i of subEnvs) {
      this.obs.set(obs.subarray(i * d, (i + 1) * d), i * d);
      this.pending[i] = 0;
      this.epReturn[i] = 0;
      this.epLength[i] = 0;
      this.writer.clearEnv(i);
      this.noises[i].reset();
    }
  }

  /** The [-1, 1] actions (this.u) and, returned, the same in env units: uniform without `mu`, else μ + noise. */
  act(mu: Float32Array | null, rng: NumpyGenerator): Float32Array {
    const { actDim, u } = this;
    for (let i = 0; i < this.numEnvs; i++) {
      const b = i * actDim;
      if (this.pending[i]) {
        // Ignored by the autoreset; the middle of the range is a valid action for any server that checks.
        u.fill(0, b, b + actDim);
      } else if (!mu) {
        for (let j = 0; j < actDim; j++) u[b + j] = rng.uniform(-1, 1);
      } else {
        const n = this.noises[i].sample(rng);
        for (let j = 0; j < actDim; j++) u[b + j] = Math.min(1, Math.max(-1, mu[b + j] + n[j]));
      }
    }
    return scaleAction(u, this.low, this.high, this.envAction);
  }

  /**
   * Takes one vector step's results: counts at most `budget` env steps (the rest of the last
   * step beyond --steps are dropped) and stores their transitions in `buffer` (with n-step
   * returns, each once its n steps or its episode are over), calls `onEpisode` for each episode
   * that ended (with the env steps counted so far in this call, its own included), and moves on
   * to the new observations. Returns the env steps counted. Sub-envs marked in `absent` have no
   * results (their connection was lost): they are left as they were.
   */
  record(
    r: StepResults,
    buffer: ReplayBuffer,
    budget: number,
    onEpisode: (e: EpisodeEnd, stored: number) => void,
    absent: Uint8Array | null = null,
  ): number {
    const { obsDim, actDim } = this;
    let added = 0;
    for (let i = 0; i < this.numEnvs; i++) {
      if (absent?.[i]) continue;
      if (this.pending[i]) {
        // The autoreset step: its obs is the new episode's first; no transition, no env step.
        this.pending[i] = 0;
        this.noises[i].reset();
        this.epReturn[i] = 0;
        this.epLength[i] = 0;
        continue;
      }
      if (added >= budget) continue;
      const reward = r.rewards[i];
      const terminated = r.terminated[i] === 1;
      const ended = terminated || r.truncated[i] === 1;
      // Store `terminated`, not `done`: a time-limit truncation must still bootstrap from s'.
      this.writer.push(
        buffer,
        i,
        this.obs.subarray(i * obsDim, (i + 1) * obsDim),
        this.u.subarray(i * actDim, (i + 1) * actDim),
        reward,
        r.obs.subarray(i * obsDim, (i + 1) * obsDim),
        terminated,
        ended,
      );
      added++;
      this.epReturn[i] += reward;
      this.epLength[i]++;
      if (ended) {
        onEpisode({ env: i, return: this.epReturn[i], length: this.epLength[i] }, added);
        this.pending[i] = 1;
      }
    }
    if (absent === null) {
      this.obs.set(r.obs);
    } else {
      for (let i = 0; i < this.numEnvs; i++) if (!absent[i]) this.obs.set(r.obs.subarray(i * obsDim, (i + 1) * obsDim), i * obsDim);
    }
    return added;
  }

  /**
   * Ends the episodes under way (of `subEnvs` only, when given) without a result: they will not
   * be run on (a dropped connection, a move to another server). Returns them, as they stood; a
   * second call returns nothing more.
   */
  cut(subEnvs: number[] | null = null): EpisodeEnd[] {
    const only = subEnvs === null ? null : new Set(subEnvs);
    const cut = this.running().filter((ep) => only === null || only.has(ep.env));
    for (const ep of cut) this.epLength[ep.env] = 0;
    return cut;
  }

  /** The episodes under way (what a dropped connection cuts). */
  running(): EpisodeEnd[] {
    const out: EpisodeEnd[] = [];
    for (let i = 0; i < this.numEnvs; i++)
      if (!this.pending[i] && this.epLength[i] > 0) out.push({ env: i, return: this.epReturn[i], length: this.epLength[i] });
    return out;
  }
}
