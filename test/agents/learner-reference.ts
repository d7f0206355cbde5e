// Shared by the learner tests: random minibatches, and MLPs written the plain way on tfjs
// tensors so tf.grad can differentiate the algorithms' losses as a reference.
import * as tf from '@tensorflow/tfjs';
import { layerSlots } from '../../agents/networks.ts';
import type { Batch } from '../../agents/learner.ts';
import { defaultRng } from '../../protocol/random.ts';

/** A batch of n rows with values in [-1, 1]; every third row terminal unless `terminated` says. */
export function randomBatch(n: number, seed: number, obsDim: number, actDim: number, terminated?: number[]): Batch {
  const rng = defaultRng(seed);
  const f = (k: number) => Float32Array.from(rng.uniformArray(-1, 1, k));
  return {
    size: n,
    obs: f(n * obsDim),
    actions: f(n * actDim),
    rewards: f(n),
    nextObs: f(n * obsDim),
    terminated: Float32Array.from({ length: n }, (_, i) => (terminated ? terminated[i] : i % 3 === 0 ? 1 : 0)),
  };
}

/**
 * MLP(x) with its parameters sliced out of a flat vector (networks.ts layout) starting at `base`;
 * with `norm`, each hidden layer is normalised (mean 0, variance 1 per row, ε 1e-5) before its ReLU.
 */
export function refMlp(
  flat: tf.Tensor1D,
  spec: { sizes: number[] },
  base: number,
  x: tf.Tensor2D,
  tanhOut: boolean,
  norm = false,
): tf.Tensor2D {
  const slots = layerSlots(spec, base);
  let h = x;
  slots.forEach((s, l) => {
    const w = tf.reshape(tf.slice(flat, [s.wOffset], [s.inSize * s.outSize]), [s.inSize, s.outSize]) as tf.Tensor2D;
    const b = tf.slice(flat, [s.bOffset], [s.outSize]);
    h = tf.add(tf.matMul(h, w), b);
    if (l < slots.length - 1 && norm) {
      const { mean, variance } = tf.moments(h, 1, true);
      h = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
    }
    if (l < slots.length - 1) h = tf.relu(h);
    else if (tanhOut) h = tf.tanh(h);
  });
  return h;
}

/** A learner's parameters and targets and a batch as tensors (call inside tf.tidy). */
export function referenceTensors(st: { params: Float32Array; target: Float32Array }, b: Batch, obsDim: number, actDim: number) {
  const B = b.size;
  return {
    theta: tf.tensor1d(st.params),
    target: tf.tensor1d(st.target),
    s: tf.tensor2d(b.obs, [B, obsDim]),
    a: tf.tensor2d(b.actions, [B, actDim]),
    s2: tf.tensor2d(b.nextObs, [B, obsDim]),
    r: tf.tensor2d(b.rewards, [B, 1]),
    d: tf.tensor2d(b.terminated, [B, 1]),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Gradients agree to 1e-5 + 1e-4 of the reference's largest entry, which must not be trivially zero. */
export function assertClose(mine: ArrayLike<number>, ref: ArrayLike<number>, what = 'gradient'): void {
  if (mine.length !== ref.length) throw new Error(`${what}: ${mine.length} values vs ${ref.length}`);
  const scale = maxAbsDiff(ref, new Float32Array(ref.length));
  if (!(scale > 1e-4)) throw new Error(`${what}: the reference is trivially zero`);
  const d = maxAbsDiff(mine, ref);
  if (!(d <= 1e-5 + 1e-4 * scale)) throw new Error(`${what}: max diff ${d} (scale ${scale})`);
}
