// TD3: Twin Delayed DDPG (Fujimoto et al. 2018, "Addressing Function Approximation Error in
// Actor-Critic Methods"), read top to bottom: one update.
//
//   ã      = clip(μ'(s') + clip(ε, −c, c), −1, 1),  ε ~ N(0, σ̃²)   (target policy smoothing)
//   y      = r + γ(1 − terminated)·min(Q'₁(s', ã), Q'₂(s', ã))     (clipped double Q)
//   L_Q    = mean (Q₁(s, a) − y)² + mean (Q₂(s, a) − y)²             (both critics, every update)
//   every d-th update (delayed):
//     L_μ  = −mean Q₁(s, μ(s))                                        (at the just-updated Q₁)
//     θ'   ← θ' + τ(θ − θ') for the actor and both critics
//
// Actions live in the actor's tanh space [-1, 1], so σ̃ and c are in units of half the action
// range, as in CleanRL (which scales them by action_scale) and SB3. The actor and the critics
// have their own Adam step counts, as with PyTorch's two optimizers. The rest (replay,
// exploration noise, the loop, evaluation, checkpoints) is shared with DDPG: trainer.ts.
import { STAT, type BatchSpace, type KernelLearner } from './backends/kernel-core.ts';
import type { Batch, BackendUpdate, ExtraState, LearnerVectors, Losses } from './backends/types.ts';
import { allocActs, backwardOps, forwardOps, type MlpActs } from './kernels/mlp-ops.ts';
import { colsFrom, mat, PlanBuilder, rowsFrom, type Mat } from './kernels/plan.ts';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';

export interface Td3Options {
  policyNoise: number;
  noiseClip: number;
  policyDelay: number;
  /** Seeds the target policy smoothing noise (its own stream). */
  seed: number;
}

// ---- One update on the WebAssembly kernels --------------------------------------------------
// Critic plan (every update):
//   μ'(s') into [s', ·], + clipped noise, clamp       target actor forward, SMOOTH
//   Q'₁, Q'₂ on [s', ã]; Q₁, Q₂ on [s, a]              four critic forwards
//   TD: y with min(Q'₁, Q'₂); dQᵢ = 2(Qᵢ − y)/B        (also writes both losses and mean Qs)
//   both critics' backward with weight gradients; Adam on the critics (Polyak with τ on
//   delayed updates, τ = 0 otherwise: the targets stay)
// Actor plan (delayed updates, after the critic plan):
//   μ(s) into [s, ·], Q₁ on [s, μ(s)], dQ = −1/B, Q₁'s backward to the action (no weight
//   gradients), tanh', the actor's backward; Adam + Polyak on the actor

interface Td3Buffers {
  noise: number;
  aT: MlpActs;
  qT1: MlpActs;
  qT2: MlpActs;
  q1: MlpActs;
  q2: MlpActs;
  dq1: Mat;
  dq2: Mat;
  dCritic1: Mat[];
  dCritic2: Mat[];
  aOn: MlpActs;
  qPi: MlpActs;
  dqPi: Mat;
  dCriticPi: Mat[];
  dAction: Mat;
  dMu: Mat;
  dActor: Mat[];
}

interface Td3Plans {
  space: BatchSpace;
  buffers: Td3Buffers;
  critic: number;
  criticGrad: number;
  actor: number;
  actorGrad: number;
}

export class Td3KernelUpdate implements BackendUpdate {
  readonly vectors: LearnerVectors;
  private readonly buffers = new Map<number, Td3Buffers>();
  private readonly plans = new Map<number, Td3Plans>();
  private rng: NumpyGenerator;
  /** Actor updates so far: the actor's Adam step count. */
  private actorSteps = 0;

  constructor(
    private readonly k: KernelLearner,
    private readonly o: Td3Options,
  ) {
    if (!Number.isInteger(o.policyDelay) || o.policyDelay < 1)
      throw new Error(`TD3 policy delay must be a positive integer, got ${o.policyDelay}`);
    if (!(o.policyNoise >= 0) || !(o.noiseClip >= 0)) throw new Error('TD3 policy noise and noise clip must be non-negative');
    this.vectors = k.vectors;
    this.rng = defaultRng([o.seed, 0x7d3]);
  }

  private buffersFor(space: BatchSpace): Td3Buffers {
    let b = this.buffers.get(space.cap);
    if (b) return b;
    const { actorSlots, criticSlots, actDim, obsDim } = this.k.cfg;
    const [c1, c2] = criticSlots;
    const cap = space.cap;
    const alloc = (n: number) => this.k.alloc(n);
    const hidden = (slots: typeof c1) => slots.slice(0, -1).map((sl) => this.k.matrix(cap, sl.outSize));
    b = {
      noise: alloc(cap * actDim),
      aT: allocActs(actorSlots, cap, alloc, space.s2, colsFrom(space.x2, obsDim)),
      qT1: this.k.criticActs(0, cap, space.x2),
      qT2: this.k.criticActs(1, cap, space.x2),
      q1: this.k.criticActs(0, cap, space.x),
      q2: this.k.criticActs(1, cap, space.x),
      dq1: mat(alloc(cap), 1),
      dq2: mat(alloc(cap), 1),
      dCritic1: hidden(c1),
      dCritic2: hidden(c2),
      aOn: allocActs(actorSlots, cap, alloc, space.s),
      qPi: this.k.criticActs(0, cap),
      dqPi: mat(alloc(cap), 1),
      dCriticPi: hidden(c1),
      dAction: this.k.matrix(cap, actDim),
      dMu: this.k.matrix(cap, actDim),
      dActor: hidden(actorSlots),
    };
    this.buffers.set(cap, b);
    return b;
  }

  private plansFor(B: number): Td3Plans {
    let p = this.plans.get(B);
    if (p) return p;
    const k = this.k;
    const { obsDim, actDim, actorSlots } = k.cfg;
    const { space } = k.batchSpace(B);
    const b = this.buffersFor(space);
    const actor = k.net('params', actorSlots);
    const critic1 = k.critic('params', 0);
    const critic2 = k.critic('params', 1);
    const grads = { ptr: k.vec.grads, rows: B };

    const criticPlan = (adam: boolean) => {
      const plan = new PlanBuilder();
      forwardOps(plan, k.net('target', actorSlots), b.aT, B, 'tanh');
      plan.smooth(B, actDim, colsFrom(space.x2, obsDim), b.noise);
      forwardOps(plan, k.critic('target', 0), b.qT1, B, 'linear');
      forwardOps(plan, k.critic('target', 1), b.qT2, B, 'linear');
      forwardOps(plan, critic1, b.q1, B, 'linear');
      forwardOps(plan, critic2, b.q2, B, 'linear');
      const target = { B, r: space.r, disc: space.disc, qn: b.qT1.out.ptr, qn2: b.qT2.out.ptr, scale: 2 / B, lossScale: 1 / B };
      plan.td({ ...target, q: b.q1.out.ptr, dq: b.dq1.ptr, slot: STAT.CRITIC, qSlot: STAT.Q }, false);
      plan.td({ ...target, q: b.q2.out.ptr, dq: b.dq2.ptr, slot: STAT.CRITIC2, qSlot: STAT.Q2 });
      backwardOps(plan, { net: critic1, acts: b.q1, dOut: b.dq1, rowsBack: B, grads, dHidden: b.dCritic1 });
      backwardOps(plan, { net: critic2, acts: b.q2, dOut: b.dq2, rowsBack: B, grads, dHidden: b.dCritic2 });
      if (adam) k.adamOps(plan, [1]);
      return k.load(plan);
    };

    // μ(s) goes into the action columns of x's second half, Q₁ reads those rows.
    const mu = colsFrom(rowsFrom(space.x, B), obsDim);
    const aOn = { ...b.aOn, out: mu };
    const qPi = { ...b.qPi, input: rowsFrom(space.x, B) };
    const actorPlan = (adam: boolean) => {
      const plan = new PlanBuilder();
      forwardOps(plan, actor, aOn, B, 'tanh');
      forwardOps(plan, critic1, qPi, B, 'linear');
      plan.fillSum(B, qPi.out.ptr, b.dqPi.ptr, -1 / B, STAT.ACTOR, -1 / B);
      backwardOps(plan, {
        net: critic1,
        acts: qPi,
        dOut: b.dqPi,
        rowsBack: B,
        dHidden: b.dCriticPi,
        dInput: { col: obsDim, n: actDim, row: 0, rows: B, out: b.dAction },
      });
      plan.tanhGrad(B, actDim, b.dAction, mu, b.dMu.ptr);
      backwardOps(plan, { net: actor, acts: aOn, dOut: b.dMu, rowsBack: B, grads, dHidden: b.dActor });
      if (adam) k.adamOps(plan, [0]);
      return k.load(plan);
    };
    p = { space, buffers: b, critic: criticPlan(true), criticGrad: criticPlan(false), actor: actorPlan(true), actorGrad: actorPlan(false) };
    this.plans.set(B, p);
    return p;
  }

  /** Copies the batch in, with its target smoothing noise: the batch's own (tests) or drawn here. */
  private fill(p: Td3Plans, batch: Batch): void {
    this.k.fill(p.space, batch);
    const n = batch.size * this.k.cfg.actDim;
    const noise = this.k.engine.f32(p.buffers.noise, n);
    if (batch.targetNoise) {
      noise.set(batch.targetNoise.subarray(0, n));
      return;
    }
    const { policyNoise, noiseClip } = this.o;
    for (let i = 0; i < n; i++) noise[i] = Math.min(noiseClip, Math.max(-noiseClip, policyNoise * this.rng.normal()));
  }

  private stats(): Losses {
    const s = (slot: number) => this.k.stat(slot);
    return { critic: (s(STAT.CRITIC) + s(STAT.CRITIC2)) / 2, actor: s(STAT.ACTOR), q: s(STAT.Q), q2: s(STAT.Q2) };
  }

  update(batch: Batch, n: number, wantStats: boolean): Losses | null {
    const p = this.plansFor(batch.size);
    this.fill(p, batch);
    const delayed = n % this.o.policyDelay === 0;
    // Critics every update; their targets move only with the actor's (τ = 0 leaves them).
    this.k.setAdamScalars(n, delayed ? undefined : 0);
    this.k.engine.exec(p.critic);
    if (delayed) {
      this.actorSteps++;
      this.k.setAdamScalars(this.actorSteps);
      this.k.engine.exec(p.actor);
    }
    return wantStats ? this.stats() : null;
  }

  /**
   * The flat gradient [∂L_μ/∂θ_actor, ∂L_Q/∂θ_critic₁, ∂L_Q/∂θ_critic₂] at the current
   * parameters (both at the same critic, unlike update(), whose actor step follows the critics'),
   * and the statistics.
   */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    const p = this.plansFor(batch.size);
    this.fill(p, batch);
    this.k.engine.exec(p.criticGrad);
    this.k.engine.exec(p.actorGrad);
    return { grads: this.k.view('grads').slice(), losses: this.stats() };
  }

  act(obs: Float32Array, n: number): Float32Array {
    return this.k.act(obs, n);
  }

  getExtraState(): ExtraState {
    return { td3: { actorSteps: this.actorSteps, rng: this.rng.getState() } };
  }

  setExtraState({ td3: s }: ExtraState): void {
    if (!s) throw new Error('learner state has no TD3 part (actor steps, noise stream): it is not from a TD3 learner');
    this.actorSteps = s.actorSteps;
    this.rng.setState(s.rng);
  }

  invalidate(): void {}

  dispose(): void {
    this.k.dispose();
  }
}
