// What the learner's backends share: the minibatch, the statistics an update reports, the flat
// vectors every backend keeps in the checkpoint layout (networks.ts: the actor, then each
// critic), and the per-update contract each backend's algorithm implements. A leaf: it imports
// only types, so every backend and algorithm can depend on it.
import type { GeneratorState, NumpyGenerator } from '../../protocol/random.ts';

/** Transitions row by row (replay's storage, a minibatch): actions in the actor's [-1, 1] space, terminated 1 or 0. */
export interface Transitions {
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  terminated: Float32Array;
  /** Env steps from obs to nextObs (n-step returns: the bootstrap is discounted by γ^k); absent = 1 for every row. */
  horizon?: Float32Array;
}

/** A minibatch of `size` rows. */
export interface Batch extends Transitions {
  size: number;
  /** TD3 only: the target policy smoothing noise (size x actDim, already clipped); drawn by the learner when absent. */
  targetNoise?: Float32Array;
  /**
   * SAC only: the standard normal noise of its policy samples (size x actDim each): at s' for
   * the critics' target, at s for the actor's loss (its first pass); drawn by the learner when absent.
   */
  sacNoise?: { next: Float32Array; current: Float32Array };
}

/** What an update reports when asked (batch means): the critic's TD loss, the actor's loss and Q(s, a). */
export interface Losses {
  /** mean (Q(s, a) − y)² (TD3, SAC: the mean over their two critics). */
  critic: number;
  /** −mean Q(s, μ(s)) (TD3: of its first critic, from its last actor update; SAC: mean(α·log π − min(Q₁, Q₂)), from its last). */
  actor: number;
  /** mean Q(s, a) over the batch (TD3, SAC: the first critic). */
  q: number;
  /** TD3, SAC: mean Q₂(s, a). */
  q2?: number;
  /** SAC: the entropy coefficient α the update used, and mean log π(a|s) of the actor's samples (−entropy). */
  alpha?: number;
  logPi?: number;
}

/** Adam's settings, shared with the backend, which reads lrScale at every update. */
export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  tau: number;
  /** Learning rate per segment: [end, lr] pairs in increasing end order (actor, then critic). */
  segments: [number, number][];
  /** Multiplies every segment's rate: a learning-rate schedule's factor for this update (default 1). */
  lrScale?: number;
}

/** What a TD3 learner carries besides the flat vectors: its actor's Adam step count and its noise stream. */
export interface Td3State {
  actorSteps: number;
  rng: GeneratorState;
}

/** What a SAC learner carries besides the flat vectors: actor steps, its noise stream, log α and α's Adam moments. */
export interface SacState {
  actorSteps: number;
  rng: GeneratorState;
  logAlpha: number;
  alphaM: number;
  alphaV: number;
}

/** The algorithm's own state beyond the flat vectors (TD3's or SAC's). */
export interface ExtraState {
  td3?: Td3State;
  sac?: SacState;
}

/** Everything needed to continue training bit-for-bit: parameters, targets and Adam state. */
export interface LearnerState extends ExtraState {
  params: Float32Array;
  target: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  /** Updates so far (the critics' Adam step count; DDPG's actor's too). */
  adamStep: number;
}

/** The learner's flat vectors (views of the backend's memory). */
export type LearnerVectors = Omit<LearnerState, 'adamStep' | 'td3' | 'sac'>;

/**
 * Ways to break learning on purpose, for the test that checks learning breaks when they happen
 * (test/agents/learning.test.ts). Set only through the Learner's and train()'s options in code:
 * no flag or config key reaches them. The kernel core applies them (kernel-core.ts), so the
 * algorithms' updates never see them.
 */
export type TestFault = 'actor-gradient-sign' | 'no-target-network';

/**
 * What computes an algorithm's updates: the per-step contract every backend implements
 * (the kernels: ddpg.ts, td3.ts, sac.ts; tfjs: tfjs/ddpg.ts).
 */
export interface BackendUpdate {
  readonly vectors: LearnerVectors;
  /** Update number `n` (1-based, one per minibatch); the statistics when asked (read from the plan's output, no extra pass). */
  update(batch: Batch, n: number, wantStats: boolean): Losses | null;
  /** The flat gradient of the algorithm's losses at the current parameters, and the statistics. */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses };
  /** The deterministic policy's actions for n observations (μ(s); SAC: tanh(mean(s))). */
  act(obs: Float32Array, n: number): Float32Array;
  /** A stochastic policy's draw for collection, noise from `rng` (SAC); absent: act(), the trainer adds the noise. */
  explore?(obs: Float32Array, n: number, rng: NumpyGenerator): Float32Array;
  /** The algorithm's own state beyond the flat vectors (TD3's and SAC's actor steps and noise streams, SAC's α). */
  getExtraState?(): ExtraState;
  setExtraState?(s: ExtraState): void;
  /** Call after the vectors were written from outside. */
  invalidate(): void;
  dispose(): void;
}

/** tfjs's own backends, by tfjs's names for them. */
export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** The learner's backend: our WebAssembly kernels, or tfjs on one of its backends. */
export type BackendName = 'kernels' | TfjsBackendName;
/** What --backend takes: a backend, 'node' (= tensorflow, from tfjs-node), or 'auto'. */
export const BACKEND_CHOICES = ['auto', 'kernels', 'tensorflow', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
/** Which of the two update implementations a Learner runs. */
export type LearnerBackend = 'kernels' | 'tfjs';
