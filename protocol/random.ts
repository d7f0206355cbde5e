// A generator that reproduces numpy's `np.random.default_rng(seed)` bit for bit:
// SeedSequence(seed) -> PCG64 (128-bit LCG, XSL-RR output), and the Generator methods
// Gymnasium's environments call (random, uniform, integers, standard_normal; normal() is not numpy's).
// Matching numpy exactly is what lets `reset({seed})` give Gymnasium's own episode.
// 128-bit state arithmetic uses BigInt: draws happen at resets and in space sampling,
// never in a physics inner loop, so clarity beats speed here.

import { ZIGGURAT, ZIGGURAT_INV_R, ZIGGURAT_R } from './ziggurat.ts';

const MASK32 = 0xffffffffn;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const PCG_MULTIPLIER = (2549297995355413924n << 64n) + 4865540595714422341n;

// SeedSequence constants (numpy/random/bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** Splits a non-negative integer (number or bigint) into little-endian uint32 words, as numpy does. */
function toUint32Words(entropy: number | bigint): number[] {
  let value = BigInt(entropy);
  if (value < 0n) throw new RangeError(`seed must be non-negative, got ${entropy}`);
  if (value === 0n) return [0];
  const words: number[] = [];
  while (value > 0n) {
    words.push(Number(value & MASK32));
    value >>= 32n;
  }
  return words;
}

/** numpy's SeedSequence(entropy).generate_state(nWords32, uint32), for an integer entropy and no spawn key. */
function seedSequenceState(entropy: number | bigint | readonly number[], nWords32: number): Uint32Array {
  const words = Array.isArray(entropy) ? [...entropy] : toUint32Words(entropy as number | bigint);
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> XSHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> XSHIFT)) >>> 0;
  };
  const pool = new Array<number>(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < words.length ? words[i] : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  for (let src = POOL_SIZE; src < words.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(words[src]));
  }
  const out = new Uint32Array(nWords32);
  let hc = INIT_B;
  for (let i = 0; i < nWords32; i++) {
    let v = (pool[i % POOL_SIZE] ^ hc) >>> 0;
    hc = Math.imul(hc, MULT_B) >>> 0;
    v = Math.imul(v, hc) >>> 0;
    out[i] = (v ^ (v >>> XSHIFT)) >>> 0;
  }
  return out;
}

/** The serialisable state of a generator (for checkpoints). */
export interface GeneratorState {
  state: string;
  inc: string;
  hasUint32: boolean;
  uinteger: number;
}

/** numpy's PCG64 bit generator. */
export class PCG64 {
  private state = 0n;
  private inc = 0n;
  private hasUint32 = false;
  private uinteger = 0;

  constructor(seed: number | bigint | readonly number[]) {
    const s = seedSequenceState(seed, 8);
    // generate_state(4, uint64) is the same 8 words viewed as little-endian uint64s.
    const u64 = (i: number) => (BigInt(s[2 * i + 1]) << 32n) | BigInt(s[2 * i]);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    this.inc = ((initSeq << 1n) | 1n) & MASK128;
    this.step();
    this.state = (this.state + initState) & MASK128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULTIPLIER + this.inc) & MASK128;
  }

  nextUint64(): bigint {
    this.step();
    const hi = this.state >> 64n;
    const lo = this.state & MASK64;
    const value = hi ^ lo;
    const rot = this.state >> 122n;
    return ((value >> rot) | (value << ((64n - rot) & 63n))) & MASK64;
  }

  nextUint32(): number {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    const next = this.nextUint64();
    this.hasUint32 = true;
    this.uinteger = Number(next >> 32n);
    return Number(next & MASK32);
  }

  nextDouble(): number {
    return Number(this.nextUint64() >> 11n) * (1 / 9007199254740992);
  }

  getState(): GeneratorState {
    return { state: this.state.toString(16), inc: this.inc.toString(16), hasUint32: this.hasUint32, uinteger: this.uinteger };
  }

  setState(s: GeneratorState): void {
    this.state = BigInt('0x' + s.state);
    this.inc = BigInt('0x' + s.inc);
    this.hasUint32 = s.hasUint32;
    this.uinteger = s.uinteger;
  }
}

/** numpy's `Generator` over PCG64: the methods Gymnasium's envs and spaces use. */
export class NumpyGenerator {
  readonly bitGenerator: PCG64;

  constructor(seed: number | bigint | readonly number[]) {
    this.bitGenerator = new PCG64(seed);
  }

  /** `rng.random()`: a double in [0, 1). */
  random(): number {
    return this.bitGenerator.nextDouble();
  }

  /** `rng.uniform(low, high)`: low + (high - low) * random(). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.bitGenerator.nextDouble();
  }

  /** `rng.uniform(low, high, size=n)` with scalar or per-element bounds, drawn in order. */
  uniformArray(low: number | ArrayLike<number>, high: number | ArrayLike<number>, size: number): Float64Array {
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const lo = typeof low === 'number' ? low : low[i];
      const hi = typeof high === 'number' ? high : high[i];
      out[i] = lo + (hi - lo) * this.bitGenerator.nextDouble();
    }
    return out;
  }

  /**
   * `rng.integers(low, high)` (int64, high exclusive; one argument means [0, low)).
   * numpy draws with Lemire's bounded method, 32-bit draws when the range fits.
   */
  integers(low: number, high?: number): number {
    if (high === undefined) {
      high = low;
      low = 0;
    }
    if (!(high > low)) throw new RangeError(`integers: high (${high}) must be > low (${low})`);
    const rng = high - 1 - low; // inclusive range, as numpy computes it
    if (rng === 0) return low;
    if (rng <= 0xffffffff) return low + this.boundedLemire32(rng);
    return low + Number(this.boundedLemire64(BigInt(rng)));
  }

  private boundedLemire32(rng: number): number {
    if (rng === 0xffffffff) return this.bitGenerator.nextUint32();
    const rngExcl = rng + 1;
    let m = BigInt(this.bitGenerator.nextUint32()) * BigInt(rngExcl);
    let leftover = Number(m & MASK32);
    if (leftover < rngExcl) {
      const threshold = (0xffffffff - rng) % rngExcl;
      while (leftover < threshold) {
        m = BigInt(this.bitGenerator.nextUint32()) * BigInt(rngExcl);
        leftover = Number(m & MASK32);
      }
    }
    return Number(m >> 32n);
  }

  private boundedLemire64(rng: bigint): bigint {
    const rngExcl = rng + 1n;
    let m = this.bitGenerator.nextUint64() * rngExcl;
    let leftover = m & MASK64;
    if (leftover < rngExcl) {
      const threshold = (MASK64 - rng) % rngExcl;
      while (leftover < threshold) {
        m = this.bitGenerator.nextUint64() * rngExcl;
        leftover = m & MASK64;
      }
    }
    return m >> 64n;
  }

  /** `rng.standard_normal()`: numpy's ziggurat on the same stream, draw for draw. */
  standardNormal(): number {
    const { k, w, f } = ZIGGURAT;
    for (;;) {
      const r = this.bitGenerator.nextUint64();
      const idx = Number(r & 0xffn);
      const rest = r >> 8n;
      const negative = (rest & 1n) === 1n;
      const rabs = Number((rest >> 1n) & 0xfffffffffffffn);
      const x = negative ? -(rabs * w[idx]) : rabs * w[idx];
      if (rabs < k[idx]) return x;
      if (idx === 0) return this.normalTail(rabs);
      if ((f[idx - 1] - f[idx]) * this.bitGenerator.nextDouble() + f[idx] < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /** The base strip's tail beyond ZIGGURAT_R (log1p of 1 - u, so never log(0)). */
  private normalTail(rabs: number): number {
    for (;;) {
      const xx = -ZIGGURAT_INV_R * Math.log1p(-this.bitGenerator.nextDouble());
      const yy = -Math.log1p(-this.bitGenerator.nextDouble());
      if (yy + yy > xx * xx) return Math.floor(rabs / 256) % 2 === 1 ? -(ZIGGURAT_R + xx) : ZIGGURAT_R + xx;
    }
  }

  /** `rng.standard_normal(n)`, drawn in order. */
  standardNormalArray(size: number): Float64Array {
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = this.standardNormal();
    return out;
  }

  /** Standard normal draws (Box-Muller on our own stream; not numpy's ziggurat, so not bit-exact with numpy). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  getState(): GeneratorState {
    return this.bitGenerator.getState();
  }

  setState(s: GeneratorState): void {
    this.bitGenerator.setState(s);
  }
}

/** `np.random.default_rng(seed)`. */
export function defaultRng(seed: number | bigint | readonly number[]): NumpyGenerator {
  return new NumpyGenerator(seed);
}

/** A fresh random seed from the OS, as Gymnasium draws one when reset() is first called without a seed. */
export function entropySeed(): bigint {
  const words = new Uint32Array(4);
  globalThis.crypto.getRandomValues(words);
  return (BigInt(words[3]) << 96n) | (BigInt(words[2]) << 64n) | (BigInt(words[1]) << 32n) | BigInt(words[0]);
}
