// One DDPG gradient computation on tfjs, shared by the learner and its worker threads.
//
// Where the time goes on the wasm backend (bench/learner.ts):
// - Only plain matMuls reach XNNPACK; matMul's transpose flags fall back to a naive loop
//   (~10x slower), so backprop multiplies by explicit tf.transpose results.
// - tfjs-wasm's Slice reads the WHOLE source tensor to the JS heap first, and sum over axis 0
//   transposes internally, so neither is used on large tensors: each layer's W and b are
//   uploaded as their own tensors from the flat parameter vector, and each layer's gradient
//   comes out of ONE matMul, [hᵀ; 1ᵀ]·dz = [∂W; ∂b], already in the flat layout, downloaded
//   straight into the gradient vector.
// - The critic's two passes (Q(s, a) for its own loss, Q(s, μ(s)) for the actor's) run as two
//   batches against the same weight tensors, so XNNPACK packs each weight once (its operator
//   cache is keyed by the weight tensor) and no rows need slicing apart afterwards.
import * as tf from '@tensorflow/tfjs';
import type { LayerSlot } from '../../networks.ts';
import { bootstrapDiscounts, interleave } from '../batch.ts';
import type { Batch, Losses } from '../types.ts';

export interface GradientConfig {
  obsDim: number;
  actDim: number;
  gamma: number;
  transposeMode: 'explicit' | 'native';
  actorSlots: LayerSlot[];
  criticSlots: LayerSlot[];
}

export interface Layer {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** Rows [from, to) of a batch, as views. */
export function batchRows(b: Batch, from: number, to: number, obsDim: number, actDim: number): Batch {
  return {
    size: to - from,
    obs: b.obs.subarray(from * obsDim, to * obsDim),
    actions: b.actions.subarray(from * actDim, to * actDim),
    rewards: b.rewards.subarray(from, to),
    nextObs: b.nextObs.subarray(from * obsDim, to * obsDim),
    terminated: b.terminated.subarray(from, to),
    ...(b.horizon ? { horizon: b.horizon.subarray(from, to) } : {}),
  };
}

/**
 * Computes gradients for parameters read from `params` / `target` (flat vectors, actor then
 * critic) at the moment of each call. The online actor's tensors are cached until `invalidate()`.
 */
export class GradientPass {
  private actorCache: Layer[] | null = null;

  constructor(
    private readonly cfg: GradientConfig,
    private readonly params: Float32Array,
    private readonly target: Float32Array,
  ) {}

  /** Call whenever `params` has changed. */
  invalidate(): void {
    for (const l of this.actorCache ?? []) {
      l.w.dispose();
      l.b.dispose();
    }
    this.actorCache = null;
  }

  onlineActor(): Layer[] {
    // tf.keep: the cache may be filled inside a caller's tf.tidy and must outlive it.
    if (!this.actorCache) this.actorCache = upload(this.params, this.cfg.actorSlots).map((l) => ({ w: tf.keep(l.w), b: tf.keep(l.b) }));
    return this.actorCache;
  }

  onlineCritic(): Layer[] {
    return upload(this.params, this.cfg.criticSlots);
  }

  /**
   * Writes into `out` the flat gradient [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] of the batch's
   * share of L_critic = Σ(Q(s,a) − y)²/norm, y = r + γ^k(1 − terminated)·Q'(s', μ'(s')), and
   * L_actor = −ΣQ(s, μ(s))/norm. With norm = batch.size these are the batch means; a batch
   * split over threads passes the full size so the parts simply add up. Losses likewise.
   */
  compute(batch: Batch, out: Float32Array, norm: number, wantLosses: boolean): Losses | null {
    this.onlineActor();
    let losses: Losses | null = null;
    tf.tidy(() => {
      const { obsDim, actDim, gamma, actorSlots, criticSlots } = this.cfg;
      const B = batch.size;
      const s = tf.tensor2d(batch.obs, [B, obsDim]);
      const s2 = tf.tensor2d(batch.nextObs, [B, obsDim]);
      const sa = tf.tensor2d(interleave(batch.obs, obsDim, batch.actions, actDim, B), [B, obsDim + actDim]);
      const r = tf.tensor2d(batch.rewards, [B, 1]);
      const discount = bootstrapDiscounts(batch, gamma, new Float32Array(B));
      const disc = tf.tensor2d(discount, [B, 1]);

      const actor = this.onlineActor();
      const critic = this.onlineCritic();
      const actorT = upload(this.target, actorSlots);
      const criticT = upload(this.target, criticSlots);

      const aNext = last(forward(actorT, s2, true));
      const qNext = last(forward(criticT, tf.concat([s2, aNext], 1), false));
      const y = tf.add(r, tf.mul(disc, qNext));

      const memo = new Map<tf.Tensor, tf.Tensor2D>();
      // Critic loss: weight gradients through Q(s, a).
      const criticActs = forward(critic, sa, false);
      const td = tf.sub(last(criticActs), y);
      this.backward(critic, criticSlots, criticActs, tf.mul(td, 2 / norm) as tf.Tensor2D, out, memo);

      // Actor loss: −Σ Q(s, μ(s)) back through the critic (no critic weight gradients) to the action.
      const actorActs = forward(actor, s, true);
      const aPi = last(actorActs);
      const piActs = forward(critic, tf.concat([s, aPi], 1), false);
      const dz0 = this.backward(critic, null, piActs, tf.fill([B, 1], -1 / norm) as tf.Tensor2D, null, memo);
      // ∂L/∂a = dz0 · W0[obs rows..]ᵀ: the action rows of the critic's first W are contiguous in the flat vector.
      const c0 = criticSlots[0];
      const wAct = tf.tensor2d(this.params.subarray(c0.wOffset + obsDim * c0.outSize, c0.wOffset + (obsDim + actDim) * c0.outSize), [
        actDim,
        c0.outSize,
      ]);
      const dAction = this.matMulBt(dz0, wAct);
      const dzActor = tf.mul(dAction, tf.sub(1, tf.square(aPi))) as tf.Tensor2D;
      this.backward(actor, actorSlots, actorActs, dzActor, out, memo);
      if (wantLosses)
        losses = {
          critic: tf.sum(tf.square(td)).dataSync()[0] / norm,
          actor: -tf.sum(last(piActs)).dataSync()[0] / norm,
          q: tf.sum(last(criticActs)).dataSync()[0] / norm,
        };
    });
    return losses;
  }

  /** a @ bᵀ; with `memo`, bᵀ is transposed once per gradient computation (the critic's W are used by both passes). */
  private matMulBt(a: tf.Tensor2D, b: tf.Tensor2D, memo?: Map<tf.Tensor, tf.Tensor2D>): tf.Tensor2D {
    if (this.cfg.transposeMode === 'native') return tf.matMul(a, b, false, true);
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
    return this.cfg.transposeMode === 'native'
      ? tf.matMul(tf.concat([h, tf.ones([rows, 1])], 1), dz, true, false)
      : tf.matMul(tf.concat([tf.transpose(h), tf.ones([1, rows])], 0), dz);
  }

  /**
   * Backprop through an MLP given dL/d(last pre-activation). With `slots`/`out`, each layer's
   * [∂W; ∂b] is downloaded into `out` at its offset. Returns dL/d(first pre-activation).
   */
  private backward(
    layers: Layer[],
    slots: LayerSlot[] | null,
    acts: tf.Tensor2D[],
    dOut: tf.Tensor2D,
    out: Float32Array | null,
    memo: Map<tf.Tensor, tf.Tensor2D>,
  ): tf.Tensor2D {
    let dz = dOut;
    for (let l = layers.length - 1; l >= 0; l--) {
      const hIn = acts[l];
      if (slots && out) out.set(this.layerGrad(hIn, dz).dataSync(), slots[l].wOffset);
      // ReLU': h > 0 exactly where its pre-activation was.
      if (l > 0) dz = tf.mul(this.matMulBt(dz, layers[l].w, memo), tf.step(hIn)) as tf.Tensor2D;
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
export function forward(layers: Layer[], x: tf.Tensor2D, tanhOutput: boolean): tf.Tensor2D[] {
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

export function last<T>(xs: T[]): T {
  return xs[xs.length - 1];
}
