// Minibatch arithmetic every backend shares: the discount a TD target puts on its bootstrap,
// and the critic's [s, a] input rows.
import type { Batch } from './types.ts';

/**
 * The bootstrap discount of each row, γ^k(1 − terminated): a time-limit truncation stored
 * terminated = 0 and still bootstraps; an n-step row k steps long is discounted k times.
 */
export function bootstrapDiscounts(batch: Batch, gamma: number, out: Float32Array): Float32Array {
  const { terminated: t, horizon: h } = batch;
  for (let i = 0; i < batch.size; i++) out[i] = (h && h[i] !== 1 ? gamma ** h[i] : gamma) * (1 - t[i]);
  return out;
}

/** Row-wise [a | b] of two row-major matrices with n rows. */
export function interleave(a: Float32Array, da: number, b: Float32Array, db: number, n: number): Float32Array {
  const out = new Float32Array(n * (da + db));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * da, (i + 1) * da), i * (da + db));
    out.set(b.subarray(i * db, (i + 1) * db), i * (da + db) + da);
  }
  return out;
}
