// The DDPG update (Lillicrap et al. 2016) with hand-derived gradients.
//
// Why not tf.variableGrads: on the wasm backend the transposed matmuls autodiff emits for
// backprop run ~7-15x slower than plain ones, and every tiny op costs dispatch time. Here the
// backward pass is written out with explicit tf.transpose + plain matMul, the critic's two
// forward passes (on replay actions and on μ(s)) share one batch of 2B rows, and all
// parameters (actor then critic) live in ONE flat vector so Adam and the Polyak update are a
// dozen elementwise ops in total. bench/learner.ts measures this against the autodiff version,
// and test/ddpg/learner.test.ts checks the gradients against tf.grad.
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
  private readonly params: tf.Variable;
  private readonly target: tf.Variable;
  private readonly adamM: tf.Variable;
  private readonly adamV: tf.Variable;
  private readonly lrVec: tf.Tensor1D;
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
    const init = new Float32Array(this.actorSize + this.criticSize);
    const rng = defaultRng(this.opts.seed);
    initMlp(this.actorSpec, rng, init, 0);
    initMlp(this.criticSpec, rng, init, this.actorSize);
    // Inside tidy so the initial-value tensors are released (a variable shares their data).
    [this.params, this.target, this.adamM, this.adamV] = tf.tidy(() => [
      tf.variable(tf.tensor1d(init), false),
      tf.variable(tf.tensor1d(init), false),
      tf.variable(tf.zeros([init.length]), false),
      tf.variable(tf.zeros([init.length]), false),
    ]);
    const lr = new Float32Array(init.length);
    lr.fill(this.opts.actorLr, 0, this.actorSize);
    lr.fill(this.opts.criticLr, this.actorSize);
    this.lrVec = tf.tensor1d(lr);
  }

  get size(): number {
    return this.actorSize + this.criticSize;
  }

  /** One gradient step on actor and critic, then the Polyak target update. No host sync unless losses are asked for. */
  update(batch: Batch, wantLosses = false): Losses | null {
    let losses: Losses | null = null;
    tf.tidy(() => {
      const { grads, criticLoss, actorLoss } = this.gradients(batch, wantLosses);
      this.applyGradients(grads);
      if (wantLosses) losses = { critic: criticLoss!.dataSync()[0], actor: actorLoss!.dataSync()[0] };
    });
    return losses;
  }

  /**
   * The flat gradient [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] for one batch, where
   * L_critic = mean((Q(s,a) − y)²), y = r + γ(1 − terminated)·Q'(s', μ'(s')), and
   * L_actor = −mean(Q(s, μ(s))). Call inside tf.tidy.
   */
  gradients(batch: Batch, wantLosses = false): { grads: tf.Tensor1D; criticLoss?: tf.Scalar; actorLoss?: tf.Scalar } {
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

    const actor = this.unpack(this.params, this.actorSlots);
    const critic = this.unpack(this.params, this.criticSlots);
    const actorT = this.unpack(this.target, this.actorSlots);
    const criticT = this.unpack(this.target, this.criticSlots);

    const aNext = last(forward(actorT, s2, true));
    const qNext = last(forward(criticT, tf.concat([s2, aNext], 1), false));
    const y = tf.add(r, tf.mul(disc, qNext));

    const actorActs = forward(actor, s, true);
    const aPi = last(actorActs);
    // Rows [0, B): Q(s, a) for the critic loss; rows [B, 2B): Q(s, μ(s)) for the actor loss.
    const x = tf.concat([sa, tf.concat([s, aPi], 1)], 0);
    const criticActs = forward(critic, x, false);
    const q = last(criticActs);
    const q1 = tf.slice(q, [0, 0], [B, 1]);
    const td = tf.sub(q1, y);
    const dq = tf.concat([tf.mul(td, 2 / B), tf.fill([B, 1], -1 / B)], 0) as tf.Tensor2D;
    const c = this.backward(critic, criticActs, dq, B, B);
    const dAction = tf.slice(c.dInput!, [0, obsDim], [B, actDim]);
    const dzActor = tf.mul(dAction, tf.sub(1, tf.square(aPi))) as tf.Tensor2D;
    const a = this.backward(actor, actorActs, dzActor, null, null);
    const grads = tf.concat([...a.grads, ...c.grads]) as tf.Tensor1D;
    if (!wantLosses) return { grads };
    const q2 = tf.slice(q, [B, 0], [B, 1]);
    return { grads, criticLoss: tf.mean(tf.square(td)) as tf.Scalar, actorLoss: tf.neg(tf.mean(q2)) as tf.Scalar };
  }

  /** Adam (PyTorch's formulation) with per-segment learning rates, then θ' ← θ' + τ(θ − θ'). Call inside tf.tidy. */
  applyGradients(g: tf.Tensor1D): void {
    const { adamBeta1: b1, adamBeta2: b2, adamEps: eps, tau } = this.opts;
    this.adamStep++;
    const bc1 = 1 - Math.pow(b1, this.adamStep);
    const bc2 = 1 - Math.pow(b2, this.adamStep);
    const m = tf.add(tf.mul(this.adamM, b1), tf.mul(g, 1 - b1));
    const v = tf.add(tf.mul(this.adamV, b2), tf.mul(tf.square(g), 1 - b2));
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), eps);
    const step = tf.mul(tf.mul(tf.div(m, denom), this.lrVec), 1 / bc1);
    const p = tf.sub(this.params, step);
    this.adamM.assign(m);
    this.adamV.assign(v);
    this.params.assign(p);
    this.target.assign(tf.add(this.target, tf.mul(tf.sub(p, this.target), tau)));
  }

  /** Deterministic actor output μ(s) in [-1, 1] for n observations laid out row-major. */
  act(obs: Float32Array, n = 1): Float32Array {
    return tf.tidy(() => {
      const out = last(forward(this.unpack(this.params, this.actorSlots), tf.tensor2d(obs, [n, this.opts.obsDim]), true));
      return out.dataSync() as Float32Array;
    });
  }

  /** Q(s, a) from the online critic, for inspection and tests. */
  q(obs: Float32Array, actions: Float32Array, n: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(interleave(obs, this.opts.obsDim, actions, this.opts.actDim, n), [n, this.opts.obsDim + this.opts.actDim]);
      return last(forward(this.unpack(this.params, this.criticSlots), x, false)).dataSync() as Float32Array;
    });
  }

  /** The actor's slice of the online parameters (what saveActor writes). */
  actorParams(): Float32Array {
    return tf.tidy(() => tf.slice(this.params, [0], [this.actorSize]).dataSync() as Float32Array).slice();
  }

  getState(): LearnerState {
    return {
      params: Float32Array.from(this.params.dataSync()),
      target: Float32Array.from(this.target.dataSync()),
      adamM: Float32Array.from(this.adamM.dataSync()),
      adamV: Float32Array.from(this.adamV.dataSync()),
      adamStep: this.adamStep,
    };
  }

  setState(st: LearnerState): void {
    for (const [name, arr] of Object.entries({ params: st.params, target: st.target, adamM: st.adamM, adamV: st.adamV })) {
      if (arr.length !== this.size) throw new Error(`learner state '${name}' has ${arr.length} floats, this network needs ${this.size}`);
    }
    tf.tidy(() => {
      this.params.assign(tf.tensor1d(st.params));
      this.target.assign(tf.tensor1d(st.target));
      this.adamM.assign(tf.tensor1d(st.adamM));
      this.adamV.assign(tf.tensor1d(st.adamV));
    });
    this.adamStep = st.adamStep;
  }

  dispose(): void {
    for (const t of [this.params, this.target, this.adamM, this.adamV, this.lrVec]) t.dispose();
  }

  private unpack(flat: tf.Tensor, slots: LayerSlot[]): Layer[] {
    return slots.map((s) => ({
      w: tf.reshape(tf.slice(flat, [s.wOffset], [s.inSize * s.outSize]), [s.inSize, s.outSize]) as tf.Tensor2D,
      b: tf.slice(flat, [s.bOffset], [s.outSize]) as tf.Tensor1D,
    }));
  }

  /** a @ bᵀ */
  private matMulBt(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return this.opts.transposeMode === 'native' ? tf.matMul(a, b, false, true) : tf.matMul(a, tf.transpose(b));
  }

  /** aᵀ @ b */
  private matMulAt(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return this.opts.transposeMode === 'native' ? tf.matMul(a, b, true, false) : tf.matMul(tf.transpose(a), b);
  }

  /**
   * Backprop through an MLP given dL/d(last pre-activation). Weight gradients use only the first
   * `weightRows` rows (all when null); the input gradient, if `inputFromRow` is set, only the rows from there on.
   * Returns the flattened per-layer gradients in parameter order.
   */
  private backward(layers: Layer[], acts: tf.Tensor2D[], dOut: tf.Tensor2D, weightRows: number | null, inputFromRow: number | null): { grads: tf.Tensor[]; dInput?: tf.Tensor2D } {
    const grads: tf.Tensor[] = [];
    let dz = dOut;
    let dInput: tf.Tensor2D | undefined;
    for (let l = layers.length - 1; l >= 0; l--) {
      const hIn = acts[l];
      const rowsH = weightRows === null ? hIn : tf.slice(hIn, [0, 0], [weightRows, -1]);
      const rowsDz = weightRows === null ? dz : tf.slice(dz, [0, 0], [weightRows, -1]);
      const dW = this.matMulAt(rowsH, rowsDz);
      const db = tf.sum(rowsDz, 0);
      grads.push(db, tf.reshape(dW, [-1]));
      if (l > 0) {
        const dh = this.matMulBt(dz, layers[l].w);
        dz = tf.mul(dh, tf.step(hIn)) as tf.Tensor2D; // ReLU': h > 0 exactly where its pre-activation was
      } else if (inputFromRow !== null) {
        const rows = tf.slice(dz, [inputFromRow, 0], [dz.shape[0] - inputFromRow, -1]);
        dInput = this.matMulBt(rows, layers[0].w);
      }
    }
    grads.reverse();
    return { grads, dInput };
  }
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
