// Adam (PyTorch's formulation) fused with the Polyak target update, over a range of the flat
// parameter vector, in plain JS: one pass instead of a dozen whole-vector tensor ops. The
// gradient is the sum of `grads` (one per thread that computed a share of the batch).
import type { AdamConfig } from '../types.ts';

export interface AdamBuffers {
  params: Float32Array;
  target: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** One Adam step (number `step`, 1-based) on [from, to), then θ' ← θ' + τ(θ − θ') there. */
export function adamPolyak(cfg: AdamConfig, buf: AdamBuffers, grads: Float32Array[], step: number, from: number, to: number): void {
  const { beta1: b1, beta2: b2, eps, tau } = cfg;
  const bc1 = 1 - Math.pow(b1, step);
  const rsBc2 = 1 / Math.sqrt(1 - Math.pow(b2, step));
  const scale = cfg.lrScale ?? 1;
  let start = 0;
  for (const [end, lr] of cfg.segments) {
    const lo = Math.max(from, start);
    const hi = Math.min(to, end);
    start = end;
    if (lo >= hi) continue;
    if (grads.length === 1) kernel(buf, grads[0], null, lo, hi, (lr * scale) / bc1, b1, b2, rsBc2, eps, tau);
    else {
      for (let k = 2; k < grads.length; k++) for (let i = lo; i < hi; i++) grads[0][i] += grads[k][i];
      kernel(buf, grads[0], grads[1], lo, hi, (lr * scale) / bc1, b1, b2, rsBc2, eps, tau);
    }
  }
}

function kernel(
  buf: AdamBuffers,
  g0: Float32Array,
  g1: Float32Array | null,
  from: number,
  to: number,
  stepSize: number,
  b1: number,
  b2: number,
  rsBc2: number,
  eps: number,
  tau: number,
): void {
  const { params: p, target: t, m, v } = buf;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = from; i < to; i++) {
    const gi = g1 === null ? g0[i] : Math.fround(g0[i] + g1[i]);
    const mi = (m[i] = b1 * m[i] + c1 * gi);
    const vi = (v[i] = b2 * v[i] + c2 * gi * gi);
    const pi = (p[i] = p[i] - (stepSize * mi) / (Math.sqrt(vi) * rsBc2 + eps));
    t[i] = t[i] + tau * (pi - t[i]);
  }
}
