// The DDPG update on the WebAssembly SIMD kernels (kernels/): parameters, targets, Adam moments
// and gradients live in the kernels' shared memory as flat vectors in the checkpoint layout
// (networks.ts); an update copies the sampled batch in and runs one plan on all threads.
//
// One update, as ops (kernels/mlp-ops.ts):
//   μ'(s') and Q'(s', μ'(s'))                 target actor and critic forward
//   μ(s), then Q on [s, a] and [s, μ(s)]      one critic forward over 2B rows (same weights)
//   dQ = 2(Q − y)/B on the first B rows, −1/B on the others (y = r + γ(1 − terminated)Q')
//   critic backward over 2B rows: weight gradients from the first B rows only; the last B
//   rows carry −∂Q(s, μ(s))/∂a back to the actor, then tanh' and the actor's backward
//   Adam on actor and critic (own learning rates), Polyak on both targets
// Both losses are differentiated at the same critic (the paper's algorithm box).
import type { Batch, Losses } from './learner-gradients.ts';
import type { AdamConfig } from './learner-adam.ts';
import type { LearnerVectors } from './learner.ts';
import { KernelEngine } from './kernels/engine.ts';
import { adamOps, allocActs, backwardOps, forwardOps, type MlpActs, type MlpRef, type OptimVectors } from './kernels/mlp-ops.ts';
import { colsFrom, mat, PlanBuilder, rowsFrom, SCALAR, type Mat } from './kernels/plan.ts';
import type { LayerSlot } from './networks.ts';

export interface KernelDdpgConfig {
  obsDim: number;
  actDim: number;
  gamma: number;
  actorSlots: LayerSlot[];
  criticSlots: LayerSlot[];
  size: number;
  threads: number;
  /** Adam segments: [end, lr] pairs (actor, then critic). */
  adam: AdamConfig;
}

/** Buffers for one batch capacity (byte addresses in the engine's memory). */
interface Space {
  s: Mat;
  s2: Mat;
  /** Critic input, 2B rows: [s, a] then [s, μ(s)]. */
  x: Mat;
  /** Target critic input [s', μ'(s')]. */
  x2: Mat;
  r: number;
  disc: number;
  aT: MlpActs;
  qT: MlpActs;
  aOn: MlpActs;
  q: MlpActs;
  dq: Mat;
  dCritic: Mat[];
  dAction: Mat;
  dMu: Mat;
  dActor: Mat[];
}

/** The space and the plans (addresses) for one batch size. */
interface UpdateBuffers extends Space {
  update: number;
  gradOnly: number;
}

/** [from, to, scalar slot] of each Adam segment. */
type Segments = [number, number, number][];

interface ActBuffers {
  acts: MlpActs;
  plan: number;
}

const LOSS_CRITIC = 0;
const LOSS_ACTOR = 1;

export class KernelDdpg {
  readonly engine: KernelEngine;
  /** Byte addresses of the flat vectors. */
  readonly vec: OptimVectors;
  readonly vectors: LearnerVectors;
  private readonly segments: Segments;
  private adamOnly = 0;
  private readonly spaces = new Map<number, Space>();
  private readonly batches = new Map<number, UpdateBuffers>();
  private readonly actPlans = new Map<number, ActBuffers>();
  private workspace = { cmp: 0, pairs: 0, scratch: 0 };

  constructor(private readonly cfg: KernelDdpgConfig) {
    this.engine = new KernelEngine(cfg.threads);
    const n = cfg.size;
    this.vec = { params: this.engine.allocFloats(n), target: this.engine.allocFloats(n), m: this.engine.allocFloats(n), v: this.engine.allocFloats(n), grads: this.engine.allocFloats(n) };
    // Views stay valid when the memory grows (a shared memory is never detached).
    this.vectors = { params: this.view('params'), target: this.view('target'), adamM: this.view('m'), adamV: this.view('v') };
    let from = 0;
    this.segments = cfg.adam.segments.map(([end], i) => {
      const seg: [number, number, number] = [from, end, SCALAR.LR0 + i];
      from = end;
      return seg;
    });
  }

  private view(name: keyof OptimVectors): Float32Array {
    return this.engine.f32(this.vec[name], this.cfg.size);
  }

  /** Adam's scalars for step `step` (1-based). */
  private setAdamScalars(step: number): void {
    const { beta1, beta2, eps, tau, segments } = this.cfg.adam;
    const e = this.engine;
    const bc1 = 1 - Math.pow(beta1, step);
    e.setScalar(SCALAR.B1, beta1);
    e.setScalar(SCALAR.B2, beta2);
    e.setScalar(SCALAR.EPS, eps);
    e.setScalar(SCALAR.TAU, tau);
    e.setScalar(SCALAR.RSBC2, 1 / Math.sqrt(1 - Math.pow(beta2, step)));
    segments.forEach(([, lr], i) => e.setScalar(SCALAR.LR0 + i, lr / bc1));
  }

  private ref(base: number, slots: LayerSlot[]): MlpRef {
    return { params: base, slots };
  }

  /** Grows the shared compress buffer and per-thread scratch for plans with up to `rows` rows. */
  private ensureWorkspace(rows: number): void {
    const widths = [...this.cfg.actorSlots, ...this.cfg.criticSlots].flatMap((s) => [s.inSize, s.outSize]);
    const big = Math.max(rows, ...widths);
    const pairs = Math.ceil(big / 2) + 1;
    const cmp = pairs * big * 12;
    // Scratch: a packed K x 32 panel, or a narrow layer's transposed weights (N x K) in DOT.
    const dotW = Math.max(...[...this.cfg.actorSlots, ...this.cfg.criticSlots].map((s) => s.inSize * s.outSize), this.cfg.actDim * Math.max(...widths));
    const scratch = Math.max(big * 128, 4 * dotW);
    if (cmp <= this.workspace.cmp && pairs <= this.workspace.pairs && scratch <= this.workspace.scratch) return;
    this.workspace = { cmp: Math.max(cmp, this.workspace.cmp), pairs: Math.max(pairs, this.workspace.pairs), scratch: Math.max(scratch, this.workspace.scratch) };
    this.engine.setWorkspace(this.workspace.cmp, this.workspace.pairs, this.workspace.scratch);
  }

  /**
   * Buffers for batches of up to `cap` rows (allocated once per power of two, so a caller
   * with many batch sizes does not grow the memory without bound).
   */
  private space(cap: number): Space {
    let sp = this.spaces.get(cap);
    if (sp) return sp;
    const { obsDim, actDim, actorSlots, criticSlots } = this.cfg;
    const e = this.engine;
    this.ensureWorkspace(2 * cap);
    const alloc = (n: number) => e.allocFloats(n + 16);
    const f = (rows: number, width: number) => mat(alloc(rows * width), width);
    const s = f(cap, obsDim);
    const s2 = f(cap, obsDim);
    const x = f(2 * cap, obsDim + actDim);
    const x2 = f(cap, obsDim + actDim);
    sp = {
      s,
      s2,
      x,
      x2,
      r: alloc(cap),
      disc: alloc(cap),
      // Target: μ'(s') goes straight into x2's action columns, then Q'(x2).
      aT: allocActs(actorSlots, cap, alloc, s2, colsFrom(x2, obsDim)),
      qT: allocActs(criticSlots, cap, alloc, x2),
      aOn: allocActs(actorSlots, cap, alloc, s),
      q: allocActs(criticSlots, 2 * cap, alloc, x),
      dq: mat(alloc(2 * cap), 1),
      dCritic: criticSlots.slice(0, -1).map((sl) => f(2 * cap, sl.outSize)),
      dAction: f(cap, actDim),
      dMu: f(cap, actDim),
      dActor: actorSlots.slice(0, -1).map((sl) => f(cap, sl.outSize)),
    };
    this.spaces.set(cap, sp);
    return sp;
  }

  private buffers(B: number): UpdateBuffers {
    let u = this.batches.get(B);
    if (u) return u;
    const { obsDim, actorSlots, criticSlots } = this.cfg;
    const sp = this.space(Math.max(32, 2 ** Math.ceil(Math.log2(B))));
    const actor = this.ref(this.vec.params, actorSlots);
    const critic = this.ref(this.vec.params, criticSlots);
    const actorT = this.ref(this.vec.target, actorSlots);
    const criticT = this.ref(this.vec.target, criticSlots);
    // Online: μ(s) goes into the action columns of x's second half, then Q over both halves.
    const mu = colsFrom(rowsFrom(sp.x, B), obsDim);
    const aOn = { ...sp.aOn, out: mu };
    const grads = { ptr: this.vec.grads, rows: B };
    const build = (adam: boolean) => {
      const p = new PlanBuilder();
      forwardOps(p, actorT, sp.aT, B, 'tanh');
      forwardOps(p, criticT, sp.qT, B, 'linear');
      forwardOps(p, actor, aOn, B, 'tanh');
      forwardOps(p, critic, sp.q, 2 * B, 'linear');
      p.td(B, sp.q.out.ptr, sp.r, sp.disc, sp.qT.out.ptr, sp.dq.ptr, 2 / B, LOSS_CRITIC, 1 / B, false);
      p.fillSum(B, rowsFrom(sp.q.out, B).ptr, rowsFrom(sp.dq, B).ptr, -1 / B, LOSS_ACTOR, -1 / B);
      backwardOps(p, { net: critic, acts: sp.q, dOut: sp.dq, rowsBack: 2 * B, grads, dHidden: sp.dCritic, dInput: { col: obsDim, n: this.cfg.actDim, row: B, rows: B, out: sp.dAction } });
      p.tanhGrad(B, this.cfg.actDim, sp.dAction, mu, sp.dMu.ptr);
      backwardOps(p, { net: actor, acts: aOn, dOut: sp.dMu, rowsBack: B, grads, dHidden: sp.dActor });
      if (adam) adamOps(p, this.vec, this.segments);
      return this.engine.load(p.end());
    };
    u = { ...sp, update: build(true), gradOnly: build(false) };
    this.batches.set(B, u);
    return u;
  }

  private fill(u: UpdateBuffers, batch: Batch): void {
    const { obsDim, actDim, gamma } = this.cfg;
    const B = batch.size;
    const e = this.engine;
    e.f32(u.s.ptr, B * obsDim).set(batch.obs.subarray(0, B * obsDim));
    e.f32(u.s2.ptr, B * obsDim).set(batch.nextObs.subarray(0, B * obsDim));
    const w = obsDim + actDim;
    const x = e.f32(u.x.ptr, 2 * B * w);
    const x2 = e.f32(u.x2.ptr, B * w);
    for (let i = 0; i < B; i++) {
      const o = batch.obs.subarray(i * obsDim, (i + 1) * obsDim);
      x.set(o, i * w);
      x.set(batch.actions.subarray(i * actDim, (i + 1) * actDim), i * w + obsDim);
      x.set(o, (B + i) * w);
      x2.set(batch.nextObs.subarray(i * obsDim, (i + 1) * obsDim), i * w);
    }
    e.f32(u.r, B).set(batch.rewards.subarray(0, B));
    const disc = e.f32(u.disc, B);
    // γ(1 − terminated): a time-limit truncation stored terminated = 0 and still bootstraps.
    for (let i = 0; i < B; i++) disc[i] = gamma * (1 - batch.terminated[i]);
  }

  /** One update that will be Adam step `step` (1-based); the losses if asked for. */
  update(batch: Batch, step: number, wantLosses: boolean): Losses | null {
    if (batch.size < 1) throw new Error('a batch needs at least one row');
    const u = this.buffers(batch.size);
    this.fill(u, batch);
    this.setAdamScalars(step);
    this.engine.exec(u.update);
    return wantLosses ? { critic: this.engine.loss(LOSS_CRITIC), actor: this.engine.loss(LOSS_ACTOR) } : null;
  }

  /** Adam step `step` with this gradient, then Polyak. */
  applyGradients(grad: Float32Array, step: number): void {
    if (!this.adamOnly) {
      const p = new PlanBuilder();
      adamOps(p, this.vec, this.segments);
      this.adamOnly = this.engine.load(p.end());
    }
    this.view('grads').set(grad);
    this.setAdamScalars(step);
    this.engine.exec(this.adamOnly);
  }

  /** The flat gradient [∂L_actor/∂θ_actor, ∂L_critic/∂θ_critic] of a batch, and the losses. */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    const u = this.buffers(batch.size);
    this.fill(u, batch);
    this.engine.exec(u.gradOnly);
    return { grads: this.view('grads').slice(), losses: { critic: this.engine.loss(LOSS_CRITIC), actor: this.engine.loss(LOSS_ACTOR) } };
  }

  /** μ(s) for n observations (this thread only: acting is small). */
  act(obs: Float32Array, n: number): Float32Array {
    const { obsDim, actDim, actorSlots } = this.cfg;
    let a = this.actPlans.get(n);
    if (!a) {
      this.ensureWorkspace(n);
      const acts = allocActs(actorSlots, n, (k) => this.engine.allocFloats(k + 16));
      const p = new PlanBuilder();
      forwardOps(p, this.ref(this.vec.params, actorSlots), acts, n, 'tanh');
      a = { acts, plan: this.engine.load(p.end()) };
      this.actPlans.set(n, a);
    }
    this.engine.f32(a.acts.input.ptr, n * obsDim).set(obs.subarray(0, n * obsDim));
    this.engine.exec(a.plan, true);
    return this.engine.f32(a.acts.out.ptr, n * actDim).slice();
  }

  dispose(): void {
    this.engine.dispose();
  }
}
