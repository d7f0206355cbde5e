// Plans for the WebAssembly kernels (assembly/mlp.ts): a list of ops, 20 int32 words each, in
// the engine's memory. Every thread runs the whole plan and takes its share of each op; `op()`
// appends a barrier after each op unless told the next op does not read its output.
// Op codes and argument order: keep in sync with assembly/mlp.ts.
const OP = {
  END: 0,
  BARRIER: 1,
  GEMM: 2,
  DOT: 3,
  COLSUM: 4,
  COPY: 5,
  TD: 6,
  FILL_SUM: 7,
  TANH_GRAD: 8,
  ADAM: 9,
  SMOOTH: 10,
  NORM: 11,
  NORM_GRAD: 12,
  SAC_SAMPLE: 13,
  SAC_PI: 14,
  SAC_SAMPLE_GRAD: 15,
} as const;
export const OP_WORDS = 20;

/** Header layout (int32 words; f32 scalars from byte 64; f64 losses from byte 192). */
export const HEADER = {
  BAR_COUNT: 0,
  BAR_GEN: 1,
  WAITERS: 2,
  GO: 3,
  PLAN: 4,
  THREADS: 5,
  CMP: 6,
  CNT: 7,
  SCRATCH: 8,
  SCRATCH_STRIDE: 9,
  FAILED: 10,
  STOP: 11,
  READY: 12,
} as const;
export const HEADER_BYTES = 256;
/** Scalar slots (f32): Adam's, then one learning rate per Adam segment from LR0; SAC's α at ALPHA. */
export const SCALAR = { B1: 0, B2: 1, EPS: 2, TAU: 3, RSBC2: 4, LR0: 5, ALPHA: 30 } as const;
export const SCALARS_OFFSET = 64;
export const LOSSES_OFFSET = 192;

/** A matrix in the engine's memory: byte address and the byte distance between rows. */
export interface Mat {
  ptr: number;
  /** Row stride in floats. */
  stride: number;
}

export const mat = (ptr: number, stride: number): Mat => ({ ptr, stride });
/** Rows [from, ...) of a matrix. */
export const rowsFrom = (m: Mat, from: number): Mat => ({ ptr: m.ptr + 4 * from * m.stride, stride: m.stride });
/** Columns [from, ...) of a matrix. */
export const colsFrom = (m: Mat, from: number): Mat => ({ ptr: m.ptr + 4 * from, stride: m.stride });

export type Act = 'linear' | 'relu' | 'tanh';

/** Builds a plan as plain words; the engine copies it into its memory. */
export class PlanBuilder {
  readonly words: number[] = [];
  private readonly f32 = new Float32Array(1);
  private readonly i32 = new Int32Array(this.f32.buffer);

  private push(code: number, args: number[], barrier: boolean): void {
    if (args.length > OP_WORDS - 1) throw new Error(`op ${code} has too many arguments`);
    for (const a of args) if (!Number.isInteger(a)) throw new Error(`op ${code}: argument ${a} is not an integer`);
    this.words.push(code, ...args, ...new Array<number>(OP_WORDS - 1 - args.length).fill(0));
    if (barrier) this.barrier();
  }

  /** f32 bits as an int32 word. */
  private bits(x: number): number {
    this.f32[0] = x;
    return this.i32[0];
  }

  barrier(): void {
    this.words.push(OP.BARRIER, ...new Array<number>(OP_WORDS - 1).fill(0));
  }

  /**
   * C[M x N] = A[M x K] · B[K x N] (+ bias, ReLU, × 1[mask > 0]), where aT / bT / cT read or
   * write the matrix transposed (A = aᵀ etc.). The kernel skips zeros of A, so put the sparse
   * operand (a ReLU output or a masked gradient) on the left.
   */
  gemm(
    o: {
      M: number;
      N: number;
      K: number;
      a: Mat;
      aT?: boolean;
      b: Mat;
      bT?: boolean;
      c: Mat;
      cT?: boolean;
      bias?: number;
      relu?: boolean;
      mask?: Mat;
    },
    barrier = true,
  ): void {
    const [ars, acs] = o.aT ? [4, 4 * o.a.stride] : [4 * o.a.stride, 4];
    const [brs, bcs] = o.bT ? [4, 4 * o.b.stride] : [4 * o.b.stride, 4];
    const [crs, ccs] = o.cT ? [4, 4 * o.c.stride] : [4 * o.c.stride, 4];
    this.push(
      OP.GEMM,
      [
        o.M,
        o.N,
        o.K,
        o.a.ptr,
        ars,
        acs,
        o.b.ptr,
        brs,
        bcs,
        o.c.ptr,
        crs,
        ccs,
        o.bias ?? 0,
        o.mask?.ptr ?? 0,
        4 * (o.mask?.stride ?? 0),
        o.relu ? 1 : 0,
      ],
      barrier,
    );
  }

  /** C[M x N] = act(A[M x K] · B[K x N] + bias) for narrow N (B transposed with bT). */
  dot(o: { M: number; N: number; K: number; a: Mat; b: Mat; bT?: boolean; c: Mat; bias?: number; act: Act }, barrier = true): void {
    const [brs, bcs] = o.bT ? [4, 4 * o.b.stride] : [4 * o.b.stride, 4];
    this.push(
      OP.DOT,
      [
        o.M,
        o.N,
        o.K,
        o.a.ptr,
        4 * o.a.stride,
        o.b.ptr,
        brs,
        bcs,
        o.c.ptr,
        4 * o.c.stride,
        o.bias ?? 0,
        { linear: 0, relu: 1, tanh: 2 }[o.act],
      ],
      barrier,
    );
  }

  /** dst[j] = Σ_i src[i, j] over M rows. */
  colsum(M: number, N: number, src: Mat, dst: number, barrier = true): void {
    this.push(OP.COLSUM, [M, N, src.ptr, 4 * src.stride, dst], barrier);
  }

  copy(M: number, N: number, src: Mat, dst: Mat, barrier = true): void {
    this.push(OP.COPY, [M, N, src.ptr, 4 * src.stride, dst.ptr, 4 * dst.stride], barrier);
  }

  /**
   * y = r + disc·qn (with `qn2`, y = r + disc·min(qn, qn2): TD3's clipped double Q; with `logp`
   * too, SAC's y = r + disc·(min(qn, qn2) − α·logp), α from scalar ALPHA), d = q − y,
   * dq = scale·d, losses[slot] = lossScale·Σd², losses[qSlot] = lossScale·Σq (vectors of B floats).
   */
  td(
    o: {
      B: number;
      q: number;
      r: number;
      disc: number;
      qn: number;
      qn2?: number;
      logp?: number;
      dq: number;
      scale: number;
      slot: number;
      qSlot: number;
      lossScale: number;
    },
    barrier = true,
  ): void {
    this.push(
      OP.TD,
      [o.B, o.q, o.r, o.disc, o.qn, o.dq, this.bits(o.scale), o.slot, this.bits(o.lossScale), o.qn2 ?? 0, o.qSlot, o.logp ?? 0],
      barrier,
    );
  }

  /** dq[i] = value, losses[slot] = lossScale·Σq. */
  fillSum(B: number, q: number, dq: number, value: number, slot: number, lossScale: number, barrier = true): void {
    this.push(OP.FILL_SUM, [B, q, dq, this.bits(value), slot, this.bits(lossScale)], barrier);
  }

  /** dz[M x N, contiguous] = dA ⊙ (1 − y²), y the tanh output. */
  tanhGrad(M: number, N: number, dA: Mat, y: Mat, dz: number, barrier = true): void {
    this.push(OP.TANH_GRAD, [M, N, dA.ptr, 4 * dA.stride, y.ptr, 4 * y.stride, dz], barrier);
  }

  /** a[i, j] = clamp(a[i, j] + noise[i·N + j], −1, 1) over M x N (TD3's target policy smoothing). */
  smooth(M: number, N: number, a: Mat, noise: number, barrier = true): void {
    this.push(OP.SMOOTH, [M, N, a.ptr, 4 * a.stride, noise], barrier);
  }

  /**
   * Layer normalisation (no gain or bias) then ReLU, per row of z (M x N): z ← (z − mean)/sqrt(var + 1e-5)
   * in place, h = ReLU(z), rstd[i] = 1/sqrt(var + 1e-5).
   */
  norm(M: number, N: number, z: Mat, h: Mat, rstd: number, barrier = true): void {
    this.push(OP.NORM, [M, N, z.ptr, 4 * z.stride, h.ptr, 4 * h.stride, rstd], barrier);
  }

  /** In place: d (dL/d of norm's output, M x N) ← dL/dz, from norm's output n and rstd. */
  normGrad(M: number, N: number, d: Mat, n: Mat, rstd: number, barrier = true): void {
    this.push(OP.NORM_GRAD, [M, N, d.ptr, 4 * d.stride, n.ptr, 4 * n.stride, rstd], barrier);
  }

  /**
   * SAC's policy sample over M rows of N action dims: from the actor's linear head `h`
   * (M x 2N: mean, then raw log std, squashed to [−5, 2] as CleanRL) and standard normal
   * noise `eps` (M x N contiguous), u = tanh(mean + std·ε) into `u` and log π(u|s) per row
   * (with the tanh correction) into `logp` (M floats).
   */
  sacSample(o: { M: number; N: number; h: Mat; eps: number; u: Mat; logp: number }, barrier = true): void {
    this.push(OP.SAC_SAMPLE, [o.M, o.N, o.h.ptr, 4 * o.h.stride, o.eps, o.u.ptr, 4 * o.u.stride, o.logp], barrier);
  }

  /**
   * SAC's actor loss over B rows: losses[slot] = scale·Σ(α·logp − min(q1, q2)), losses[entSlot]
   * = scale·Σlogp, and its gradient at each critic's output: dq1 = −scale where q1 ≤ q2, dq2 elsewhere.
   */
  sacPi(
    o: { B: number; q1: number; q2: number; logp: number; dq1: number; dq2: number; scale: number; slot: number; entSlot: number },
    barrier = true,
  ): void {
    this.push(OP.SAC_PI, [o.B, o.q1, o.q2, o.logp, o.dq1, o.dq2, this.bits(o.scale), o.slot, o.entSlot], barrier);
  }

  /**
   * The gradient at the actor's head (`dh`, M x 2N contiguous) of Σ(critic gradient · u) +
   * scale·α·Σlogp, from sacSample's `h`, `eps` and `u` and the two critics' gradients at u (`d1`, `d2`).
   */
  sacSampleGrad(
    o: { M: number; N: number; h: Mat; eps: number; u: Mat; d1: Mat; d2: Mat; dh: number; scale: number },
    barrier = true,
  ): void {
    this.push(
      OP.SAC_SAMPLE_GRAD,
      [
        o.M,
        o.N,
        o.h.ptr,
        4 * o.h.stride,
        o.eps,
        o.u.ptr,
        4 * o.u.stride,
        o.d1.ptr,
        4 * o.d1.stride,
        o.d2.ptr,
        4 * o.d2.stride,
        o.dh,
        this.bits(o.scale),
      ],
      barrier,
    );
  }

  /** Adam on elements [from, to) of the flat vectors, step size from scalar `lrSlot`, then Polyak. */
  adam(
    v: { params: number; target: number; m: number; v: number; grads: number },
    from: number,
    to: number,
    lrSlot: number,
    barrier = true,
  ): void {
    this.push(OP.ADAM, [v.params, v.target, v.m, v.v, v.grads, from, to, lrSlot], barrier);
  }

  end(): Int32Array {
    return Int32Array.from([...this.words, OP.END, ...new Array<number>(OP_WORDS - 1).fill(0)]);
  }
}
