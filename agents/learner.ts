// The DDPG learner (Lillicrap et al. 2016): actor, critic, their targets and one Adam, as flat
// Float32 vectors in the checkpoint layout (networks.ts), and the update. Two engines compute it:
//   'kernels' (default): our WebAssembly SIMD kernels on all threads sharing one memory
//                        (learner-kernels.ts; no tfjs involved),
//   'tfjs':              hand-derived gradients on the running tfjs backend (learner-tfjs.ts),
//                        kept as an option and as the reference the kernels are tested against.
// Both differentiate the two losses at the same critic (the paper's algorithm box);
// test/agents/learner.test.ts checks both against tf.grad.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { actorSpec, criticSpec, initMlp, layerSlots, mlpForward, paramCount, type MlpSpec } from './networks.ts';
import { interleave, type Batch, type Losses } from './learner-gradients.ts';
import type { AdamConfig } from './learner-adam.ts';
import { KernelDdpg } from './learner-kernels.ts';
import { TfjsDdpg } from './learner-tfjs.ts';
import { kernelsUnavailable } from './kernels/engine.ts';
import { defaultRng } from '../protocol/random.ts';

export type { Batch, Losses };

export type LearnerEngine = 'kernels' | 'tfjs';

export interface LearnerOptions {
  obsDim: number;
  actDim: number;
  actorHidden: number[];
  criticHidden: number[];
  gamma: number;
  tau: number;
  actorLr: number;
  criticLr: number;
  /** Seeds the weight initialisation (drawn in JS, so identical on every engine). */
  seed: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEps?: number;
  /** 'auto' (default): the kernels where WebAssembly SIMD and threads run, else tfjs. */
  engine?: LearnerEngine | 'auto';
  /**
   * tfjs engine only: how backprop multiplies by a transposed matrix. 'explicit' = tf.transpose
   * then a plain matMul (tfjs-wasm's transpose flags fall back to a slow loop), 'native' =
   * matMul's flags (tfjs-node and cpu). Default: explicit on the wasm backend, native elsewhere.
   */
  transposeMode?: 'explicit' | 'native';
  /**
   * Threads computing each update (default: os.availableParallelism()). Kernels: every op is
   * split over the threads, and results do not depend on their number. tfjs: n − 1 workers
   * (each with its own backend) take shares of the batch's rows; results equal 1 thread up to
   * float rounding.
   */
  threads?: number;
}

/** Everything needed to continue training bit-for-bit: parameters, targets and Adam state. */
export interface LearnerState {
  params: Float32Array;
  target: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  adamStep: number;
}

/** The learner's flat vectors (views of the engine's memory). */
export type LearnerVectors = Omit<LearnerState, 'adamStep'>;

/** Which engine 'auto' means here, and why (for the log). */
export function resolveEngine(choice: LearnerEngine | 'auto' = 'auto'): { engine: LearnerEngine; why: string } {
  if (choice === 'tfjs') return { engine: 'tfjs', why: 'asked for' };
  const missing = kernelsUnavailable();
  if (missing === null) return { engine: 'kernels', why: choice === 'auto' ? 'WebAssembly SIMD + threads available' : 'asked for' };
  if (choice === 'kernels') throw new Error(`the learner's WebAssembly kernels cannot run here: ${missing}`);
  return { engine: 'tfjs', why: `WebAssembly kernels unavailable (${missing})` };
}

/**
 * Times both engines on random batches of `batchSize` for `seconds` each and returns the faster
 * (with the figures, for the log). Used by the trainer when tfjs-node is installed: its native
 * TensorFlow may beat the kernels on big nets, and only a measurement on the machine can say.
 */
export function fasterEngine(opts: LearnerOptions, batchSize: number, seconds = 0.5): { engine: LearnerEngine; rates: Record<LearnerEngine, number> } {
  const rng = defaultRng([opts.seed, 0xca11b]);
  const f = (k: number) => Float32Array.from(rng.uniformArray(-1, 1, k));
  const B = batchSize;
  const batch: Batch = { size: B, obs: f(B * opts.obsDim), actions: f(B * opts.actDim), rewards: f(B), nextObs: f(B * opts.obsDim), terminated: new Float32Array(B) };
  const rate = (engine: LearnerEngine) => {
    const l = new DdpgLearner({ ...opts, engine });
    try {
      l.update(batch); // first-update costs (plans, buffers) are not the steady state
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < seconds * 1000) {
        l.update(batch);
        n++;
      }
      return n / ((performance.now() - t0) / 1000);
    } finally {
      l.dispose();
    }
  };
  const rates = { kernels: rate('kernels'), tfjs: rate('tfjs') };
  return { engine: rates.kernels >= rates.tfjs ? 'kernels' : 'tfjs', rates };
}

export class DdpgLearner {
  readonly opts: Required<LearnerOptions>;
  readonly engine: LearnerEngine;
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly actorSize: number;
  readonly criticSize: number;
  private readonly vectors: LearnerVectors;
  private readonly kernels: KernelDdpg | null = null;
  private readonly tfjs: TfjsDdpg | null = null;
  adamStep = 0;

  constructor(options: LearnerOptions) {
    const tfBackend = tf.getBackend();
    this.opts = {
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      adamEps: 1e-8,
      engine: 'auto',
      transposeMode: tfBackend === 'wasm' ? 'explicit' : 'native',
      threads: availableParallelism(),
      ...options,
    };
    const { obsDim, actDim, actorHidden, criticHidden, threads } = this.opts;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`learner threads must be a positive integer, got ${threads}`);
    this.engine = resolveEngine(this.opts.engine).engine;
    this.actorSpec = actorSpec(obsDim, actDim, actorHidden);
    this.criticSpec = criticSpec(obsDim, actDim, criticHidden);
    this.actorSize = paramCount(this.actorSpec);
    this.criticSize = paramCount(this.criticSpec);
    const size = this.size;
    const adam: AdamConfig = {
      beta1: this.opts.adamBeta1,
      beta2: this.opts.adamBeta2,
      eps: this.opts.adamEps,
      tau: this.opts.tau,
      segments: [
        [this.actorSize, this.opts.actorLr],
        [size, this.opts.criticLr],
      ],
    };
    const common = { obsDim, actDim, gamma: this.opts.gamma, size, threads, adam };
    if (this.engine === 'kernels') {
      this.kernels = new KernelDdpg({ ...common, actorSlots: layerSlots(this.actorSpec, 0), criticSlots: layerSlots(this.criticSpec, this.actorSize) });
      this.vectors = this.kernels.vectors;
    } else {
      this.tfjs = new TfjsDdpg({ ...common, actorSpec: this.actorSpec, criticSpec: this.criticSpec, actorSize: this.actorSize, transposeMode: this.opts.transposeMode });
      this.vectors = this.tfjs.vectors;
    }
    const rng = defaultRng(this.opts.seed);
    initMlp(this.actorSpec, rng, this.vectors.params, 0);
    initMlp(this.criticSpec, rng, this.vectors.params, this.actorSize);
    this.vectors.target.set(this.vectors.params);
  }

  get size(): number {
    return this.actorSize + this.criticSize;
  }

  /** A line for the log: engine, threads and (tfjs) backend. */
  describe(): string {
    return this.engine === 'kernels'
      ? `learner: WebAssembly SIMD kernels, ${this.opts.threads} thread${this.opts.threads > 1 ? 's' : ''}`
      : `learner: tfjs ${tf.getBackend()} (${this.opts.transposeMode} transposes), ${this.opts.threads} thread${this.opts.threads > 1 ? 's' : ''}`;
  }

  /** One gradient step on actor and critic, then the Polyak target update. */
  update(batch: Batch, wantLosses = false): Losses | null {
    const step = this.adamStep + 1;
    const losses = this.kernels ? this.kernels.update(batch, step, wantLosses) : this.tfjs!.update(batch, step, wantLosses);
    this.adamStep = step;
    return losses;
  }

  /**
   * The flat gradient [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] for one batch, where
   * L_critic = mean((Q(s,a) − y)²), y = r + γ(1 − terminated)·Q'(s', μ'(s')), and
   * L_actor = −mean(Q(s, μ(s))); and both losses.
   */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    return this.kernels ? this.kernels.gradients(batch) : this.tfjs!.gradients(batch);
  }

  /** Adam (PyTorch's formulation) with per-segment learning rates, then θ' ← θ' + τ(θ − θ'). */
  applyGradients(grad: Float32Array): void {
    if (grad.length !== this.size) throw new Error(`gradient has ${grad.length} floats, this network needs ${this.size}`);
    this.adamStep++;
    if (this.kernels) this.kernels.applyGradients(grad, this.adamStep);
    else this.tfjs!.applyGradients(grad, this.adamStep);
  }

  /** Deterministic actor output μ(s) in [-1, 1] for n observations laid out row-major. */
  act(obs: Float32Array, n = 1): Float32Array {
    return this.kernels ? this.kernels.act(obs, n) : this.tfjs!.act(obs, n);
  }

  /** Q(s, a) from the online critic (plain JS), for inspection and tests. */
  q(obs: Float32Array, actions: Float32Array, n: number): Float32Array {
    const { obsDim, actDim } = this.opts;
    const x = interleave(obs, obsDim, actions, actDim, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mlpForward(this.criticSpec, this.vectors.params, x.subarray(i * (obsDim + actDim), (i + 1) * (obsDim + actDim)), false, this.actorSize)[0];
    return out;
  }

  /** The actor's slice of the online parameters (what saveActor writes). */
  actorParams(): Float32Array {
    return this.vectors.params.slice(0, this.actorSize);
  }

  getState(): LearnerState {
    const copy = (a: Float32Array) => Float32Array.from(a); // never a view of shared memory
    const v = this.vectors;
    return { params: copy(v.params), target: copy(v.target), adamM: copy(v.adamM), adamV: copy(v.adamV), adamStep: this.adamStep };
  }

  setState(st: LearnerState): void {
    for (const [name, arr] of Object.entries({ params: st.params, target: st.target, adamM: st.adamM, adamV: st.adamV })) {
      if (arr.length !== this.size) throw new Error(`learner state '${name}' has ${arr.length} floats, this network needs ${this.size}`);
    }
    const v = this.vectors;
    v.params.set(st.params);
    v.target.set(st.target);
    v.adamM.set(st.adamM);
    v.adamV.set(st.adamV);
    this.adamStep = st.adamStep;
    this.tfjs?.invalidate();
  }

  dispose(): void {
    this.kernels?.dispose();
    this.tfjs?.dispose();
  }
}
