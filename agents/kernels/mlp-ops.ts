// MLP building blocks on kernel plans, for any algorithm with ReLU MLPs on flat parameter
// vectors (networks.ts layout): forward pass, backward pass (weight gradients and/or the
// gradient at the input), Adam + Polyak. DDPG (../ddpg.ts, over ../backends/kernel-core.ts) is written with these;
// TD3 needs the same plus twin critics (two more forward/backward calls) and a min.
import type { LayerSlot } from '../networks.ts';
import { mat, rowsFrom, type Act, type Mat, type PlanBuilder } from './plan.ts';

/** An MLP whose parameters sit at byte address `params` (+ slot offsets, in floats). */
export interface MlpRef {
  params: number;
  slots: LayerSlot[];
  /** Layer normalisation (no gain or bias) between each hidden layer's product and its ReLU. */
  norm?: boolean;
}

/** Activation buffers of one MLP pass: the input, each hidden layer's ReLU output, the output. */
export interface MlpActs {
  input: Mat;
  hidden: Mat[];
  out: Mat;
  /** With layer normalisation: each hidden layer's normalised pre-activation, and 1/std per row. */
  normed?: Mat[];
  rstd?: number[];
}

const w = (net: MlpRef, l: number): Mat => mat(net.params + 4 * net.slots[l].wOffset, net.slots[l].outSize);
const b = (net: MlpRef, l: number): number => net.params + 4 * net.slots[l].bOffset;

/** Contiguous activation buffers for `rows` rows of an MLP with these layers (allocated by `alloc`, in floats). */
export function allocActs(
  slots: LayerSlot[],
  rows: number,
  alloc: (floats: number) => number,
  input?: Mat,
  out?: Mat,
  norm = false,
): MlpActs {
  const buf = (width: number) => mat(alloc(rows * width), width);
  const hiddenSlots = slots.slice(0, -1);
  return {
    input: input ?? buf(slots[0].inSize),
    hidden: hiddenSlots.map((s) => buf(s.outSize)),
    out: out ?? buf(slots[slots.length - 1].outSize),
    ...(norm ? { normed: hiddenSlots.map((s) => buf(s.outSize)), rstd: hiddenSlots.map(() => alloc(rows)) } : {}),
  };
}

/** The normalisation buffers of hidden layer l, when the net normalises (else null). */
function normOf(net: MlpRef, acts: MlpActs, l: number): { n: Mat; rstd: number } | null {
  if (!net.norm) return null;
  if (!acts.normed || !acts.rstd) throw new Error('a normalised MLP needs activation buffers allocated with norm');
  return { n: acts.normed[l], rstd: acts.rstd[l] };
}

/**
 * Ops for y = MLP(x) on `rows` rows: fused bias + ReLU per hidden layer (with `net.norm`, bias,
 * then layer normalisation, then ReLU), `outAct` on the output.
 */
export function forwardOps(plan: PlanBuilder, net: MlpRef, acts: MlpActs, rows: number, outAct: Act): void {
  const L = net.slots.length;
  net.slots.forEach((s, l) => {
    const a = l === 0 ? acts.input : acts.hidden[l - 1];
    const nm = l < L - 1 ? normOf(net, acts, l) : null;
    if (nm) {
      plan.gemm({ M: rows, N: s.outSize, K: s.inSize, a, b: w(net, l), c: nm.n, bias: b(net, l) });
      plan.norm(rows, s.outSize, nm.n, acts.hidden[l], nm.rstd);
    } else if (l < L - 1)
      plan.gemm({ M: rows, N: s.outSize, K: s.inSize, a, b: w(net, l), c: acts.hidden[l], bias: b(net, l), relu: true });
    else plan.dot({ M: rows, N: s.outSize, K: s.inSize, a, b: w(net, l), c: acts.out, bias: b(net, l), act: outAct });
  });
}

export interface BackwardSpec {
  net: MlpRef;
  acts: MlpActs;
  /** dL/d(output pre-activation), rowsBack rows. */
  dOut: Mat;
  /** Rows to backpropagate through the hidden layers (from row 0). */
  rowsBack: number;
  /** With `grads` (byte address of a flat gradient vector laid out like the parameters): rows 0..rowsGrad contribute [∂W; ∂b]. */
  grads?: { ptr: number; rows: number };
  /** Buffers for dL/d(pre-activation) of each hidden layer (rowsBack x width). */
  dHidden: Mat[];
  /** dL/d(input columns [col, col + n)) for rows [row, row + rows), written to `out`. */
  dInput?: { col: number; n: number; row: number; rows: number; out: Mat };
}

/** Ops for the backward pass of an MLP with ReLU hidden layers (normalised or not). */
export function backwardOps(plan: PlanBuilder, o: BackwardSpec): void {
  const { net, acts } = o;
  let dz = o.dOut;
  for (let l = net.slots.length - 1; l >= 0; l--) {
    const s = net.slots[l];
    const hin = l === 0 ? acts.input : acts.hidden[l - 1];
    if (o.grads) {
      weightGradOps(plan, hin, dz, o.grads.rows, s, o.grads.ptr);
      // No barrier before the next layer's product: it neither writes dz nor reads bias gradients.
      plan.colsum(o.grads.rows, s.outSize, dz, o.grads.ptr + 4 * s.bOffset, l === 0);
    }
    if (l > 0) {
      // dZ_l = (dZ_{l+1} · Wᵀ) ⊙ 1[h_l > 0]: ReLU' is 1 exactly where the ReLU output is positive.
      plan.gemm({ M: o.rowsBack, N: s.inSize, K: s.outSize, a: dz, b: w(net, l), bT: true, c: o.dHidden[l - 1], mask: acts.hidden[l - 1] });
      dz = o.dHidden[l - 1];
      // Through the normalisation: dL/dn (ReLU' applied by the mask) becomes dL/dz in place.
      const nm = normOf(net, acts, l - 1);
      if (nm) plan.normGrad(o.rowsBack, s.inSize, dz, nm.n, nm.rstd);
    }
  }
  if (o.dInput) {
    const d = o.dInput;
    const s0 = net.slots[0];
    // dX[:, cols] = dZ_1 · W_0[cols, :]ᵀ (those rows of W_0 are contiguous).
    plan.dot({
      M: d.rows,
      N: d.n,
      K: s0.outSize,
      a: rowsFrom(dz, d.row),
      b: rowsFrom(w(net, 0), d.col),
      bT: true,
      c: d.out,
      act: 'linear',
    });
  }
}

/** ∂W = hᵀ · dz over `rows` rows, computed as (dzᵀ · h)ᵀ when that is fewer tiles (narrow layers). */
function weightGradOps(plan: PlanBuilder, h: Mat, dz: Mat, rows: number, s: LayerSlot, grads: number): void {
  const tiles = (m: number, n: number) => Math.ceil(m / 2) * Math.ceil(n / 32);
  const out = mat(grads + 4 * s.wOffset, s.outSize);
  if (tiles(s.inSize, s.outSize) <= tiles(s.outSize, s.inSize))
    plan.gemm({ M: s.inSize, N: s.outSize, K: rows, a: h, aT: true, b: dz, c: out });
  else plan.gemm({ M: s.outSize, N: s.inSize, K: rows, a: dz, aT: true, b: h, c: out, cT: true });
}

/** The flat vectors an optimizer works on (byte addresses). */
export interface OptimVectors {
  params: number;
  target: number;
  m: number;
  v: number;
  grads: number;
}

/**
 * Adam on each [from, to, lrSlot] segment, then Polyak θ' += τ(θ − θ') there. The engine's
 * scalars hold β1, β2, ε, τ, 1/sqrt(1 − β2^t) and, per segment slot, lr/(1 − β1^t).
 */
export function adamOps(plan: PlanBuilder, v: OptimVectors, segments: [number, number, number][]): void {
  segments.forEach(([from, to, slot], i) => plan.adam(v, from, to, slot, i === segments.length - 1));
}
