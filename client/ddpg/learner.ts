// The DDPG update (Lillicrap et al. 2016) with hand-derived gradients (learner-gradients.ts
// explains the choices that make it fast on the wasm backend; test/ddpg/learner.test.ts checks
// the gradients against tf.grad).
//
// Parameters, target parameters and Adam moments live in plain Float32Arrays (one flat vector,
// actor then critic: the checkpoint layout), so Adam and the Polyak update are one fused loop
// in JS instead of a dozen whole-vector tensor ops (learner-adam.ts), and with `threads` > 1
// worker threads work straight on them in shared memory (learner-threads.ts).
//
// Both gradients are computed from the same critic (before its step), as in the paper's
// algorithm box; implementations that step the critic first differ by one Adam step.
import * as tf from '@tensorflow/tfjs';
import { actorSpec, criticSpec, initMlp, layerSlots, paramCount, type MlpSpec } from './networks.ts';
import { batchRows, forward, GradientPass, interleave, last, type Batch, type Losses } from './learner-gradients.ts';
import { GradientWorker } from './learner-threads.ts';
import { adamPolyak, type AdamConfig } from './learner-adam.ts';
import type { BackendName } from './backend.ts';
import { defaultRng } from '../../protocol/random.ts';

export type { Batch, Losses };

export interface LearnerOptions {
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
  /**
   * How backprop multiplies by a transposed matrix: 'explicit' = tf.transpose then a plain
   * matMul (fast on wasm), 'native' = matMul's transpose flags (fine on tfjs-node).
   */
  transposeMode?: 'explicit' | 'native';
  /**
   * Threads computing each update's gradient (default 1). With n > 1, n − 1 worker threads
   * (each with its own tfjs backend, the one running here) take equal shares of the batch's
   * rows. Worth it only when a core is free: the env needs CPU too.
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

export class DdpgLearner {
  readonly opts: Required<LearnerOptions>;
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly actorSize: number;
  readonly criticSize: number;
  private readonly params: Float32Array;
  private readonly target: Float32Array;
  private readonly adamM: Float32Array;
  private readonly adamV: Float32Array;
  /** One gradient buffer per thread (this thread's first). */
  private readonly grads: Float32Array[];
  private readonly adam: AdamConfig;
  /** Where each thread's Adam range starts (this thread's is [0, adamCuts[1])). */
  private readonly adamCuts: number[];
  private readonly pass: GradientPass;
  private readonly workers: GradientWorker[] = [];
  adamStep = 0;

  constructor(options: LearnerOptions) {
    this.opts = { adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-8, transposeMode: 'explicit', threads: 1, ...options };
    const { obsDim, actDim, actorHidden, criticHidden, threads } = this.opts;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`learner threads must be a positive integer, got ${threads}`);
    this.actorSpec = actorSpec(obsDim, actDim, actorHidden);
    this.criticSpec = criticSpec(obsDim, actDim, criticHidden);
    this.actorSize = paramCount(this.actorSpec);
    this.criticSize = paramCount(this.criticSpec);
    const n = this.actorSize + this.criticSize;
    const floats = () => new Float32Array(threads > 1 ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
    this.params = floats();
    this.target = floats();
    const rng = defaultRng(this.opts.seed);
    initMlp(this.actorSpec, rng, this.params, 0);
    initMlp(this.criticSpec, rng, this.params, this.actorSize);
    this.target.set(this.params);
    this.adamM = floats();
    this.adamV = floats();
    this.grads = Array.from({ length: threads }, floats);
    this.adam = {
      beta1: this.opts.adamBeta1,
      beta2: this.opts.adamBeta2,
      eps: this.opts.adamEps,
      tau: this.opts.tau,
      segments: [
        [this.actorSize, this.opts.actorLr],
        [n, this.opts.criticLr],
      ],
    };
    this.adamCuts = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * n) / threads));
    const gradients = {
      obsDim,
      actDim,
      gamma: this.opts.gamma,
      transposeMode: this.opts.transposeMode,
      actorSlots: layerSlots(this.actorSpec, 0),
      criticSlots: layerSlots(this.criticSpec, this.actorSize),
    };
    this.pass = new GradientPass(gradients, this.params, this.target);
    const shared = (a: Float32Array) => a.buffer as SharedArrayBuffer;
    for (let i = 1; i < threads; i++) {
      this.workers.push(
        new GradientWorker({
          backend: tf.getBackend() as BackendName,
          gradients,
          adam: this.adam,
          params: shared(this.params),
          target: shared(this.target),
          m: shared(this.adamM),
          v: shared(this.adamV),
          grads: this.grads.map(shared),
          index: i,
          from: this.adamCuts[i],
          to: this.adamCuts[i + 1],
        }),
      );
    }
  }

  get size(): number {
    return this.actorSize + this.criticSize;
  }

  /** One gradient step on actor and critic, then the Polyak target update. */
  update(batch: Batch, wantLosses = false): Losses | null {
    if (this.workers.length === 0) {
      const losses = this.pass.compute(batch, this.grads[0], batch.size, wantLosses);
      this.applyGradients(this.grads[0]);
      return losses;
    }
    const B = batch.size;
    const { obsDim, actDim } = this.opts;
    // Equal shares of the rows; this thread takes the first (and any remainder).
    const share = Math.floor(B / (this.workers.length + 1));
    const own = B - share * this.workers.length;
    const step = this.adamStep + 1;
    this.workers.forEach((w, i) => w.start(share > 0 ? batchRows(batch, own + i * share, own + (i + 1) * share, obsDim, actDim) : null, B, wantLosses, step));
    const losses = this.pass.compute(batchRows(batch, 0, own, obsDim, actDim), this.grads[0], B, wantLosses);
    for (const w of this.workers) {
      const l = w.gradientDone(wantLosses);
      if (losses && l) [losses.critic, losses.actor] = [losses.critic + l.critic, losses.actor + l.actor];
    }
    this.pass.invalidate();
    this.adamStep = step;
    for (const w of this.workers) w.startAdam();
    adamPolyak(this.adam, { params: this.params, target: this.target, m: this.adamM, v: this.adamV }, this.grads, step, 0, this.adamCuts[1]);
    for (const w of this.workers) w.adamDone();
    return losses;
  }

  /**
   * The flat gradient [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] for one batch (on this thread),
   * where L_critic = mean((Q(s,a) − y)²), y = r + γ(1 − terminated)·Q'(s', μ'(s')), and
   * L_actor = −mean(Q(s, μ(s))).
   */
  gradients(batch: Batch, wantLosses = false): { grads: tf.Tensor1D; criticLoss?: tf.Scalar; actorLoss?: tf.Scalar } {
    const out = new Float32Array(this.size);
    const l = this.pass.compute(batch, out, batch.size, wantLosses);
    return { grads: tf.tensor1d(out), ...(l ? { criticLoss: tf.scalar(l.critic), actorLoss: tf.scalar(l.actor) } : {}) };
  }

  /** Adam (PyTorch's formulation) with per-segment learning rates, then θ' ← θ' + τ(θ − θ'), on this thread. */
  applyGradients(g: Float32Array | tf.Tensor1D): void {
    const grad = g instanceof Float32Array ? g : (g.dataSync() as Float32Array);
    this.pass.invalidate();
    this.adamStep++;
    adamPolyak(this.adam, { params: this.params, target: this.target, m: this.adamM, v: this.adamV }, [grad], this.adamStep, 0, this.size);
  }

  /** Deterministic actor output μ(s) in [-1, 1] for n observations laid out row-major. */
  act(obs: Float32Array, n = 1): Float32Array {
    const actor = this.pass.onlineActor();
    return tf.tidy(() => last(forward(actor, tf.tensor2d(obs, [n, this.opts.obsDim]), true)).dataSync() as Float32Array);
  }

  /** Q(s, a) from the online critic, for inspection and tests. */
  q(obs: Float32Array, actions: Float32Array, n: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(interleave(obs, this.opts.obsDim, actions, this.opts.actDim, n), [n, this.opts.obsDim + this.opts.actDim]);
      return last(forward(this.pass.onlineCritic(), x, false)).dataSync() as Float32Array;
    });
  }

  /** The actor's slice of the online parameters (what saveActor writes). */
  actorParams(): Float32Array {
    return this.params.slice(0, this.actorSize);
  }

  getState(): LearnerState {
    const copy = (a: Float32Array) => Float32Array.from(a); // never a view of shared memory
    return { params: copy(this.params), target: copy(this.target), adamM: copy(this.adamM), adamV: copy(this.adamV), adamStep: this.adamStep };
  }

  setState(st: LearnerState): void {
    for (const [name, arr] of Object.entries({ params: st.params, target: st.target, adamM: st.adamM, adamV: st.adamV })) {
      if (arr.length !== this.size) throw new Error(`learner state '${name}' has ${arr.length} floats, this network needs ${this.size}`);
    }
    this.pass.invalidate();
    this.params.set(st.params);
    this.target.set(st.target);
    this.adamM.set(st.adamM);
    this.adamV.set(st.adamV);
    this.adamStep = st.adamStep;
  }

  dispose(): void {
    this.pass.invalidate();
    for (const w of this.workers.splice(0)) w.dispose();
  }
}
