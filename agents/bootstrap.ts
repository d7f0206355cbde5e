// The discount a TD target puts on its bootstrap, row by row (for every learner).
import type { Batch } from './learner-gradients.ts';

/**
 * The bootstrap discount of each row, γ^k(1 − terminated): a time-limit truncation stored
 * terminated = 0 and still bootstraps; an n-step row k steps long is discounted k times.
 */
export function bootstrapDiscounts(batch: Batch, gamma: number, out: Float32Array): Float32Array {
  const { terminated: t, horizon: h } = batch;
  for (let i = 0; i < batch.size; i++) out[i] = (h && h[i] !== 1 ? gamma ** h[i] : gamma) * (1 - t[i]);
  return out;
}
