// DDPG: Deep Deterministic Policy Gradient (Lillicrap et al. 2016, "Continuous control with
// deep reinforcement learning"), read top to bottom: its hyperparameters, then one update.
//
//   y      = r + γ(1 − terminated)·Q'(s', μ'(s'))             (targets: the target networks)
//   L_Q    = mean (Q(s, a) − y)²                                (critic)
//   L_μ    = −mean Q(s, μ(s))                                   (actor, through the critic)
//   θ      ← Adam(θ, ∇L) for actor and critic, each with its own learning rate
//   θ'     ← θ' + τ(θ − θ')                                     (Polyak, every update)
//
// Both losses are differentiated at the same critic, as in the paper's algorithm box. The rest
// (replay, exploration noise, the loop, evaluation, checkpoints) is shared with TD3: trainer.ts.
import type { TrainConfig } from './config.ts';
import type { Batch, Losses } from './learner-gradients.ts';
import { STAT, type BatchSpace, type KernelLearner, type LearnerUpdate, type TestFault } from './learner-kernels.ts';
import type { LearnerVectors } from './learner.ts';
import { allocActs, backwardOps, forwardOps, type MlpActs } from './kernels/mlp-ops.ts';
import { colsFrom, mat, PlanBuilder, rowsFrom, type Mat } from './kernels/plan.ts';

// ---- Hyperparameters ------------------------------------------------------------------------
// Base values (config.ts BASE_CONFIG): lr 1e-3 (actor and critic), γ 0.99, τ 0.005, batch 256,
// 1 update per env step, Gaussian exploration σ 0.1 (in units of half the action range).
// Per env (agents/README.md has the table and the sources):
// - Pendulum-v1: 64x64 nets (solved as reliably as 256x256, ~5x cheaper), γ 0.98 as RL-Zoo.
// - MountainCarContinuous-v0: Ornstein-Uhlenbeck σ 0.5 (RL-Zoo: the reward is found only by
//   exploring far; Gaussian noise at 0.1 never reaches the flag).
// - LunarLanderContinuous-v3, BipedalWalker-v3: RL-Zoo's ddpg.yml rows (γ 0.98, 200k replay,
//   10k random warm-up steps, Gaussian σ 0.1, lr 1e-3, as many updates as env steps), with
//   CleanRL's 256x256 nets instead of RL-Zoo's 400x300. LunarLanderContinuous also takes 3-step
//   returns and 2 updates per env step: measured here, the mean over three seeds of 100-episode
//   evals at 150k steps went from 96 (RL-Zoo's row) to 165 (3-step) and 195 (both) (README).
//   It also normalises the critic's hidden layers and decays σ 0.1 → 0.02 over 150k steps: the
//   only setting tried that put every seed (0–2) at ≥ 200 in the eval at 150k (README).
export const DDPG_DEFAULTS: Record<string, Partial<TrainConfig>> = {
  'Pendulum-v1': { steps: 20_000, actorHidden: [64, 64], criticHidden: [64, 64], learningStarts: 1000, noiseSigma: 0.1, noiseSigmaFinal: 0.1, gamma: 0.98, evalEvery: 1000, evalEpisodes: 10, checkpointEvery: 5000 },
  'MountainCarContinuous-v0': { steps: 50_000, actorHidden: [64, 64], criticHidden: [64, 64], noise: 'ou', noiseSigma: 0.5, noiseSigmaFinal: 0.5, ouTheta: 0.15, ouDt: 1, learningStarts: 1000, evalEvery: 5000, evalEpisodes: 5 },
  'LunarLanderContinuous-v3': { steps: 300_000, gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, noiseSigma: 0.1, noiseSigmaFinal: 0.02, noiseDecaySteps: 150_000, criticLayerNorm: true, actorLr: 1e-3, criticLr: 1e-3, nStep: 3, updatesPerStep: 2, evalEvery: 10_000, evalEpisodes: 10, checkpointEvery: 25_000 },
  'BipedalWalker-v3': { steps: 1_000_000, gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, noiseSigma: 0.1, noiseSigmaFinal: 0.1, actorLr: 1e-3, criticLr: 1e-3, evalEvery: 25_000, evalEpisodes: 5, checkpointEvery: 50_000 },
};

// ---- One update on the WebAssembly kernels --------------------------------------------------
//   μ'(s') and Q'(s', μ'(s'))                 target actor and critic forward
//   μ(s), then Q on [s, a] and [s, μ(s)]      one critic forward over 2B rows (same weights)
//   dQ = 2(Q − y)/B on the first B rows, −1/B on the others
//   critic backward over 2B rows: weight gradients from the first B rows only; the last B
//   rows carry −∂Q(s, μ(s))/∂a back to the actor, then tanh' and the actor's backward
//   Adam on actor and critic (own learning rates), Polyak on both targets
// The TD op also writes the statistics (critic loss, mean Q) and FILL_SUM the actor loss, so
// reading them costs nothing per update.

/** Activation and gradient buffers for one batch capacity. */
interface DdpgBuffers {
  /** μ'(s') (written into x2's action columns), then Q'(s', μ'(s')). */
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

interface DdpgPlans {
  space: BatchSpace;
  update: number;
  gradOnly: number;
}

export class DdpgKernelUpdate implements LearnerUpdate {
  readonly vectors: LearnerVectors;
  private readonly buffers = new Map<number, DdpgBuffers>();
  private readonly plans = new Map<number, DdpgPlans>();

  constructor(
    private readonly k: KernelLearner,
    private readonly fault: TestFault | null = null,
  ) {
    this.vectors = k.vectors;
  }

  private buffersFor(space: BatchSpace): DdpgBuffers {
    let b = this.buffers.get(space.cap);
    if (b) return b;
    const { actorSlots, criticSlots, actDim, obsDim } = this.k.cfg;
    const [critic] = criticSlots;
    const cap = space.cap;
    const alloc = (n: number) => this.k.alloc(n);
    b = {
      aT: allocActs(actorSlots, cap, alloc, space.s2, colsFrom(space.x2, obsDim)),
      qT: this.k.criticActs(0, cap, space.x2),
      aOn: allocActs(actorSlots, cap, alloc, space.s),
      q: this.k.criticActs(0, 2 * cap, space.x),
      dq: mat(alloc(2 * cap), 1),
      dCritic: critic.slice(0, -1).map((sl) => this.k.matrix(2 * cap, sl.outSize)),
      dAction: this.k.matrix(cap, actDim),
      dMu: this.k.matrix(cap, actDim),
      dActor: actorSlots.slice(0, -1).map((sl) => this.k.matrix(cap, sl.outSize)),
    };
    this.buffers.set(cap, b);
    return b;
  }

  private plansFor(B: number): DdpgPlans {
    let p = this.plans.get(B);
    if (p) return p;
    const k = this.k;
    const { obsDim, actDim, actorSlots } = k.cfg;
    const { space } = k.batchSpace(B);
    const b = this.buffersFor(space);
    const actor = k.net('params', actorSlots);
    const critic = k.critic('params', 0);
    const targets = this.fault === 'no-target-network' ? 'params' : 'target';
    const actorT = k.net(targets, actorSlots);
    const criticT = k.critic(targets, 0);
    const dActorLoss = this.fault === 'actor-gradient-sign' ? 1 / B : -1 / B;
    // Online: μ(s) goes into the action columns of x's second half, then Q over both halves.
    const mu = colsFrom(rowsFrom(space.x, B), obsDim);
    const aOn = { ...b.aOn, out: mu };
    const grads = { ptr: k.vec.grads, rows: B };
    const build = (adam: boolean) => {
      const plan = new PlanBuilder();
      forwardOps(plan, actorT, b.aT, B, 'tanh');
      forwardOps(plan, criticT, b.qT, B, 'linear');
      forwardOps(plan, actor, aOn, B, 'tanh');
      forwardOps(plan, critic, b.q, 2 * B, 'linear');
      plan.td({ B, q: b.q.out.ptr, r: space.r, disc: space.disc, qn: b.qT.out.ptr, dq: b.dq.ptr, scale: 2 / B, slot: STAT.CRITIC, qSlot: STAT.Q, lossScale: 1 / B }, false);
      plan.fillSum(B, rowsFrom(b.q.out, B).ptr, rowsFrom(b.dq, B).ptr, dActorLoss, STAT.ACTOR, -1 / B);
      backwardOps(plan, { net: critic, acts: b.q, dOut: b.dq, rowsBack: 2 * B, grads, dHidden: b.dCritic, dInput: { col: obsDim, n: actDim, row: B, rows: B, out: b.dAction } });
      plan.tanhGrad(B, actDim, b.dAction, mu, b.dMu.ptr);
      backwardOps(plan, { net: actor, acts: aOn, dOut: b.dMu, rowsBack: B, grads, dHidden: b.dActor });
      if (adam) k.adamOps(plan, [0, 1]);
      return k.load(plan);
    };
    p = { space, update: build(true), gradOnly: build(false) };
    this.plans.set(B, p);
    return p;
  }

  private stats(): Losses {
    return { critic: this.k.stat(STAT.CRITIC), actor: this.k.stat(STAT.ACTOR), q: this.k.stat(STAT.Q) };
  }

  update(batch: Batch, n: number, wantStats: boolean): Losses | null {
    const p = this.plansFor(batch.size);
    this.k.fill(p.space, batch);
    this.k.setAdamScalars(n);
    this.k.engine.exec(p.update);
    return wantStats ? this.stats() : null;
  }

  /** The flat gradient [∂L_μ/∂θ_actor, ∂L_Q/∂θ_critic] of a batch, and the statistics. */
  gradients(batch: Batch): { grads: Float32Array; losses: Losses } {
    const p = this.plansFor(batch.size);
    this.k.fill(p.space, batch);
    this.k.engine.exec(p.gradOnly);
    return { grads: this.k.view('grads').slice(), losses: this.stats() };
  }

  act(obs: Float32Array, n: number): Float32Array {
    return this.k.act(obs, n);
  }

  invalidate(): void {}

  dispose(): void {
    this.k.dispose();
  }
}
