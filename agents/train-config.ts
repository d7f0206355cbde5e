// The training configuration's shape: every key a run is configured by, and the value sets
// of its enumerated keys. A leaf, so the defaults (defaults.ts), the flags (config.ts), the
// learner and the trainer can all name it.
import type { BackendChoice } from './backends/types.ts';
import type { NoiseKind } from './noise.ts';
import type { KwargValue } from '../protocol/schema/env-spec.ts';

/** The algorithms: DDPG (ddpg.ts), TD3 (td3.ts) and SAC (sac.ts). */
export const ALGOS = ['ddpg', 'td3', 'sac'] as const;
export type Algo = (typeof ALGOS)[number];

export const LR_SCHEDULES = ['constant', 'linear'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/**
 * The actor the evaluations play and the checkpoint exports: the online one, or the target
 * actor (a Polyak average of the online one over the last ~1/τ updates, which moves less).
 */
export const EVAL_ACTORS = ['online', 'target'] as const;
export type EvalActor = (typeof EVAL_ACTORS)[number];

export interface TrainConfig {
  /** 'ddpg', 'td3' or 'sac'. */
  algo: Algo;
  env: string;
  /** Env constructor kwargs (JSON object), passed to make() or to the server. */
  envKwargs: Record<string, KwargValue>;
  /**
   * ws://host:port of an env server, or several (their sub-envs are spread over them, see
   * numEnvs); empty = run the envs in this process. Read it through serverUrls().
   */
  url: string | string[];
  /** Sub-envs collecting in parallel (one vector env in-process, or one per server). */
  numEnvs: number;
  /**
   * When envs are still unreachable after a dropped connection, the trainer opens them again
   * this many times (waits reconnectDelay s, doubling, at most 8 s) before it gives up.
   */
  reconnectAttempts: number;
  reconnectDelay: number;
  /**
   * Seconds an env server has to answer a request; past it the call fails as a dropped
   * connection (RequestTimeoutError, logged) and the client reconnects. 0 = wait forever.
   */
  requestTimeout: number;
  steps: number;
  seed: number;
  out: string;
  backend: BackendChoice;
  /**
   * Threads computing each update (default: the machine's, os.availableParallelism()). With
   * the kernels, results do not depend on it; with tfjs, only by float summation order.
   */
  learnerThreads: number;
  actorHidden: number[];
  criticHidden: number[];
  /** Layer normalisation in the critic's hidden layers (kernels engine only). */
  criticLayerNorm: boolean;
  actorLr: number;
  criticLr: number;
  /** constant, or linear: both rates × (1 − step / steps) at each update (RL-Zoo's lin_ rates). */
  lrSchedule: LrSchedule;
  gamma: number;
  tau: number;
  batchSize: number;
  bufferSize: number;
  /** Uniform-random warm-up steps before the actor acts and learning starts. */
  learningStarts: number;
  updatesPerStep: number;
  /** Steps summed into each stored transition's return before bootstrapping (n-step returns; 1 = one-step). */
  nStep: number;
  noise: NoiseKind;
  noiseSigma: number;
  /** Final σ of the linear decay; equal to noiseSigma for no decay. */
  noiseSigmaFinal: number;
  noiseDecaySteps: number;
  ouTheta: number;
  ouDt: number;
  /** TD3: σ of the target policy smoothing noise, its clip (tanh action units) and the actor/target delay in updates. */
  policyNoise: number;
  noiseClip: number;
  policyDelay: number;
  /** SAC: actor updates come every policyFrequency-th update, that many at once (CleanRL's policy_frequency). */
  policyFrequency: number;
  /** SAC: learn the entropy coefficient α towards targetEntropy (from α = 1); else α stays `alpha`. */
  autotune: boolean;
  /** SAC: the fixed entropy coefficient without autotune (CleanRL's alpha). */
  alpha: number;
  /** SAC: the entropy α is tuned towards; null = −(action dimensions), SB3's and CleanRL's. */
  targetEntropy: number | null;
  /** Updates between learning-statistics records (losses, mean Q, rates); 0 = none. */
  statsEvery: number;
  evalEvery: number;
  evalEpisodes: number;
  /** Eval episode i is reset with seed evalSeed + i, every time, so evals are comparable. */
  evalSeed: number;
  /** Which actor the evaluations play and checkpoints export as the policy (actor.bin). */
  evalActor: EvalActor;
  checkpointEvery: number;
  saveReplay: boolean;
  /** Seconds between progress lines when stdout is not a terminal. */
  logEvery: number;
}
