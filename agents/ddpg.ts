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
import { STAT, type BatchSpace, type KernelLearner } from './backends/kernel-core.ts';
import type { Batch, BackendUpdate, LearnerVectors, Losses } from './backends/types.ts';
import { allocActs, backwardOps, forwardOps, type MlpActs } from './kernels/mlp-ops.ts';
import { colsFrom, mat, PlanBuilder, rowsFrom, type Mat } from './kernels/plan.ts';

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

export class DdpgKernelUpdate implements BackendUpdate {
  readonly vectors: LearnerVectors;
  private readonly buffers = new Map<number, DdpgBuffers>();
  private readonly plans = new Map<number, DdpgPlans>();

  constructor(private readonly k: KernelLearner) {
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
    const actorT = k.net('target', actorSlots);
    const criticT = k.critic('target', 0);
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
      plan.td(
        {
          B,
          q: b.q.out.ptr,
          r: space.r,
          disc: space.disc,
          qn: b.qT.out.ptr,
          dq: b.dq.ptr,
          scale: 2 / B,
          slot: STAT.CRITIC,
          qSlot: STAT.Q,
          lossScale: 1 / B,
        },
        false,
      );
      plan.fillSum(B, rowsFrom(b.q.out, B).ptr, rowsFrom(b.dq, B).ptr, -1 / B, STAT.ACTOR, -1 / B);
      backwardOps(plan, {
        net: critic,
        acts: b.q,
        dOut: b.dq,
        rowsBack: 2 * B,
        grads,
        dHidden: b.dCritic,
        dInput: { col: obsDim, n: actDim, row: B, rows: B, out: b.dAction },
      });
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
