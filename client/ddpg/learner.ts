// The DDPG update (Lillicrap et al. 2016) with hand-derived gradients.
//
// Where the time goes on the wasm backend (bench/learner.ts, test/ddpg/learner.test.ts):
// - Only plain matMuls reach XNNPACK; matMul's transpose flags fall back to a naive loop
//   (~10x slower), so backprop multiplies by explicit tf.transpose results.
// - tfjs-wasm's Slice reads the WHOLE source tensor to the JS heap first, and sum over axis 0
//   transposes internally, so the update uses neither on large tensors: the parameters, target
//   parameters and Adam moments live in plain Float32Arrays (one flat vector, actor then
//   critic, the checkpoint layout), each layer's W and b are uploaded as their own tensors,
//   and each layer's gradient comes out of ONE matMul, [hᵀ; 1ᵀ]·dz = [∂W; ∂b], already in the
//   flat layout, to be downloaded straight into the gradient vector.
// - Adam and the Polyak update are one fused loop in JS over the flat vectors instead of a
//   dozen whole-vector tensor ops.
// - The critic's two passes (Q(s, a) for its own loss, Q(s, μ(s)) for the actor's) are run as
//   two batches against the same weight tensors, so XNNPACK packs each weight once and no
//   rows need slicing apart afterwards.
//
// Both gradients are computed from the same critic (before its step), as in the paper's
// algorithm box; implementations that step the critic first differ by one Adam step.
import * as tf from '@tensorflow/tfjs';
import { actorSpec, criticSpec, initMlp, layerSlots, paramCount, type LayerSlot, type MlpSpec } from './networks.ts';
import { defaultRng } from '../../protocol/random.ts';

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
}

/** A minibatch; actions are in the actor's [-1, 1] space, terminated is 1 or 0. */
export interface Batch {
  size: number;
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  terminated: Float32Array;
}

export interface Losses {
  critic: number;
  actor: number;
}

/** Everything needed to continue training bit-for-bit: parameters, targets and Adam state. */
export interface LearnerState {
  params: Float32Array;
  target: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  adamStep: number;
}

interface Layer {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

export class DdpgLearner {
  readonly opts: Required<LearnerOptions>;
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly actorSize: number;
  readonly criticSize: number;
  private readonly actorSlots: LayerSlot[];
  private readonly criticSlots: LayerSlot[];
  private readonly params: Float32Array;
  private readonly target: Float32Array;
  private readonly adamM: Float32Array;
  private readonly adamV: Float32Array;
  private readonly grads: Float32Array;
  /** The online actor's layer tensors, uploaded once per parameter change and shared by act() and update(). */
  private actorCache: Layer[] | null = null;
  adamStep = 0;

  constructor(options: LearnerOptions) {
    this.opts = { adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-8, transposeMode: 'explicit', ...options };
    const { obsDim, actDim, actorHidden, criticHidden } = this.opts;
    this.actorSpec = actorSpec(obsDim, actDim, actorHidden);
    this.criticSpec = criticSpec(obsDim, actDim, criticHidden);
    this.actorSize = paramCount(this.actorSpec);
    this.criticSize = paramCount(this.criticSpec);
    this.actorSlots = layerSlots(this.actorSpec, 0);
    this.criticSlots = layerSlots(this.criticSpec, this.actorSize);
    const n = this.actorSize + this.criticSize;
    this.params = new Float32Array(n);
    const rng = defaultRng(this.opts.seed);
    initMlp(this.actorSpec, rng, this.params, 0);
    initMlp(this.criticSpec, rng, this.params, this.actorSize);
    this.target = this.params.slice();
    this.adamM = new Float32Array(n);
    this.adamV = new Float32Array(n);
    this.grads = new Float32Array(n);
  }

  get size(): number {
    return this.actorSize + this.criticSize;
  }

  /** One gradient step on actor and critic, then the Polyak target update. */
  update(batch: Batch, wantLosses = false): Losses | null {
    let losses: Losses | null = null;
    tf.tidy(() => {
      const { criticLoss, actorLoss } = this.gradientsInto(batch, this.grads, wantLosses);
      if (wantLosses) losses = { critic: criticLoss!.dataSync()[0], actor: actorLoss!.dataSync()[0] };
    });
    this.applyGradients(this.grads);
    return losses;
  }

  /**
   * The flat gradient [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] for one batch, where
   * L_critic = mean((Q(s,a) − y)²), y = r + γ(1 − terminated)·Q'(s', μ'(s')), and
   * L_actor = −mean(Q(s, μ(s))). Call inside tf.tidy.
   */
  gradients(batch: Batch, wantLosses = false): { grads: tf.Tensor1D; criticLoss?: tf.Scalar; actorLoss?: tf.Scalar } {
    const out = new Float32Array(this.size);
    const { criticLoss, actorLoss } = this.gradientsInto(batch, out, wantLosses);
    return { grads: tf.tensor1d(out), criticLoss, actorLoss };
  }

  /** Adam (PyTorch's formulation) with per-segment learning rates, then θ' ← θ' + τ(θ − θ'). */
  applyGradients(g: Float32Array | tf.Tensor1D): void {
    const grad = g instanceof Float32Array ? g : (g.dataSync() as Float32Array);
    const { adamBeta1: b1, adamBeta2: b2, adamEps: eps, tau } = this.opts;
    this.invalidateActor();
    this.adamStep++;
    const bc1 = 1 - Math.pow(b1, this.adamStep);
    const rsBc2 = 1 / Math.sqrt(1 - Math.pow(b2, this.adamStep));
    const { params: p, target: t, adamM: m, adamV: v } = this;
    const segment = (from: number, to: number, lr: number) => {
      const stepSize = lr / bc1;
      for (let i = from; i < to; i++) {
        const gi = grad[i];
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
        const pi = (p[i] = p[i] - (stepSize * mi) / (Math.sqrt(vi) * rsBc2 + eps));
        t[i] = t[i] + tau * (pi - t[i]);
      }
    };
    segment(0, this.actorSize, this.opts.actorLr);
    segment(this.actorSize, this.size, this.opts.criticLr);
  }

  /** Deterministic actor output μ(s) in [-1, 1] for n observations laid out row-major. */
  act(obs: Float32Array, n = 1): Float32Array {
    const actor = this.onlineActor();
    return tf.tidy(() => last(forward(actor, tf.tensor2d(obs, [n, this.opts.obsDim]), true)).dataSync() as Float32Array);
  }

  /** Q(s, a) from the online critic, for inspection and tests. */
  q(obs: Float32Array, actions: Float32Array, n: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(interleave(obs, this.opts.obsDim, actions, this.opts.actDim, n), [n, this.opts.obsDim + this.opts.actDim]);
      return last(forward(upload(this.params, this.criticSlots), x, false)).dataSync() as Float32Array;
    });
  }

  /** The actor's slice of the online parameters (what saveActor writes). */
  actorParams(): Float32Array {
    return this.params.slice(0, this.actorSize);
  }

  getState(): LearnerState {
    return { params: this.params.slice(), target: this.target.slice(), adamM: this.adamM.slice(), adamV: this.adamV.slice(), adamStep: this.adamStep };
  }

  setState(st: LearnerState): void {
    for (const [name, arr] of Object.entries({ params: st.params, target: st.target, adamM: st.adamM, adamV: st.adamV })) {
      if (arr.length !== this.size) throw new Error(`learner state '${name}' has ${arr.length} floats, this network needs ${this.size}`);
    }
    this.invalidateActor();
    this.params.set(st.params);
    this.target.set(st.target);
    this.adamM.set(st.adamM);
    this.adamV.set(st.adamV);
    this.adamStep = st.adamStep;
  }

  dispose(): void {
    this.invalidateActor();
  }

  private onlineActor(): Layer[] {
    // tf.keep: the cache may be filled inside a caller's tf.tidy and must outlive it.
    if (!this.actorCache) this.actorCache = upload(this.params, this.actorSlots).map((l) => ({ w: tf.keep(l.w), b: tf.keep(l.b) }));
    return this.actorCache;
  }

  private invalidateActor(): void {
    for (const l of this.actorCache ?? []) {
      l.w.dispose();
      l.b.dispose();
    }
    this.actorCache = null;
  }

  /** Writes the flat gradient into `out`. Call inside tf.tidy. */
  private gradientsInto(batch: Batch, out: Float32Array, wantLosses: boolean): { criticLoss?: tf.Scalar; actorLoss?: tf.Scalar } {
    const { obsDim, actDim, gamma } = this.opts;
    const B = batch.size;
    const s = tf.tensor2d(batch.obs, [B, obsDim]);
    const s2 = tf.tensor2d(batch.nextObs, [B, obsDim]);
    const sa = tf.tensor2d(interleave(batch.obs, obsDim, batch.actions, actDim, B), [B, obsDim + actDim]);
    const r = tf.tensor2d(batch.rewards, [B, 1]);
    // γ(1 − terminated) folded on the host: a time-limit truncation stored terminated=0 still bootstraps.
    const discount = new Float32Array(B);
    for (let i = 0; i < B; i++) discount[i] = gamma * (1 - batch.terminated[i]);
    const disc = tf.tensor2d(discount, [B, 1]);

    const actor = this.onlineActor();
    const critic = upload(this.params, this.criticSlots);
    const actorT = upload(this.target, this.actorSlots);
    const criticT = upload(this.target, this.criticSlots);

    const aNext = last(forward(actorT, s2, true));
    const qNext = last(forward(criticT, tf.concat([s2, aNext], 1), false));
    const y = tf.add(r, tf.mul(disc, qNext));

    const memo = new Map<tf.Tensor, tf.Tensor2D>();
    // Critic loss: weight gradients through Q(s, a).
    const criticActs = forward(critic, sa, false);
    const td = tf.sub(last(criticActs), y);
    this.backward(critic, this.criticSlots, criticActs, tf.mul(td, 2 / B) as tf.Tensor2D, out, memo);

    // Actor loss: −mean Q(s, μ(s)) back through the critic (no critic weight gradients) to the action.
    const actorActs = forward(actor, s, true);
    const aPi = last(actorActs);
    const piActs = forward(critic, tf.concat([s, aPi], 1), false);
    const dz0 = this.backward(critic, null, piActs, tf.fill([B, 1], -1 / B) as tf.Tensor2D, null, memo);
    // ∂L/∂a = dz0 · W0[obs rows..]ᵀ: the action rows of the critic's first W are contiguous in the flat vector.
    const c0 = this.criticSlots[0];
    const wAct = tf.tensor2d(this.params.subarray(c0.wOffset + obsDim * c0.outSize, c0.wOffset + (obsDim + actDim) * c0.outSize), [actDim, c0.outSize]);
    const dAction = this.matMulBt(dz0, wAct);
    const dzActor = tf.mul(dAction, tf.sub(1, tf.square(aPi))) as tf.Tensor2D;
    this.backward(actor, this.actorSlots, actorActs, dzActor, out, memo);
    if (!wantLosses) return {};
    return { criticLoss: tf.mean(tf.square(td)) as tf.Scalar, actorLoss: tf.neg(tf.mean(last(piActs))) as tf.Scalar };
  }

  /** a @ bᵀ; with `memo`, bᵀ is transposed once per gradient computation (the critic's W are used by both passes). */
  private matMulBt(a: tf.Tensor2D, b: tf.Tensor2D, memo?: Map<tf.Tensor, tf.Tensor2D>): tf.Tensor2D {
    if (this.opts.transposeMode === 'native') return tf.matMul(a, b, false, true);
    let bT = memo?.get(b);
    if (!bT) {
      bT = tf.transpose(b);
      memo?.set(b, bT);
    }
    return tf.matMul(a, bT);
  }

  /** [∂W; ∂b] = [hᵀ; 1ᵀ]·dz, flattened exactly like the layer's W then b. */
  private layerGrad(h: tf.Tensor2D, dz: tf.Tensor2D): tf.Tensor2D {
    const rows = h.shape[0];
    return this.opts.transposeMode === 'native'
      ? tf.matMul(tf.concat([h, tf.ones([rows, 1])], 1), dz, true, false)
      : tf.matMul(tf.concat([tf.transpose(h), tf.ones([1, rows])], 0), dz);
  }

  /**
   * Backprop through an MLP given dL/d(last pre-activation). With `slots`/`out`, each layer's
   * [∂W; ∂b] is downloaded into `out` at its offset. Returns dL/d(first pre-activation).
   */
  private backward(layers: Layer[], slots: LayerSlot[] | null, acts: tf.Tensor2D[], dOut: tf.Tensor2D, out: Float32Array | null, memo: Map<tf.Tensor, tf.Tensor2D>): tf.Tensor2D {
    let dz = dOut;
    for (let l = layers.length - 1; l >= 0; l--) {
      const hIn = acts[l];
      if (slots && out) out.set(this.layerGrad(hIn, dz).dataSync(), slots[l].wOffset);
      if (l > 0) dz = tf.mul(this.matMulBt(dz, layers[l].w, memo), tf.step(hIn)) as tf.Tensor2D; // ReLU': h > 0 exactly where its pre-activation was
    }
    return dz;
  }
}

/** Each layer's W and b as their own tensors (copied out of the flat vector). */
function upload(flat: Float32Array, slots: LayerSlot[]): Layer[] {
  return slots.map((s) => ({
    w: tf.tensor2d(flat.subarray(s.wOffset, s.wOffset + s.inSize * s.outSize), [s.inSize, s.outSize]),
    b: tf.tensor1d(flat.subarray(s.bOffset, s.bOffset + s.outSize)),
  }));
}

/** Activations [input, h1, ..., output] of an MLP: fused matMul+bias+ReLU per hidden layer. */
function forward(layers: Layer[], x: tf.Tensor2D, tanhOutput: boolean): tf.Tensor2D[] {
  const acts = [x];
  let h = x;
  layers.forEach((layer, l) => {
    const hidden = l < layers.length - 1;
    h = tf.fused.matMul({ a: h, b: layer.w, bias: layer.b, activation: hidden ? 'relu' : 'linear' }) as tf.Tensor2D;
    if (!hidden && tanhOutput) h = tf.tanh(h) as tf.Tensor2D;
    acts.push(h);
  });
  return acts;
}

function last<T>(xs: T[]): T {
  return xs[xs.length - 1];
}

/** Row-wise [a | b] of two row-major matrices with n rows. */
function interleave(a: Float32Array, da: number, b: Float32Array, db: number, n: number): Float32Array {
  const out = new Float32Array(n * (da + db));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * da, (i + 1) * da), i * (da + db));
    out.set(b.subarray(i * db, (i + 1) * db), i * (da + db) + da);
  }
  return out;
}
