// The DDPG update on tfjs with hand-derived gradients (gradients.ts explains the choices that
// make it fast on the wasm backend; test/agents/learner.test.ts checks the gradients against
// tf.grad). One of the learner's two backends (learner.ts picks; the other is the kernels:
// ../kernel-core.ts and ddpg.ts).
//
// Parameters, target parameters and Adam moments live in plain Float32Arrays (one flat vector,
// actor then critic: the checkpoint layout), so Adam and the Polyak update are one fused loop
// in JS instead of a dozen whole-vector tensor ops (adam.ts), and with `threads` > 1
// worker threads work straight on them in shared memory (threads.ts).
import * as tf from '@tensorflow/tfjs';
import { layerSlots, type MlpSpec } from '../../networks.ts';
import { batchRows, forward, GradientPass, last } from './gradients.ts';
import { GradientWorker } from './threads.ts';
import { adamPolyak } from './adam.ts';
import type { AdamConfig, Batch, BackendUpdate, LearnerVectors, Losses, TfjsBackendName } from '../types.ts';

export interface TfjsDdpgConfig {
  obsDim: number;
  actDim: number;
  gamma: number;
  actorSpec: MlpSpec;
  criticSpec: MlpSpec;
  actorSize: number;
  size: number;
  adam: AdamConfig;
  /** 'explicit' = tf.transpose then a plain matMul (fast on wasm), 'native' = matMul's transpose flags. */
  transposeMode: 'explicit' | 'native';
  threads: number;
}

export class TfjsDdpg implements BackendUpdate {
  readonly vectors: LearnerVectors;
  /** One gradient buffer per thread (this thread's first). */
  private readonly grads: Float32Array[];
  /** Where each thread's Adam range starts (this thread's is [0, adamCuts[1])). */
  private readonly adamCuts: number[];
  private readonly pass: GradientPass;
  private readonly workers: GradientWorker[] = [];

  constructor(private readonly cfg: TfjsDdpgConfig) {
    const { obsDim, actDim, threads, size: n } = cfg;
    const floats = () => new Float32Array(threads > 1 ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
    this.vectors = { params: floats(), target: floats(), adamM: floats(), adamV: floats() };
    this.grads = Array.from({ length: threads }, floats);
    this.adamCuts = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * n) / threads));
    const gradients = {
      obsDim,
      actDim,
      gamma: cfg.gamma,
      transposeMode: cfg.transposeMode,
      actorSlots: layerSlots(cfg.actorSpec, 0),
      criticSlots: layerSlots(cfg.criticSpec, cfg.actorSize),
    };
    this.pass = new GradientPass(gradients, this.vectors.params, this.vectors.target);
    const shared = (a: Float32Array) => a.buffer as SharedArrayBuffer;
    for (let i = 1; i < threads; i++) {
      this.workers.push(
        new GradientWorker({
          backend: tf.getBackend() as TfjsBackendName,
          gradients,
          adam: cfg.adam,
          params: shared(this.vectors.params),
          target: shared(this.vectors.target),
          m: shared(this.vectors.adamM),
          v: shared(this.vectors.adamV),
          grads: this.grads.map(shared),
          index: i,
          from: this.adamCuts[i],
          to: this.adamCuts[i + 1],
        }),
      );
    }
  }

  private buffers() {
    const { params, target, adamM: m, adamV: v } = this.vectors;
    return { params, target, m, v };
  }

  /** One update that will be Adam step `step`. */
  update(batch: Batch, step: number, wantLosses: boolean): Losses | null {
    if (this.workers.length === 0) {
      const losses = this.pass.compute(batch, this.grads[0], batch.size, wantLosses);
      this.applyGradients(this.grads[0], step);
      return losses;
    }
    const B = batch.size;
    const { obsDim, actDim } = this.cfg;
    // Equal shares of the rows; this thread takes the first (and any remainder).
    const share = Math.floor(B / (this.workers.length + 1));
    const own = B - share * this.workers.length;
    this.workers.forEach((w, i) =>
      w.start(
        share > 0 ? batchRows(batch, own + i * share, own + (i + 1) * share, obsDim, actDim) : null,
        B,
        wantLosses,
        step,
        this.cfg.adam.lrScale ?? 1,
      ),
    );
    const losses = this.pass.compute(batchRows(batch, 0, own, obsDim, actDim), this.grads[0], B, wantLosses);
    for (const w of this.workers) {
      const l = w.gradientDone(wantLosses);
      if (losses && l) [losses.critic, losses.actor, losses.q] = [losses.critic + l.critic, losses.actor + l.actor, losses.q + l.q];
    }
    this.pass.invalidate();
    for (const w of this.workers) w.startAdam();
    adamPolyak(this.cfg.adam, this.buffers(), this.grads, step, 0, this.adamCuts[1]);
    for (const w of this.workers) w.adamDone();
    return losses;
  }

  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    const out = new Float32Array(this.cfg.size);
    const losses = this.pass.compute(batch, out, batch.size, true)!;
    return { grads: out, losses };
  }

  /** Adam step `step` with this gradient, then Polyak, on this thread. */
  applyGradients(grad: Float32Array, step: number): void {
    this.pass.invalidate();
    adamPolyak(this.cfg.adam, this.buffers(), [grad], step, 0, this.cfg.size);
  }

  act(obs: Float32Array, n: number): Float32Array {
    const actor = this.pass.onlineActor();
    return tf.tidy(
      () => last(forward(actor, tf.tensor2d(obs.subarray(0, n * this.cfg.obsDim), [n, this.cfg.obsDim]), true)).dataSync() as Float32Array,
    );
  }

  /** Call after the vectors were written from outside. */
  invalidate(): void {
    this.pass.invalidate();
  }

  dispose(): void {
    this.pass.invalidate();
    for (const w of this.workers.splice(0)) w.dispose();
  }
}
