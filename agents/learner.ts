// The learner every algorithm shares: actor, critic(s) (DDPG one, TD3 and SAC two), their targets and
// Adam's moments as flat Float32 vectors in the checkpoint layout (networks.ts: the actor, then
// each critic), their initialisation, acting and state. The update itself is the algorithm's
// (ddpg.ts, td3.ts, sac.ts), computed by one of two backends (backends/):
//   'kernels' (default): our WebAssembly SIMD kernels on all threads sharing one memory
//                        (backends/kernel-core.ts; no tfjs involved) — DDPG, TD3 and SAC,
//   'tfjs':              hand-derived gradients on the running tfjs backend (backends/tfjs/),
//                        kept as an option and as the reference the kernels are tested against
//                        — DDPG only; loaded on demand (backends/choice.ts loadTfjs).
// test/agents/learner.test.ts, td3.test.ts and sac.test.ts check the gradients against tf.grad.
import { availableParallelism } from 'node:os';
import { actorSpec, criticSpec, initMlp, layerSlots, meanHead, mlpForward, paramCount, type MlpSpec } from './networks.ts';
import { interleave } from './backends/batch.ts';
import { activeTfjsBackend, loadedTfjs, loadTfjs, resolveBackend } from './backends/choice.ts';
import { KernelLearner } from './backends/kernel-core.ts';
import type {
  AdamConfig,
  BackendUpdate,
  Batch,
  LearnerBackend,
  LearnerState,
  LearnerVectors,
  Losses,
  TestFault,
} from './backends/types.ts';
import { DdpgKernelUpdate } from './ddpg.ts';
import { Td3KernelUpdate } from './td3.ts';
import { SacKernelUpdate } from './sac.ts';
import { SAC_HYPERPARAMETERS, TD3_HYPERPARAMETERS } from './defaults.ts';
import type { Algo, EvalActor, TrainConfig } from './train-config.ts';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';

export type { Batch, LearnerState, Losses };

export interface LearnerOptions {
  /** 'ddpg' (default), 'td3' or 'sac'. */
  algo?: Algo;
  obsDim: number;
  actDim: number;
  actorHidden: number[];
  criticHidden: number[];
  gamma: number;
  tau: number;
  actorLr: number;
  criticLr: number;
  /** Seeds the weight initialisation (drawn in JS, so identical on every backend). */
  seed: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEps?: number;
  /** 'auto' (default): the kernels where WebAssembly SIMD and threads run, else tfjs (loaded beforehand: loadTfjs). */
  backend?: LearnerBackend | 'auto';
  /**
   * tfjs backend only: how backprop multiplies by a transposed matrix. 'explicit' = tf.transpose
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
  /** TD3: target policy smoothing σ and clip (tanh action units), and the actor/target delay. */
  policyNoise?: number;
  noiseClip?: number;
  policyDelay?: number;
  /** SAC: see TrainConfig (policyFrequency, autotune, alpha, targetEntropy). */
  policyFrequency?: number;
  autotune?: boolean;
  alpha?: number;
  targetEntropy?: number | null;
  /**
   * Layer normalisation (no gain or bias) between each critic hidden layer's product and its
   * ReLU, as DroQ and CrossQ use to keep the critic steady at many updates per env step.
   * Kernels only (default false).
   */
  criticLayerNorm?: boolean;
  /** Breaks learning on purpose (tests only; kernels only; see backends/types.ts). */
  testFault?: TestFault | null;
}

/**
 * Times both backends on random batches of `batchSize` for `seconds` each and returns the faster
 * (with the figures, for the log). Used by the trainer when tfjs-node is installed: its native
 * TensorFlow may beat the kernels on big nets, and only a measurement on the machine can say.
 */
export function fasterBackend(
  opts: LearnerOptions,
  batchSize: number,
  seconds = 0.5,
): { backend: LearnerBackend; rates: Record<LearnerBackend, number> } {
  const rng = defaultRng([opts.seed, 0xca11b]);
  const f = (k: number) => Float32Array.from(rng.uniformArray(-1, 1, k));
  const B = batchSize;
  const batch: Batch = {
    size: B,
    obs: f(B * opts.obsDim),
    actions: f(B * opts.actDim),
    rewards: f(B),
    nextObs: f(B * opts.obsDim),
    terminated: new Float32Array(B),
  };
  const rate = (backend: LearnerBackend) => {
    const l = new Learner({ ...opts, backend });
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
  return { backend: rates.kernels >= rates.tfjs ? 'kernels' : 'tfjs', rates };
}

/** The learner's options for a run on these spaces. */
export function learnerOptions(c: TrainConfig, obsDim: number, actDim: number): LearnerOptions {
  const { algo, actorHidden, criticHidden, gamma, tau, actorLr, criticLr, seed, learnerThreads: threads } = c;
  const { policyNoise, noiseClip, policyDelay, criticLayerNorm, policyFrequency, autotune, alpha, targetEntropy } = c;
  return {
    algo,
    obsDim,
    actDim,
    actorHidden,
    criticHidden,
    gamma,
    tau,
    actorLr,
    criticLr,
    seed,
    threads,
    policyNoise,
    noiseClip,
    policyDelay,
    policyFrequency,
    autotune,
    alpha,
    targetEntropy,
    criticLayerNorm,
  };
}

/**
 * The learner of a run. 'auto' and 'kernels' mean our kernels where they run, a tfjs backend
 * name means tfjs (selectBackend started it; loaded here if not). 'auto' with tfjs-node running
 * times both on this run's sizes and keeps the faster.
 */
export async function learnerForRun(
  c: TrainConfig,
  obsDim: number,
  actDim: number,
  log: (line: string) => void,
  testFault: TestFault | null = null,
): Promise<Learner> {
  const opts: LearnerOptions = { ...learnerOptions(c, obsDim, actDim), testFault };
  let backend: LearnerBackend | 'auto' = c.backend === 'auto' ? 'auto' : c.backend === 'kernels' ? 'kernels' : 'tfjs';
  if (
    backend === 'auto' &&
    c.algo === 'ddpg' &&
    !c.criticLayerNorm &&
    activeTfjsBackend() === 'tensorflow' &&
    resolveBackend('auto').backend === 'kernels'
  ) {
    const timed = fasterBackend(opts, c.batchSize);
    log(
      `timed the learners on this run's sizes: kernels ${timed.rates.kernels.toFixed(0)} updates/s, ` +
        `tfjs-node ${timed.rates.tfjs.toFixed(0)} updates/s; using ${timed.backend}`,
    );
    backend = timed.backend;
  }
  if (resolveBackend(backend, c.algo).backend === 'tfjs') await loadTfjs();
  return new Learner({ ...opts, backend });
}

/** What every backend's update is built from, whatever the algorithm. */
interface BackendCommon {
  obsDim: number;
  actDim: number;
  gamma: number;
  size: number;
  threads: number;
  adam: AdamConfig;
}

export class Learner {
  readonly opts: Required<LearnerOptions>;
  readonly algo: Algo;
  readonly backend: LearnerBackend;
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly actorSize: number;
  /** Floats of ONE critic (TD3 and SAC have two, one after the other). */
  readonly criticSize: number;
  readonly critics: number;
  private readonly impl: BackendUpdate;
  /** Shared with the backend, which reads its lrScale at every update. */
  private readonly adam: AdamConfig;
  private readonly vectors: LearnerVectors;
  adamStep = 0;

  constructor(options: LearnerOptions) {
    this.opts = {
      algo: 'ddpg',
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      adamEps: 1e-8,
      backend: 'auto',
      transposeMode: activeTfjsBackend() === 'wasm' ? 'explicit' : 'native',
      threads: availableParallelism(),
      testFault: null,
      criticLayerNorm: false,
      ...TD3_HYPERPARAMETERS,
      ...SAC_HYPERPARAMETERS,
      ...options,
    };
    const { obsDim, actDim, actorHidden, criticHidden, threads, algo } = this.opts;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`learner threads must be a positive integer, got ${threads}`);
    this.algo = algo;
    this.backend = resolveBackend(this.opts.backend, algo).backend;
    this.critics = algo === 'ddpg' ? 1 : 2;
    // SAC's actor has two heads in one output layer: the mean, then the log std.
    this.actorSpec = actorSpec(obsDim, algo === 'sac' ? 2 * actDim : actDim, actorHidden);
    this.criticSpec = criticSpec(obsDim, actDim, criticHidden);
    this.actorSize = paramCount(this.actorSpec);
    this.criticSize = paramCount(this.criticSpec);
    const size = this.size;
    const adam: AdamConfig = (this.adam = {
      beta1: this.opts.adamBeta1,
      beta2: this.opts.adamBeta2,
      eps: this.opts.adamEps,
      tau: this.opts.tau,
      segments: [
        [this.actorSize, this.opts.actorLr],
        [size, this.opts.criticLr],
      ],
      lrScale: 1,
    });
    const common = { obsDim, actDim, gamma: this.opts.gamma, size, threads, adam };
    this.impl = this.backend === 'kernels' ? this.kernelUpdate(common) : this.tfjsUpdate(common);
    this.vectors = this.impl.vectors;
    // One stream: the actor, then each critic (TD3's second critic is initialised differently from its first).
    const rng = defaultRng(this.opts.seed);
    initMlp(this.actorSpec, rng, this.vectors.params, 0);
    for (let i = 0; i < this.critics; i++) initMlp(this.criticSpec, rng, this.vectors.params, this.criticBase(i));
    this.vectors.target.set(this.vectors.params);
  }

  private kernelUpdate(common: BackendCommon): BackendUpdate {
    const criticSlots = Array.from({ length: this.critics }, (_, i) => layerSlots(this.criticSpec, this.criticBase(i)));
    const { criticLayerNorm, testFault, policyNoise, noiseClip, policyDelay, seed } = this.opts;
    const core = new KernelLearner({ ...common, actorSlots: layerSlots(this.actorSpec, 0), criticSlots, criticLayerNorm, testFault });
    try {
      if (this.algo === 'sac') {
        const { policyFrequency, autotune, alpha, targetEntropy, criticLr: alphaLr, adamBeta1, adamBeta2, adamEps } = this.opts;
        const o = { policyFrequency, autotune, alpha, targetEntropy, alphaLr, adamBeta1, adamBeta2, adamEps, seed };
        return new SacKernelUpdate(core, o);
      }
      return this.algo === 'td3' ? new Td3KernelUpdate(core, { policyNoise, noiseClip, policyDelay, seed }) : new DdpgKernelUpdate(core);
    } catch (e) {
      core.dispose(); // its worker threads
      throw e;
    }
  }

  private tfjsUpdate(common: BackendCommon): BackendUpdate {
    if (this.opts.testFault) throw new Error('test faults exist on the kernels only');
    if (this.opts.criticLayerNorm)
      throw new Error(
        "the critic's layer normalisation runs on the learner's WebAssembly kernels only (the tfjs backend has none); " +
          'use --backend auto or kernels',
      );
    const tfjs = loadedTfjs();
    if (!tfjs)
      throw new Error(
        'the tfjs backend is not loaded: await selectBackend() or loadTfjs() (backends/choice.ts) before making a tfjs learner',
      );
    return new tfjs.TfjsDdpg({
      ...common,
      actorSpec: this.actorSpec,
      criticSpec: this.criticSpec,
      actorSize: this.actorSize,
      transposeMode: this.opts.transposeMode,
    });
  }

  /** Where critic i starts in the flat vectors. */
  criticBase(i = 0): number {
    return this.actorSize + i * this.criticSize;
  }

  get size(): number {
    return this.actorSize + this.critics * this.criticSize;
  }

  /** A line for the log: algorithm, backend and threads. */
  describe(): string {
    const threads = `${this.opts.threads} thread${this.opts.threads > 1 ? 's' : ''}`;
    const o = this.opts;
    const entropy = o.autotune ? `α tuned towards entropy ${o.targetEntropy ?? -o.actDim}` : `α ${o.alpha}`;
    const name = {
      ddpg: 'DDPG',
      td3: `TD3 (policy delay ${o.policyDelay}, target noise ${o.policyNoise} clipped at ${o.noiseClip})`,
      sac: `SAC (policy frequency ${o.policyFrequency}, ${entropy})`,
    }[this.algo];
    const algo = name + (o.criticLayerNorm ? ', critic with layer normalisation' : '');
    return this.backend === 'kernels'
      ? `learner: ${algo} on WebAssembly SIMD kernels, ${threads}`
      : `learner: ${algo} on tfjs ${activeTfjsBackend()} (${this.opts.transposeMode} transposes), ${threads}`;
  }

  /**
   * One update (the algorithm's: DDPG actor + critic + Polyak; TD3 critics, and every
   * policyDelay-th time actor + Polyak). With `wantStats`, its losses and mean Q, which the
   * update computes anyway (asking costs a few memory reads).
   */
  update(batch: Batch, wantStats = false): Losses | null {
    const n = this.adamStep + 1;
    const stats = this.impl.update(batch, n, wantStats);
    this.adamStep = n;
    return stats;
  }

  /**
   * The flat gradient of the algorithm's losses at the current parameters, laid out like them,
   * and the statistics. DDPG: [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] with
   * L_critic = mean((Q(s,a) − y)²), y = r + γ(1 − terminated)·Q'(s', μ'(s')), L_actor = −mean(Q(s, μ(s))).
   * TD3: see td3.ts.
   */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    return this.impl.gradients(batch);
  }

  /** What the actor's and critics' learning rates are multiplied by in the updates from now on (a schedule's factor; 1 = as configured). */
  get lrScale(): number {
    return this.adam.lrScale ?? 1;
  }

  set lrScale(f: number) {
    if (!(f >= 0 && f <= 1)) throw new RangeError(`the learning-rate factor must be in [0, 1], got ${f}`);
    this.adam.lrScale = f;
  }

  /** The deterministic policy's actions in [-1, 1] (μ(s); SAC: tanh(mean(s))) for n observations laid out row-major. */
  act(obs: Float32Array, n = 1): Float32Array {
    return this.impl.act(obs, n);
  }

  /**
   * What collection acts with before the trainer's exploration noise: SAC draws from its policy
   * (noise from `rng`, the trainer's stream); DDPG and TD3 act deterministically (act()).
   */
  explore(obs: Float32Array, n: number, rng: NumpyGenerator): Float32Array {
    return this.impl.explore ? this.impl.explore(obs, n, rng) : this.impl.act(obs, n);
  }

  /** Q(s, a) from online critic `critic` (plain JS), for inspection and tests. */
  q(obs: Float32Array, actions: Float32Array, n: number, critic = 0): Float32Array {
    const { obsDim, actDim } = this.opts;
    const x = interleave(obs, obsDim, actions, actDim, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++)
      out[i] = mlpForward(
        this.criticSpec,
        this.vectors.params,
        x.subarray(i * (obsDim + actDim), (i + 1) * (obsDim + actDim)),
        false,
        this.criticBase(critic),
      )[0];
    return out;
  }

  /**
   * The deterministic policy's parameters as saveActor writes them: the actor's slice of the
   * online (or target) vector; SAC (no target actor): its mean head (networks.ts meanHead).
   */
  actorParams(which: EvalActor = 'online'): Float32Array {
    if (this.algo === 'sac') {
      if (which === 'target') throw new Error('SAC has no target actor: its policy is the online one');
      return meanHead(this.actorSpec, this.vectors.params, this.opts.actDim);
    }
    return (which === 'target' ? this.vectors.target : this.vectors.params).slice(0, this.actorSize);
  }

  getState(): LearnerState {
    const copy = (a: Float32Array) => Float32Array.from(a); // never a view of shared memory
    const v = this.vectors;
    const state: LearnerState = {
      params: copy(v.params),
      target: copy(v.target),
      adamM: copy(v.adamM),
      adamV: copy(v.adamV),
      adamStep: this.adamStep,
    };
    return { ...state, ...this.impl.getExtraState?.() };
  }

  setState(st: LearnerState): void {
    for (const [name, arr] of Object.entries({ params: st.params, target: st.target, adamM: st.adamM, adamV: st.adamV })) {
      if (arr.length !== this.size)
        throw new Error(`learner state '${name}' has ${arr.length} floats, this ${this.algo.toUpperCase()} network needs ${this.size}`);
    }
    const v = this.vectors;
    v.params.set(st.params);
    v.target.set(st.target);
    v.adamM.set(st.adamM);
    v.adamV.set(st.adamV);
    this.adamStep = st.adamStep;
    this.impl.setExtraState?.(st);
    this.impl.invalidate();
  }

  dispose(): void {
    this.impl.dispose();
  }
}
