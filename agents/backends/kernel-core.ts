// What every actor-critic update on the WebAssembly SIMD kernels (kernels/) shares, whatever the
// algorithm: the engine and its threads; parameters, targets, Adam moments and gradients as flat
// vectors in the checkpoint layout (networks.ts: the actor, then each critic) in the kernels'
// shared memory; Adam's scalars; the minibatch copied into kernel memory; acting.
// The algorithms (ddpg.ts, td3.ts) write their update as plans over these pieces. A test fault
// (types.ts) is applied here, where the algorithms ask for their target networks and Adam's
// rates, so their updates read as the papers' do.
import { bootstrapDiscounts } from './batch.ts';
import type { AdamConfig, Batch, LearnerVectors, TestFault } from './types.ts';
import { KernelEngine } from '../kernels/engine.ts';
import { adamOps, allocActs, forwardOps, type MlpActs, type MlpRef, type OptimVectors } from '../kernels/mlp-ops.ts';
import { mat, PlanBuilder, SCALAR, type Act, type Mat } from '../kernels/plan.ts';
import type { LayerSlot } from '../networks.ts';

export interface KernelLearnerConfig {
  obsDim: number;
  actDim: number;
  gamma: number;
  actorSlots: LayerSlot[];
  /** One list of layer slots per critic (offsets into the flat vectors). */
  criticSlots: LayerSlot[][];
  /** Layer normalisation in the critics' hidden layers (LearnerOptions.criticLayerNorm). */
  criticLayerNorm: boolean;
  size: number;
  threads: number;
  /** Adam segments: [end, lr] pairs (actor, then the critics). */
  adam: AdamConfig;
  /** Breaks learning on purpose (tests only). */
  testFault?: TestFault | null;
}

/** A minibatch in kernel memory (byte addresses), for batches of up to `cap` rows. */
export interface BatchSpace {
  cap: number;
  s: Mat;
  s2: Mat;
  /** Critic input, 2·cap rows: [s, a] for the batch, then room for [s, μ(s)]. */
  x: Mat;
  /** Target critic input: [s', ·], the action columns for the target actor to fill. */
  x2: Mat;
  r: number;
  /** γ^k(1 − terminated) per row. */
  disc: number;
}

/** Slots of the engine's f64 "losses" array the algorithms write their statistics to. */
export const STAT = { CRITIC: 0, ACTOR: 1, Q: 2, CRITIC2: 3, Q2: 4, LOG_PI: 5 } as const;

interface ActBuffers {
  acts: MlpActs;
  plan: number;
}

export class KernelLearner {
  readonly engine: KernelEngine;
  /** Byte addresses of the flat vectors. */
  readonly vec: OptimVectors;
  readonly vectors: LearnerVectors;
  /** [from, to, scalar slot] of each Adam segment. */
  readonly segments: [number, number, number][];
  private readonly spaces = new Map<number, BatchSpace>();
  private readonly actPlans = new Map<string, ActBuffers>();
  private workspace = { cmp: 0, pairs: 0, scratch: 0 };

  constructor(readonly cfg: KernelLearnerConfig) {
    this.engine = new KernelEngine(cfg.threads);
    const n = cfg.size;
    this.vec = {
      params: this.engine.allocFloats(n),
      target: this.engine.allocFloats(n),
      m: this.engine.allocFloats(n),
      v: this.engine.allocFloats(n),
      grads: this.engine.allocFloats(n),
    };
    // Views stay valid when the memory grows (a shared memory is never detached).
    this.vectors = { params: this.view('params'), target: this.view('target'), adamM: this.view('m'), adamV: this.view('v') };
    let from = 0;
    this.segments = cfg.adam.segments.map(([end], i) => {
      const seg: [number, number, number] = [from, end, SCALAR.LR0 + i];
      from = end;
      return seg;
    });
  }

  view(name: keyof OptimVectors): Float32Array {
    return this.engine.f32(this.vec[name], this.cfg.size);
  }

  /** Adam's scalars for step `step` (1-based), and the Polyak τ the plan's Adam ops apply (0: targets stay). */
  setAdamScalars(step: number, tau = this.cfg.adam.tau): void {
    const { beta1, beta2, eps, segments, lrScale = 1 } = this.cfg.adam;
    const e = this.engine;
    const bc1 = 1 - Math.pow(beta1, step);
    e.setScalar(SCALAR.B1, beta1);
    e.setScalar(SCALAR.B2, beta2);
    e.setScalar(SCALAR.EPS, eps);
    e.setScalar(SCALAR.TAU, tau);
    e.setScalar(SCALAR.RSBC2, 1 / Math.sqrt(1 - Math.pow(beta2, step)));
    // The actor is segment 0: a negative rate climbs its loss, as a flipped gradient would.
    const actorSign = this.cfg.testFault === 'actor-gradient-sign' ? -1 : 1;
    segments.forEach(([, lr], i) => e.setScalar(SCALAR.LR0 + i, ((i === 0 ? actorSign : 1) * lr * lrScale) / bc1));
  }

  /** Adam (then Polyak) ops on the given segments (indices into cfg.adam.segments). */
  adamOps(plan: PlanBuilder, segments: number[]): void {
    adamOps(
      plan,
      this.vec,
      segments.map((i) => this.segments[i]),
    );
  }

  /** An MLP on the online (`params`) or target vector. */
  net(which: 'params' | 'target', slots: LayerSlot[]): MlpRef {
    const vector = which === 'target' && this.cfg.testFault === 'no-target-network' ? 'params' : which;
    return { params: this.vec[vector], slots };
  }

  /** Critic i on the online or target vector (normalised when the config says). */
  critic(which: 'params' | 'target', i: number): MlpRef {
    return { ...this.net(which, this.cfg.criticSlots[i]), norm: this.cfg.criticLayerNorm };
  }

  /** Activation buffers of critic i for `rows` rows. */
  criticActs(i: number, rows: number, input?: Mat): MlpActs {
    return allocActs(this.cfg.criticSlots[i], rows, (k) => this.alloc(k), input, undefined, this.cfg.criticLayerNorm);
  }

  /** Floats in kernel memory (with slack for SIMD tails); returns the byte address. */
  alloc(n: number): number {
    return this.engine.allocFloats(n + 16);
  }

  matrix(rows: number, width: number): Mat {
    return mat(this.alloc(rows * width), width);
  }

  /** Grows the shared compress buffer and per-thread scratch for plans with up to `rows` rows. */
  ensureWorkspace(rows: number): void {
    const slots = [...this.cfg.actorSlots, ...this.cfg.criticSlots.flat()];
    const widths = slots.flatMap((s) => [s.inSize, s.outSize]);
    const big = Math.max(rows, ...widths);
    const pairs = Math.ceil(big / 2) + 1;
    const cmp = pairs * big * 12;
    // Scratch: a packed K x 32 panel, or a narrow layer's transposed weights (N x K) in DOT.
    const dotW = Math.max(...slots.map((s) => s.inSize * s.outSize), this.cfg.actDim * Math.max(...widths));
    const scratch = Math.max(big * 128, 4 * dotW);
    if (cmp <= this.workspace.cmp && pairs <= this.workspace.pairs && scratch <= this.workspace.scratch) return;
    this.workspace = {
      cmp: Math.max(cmp, this.workspace.cmp),
      pairs: Math.max(pairs, this.workspace.pairs),
      scratch: Math.max(scratch, this.workspace.scratch),
    };
    this.engine.setWorkspace(this.workspace.cmp, this.workspace.pairs, this.workspace.scratch);
  }

  /**
   * The batch buffers for batches of `B` rows: allocated once per power of two (at least 32),
   * so a caller with many batch sizes does not grow the memory without bound. `fresh` is true
   * the first time a capacity is seen (the algorithm allocates its own buffers for it then).
   */
  batchSpace(B: number): { space: BatchSpace; fresh: boolean } {
    const cap = Math.max(32, 2 ** Math.ceil(Math.log2(B)));
    let space = this.spaces.get(cap);
    if (space) return { space, fresh: false };
    const { obsDim, actDim } = this.cfg;
    this.ensureWorkspace(2 * cap);
    space = {
      cap,
      s: this.matrix(cap, obsDim),
      s2: this.matrix(cap, obsDim),
      x: this.matrix(2 * cap, obsDim + actDim),
      x2: this.matrix(cap, obsDim + actDim),
      r: this.alloc(cap),
      disc: this.alloc(cap),
    };
    this.spaces.set(cap, space);
    return { space, fresh: true };
  }

  /** Copies a minibatch in: s, s', [s, a] (and s in the second half of x), [s', ·], r, γ^k(1 − terminated). */
  fill(sp: BatchSpace, batch: Batch): void {
    const { obsDim, actDim, gamma } = this.cfg;
    const B = batch.size;
    if (B < 1) throw new Error('a batch needs at least one row');
    const e = this.engine;
    e.f32(sp.s.ptr, B * obsDim).set(batch.obs.subarray(0, B * obsDim));
    e.f32(sp.s2.ptr, B * obsDim).set(batch.nextObs.subarray(0, B * obsDim));
    const w = obsDim + actDim;
    const x = e.f32(sp.x.ptr, 2 * B * w);
    const x2 = e.f32(sp.x2.ptr, B * w);
    for (let i = 0; i < B; i++) {
      const o = batch.obs.subarray(i * obsDim, (i + 1) * obsDim);
      x.set(o, i * w);
      x.set(batch.actions.subarray(i * actDim, (i + 1) * actDim), i * w + obsDim);
      x.set(o, (B + i) * w);
      x2.set(batch.nextObs.subarray(i * obsDim, (i + 1) * obsDim), i * w);
    }
    e.f32(sp.r, B).set(batch.rewards.subarray(0, B));
    bootstrapDiscounts(batch, gamma, e.f32(sp.disc, B));
  }

  /** A built plan, copied into kernel memory (its address). */
  load(plan: PlanBuilder): number {
    return this.engine.load(plan.end());
  }

  /** The statistic an op wrote to slot `slot` (STAT). */
  stat(slot: number): number {
    return this.engine.loss(slot);
  }

  /**
   * The online actor's outputs for n observations (this thread only: acting is small): μ(s)
   * with the tanh output, or the raw output layer with 'linear' (SAC's mean and log-std heads).
   */
  act(obs: Float32Array, n: number, outAct: Act = 'tanh'): Float32Array {
    const { obsDim, actorSlots } = this.cfg;
    const key = `${n}:${outAct}`;
    let a = this.actPlans.get(key);
    if (!a) {
      this.ensureWorkspace(n);
      const acts = allocActs(actorSlots, n, (k) => this.alloc(k));
      const p = new PlanBuilder();
      forwardOps(p, this.net('params', actorSlots), acts, n, outAct);
      a = { acts, plan: this.load(p) };
      this.actPlans.set(key, a);
    }
    this.engine.f32(a.acts.input.ptr, n * obsDim).set(obs.subarray(0, n * obsDim));
    this.engine.exec(a.plan, true);
    return this.engine.f32(a.acts.out.ptr, n * actorSlots[actorSlots.length - 1].outSize).slice();
  }

  dispose(): void {
    this.engine.dispose();
  }
}
