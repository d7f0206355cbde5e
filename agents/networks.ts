// MLPs stored as one flat Float32 parameter vector, so the optimizer, target update,
// checkpoints and the exported actor each deal with a single array instead of a list of layers.
//
// Layout of an MLP with layer sizes [n0, n1, ..., nL]: for each layer l, W_l as an
// [n_l, n_{l+1}] row-major matrix, then its bias b_l [n_{l+1}]. Hidden layers use ReLU.
import type { NumpyGenerator } from '../protocol/random.ts';

export interface MlpSpec {
  /** Layer widths including input and output, e.g. [3, 256, 256, 1]. */
  sizes: number[];
}

export interface LayerSlot {
  inSize: number;
  outSize: number;
  /** Offsets (in floats) of W and b inside the flat vector. */
  wOffset: number;
  bOffset: number;
}

export function layerSlots(spec: MlpSpec, base = 0): LayerSlot[] {
  const slots: LayerSlot[] = [];
  let off = base;
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    const inSize = spec.sizes[l];
    const outSize = spec.sizes[l + 1];
    slots.push({ inSize, outSize, wOffset: off, bOffset: off + inSize * outSize });
    off += inSize * outSize + outSize;
  }
  return slots;
}

export function paramCount(spec: MlpSpec): number {
  let n = 0;
  for (let l = 0; l + 1 < spec.sizes.length; l++) n += spec.sizes[l] * spec.sizes[l + 1] + spec.sizes[l + 1];
  return n;
}

/**
 * PyTorch's nn.Linear default (uniform ±1/sqrt(fan_in) for weights and biases), except the
 * output layer, drawn from ±finalInit as the DDPG paper does so initial outputs are near zero.
 */
export function initMlp(spec: MlpSpec, rng: NumpyGenerator, out: Float32Array, base = 0, finalInit = 3e-3): void {
  const slots = layerSlots(spec, base);
  slots.forEach((s, l) => {
    const bound = l === slots.length - 1 ? finalInit : 1 / Math.sqrt(s.inSize);
    for (let i = 0; i < s.inSize * s.outSize; i++) out[s.wOffset + i] = rng.uniform(-bound, bound);
    for (let i = 0; i < s.outSize; i++) out[s.bOffset + i] = rng.uniform(-bound, bound);
  });
}

export function actorSpec(obsDim: number, actDim: number, hidden: number[]): MlpSpec {
  return { sizes: [obsDim, ...hidden, actDim] };
}

/** The critic takes [obs, action] concatenated at its input. */
export function criticSpec(obsDim: number, actDim: number, hidden: number[]): MlpSpec {
  return { sizes: [obsDim + actDim, ...hidden, 1] };
}

/**
 * Plain-JS forward pass of one input through an MLP (ReLU hidden layers, tanh output when
 * `tanhOutput`). Used by the exported policy so acting needs no tfjs backend at all.
 */
export function mlpForward(spec: MlpSpec, params: Float32Array, x: ArrayLike<number>, tanhOutput: boolean, base = 0): Float32Array {
  const slots = layerSlots(spec, base);
  let h = Float64Array.from(x);
  slots.forEach((s, l) => {
    const z = new Float64Array(s.outSize);
    for (let j = 0; j < s.outSize; j++) z[j] = params[s.bOffset + j];
    for (let i = 0; i < s.inSize; i++) {
      const hi = h[i];
      if (hi === 0) continue;
      const row = s.wOffset + i * s.outSize;
      for (let j = 0; j < s.outSize; j++) z[j] += hi * params[row + j];
    }
    const last = l === slots.length - 1;
    for (let j = 0; j < s.outSize; j++) z[j] = last ? (tanhOutput ? Math.tanh(z[j]) : z[j]) : Math.max(0, z[j]);
    h = z;
  });
  return Float32Array.from(h);
}

/**
 * The deterministic policy of an actor whose output layer holds two heads of `actDim` units
 * each (SAC: the mean, then the log std): the same MLP with only the first head, in this
 * layout, so that it is an actor like DDPG's (tanh(mean) with the tanh output).
 */
export function meanHead(spec: MlpSpec, params: Float32Array, actDim: number): Float32Array {
  const slots = layerSlots(spec);
  const last = slots[slots.length - 1];
  if (last.outSize !== 2 * actDim) throw new Error(`a two-headed actor needs ${2 * actDim} outputs, this one has ${last.outSize}`);
  const out = new Float32Array(paramCount({ sizes: [...spec.sizes.slice(0, -1), actDim] }));
  out.set(params.subarray(0, last.wOffset));
  let o = last.wOffset;
  for (let i = 0; i < last.inSize; i++, o += actDim)
    out.set(params.subarray(last.wOffset + i * last.outSize, last.wOffset + i * last.outSize + actDim), o);
  out.set(params.subarray(last.bOffset, last.bOffset + actDim), o);
  return out;
}
