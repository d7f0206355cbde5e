// SAC: Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic: Off-Policy Maximum Entropy
// Deep Reinforcement Learning with a Stochastic Actor" and "Soft Actor-Critic Algorithms and
// Applications"), read top to bottom as CleanRL's sac_continuous_action.py: the policy, then one update.
//
//   policy   mean(s), raw(s) = the actor's two heads; ls = −5 + 3.5·(tanh(raw) + 1)   (log std in [−5, 2])
//            u = tanh(mean + exp(ls)·ε), ε ~ N(0, 1)                                   (reparameterised)
//            log π(u|s) = Σ_j −ε_j²/2 − ls_j − log(2π)/2 − log(1 − u_j² + 1e-6)         (tanh correction)
//   y        = r + γ(1 − terminated)·(min(Q'₁, Q'₂)(s', u') − α·log π(u'|s')),  u' ~ π(·|s')  (soft clipped double Q)
//   L_Q      = mean (Q₁(s, a) − y)² + mean (Q₂(s, a) − y)²                              (both critics, every update)
//   every f-th update, f times (CleanRL's delayed policy update, f = --policy-frequency):
//     L_π    = mean (α·log π(u|s) − min(Q₁, Q₂)(s, u)),  u ~ π(·|s)                     (at the just-updated critics)
//     L_α    = −α·mean (log π(u|s) + H̄),  H̄ = −|A| by default                          (--autotune: on log α)
//   θ'_Q     ← θ'_Q + τ(θ_Q − θ'_Q) every update (the critics only: SAC has no target actor)
//
// Actions live in the tanh space [-1, 1], as SB3's (CleanRL's action_scale is 1 there). The
// actor is one MLP whose output layer has 2|A| units: the mean head, then the log-std head
// (networks.ts layout; the columns of one layer are the two heads of CleanRL's actor). The
// deterministic policy the evaluations play and checkpoints export is tanh(mean) (networks.ts
// meanHead). The actor, the critics and log α have their own Adam step counts, as PyTorch's three
// optimizers; α's learning rate is the critics' (CleanRL's q_lr). One difference from CleanRL: L_α is
// taken at the actor pass's own samples (before its step, as SB3 does) instead of a fresh draw after it.
// The rest (replay, the loop, evaluation, checkpoints) is shared with DDPG and TD3: trainer.ts;
// collection samples the policy (Learner.explore) and adds no noise.
import { STAT, type BatchSpace, type KernelLearner } from './backends/kernel-core.ts';
import type { Batch, BackendUpdate, ExtraState, LearnerVectors, Losses } from './backends/types.ts';
import { allocActs, backwardOps, forwardOps, type MlpActs } from './kernels/mlp-ops.ts';
import { colsFrom, mat, PlanBuilder, rowsFrom, SCALAR, type Mat } from './kernels/plan.ts';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';

/** The log std's range (CleanRL's LOG_STD_MIN, LOG_STD_MAX); the kernels' SAC ops use the same. */
export const LOG_STD_MIN = -5;
export const LOG_STD_MAX = 2;

export interface SacOptions {
  /** Actor updates come every policyFrequency-th update, policyFrequency of them (CleanRL's policy_frequency). */
  policyFrequency: number;
  /** Learn α (on log α, starting at α = 1) towards the target entropy; else α stays `alpha`. */
  autotune: boolean;
  /** The fixed α without autotune. */
  alpha: number;
  /** H̄ (null: −|A|, SB3's and CleanRL's). */
  targetEntropy: number | null;
  /** log α's Adam learning rate (CleanRL: q_lr, the critics'). */
  alphaLr: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  /** Seeds the policy-sampling noise of the updates (its own stream). */
  seed: number;
}

/** The log std from the head's raw output: tanh, then rescaled to [LOG_STD_MIN, LOG_STD_MAX]. */
export function squashLogStd(raw: number): number {
  return LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(raw) + 1);
}

// ---- One update on the WebAssembly kernels --------------------------------------------------
// Critic plan (every update):
//   the online actor's heads at s', SAC_SAMPLE: u' into [s', ·] and log π(u'|s')
//   Q'₁, Q'₂ on [s', u']; Q₁, Q₂ on [s, a]; TD: y with min(Q'₁, Q'₂) − α·log π; dQᵢ = 2(Qᵢ − y)/B
//   both critics' backward with weight gradients; Adam + Polyak (τ) on the critics
// Actor plan (f times every f-th update, after the critic plan):
//   the actor's heads at s, SAC_SAMPLE: u into [s, ·] (x's second half) and log π(u|s)
//   Q₁, Q₂ on [s, u]; SAC_PI: L_π, dQ₁/dQ₂ = −1/B on the rows where each is the min
//   both critics' backward to the action (no weight gradients); SAC_SAMPLE_GRAD: the gradient
//   at the heads (through u, and log π's own terms); the actor's backward; Adam on the actor (τ = 0)

interface SacBuffers {
  epsNext: number;
  epsNow: number;
  headNext: MlpActs;
  logpNext: number;
  qT1: MlpActs;
  qT2: MlpActs;
  q1: MlpActs;
  q2: MlpActs;
  dq1: Mat;
  dq2: Mat;
  dCritic1: Mat[];
  dCritic2: Mat[];
  headNow: MlpActs;
  logpNow: number;
  qPi1: MlpActs;
  qPi2: MlpActs;
  dqPi1: Mat;
  dqPi2: Mat;
  dCriticPi1: Mat[];
  dCriticPi2: Mat[];
  dA1: Mat;
  dA2: Mat;
  dHead: Mat;
  dActor: Mat[];
}

interface SacPlans {
  space: BatchSpace;
  buffers: SacBuffers;
  critic: number;
  criticGrad: number;
  actor: number;
  actorGrad: number;
}

export class SacKernelUpdate implements BackendUpdate {
  readonly vectors: LearnerVectors;
  private readonly buffers = new Map<number, SacBuffers>();
  private readonly plans = new Map<number, SacPlans>();
  private readonly rng: NumpyGenerator;
  private readonly targetEntropy: number;
  /** Actor updates so far: the actor's (and log α's) Adam step count. */
  private actorSteps = 0;
  private logAlpha = 0;
  private alphaM = 0;
  private alphaV = 0;

  constructor(
    private readonly k: KernelLearner,
    private readonly o: SacOptions,
  ) {
    if (!Number.isInteger(o.policyFrequency) || o.policyFrequency < 1)
      throw new Error(`SAC policy frequency must be a positive integer, got ${o.policyFrequency}`);
    if (!(o.alpha >= 0)) throw new Error(`SAC's α must be a non-negative number, got ${o.alpha}`);
    if (o.targetEntropy !== null && !Number.isFinite(o.targetEntropy)) throw new Error('SAC target entropy must be a finite number');
    this.vectors = k.vectors;
    this.rng = defaultRng([o.seed, 0x5ac]);
    this.targetEntropy = o.targetEntropy ?? -k.cfg.actDim;
  }

  /** The entropy coefficient the next update uses. */
  get alpha(): number {
    return this.o.autotune ? Math.exp(this.logAlpha) : this.o.alpha;
  }

  private buffersFor(space: BatchSpace): SacBuffers {
    let b = this.buffers.get(space.cap);
    if (b) return b;
    const { actorSlots, criticSlots, actDim } = this.k.cfg;
    const [c1, c2] = criticSlots;
    const cap = space.cap;
    const alloc = (n: number) => this.k.alloc(n);
    const hidden = (slots: typeof c1) => slots.slice(0, -1).map((sl) => this.k.matrix(cap, sl.outSize));
    b = {
      epsNext: alloc(cap * actDim),
      epsNow: alloc(cap * actDim),
      headNext: allocActs(actorSlots, cap, alloc, space.s2),
      logpNext: alloc(cap),
      qT1: this.k.criticActs(0, cap, space.x2),
      qT2: this.k.criticActs(1, cap, space.x2),
      q1: this.k.criticActs(0, cap, space.x),
      q2: this.k.criticActs(1, cap, space.x),
      dq1: mat(alloc(cap), 1),
      dq2: mat(alloc(cap), 1),
      dCritic1: hidden(c1),
      dCritic2: hidden(c2),
      headNow: allocActs(actorSlots, cap, alloc, space.s),
      logpNow: alloc(cap),
      qPi1: this.k.criticActs(0, cap),
      qPi2: this.k.criticActs(1, cap),
      dqPi1: mat(alloc(cap), 1),
      dqPi2: mat(alloc(cap), 1),
      dCriticPi1: hidden(c1),
      dCriticPi2: hidden(c2),
      dA1: this.k.matrix(cap, actDim),
      dA2: this.k.matrix(cap, actDim),
      dHead: this.k.matrix(cap, 2 * actDim),
      dActor: hidden(actorSlots),
    };
    this.buffers.set(cap, b);
    return b;
  }

  private plansFor(B: number): SacPlans {
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
    const N = actDim;

    const criticPlan = (adam: boolean) => {
      const plan = new PlanBuilder();
      forwardOps(plan, actor, b.headNext, B, 'linear');
      plan.sacSample({ M: B, N, h: b.headNext.out, eps: b.epsNext, u: colsFrom(space.x2, obsDim), logp: b.logpNext });
      forwardOps(plan, k.critic('target', 0), b.qT1, B, 'linear');
      forwardOps(plan, k.critic('target', 1), b.qT2, B, 'linear');
      forwardOps(plan, critic1, b.q1, B, 'linear');
      forwardOps(plan, critic2, b.q2, B, 'linear');
      const target = {
        B,
        r: space.r,
        disc: space.disc,
        qn: b.qT1.out.ptr,
        qn2: b.qT2.out.ptr,
        logp: b.logpNext,
        scale: 2 / B,
        lossScale: 1 / B,
      };
      plan.td({ ...target, q: b.q1.out.ptr, dq: b.dq1.ptr, slot: STAT.CRITIC, qSlot: STAT.Q }, false);
      plan.td({ ...target, q: b.q2.out.ptr, dq: b.dq2.ptr, slot: STAT.CRITIC2, qSlot: STAT.Q2 });
      backwardOps(plan, { net: critic1, acts: b.q1, dOut: b.dq1, rowsBack: B, grads, dHidden: b.dCritic1 });
      backwardOps(plan, { net: critic2, acts: b.q2, dOut: b.dq2, rowsBack: B, grads, dHidden: b.dCritic2 });
      if (adam) k.adamOps(plan, [1]);
      return k.load(plan);
    };

    // The sample u goes into the action columns of x's second half; both critics read those rows.
    const pi = colsFrom(rowsFrom(space.x, B), obsDim);
    const qPi1 = { ...b.qPi1, input: rowsFrom(space.x, B) };
    const qPi2 = { ...b.qPi2, input: rowsFrom(space.x, B) };
    const actorPlan = (adam: boolean) => {
      const plan = new PlanBuilder();
      forwardOps(plan, actor, b.headNow, B, 'linear');
      plan.sacSample({ M: B, N, h: b.headNow.out, eps: b.epsNow, u: pi, logp: b.logpNow });
      forwardOps(plan, critic1, qPi1, B, 'linear');
      forwardOps(plan, critic2, qPi2, B, 'linear');
      plan.sacPi({
        B,
        q1: qPi1.out.ptr,
        q2: qPi2.out.ptr,
        logp: b.logpNow,
        dq1: b.dqPi1.ptr,
        dq2: b.dqPi2.ptr,
        scale: 1 / B,
        slot: STAT.ACTOR,
        entSlot: STAT.LOG_PI,
      });
      const toAction = (out: Mat) => ({ col: obsDim, n: N, row: 0, rows: B, out });
      backwardOps(plan, { net: critic1, acts: qPi1, dOut: b.dqPi1, rowsBack: B, dHidden: b.dCriticPi1, dInput: toAction(b.dA1) });
      backwardOps(plan, { net: critic2, acts: qPi2, dOut: b.dqPi2, rowsBack: B, dHidden: b.dCriticPi2, dInput: toAction(b.dA2) });
      plan.sacSampleGrad({ M: B, N, h: b.headNow.out, eps: b.epsNow, u: pi, d1: b.dA1, d2: b.dA2, dh: b.dHead.ptr, scale: 1 / B });
      backwardOps(plan, { net: actor, acts: b.headNow, dOut: b.dHead, rowsBack: B, grads, dHidden: b.dActor });
      if (adam) k.adamOps(plan, [0]);
      return k.load(plan);
    };
    p = { space, buffers: b, critic: criticPlan(true), criticGrad: criticPlan(false), actor: actorPlan(true), actorGrad: actorPlan(false) };
    this.plans.set(B, p);
    return p;
  }

  /** Standard normal noise into kernel memory at `ptr`: the given values, or drawn from the learner's stream. */
  private noise(ptr: number, n: number, given?: Float32Array): void {
    const out = this.k.engine.f32(ptr, n);
    if (given) {
      if (given.length < n) throw new Error(`SAC noise has ${given.length} values, the batch needs ${n}`);
      out.set(given.subarray(0, n));
    } else for (let i = 0; i < n; i++) out[i] = this.rng.normal();
  }

  private setAlpha(): void {
    this.k.engine.setScalar(SCALAR.ALPHA, this.alpha);
  }

  /** One step of Adam on log α, on L_α = −α·(mean log π + H̄) (CleanRL's form). */
  private stepAlpha(meanLogPi: number): void {
    const { adamBeta1: b1, adamBeta2: b2, adamEps: eps } = this.o;
    // A learning-rate schedule scales α's rate too, as SB3 does for its entropy optimizer.
    const alphaLr = this.o.alphaLr * (this.k.cfg.adam.lrScale ?? 1);
    const g = -Math.exp(this.logAlpha) * (meanLogPi + this.targetEntropy);
    const t = this.actorSteps;
    this.alphaM = b1 * this.alphaM + (1 - b1) * g;
    this.alphaV = b2 * this.alphaV + (1 - b2) * g * g;
    const denom = Math.sqrt(this.alphaV) / Math.sqrt(1 - b2 ** t) + eps;
    this.logAlpha -= ((alphaLr / (1 - b1 ** t)) * this.alphaM) / denom;
  }

  private stats(alpha: number): Losses {
    const s = (slot: number) => this.k.stat(slot);
    return {
      critic: (s(STAT.CRITIC) + s(STAT.CRITIC2)) / 2,
      actor: s(STAT.ACTOR),
      q: s(STAT.Q),
      q2: s(STAT.Q2),
      alpha,
      logPi: s(STAT.LOG_PI),
    };
  }

  update(batch: Batch, n: number, wantStats: boolean): Losses | null {
    const p = this.plansFor(batch.size);
    const B = batch.size;
    const A = this.k.cfg.actDim;
    this.k.fill(p.space, batch);
    const alpha = this.alpha;
    this.setAlpha();
    this.noise(p.buffers.epsNext, B * A, batch.sacNoise?.next);
    this.k.setAdamScalars(n);
    this.k.engine.exec(p.critic);
    if (n % this.o.policyFrequency === 0) {
      for (let i = 0; i < this.o.policyFrequency; i++) {
        this.noise(p.buffers.epsNow, B * A, i === 0 ? batch.sacNoise?.current : undefined);
        this.actorSteps++;
        this.k.setAdamScalars(this.actorSteps, 0); // no target actor: τ = 0 leaves that slice
        this.k.engine.exec(p.actor);
        if (this.o.autotune) {
          this.stepAlpha(this.k.stat(STAT.LOG_PI));
          this.setAlpha();
        }
      }
    }
    return wantStats ? this.stats(alpha) : null;
  }

  /**
   * The flat gradient [∂L_π/∂θ_actor, ∂L_Q/∂θ_critic₁, ∂L_Q/∂θ_critic₂] at the current parameters
   * and α (both losses at the same critics, unlike update(), whose actor steps follow the critics'),
   * and the statistics.
   */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    const p = this.plansFor(batch.size);
    const n = batch.size * this.k.cfg.actDim;
    this.k.fill(p.space, batch);
    this.setAlpha();
    this.noise(p.buffers.epsNext, n, batch.sacNoise?.next);
    this.noise(p.buffers.epsNow, n, batch.sacNoise?.current);
    this.k.engine.exec(p.criticGrad);
    this.k.engine.exec(p.actorGrad);
    return { grads: this.k.view('grads').slice(), losses: this.stats(this.alpha) };
  }

  /** The deterministic policy tanh(mean(s)) for n observations (the mean head of the tanh'd outputs). */
  act(obs: Float32Array, n: number): Float32Array {
    const A = this.k.cfg.actDim;
    const both = this.k.act(obs, n, 'tanh');
    const out = new Float32Array(n * A);
    for (let i = 0; i < n; i++) out.set(both.subarray(2 * A * i, 2 * A * i + A), A * i);
    return out;
  }

  /** A draw u = tanh(mean + std·ε) of the policy for each of n observations, ε from `rng` (collection). */
  explore(obs: Float32Array, n: number, rng: NumpyGenerator): Float32Array {
    const A = this.k.cfg.actDim;
    const h = this.k.act(obs, n, 'linear');
    const out = new Float32Array(n * A);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < A; j++) {
        const std = Math.exp(squashLogStd(h[2 * A * i + A + j]));
        out[A * i + j] = Math.tanh(h[2 * A * i + j] + std * rng.normal());
      }
    return out;
  }

  getExtraState(): ExtraState {
    const { actorSteps, logAlpha, alphaM, alphaV } = this;
    return { sac: { actorSteps, rng: this.rng.getState(), logAlpha, alphaM, alphaV } };
  }

  setExtraState({ sac: s }: ExtraState): void {
    if (!s) throw new Error('learner state has no SAC part (actor steps, noise stream, α): it is not from a SAC learner');
    ({ actorSteps: this.actorSteps, logAlpha: this.logAlpha, alphaM: this.alphaM, alphaV: this.alphaV } = s);
    this.rng.setState(s.rng);
  }

  invalidate(): void {}

  dispose(): void {
    this.k.dispose();
  }
}
