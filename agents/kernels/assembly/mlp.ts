// WebAssembly SIMD128 kernels for small MLPs (AssemblyScript; `npm run build:kernels` compiles
// this file to ../mlp.wasm). The JS side (../engine.ts) lays out one shared WebAssembly.Memory
// and writes a plan: a list of ops (../plan.ts) that every thread runs with `run`, each thread
// taking its share of every op, with barriers between ops.
//
// Why the kernels look like this (bench/learner.ts measures them):
// - WASM SIMD has no fused multiply-add and 128-bit vectors, so a dense GEMM peaks near
//   16 flops/cycle. Every big product in an MLP's forward and backward pass has one operand
//   that is ~50% zeros (a ReLU output, or a gradient masked by ReLU'), so the main kernel skips
//   them: it takes TWO rows of the sparse operand at a time, lists the k where either is
//   non-zero (`compress`), and accumulates a 2 x 16 tile in 8 registers over that list. Two
//   rows keep the ratio of loads to arithmetic as in a dense 4 x 8 kernel while skipping ~25%
//   (at 50% zeros; more as units die). Measured ~1.35x faster than the dense kernel at 50%.
// - The dense operand is packed per 32-column panel into the thread's scratch (K x 32 floats,
//   L1-resident), so any layout (W, Wᵀ, a gradient) is read contiguously; packing costs 1/M of
//   the multiply.
// - Every output element is computed by exactly one thread in the same order whatever the
//   thread count, so results do not depend on the number of threads.

// Op codes and layout: keep in sync with ../plan.ts.
const OP_WORDS: usize = 20;
const OP_END = 0;
const OP_BARRIER = 1;
const OP_GEMM = 2;
const OP_DOT = 3;
const OP_COLSUM = 4;
const OP_COPY = 5;
const OP_TD = 6;
const OP_FILL_SUM = 7;
const OP_TANH_GRAD = 8;
const OP_ADAM = 9;
const OP_SMOOTH = 10;
const OP_NORM = 11;
const OP_NORM_GRAD = 12;
const OP_SAC_SAMPLE = 13;
const OP_SAC_PI = 14;
const OP_SAC_SAMPLE_GRAD = 15;

// Header words (i32 index), see ../engine.ts.
const H_BAR_COUNT = 0;
const H_BAR_GEN = 1;
const H_WAITERS = 2;
const H_CMP = 6;
const H_CNT = 7;
const H_SCRATCH = 8;
const H_SCRATCH_STRIDE = 9;
const H_FAILED = 10;
// f32 scalars at byte 64, f64 losses at byte 192.
const SCALARS: usize = 64;
const LOSSES: usize = 192;
const S_B1 = 0;
const S_B2 = 1;
const S_EPS = 2;
const S_TAU = 3;
const S_RSBC2 = 4;
/** SAC's entropy coefficient α (the TD op's entropy term, SAC_PI, SAC_SAMPLE_GRAD). */
const S_ALPHA = 30;

const SPINS = 20000;
/** Up to this many floats of B, each thread packs all of B rather than wait at a barrier. */
const SMALL_PANELS = 16384;
/** Sleeps of 1 s at one barrier before the run is declared failed (a thread died or hung). */
const MAX_SLEEPS = 120;

let header: usize = 0;
// The current GEMM's epilogue arguments (set once per op, read per tile row).
let eC: usize = 0, eCrs: usize = 0, eCcs: usize = 0, eBias: usize = 0, eMask: usize = 0, eMrs: usize = 0, eRelu: i32 = 0;
let cmpBase: usize = 0;
let cntBase: usize = 0;
let scratch: usize = 0;

@inline function hget(i: i32): usize {
  return <usize>load<i32>(header + (<usize>i << 2));
}

@inline function scalar(i: i32): f32 {
  return load<f32>(header + SCALARS + (<usize>i << 2));
}

/** [lo, hi) of n items for thread tid of nt, cut at multiples of `align`. */
@inline function shareLo(n: i32, tid: i32, nt: i32, align: i32): i32 {
  const units = (n + align - 1) / align;
  return min(n, <i32>((<i64>units * tid) / nt) * align);
}

function barrier(nt: i32): void {
  if (nt == 1) return;
  const cnt = header + (<usize>H_BAR_COUNT << 2);
  const gen = header + (<usize>H_BAR_GEN << 2);
  const waiters = header + (<usize>H_WAITERS << 2);
  const g = atomic.load<i32>(gen);
  if (atomic.add<i32>(cnt, 1) == nt - 1) {
    atomic.store<i32>(cnt, 0);
    atomic.add<i32>(gen, 1);
    if (atomic.load<i32>(waiters) > 0) atomic.notify(gen, nt);
    return;
  }
  // Spin briefly (the other thread is usually a few µs away), then sleep: on a busy machine
  // the other thread may have lost its core.
  const failed = header + (<usize>H_FAILED << 2);
  let spins = 0, sleeps = 0;
  while (atomic.load<i32>(gen) == g) {
    if (atomic.load<i32>(failed)) return;
    if (++spins > SPINS) {
      atomic.add<i32>(waiters, 1);
      atomic.wait<i32>(gen, g, 1_000_000_000);
      atomic.sub<i32>(waiters, 1);
      if (++sleeps > MAX_SLEEPS) {
        atomic.store<i32>(failed, 1);
        return;
      }
    }
  }
}

/** Runs a plan (ops at `plan`) as thread `tid` of `nt`. Every thread runs the same plan. */
export function run(hdr: usize, plan: usize, tid: i32, nt: i32): void {
  header = hdr;
  cmpBase = hget(H_CMP);
  cntBase = hget(H_CNT);
  scratch = hget(H_SCRATCH) + hget(H_SCRATCH_STRIDE) * <usize>tid;
  for (let op = plan; ; op += OP_WORDS << 2) {
    const code = load<i32>(op);
    if (code == OP_END) break;
    const a = op + 4;
    switch (code) {
      case OP_BARRIER: barrier(nt); break;
      case OP_GEMM: gemm(a, tid, nt); break;
      case OP_DOT: dot(a, tid, nt); break;
      case OP_COLSUM: colsum(a, tid, nt); break;
      case OP_COPY: copy(a, tid, nt); break;
      case OP_TD: if (tid == 0) td(a); break;
      case OP_FILL_SUM: if (tid == 0) fillSum(a); break;
      case OP_TANH_GRAD: tanhGrad(a, tid, nt); break;
      case OP_ADAM: adam(a, tid, nt); break;
      case OP_SMOOTH: smooth(a, tid, nt); break;
      case OP_NORM: norm(a, tid, nt); break;
      case OP_NORM_GRAD: normGrad(a, tid, nt); break;
      case OP_SAC_SAMPLE: sacSample(a, tid, nt); break;
      case OP_SAC_PI: if (tid == 0) sacPi(a); break;
      case OP_SAC_SAMPLE_GRAD: sacSampleGrad(a, tid, nt); break;
      default: unreachable();
    }
  }
}

@inline function arg(a: usize, i: i32): i32 {
  return load<i32>(a + (<usize>i << 2));
}
@inline function uarg(a: usize, i: i32): usize {
  return <usize>load<i32>(a + (<usize>i << 2));
}
@inline function farg(a: usize, i: i32): f32 {
  return load<f32>(a + (<usize>i << 2));
}

// ---- GEMM: C[M x N] = epilogue(A'[M x K] · P[K x N]) --------------------------------------
// A'[r, t] at A + r*a_rs + t*a_cs and P[t, c] at P + t*p_rs + c*p_cs (byte strides), so one
// kernel does H·W, dZ·Wᵀ and Hᵀ·dZ. Epilogue: + bias[c], ReLU, × 1[mask[r, c] > 0].
// C[r, c] at C + r*c_rs + c*c_cs. Two phases: compress row pairs of A' (split over threads),
// barrier, then the tiles split over 32-column panels; or, when B is small (64 x 64 layers) or
// narrow, each thread packs all of B and does the tiles of its own row pairs, with no barrier.
function gemm(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), K = arg(a, 2);
  eC = uarg(a, 9); eCrs = uarg(a, 10); eCcs = uarg(a, 11);
  eBias = uarg(a, 12); eMask = uarg(a, 13); eMrs = uarg(a, 14); eRelu = arg(a, 15);
  const pairs = (M + 1) >> 1;
  const p0 = shareLo(pairs, tid, nt, 1), p1 = shareLo(pairs, tid + 1, nt, 1);
  for (let p = p0; p < p1; p++) compress(a, p, M, K);
  const panels = (N + 31) >> 5;
  if (panels >= nt && K * N > SMALL_PANELS) {
    // Each thread packs only its panels, and needs every row pair's list: wait for them.
    barrier(nt);
    const q0 = shareLo(panels, tid, nt, 1), q1 = shareLo(panels, tid + 1, nt, 1);
    for (let q = q0; q < q1; q++) {
      pack(a, q, N, K);
      for (let p = 0; p < pairs; p++) tile(a, p, q, M, N, K);
    }
  } else {
    // Small or narrow B: every thread packs all of it and does its own row pairs; no barrier.
    for (let q = 0; q < panels; q++) {
      pack(a, q, N, K);
      for (let p = p0; p < p1; p++) tile(a, p, q, M, N, K);
    }
  }
}

/** Lists (t·128, A'[2p, t], A'[2p+1, t]) for every t where either row is non-zero. */
function compress(a: usize, p: i32, M: i32, K: i32): void {
  const A = uarg(a, 3), rs = uarg(a, 4), cs = uarg(a, 5);
  const r0 = A + <usize>(2 * p) * rs;
  const two = 2 * p + 1 < M;
  const r1 = two ? r0 + rs : r0;
  const e0 = cmpBase + <usize>p * <usize>K * 12;
  let e = e0;
  for (let t = 0; t < K; t++) {
    const off = <usize>t * cs;
    const v0 = load<f32>(r0 + off);
    const v1 = two ? load<f32>(r1 + off) : <f32>0;
    store<i32>(e, t << 7);
    store<f32>(e, v0, 4);
    store<f32>(e, v1, 8);
    e += select<usize>(12, 0, (v0 != 0) | (v1 != 0));
  }
  store<i32>(cntBase + (<usize>p << 2), <i32>((e - e0) / 12));
}

/** Packs P[0..K, 32q..32q+32] into this thread's scratch as K rows of 32 floats (zero-padded). */
function pack(a: usize, q: i32, N: i32, K: i32): void {
  const P = uarg(a, 6), rs = uarg(a, 7), cs = uarg(a, 8);
  const j0 = q << 5;
  const w = min(32, N - j0);
  const src = P + <usize>j0 * cs;
  if (cs == 4 && w == 32) {
    for (let t = 0; t < K; t++) {
      const s = src + <usize>t * rs, d = scratch + (<usize>t << 7);
      v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
      v128.store(d, v128.load(s, 32), 32); v128.store(d, v128.load(s, 48), 48);
      v128.store(d, v128.load(s, 64), 64); v128.store(d, v128.load(s, 80), 80);
      v128.store(d, v128.load(s, 96), 96); v128.store(d, v128.load(s, 112), 112);
    }
    return;
  }
  // Column by column: for Wᵀ (cs = row stride of W) this reads W's rows contiguously.
  const zero = f32x4.splat(0);
  for (let t = 0; t < K; t++) {
    const d = scratch + (<usize>t << 7);
    for (let o: usize = 0; o < 128; o += 16) v128.store(d + o, zero);
  }
  for (let c = 0; c < w; c++) {
    const s = src + <usize>c * cs;
    const d = scratch + (<usize>c << 2);
    for (let t = 0; t < K; t++) store<f32>(d + (<usize>t << 7), load<f32>(s + <usize>t * rs));
  }
}

/** Rows 2p, 2p+1 x columns of panel q (two halves of 16), over the compressed list of pair p. */
function tile(a: usize, p: i32, q: i32, M: i32, N: i32, K: i32): void {
  const e0 = cmpBase + <usize>p * <usize>K * 12;
  const end = e0 + <usize>load<i32>(cntBase + (<usize>p << 2)) * 12;
  for (let h = 0; h < 2; h++) {
    const j0 = (q << 5) + (h << 4);
    if (j0 >= N) break;
    const sb = scratch + (<usize>h << 6);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
    for (let e = e0; e < end; e += 12) {
      const b = sb + <usize>load<i32>(e);
      const s = v128.load32_splat(e, 4);
      const u = v128.load32_splat(e, 8);
      const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
      c0 = f32x4.add(c0, f32x4.mul(s, b0));
      c1 = f32x4.add(c1, f32x4.mul(s, b1));
      c2 = f32x4.add(c2, f32x4.mul(s, b2));
      c3 = f32x4.add(c3, f32x4.mul(s, b3));
      c4 = f32x4.add(c4, f32x4.mul(u, b0));
      c5 = f32x4.add(c5, f32x4.mul(u, b1));
      c6 = f32x4.add(c6, f32x4.mul(u, b2));
      c7 = f32x4.add(c7, f32x4.mul(u, b3));
    }
    epilogue(2 * p, j0, N, c0, c1, c2, c3);
    if (2 * p + 1 < M) epilogue(2 * p + 1, j0, N, c4, c5, c6, c7);
  }
}

@inline function epilogue(i: i32, j0: i32, N: i32, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const C = eC, crs = eCrs, ccs = eCcs, bias = eBias, mask = eMask, mrs = eMrs, relu = eRelu;
  const zero = f32x4.splat(0);
  if (bias) {
    const b = bias + (<usize>j0 << 2);
    x0 = f32x4.add(x0, v128.load(b)); x1 = f32x4.add(x1, v128.load(b, 16));
    x2 = f32x4.add(x2, v128.load(b, 32)); x3 = f32x4.add(x3, v128.load(b, 48));
  }
  if (relu) {
    x0 = f32x4.pmax(x0, zero); x1 = f32x4.pmax(x1, zero);
    x2 = f32x4.pmax(x2, zero); x3 = f32x4.pmax(x3, zero);
  }
  if (mask) {
    const m = mask + <usize>i * mrs + (<usize>j0 << 2);
    x0 = v128.and(x0, f32x4.gt(v128.load(m), zero)); x1 = v128.and(x1, f32x4.gt(v128.load(m, 16), zero));
    x2 = v128.and(x2, f32x4.gt(v128.load(m, 32), zero)); x3 = v128.and(x3, f32x4.gt(v128.load(m, 48), zero));
  }
  const c = C + <usize>i * crs + <usize>j0 * ccs;
  if (ccs == 4 && N - j0 >= 16) {
    v128.store(c, x0); v128.store(c, x1, 16); v128.store(c, x2, 32); v128.store(c, x3, 48);
    return;
  }
  // Narrow or transposed output: through the scratch tail, one float at a time.
  const tmp = scratch + hget(H_SCRATCH_STRIDE) - 64;
  v128.store(tmp, x0); v128.store(tmp, x1, 16); v128.store(tmp, x2, 32); v128.store(tmp, x3, 48);
  const w = min(16, N - j0);
  for (let k = 0; k < w; k++) store<f32>(c + <usize>k * ccs, load<f32>(tmp + (<usize>k << 2)));
}

// ---- DOT: C[M x N] = act(A[M x K] · W[K x N] + bias) for narrow N (output layers) ----------
// A rows contiguous (a_rs bytes apart); W[k, j] at W + k*w_rs + j*w_cs. act: 0 none, 1 ReLU, 2 tanh.
function dot(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), K = arg(a, 2);
  const A = uarg(a, 3), ars = uarg(a, 4), W = uarg(a, 5), wrs = uarg(a, 6), wcs = uarg(a, 7);
  const C = uarg(a, 8), crs = uarg(a, 9), bias = uarg(a, 10), act = arg(a, 11);
  const K4 = K & ~3;
  const kb = <usize>K << 2;
  for (let j = 0; j < N; j++) {
    for (let k = 0; k < K; k++) store<f32>(scratch + <usize>j * kb + (<usize>k << 2), load<f32>(W + <usize>k * wrs + <usize>j * wcs));
  }
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  for (let i = i0; i < i1; i++) {
    const x = A + <usize>i * ars;
    for (let j = 0; j < N; j++) {
      const w = scratch + <usize>j * kb;
      let acc = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(x + (<usize>k << 2)), v128.load(w + (<usize>k << 2))));
      let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      for (let k = K4; k < K; k++) s += load<f32>(x + (<usize>k << 2)) * load<f32>(w + (<usize>k << 2));
      if (bias) s += load<f32>(bias + (<usize>j << 2));
      if (act == 1) s = max<f32>(s, 0);
      else if (act == 2) s = Mathf.tanh(s);
      store<f32>(C + <usize>i * crs + (<usize>j << 2), s);
    }
  }
}

// ---- COLSUM: dst[j] = Σ_i src[i, j] (bias gradients), columns split over threads -----------
function colsum(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), src = uarg(a, 2), rs = uarg(a, 3), dst = uarg(a, 4);
  const N4 = N & ~3;
  const j0 = shareLo(N4, tid, nt, 4), j1 = shareLo(N4, tid + 1, nt, 4);
  for (let j = j0; j < j1; j += 4) {
    let acc = f32x4.splat(0);
    for (let i = 0; i < M; i++) acc = f32x4.add(acc, v128.load(src + <usize>i * rs + (<usize>j << 2)));
    v128.store(dst + (<usize>j << 2), acc);
  }
  if (tid == nt - 1) {
    for (let j = N4; j < N; j++) {
      let s: f32 = 0;
      for (let i = 0; i < M; i++) s += load<f32>(src + <usize>i * rs + (<usize>j << 2));
      store<f32>(dst + (<usize>j << 2), s);
    }
  }
}

// ---- COPY: dst[i, j] = src[i, j] for a block of M x N floats, rows split -------------------
function copy(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), src = uarg(a, 2), srs = uarg(a, 3), dst = uarg(a, 4), drs = uarg(a, 5);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  for (let i = i0; i < i1; i++) {
    for (let j = 0; j < N; j++) store<f32>(dst + <usize>i * drs + (<usize>j << 2), load<f32>(src + <usize>i * srs + (<usize>j << 2)));
  }
}

// ---- TD: y = r + disc·qn (qn = min(qn, qn2) with a second target, TD3's clipped double Q;
// with `logp`, SAC's soft target min(qn, qn2) − α·logp); d = q − y; dq = scale·d;
// losses[slot] = lossScale·Σd², losses[qSlot] = lossScale·Σq (one thread).
function td(a: usize): void {
  const B = arg(a, 0), q = uarg(a, 1), r = uarg(a, 2), disc = uarg(a, 3), qn = uarg(a, 4), dq = uarg(a, 5);
  const scale = farg(a, 6), slot = uarg(a, 7), lossScale = farg(a, 8), qn2 = uarg(a, 9), qSlot = uarg(a, 10);
  const logp = uarg(a, 11);
  const alpha = scalar(S_ALPHA);
  let sum: f64 = 0, qsum: f64 = 0;
  for (let i = 0; i < B; i++) {
    const o = <usize>i << 2;
    let next = qn2 ? min<f32>(load<f32>(qn + o), load<f32>(qn2 + o)) : load<f32>(qn + o);
    if (logp) next -= alpha * load<f32>(logp + o);
    const y = load<f32>(r + o) + load<f32>(disc + o) * next;
    const qi = load<f32>(q + o);
    const d = qi - y;
    store<f32>(dq + o, scale * d);
    sum += <f64>d * <f64>d;
    qsum += <f64>qi;
  }
  store<f64>(header + LOSSES + (slot << 3), sum * <f64>lossScale);
  store<f64>(header + LOSSES + (qSlot << 3), qsum * <f64>lossScale);
}

// ---- FILL_SUM: dq[i] = value; losses[slot] = lossScale·Σq (the actor's −mean Q) ------------
function fillSum(a: usize): void {
  const B = arg(a, 0), q = uarg(a, 1), dq = uarg(a, 2), value = farg(a, 3), slot = uarg(a, 4), lossScale = farg(a, 5);
  let sum: f64 = 0;
  for (let i = 0; i < B; i++) {
    const o = <usize>i << 2;
    store<f32>(dq + o, value);
    sum += <f64>load<f32>(q + o);
  }
  store<f64>(header + LOSSES + (slot << 3), sum * <f64>lossScale);
}

// ---- TANH_GRAD: dz[i, j] = dA[i, j]·(1 − a[i, j]²), dz contiguous M x N, rows split -------
function tanhGrad(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), dA = uarg(a, 2), drs = uarg(a, 3), act = uarg(a, 4), ars = uarg(a, 5), dz = uarg(a, 6);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  for (let i = i0; i < i1; i++) {
    for (let j = 0; j < N; j++) {
      const y = load<f32>(act + <usize>i * ars + (<usize>j << 2));
      store<f32>(dz + (<usize>(i * N + j) << 2), load<f32>(dA + <usize>i * drs + (<usize>j << 2)) * (1 - y * y));
    }
  }
}

// ---- SMOOTH: a[i, j] = clamp(a[i, j] + noise[i, j], −1, 1), noise contiguous M x N, rows split
// (TD3's target policy smoothing on the target actor's tanh output; the noise is drawn in JS).
function smooth(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), A = uarg(a, 2), ars = uarg(a, 3), noise = uarg(a, 4);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  for (let i = i0; i < i1; i++) {
    for (let j = 0; j < N; j++) {
      const p = A + <usize>i * ars + (<usize>j << 2);
      store<f32>(p, min<f32>(1, max<f32>(-1, load<f32>(p) + load<f32>(noise + (<usize>(i * N + j) << 2)))));
    }
  }
}

// ---- NORM: layer normalisation without gain or bias, then ReLU, rows split ------------------
// Per row i of z (M x N): n = (z − mean)·r with r = 1/sqrt(var + eps), written over z; h = max(n, 0);
// rstd[i] = r (for NORM_GRAD). eps = 1e-5 as PyTorch's nn.LayerNorm. Four lanes, then the tail.
@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

function norm(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), Z = uarg(a, 2), zrs = uarg(a, 3), H = uarg(a, 4), hrs = uarg(a, 5), R = uarg(a, 6);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  const inv: f32 = 1 / <f32>N;
  const N4 = N & ~3;
  const zero = f32x4.splat(0);
  for (let i = i0; i < i1; i++) {
    const z = Z + <usize>i * zrs, h = H + <usize>i * hrs;
    let acc = zero;
    for (let j = 0; j < N4; j += 4) acc = f32x4.add(acc, v128.load(z + (<usize>j << 2)));
    let sum = lanes(acc);
    for (let j = N4; j < N; j++) sum += load<f32>(z + (<usize>j << 2));
    const mean = sum * inv;
    const vmean = f32x4.splat(mean);
    acc = zero;
    for (let j = 0; j < N4; j += 4) {
      const d = f32x4.sub(v128.load(z + (<usize>j << 2)), vmean);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let ss = lanes(acc);
    for (let j = N4; j < N; j++) {
      const d = load<f32>(z + (<usize>j << 2)) - mean;
      ss += d * d;
    }
    const r: f32 = 1 / Mathf.sqrt(ss * inv + 1e-5);
    const vr = f32x4.splat(r);
    for (let j = 0; j < N4; j += 4) {
      const n = f32x4.mul(f32x4.sub(v128.load(z + (<usize>j << 2)), vmean), vr);
      v128.store(z + (<usize>j << 2), n);
      v128.store(h + (<usize>j << 2), f32x4.max(n, zero));
    }
    for (let j = N4; j < N; j++) {
      const n = (load<f32>(z + (<usize>j << 2)) - mean) * r;
      store<f32>(z + (<usize>j << 2), n);
      store<f32>(h + (<usize>j << 2), max<f32>(n, 0));
    }
    store<f32>(R + (<usize>i << 2), r);
  }
}

// ---- NORM_GRAD: dL/dz from dL/dn of NORM, in place, rows split -------------------------------
// d[i, j] = r_i·(d[i, j] − mean_j d[i, ·] − n[i, j]·mean_j(d[i, ·]·n[i, ·])).
function normGrad(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), D = uarg(a, 2), drs = uarg(a, 3), Nn = uarg(a, 4), nrs = uarg(a, 5), R = uarg(a, 6);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  const inv: f32 = 1 / <f32>N;
  const N4 = N & ~3;
  for (let i = i0; i < i1; i++) {
    const d = D + <usize>i * drs, n = Nn + <usize>i * nrs;
    let a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    for (let j = 0; j < N4; j += 4) {
      const g = v128.load(d + (<usize>j << 2));
      a1 = f32x4.add(a1, g);
      a2 = f32x4.add(a2, f32x4.mul(g, v128.load(n + (<usize>j << 2))));
    }
    let s1 = lanes(a1), s2 = lanes(a2);
    for (let j = N4; j < N; j++) {
      const g = load<f32>(d + (<usize>j << 2));
      s1 += g;
      s2 += g * load<f32>(n + (<usize>j << 2));
    }
    const m1 = s1 * inv, m2 = s2 * inv, r = load<f32>(R + (<usize>i << 2));
    const vm1 = f32x4.splat(m1), vm2 = f32x4.splat(m2), vr = f32x4.splat(r);
    for (let j = 0; j < N4; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.mul(vr, f32x4.sub(f32x4.sub(v128.load(d + o), vm1), f32x4.mul(v128.load(n + o), vm2))));
    }
    for (let j = N4; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, r * (load<f32>(d + o) - m1 - load<f32>(n + o) * m2));
    }
  }
}

// ---- SAC's tanh-squashed Gaussian policy ------------------------------------------------
// The actor's linear head H (M x 2N) holds per row the mean (columns 0..N) and the raw log std
// (N..2N), squashed as CleanRL does: ls = LS_MIN + (LS_MAX − LS_MIN)/2·(tanh(raw) + 1).
const LS_MIN: f32 = -5;
const LS_MAX: f32 = 2;
const HALF_LOG_2PI: f32 = 0.9189385332046727;

// exp and log without lookup tables: AssemblyScript's Mathf.exp / Mathf.log read tables from a
// static data segment, which every instance (each worker thread's) would write into the shared
// memory where the engine keeps its header and buffers. These work in f64 and round to f32.
const LN2: f64 = 0.6931471805599453;
const SQRT2: f64 = 1.4142135623730951;

/** e^x: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series (Horner), times 2^k. */
function expF(x: f32): f32 {
  const k = nearest<f64>(<f64>x / LN2);
  const r = <f64>x - k * LN2;
  let p: f64 = 1;
  for (let n = 14; n >= 1; n--) p = 1 + (r * p) / <f64>n;
  return <f32>(p * reinterpret<f64>(<i64>(<i32>k + 1023) << 52));
}

/** ln z for a positive normal z: z = m·2^e with m in [√2/2, √2), ln m = 2·atanh((m − 1)/(m + 1)) by its series. */
function logF(z: f32): f32 {
  const bits = reinterpret<u64>(<f64>z);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0xfffffffffffff) | 0x3ff0000000000000);
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1), s2 = s * s;
  let q: f64 = 0;
  for (let n = 21; n >= 1; n -= 2) q = 1 / <f64>n + s2 * q;
  return <f32>(2 * s * q + <f64>e * LN2);
}

/** ls(raw) = LS_MIN + (LS_MAX − LS_MIN)/2·(tanh(raw) + 1). */
@inline function squashLogStd(t: f32): f32 {
  return LS_MIN + <f32>0.5 * (LS_MAX - LS_MIN) * (t + 1);
}

// SAC_SAMPLE (rows split): u = tanh(mean + exp(ls)·ε) into U (M x N, row stride urs), with ε
// (M x N contiguous) drawn in JS, and logp[i] = Σ_j log N(x_j; mean_j, std_j) − log(1 − u_j² + 1e-6),
// where log N(x; mean, std) = −ε²/2 − ls − log(2π)/2 (x − mean = std·ε).
function sacSample(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), H = uarg(a, 2), hrs = uarg(a, 3), E = uarg(a, 4), U = uarg(a, 5), urs = uarg(a, 6);
  const logp = uarg(a, 7);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  for (let i = i0; i < i1; i++) {
    const h = H + <usize>i * hrs, u = U + <usize>i * urs, e = E + (<usize>(i * N) << 2);
    let lp: f32 = 0;
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 2;
      const ls = squashLogStd(Mathf.tanh(load<f32>(h + o + (<usize>N << 2))));
      const eps = load<f32>(e + o);
      const y = Mathf.tanh(load<f32>(h + o) + expF(ls) * eps);
      store<f32>(u + o, y);
      lp += -<f32>0.5 * eps * eps - ls - HALF_LOG_2PI - logF(1 - y * y + <f32>1e-6);
    }
    store<f32>(logp + (<usize>i << 2), lp);
  }
}

// SAC_PI (one thread): the actor's loss scale·Σ(α·logp − min(q1, q2)) into losses[slot],
// scale·Σlogp into losses[entSlot]; dq1 = −scale where q1 ≤ q2 (else 0), dq2 the other rows.
function sacPi(a: usize): void {
  const B = arg(a, 0), q1 = uarg(a, 1), q2 = uarg(a, 2), logp = uarg(a, 3), dq1 = uarg(a, 4), dq2 = uarg(a, 5);
  const scale = farg(a, 6), slot = uarg(a, 7), entSlot = uarg(a, 8);
  const alpha = scalar(S_ALPHA);
  let sum: f64 = 0, lsum: f64 = 0;
  for (let i = 0; i < B; i++) {
    const o = <usize>i << 2;
    const x1 = load<f32>(q1 + o), x2 = load<f32>(q2 + o), lp = load<f32>(logp + o);
    const first = x1 <= x2;
    store<f32>(dq1 + o, first ? -scale : 0);
    store<f32>(dq2 + o, first ? 0 : -scale);
    sum += <f64>(alpha * lp - (first ? x1 : x2));
    lsum += <f64>lp;
  }
  store<f64>(header + LOSSES + (slot << 3), sum * <f64>scale);
  store<f64>(header + LOSSES + (entSlot << 3), lsum * <f64>scale);
}

// SAC_SAMPLE_GRAD (rows split): dL/dH (M x 2N contiguous) of L = Σ_rows (g·u) + scale·α·Σ logp,
// g = dA1 + dA2 the critics' gradients at the action u (SAC_SAMPLE's sample, ε the same noise):
//   dL/du = g + scale·α·2u/(1 − u² + 1e-6);  dL/dx = dL/du·(1 − u²)  (x = mean + std·ε)
//   dL/dmean = dL/dx;  dL/dls = dL/dx·std·ε − scale·α;  dL/draw = dL/dls·(LS_MAX − LS_MIN)/2·(1 − tanh²(raw)).
function sacSampleGrad(a: usize, tid: i32, nt: i32): void {
  const M = arg(a, 0), N = arg(a, 1), H = uarg(a, 2), hrs = uarg(a, 3), E = uarg(a, 4), U = uarg(a, 5), urs = uarg(a, 6);
  const D1 = uarg(a, 7), d1rs = uarg(a, 8), D2 = uarg(a, 9), d2rs = uarg(a, 10), DH = uarg(a, 11), scale = farg(a, 12);
  const sa = scale * scalar(S_ALPHA);
  const i0 = shareLo(M, tid, nt, 1), i1 = shareLo(M, tid + 1, nt, 1);
  for (let i = i0; i < i1; i++) {
    const h = H + <usize>i * hrs, u = U + <usize>i * urs, e = E + (<usize>(i * N) << 2);
    const d1 = D1 + <usize>i * d1rs, d2 = D2 + <usize>i * d2rs, dh = DH + (<usize>(2 * i * N) << 2);
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 2;
      const t = Mathf.tanh(load<f32>(h + o + (<usize>N << 2)));
      const ls = squashLogStd(t);
      const y = load<f32>(u + o);
      const du = load<f32>(d1 + o) + load<f32>(d2 + o) + (sa * 2 * y) / (1 - y * y + <f32>1e-6);
      const dx = du * (1 - y * y);
      const dls = dx * expF(ls) * load<f32>(e + o) - sa;
      store<f32>(dh + o, dx);
      store<f32>(dh + o + (<usize>N << 2), dls * <f32>0.5 * (LS_MAX - LS_MIN) * (1 - t * t));
    }
  }
}

// ---- ADAM: PyTorch's Adam on [from, to) of the flat vectors, then θ' += τ(θ − θ') ---------
// scalars: b1, b2, eps, tau, 1/sqrt(1 − b2^t), and at `lrSlot` lr/(1 − b1^t).
function adam(a: usize, tid: i32, nt: i32): void {
  const P = uarg(a, 0), T = uarg(a, 1), Mm = uarg(a, 2), V = uarg(a, 3), G = uarg(a, 4);
  const from = arg(a, 5), to = arg(a, 6), lrSlot = arg(a, 7);
  const n = to - from;
  const lo = from + shareLo(n, tid, nt, 4), hi = from + shareLo(n, tid + 1, nt, 4);
  const b1 = scalar(S_B1), b2 = scalar(S_B2), eps = scalar(S_EPS), tau = scalar(S_TAU), rs = scalar(S_RSBC2), step = scalar(lrSlot);
  const c1: f32 = 1 - b1, c2: f32 = 1 - b2;
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps), vtau = f32x4.splat(tau), vrs = f32x4.splat(rs), vstep = f32x4.splat(step);
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(G + o);
    const m = f32x4.add(f32x4.mul(vb1, v128.load(Mm + o)), f32x4.mul(vc1, g));
    const v = f32x4.add(f32x4.mul(vb2, v128.load(V + o)), f32x4.mul(f32x4.mul(vc2, g), g));
    const p = f32x4.sub(v128.load(P + o), f32x4.div(f32x4.mul(vstep, m), f32x4.add(f32x4.mul(f32x4.sqrt(v), vrs), veps)));
    const t = v128.load(T + o);
    v128.store(Mm + o, m);
    v128.store(V + o, v);
    v128.store(P + o, p);
    v128.store(T + o, f32x4.add(t, f32x4.mul(vtau, f32x4.sub(p, t))));
  }
  for (; i < hi; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(G + o);
    const m = b1 * load<f32>(Mm + o) + c1 * g;
    const v = b2 * load<f32>(V + o) + (c2 * g) * g;
    const p = load<f32>(P + o) - (step * m) / (Mathf.sqrt(v) * rs + eps);
    const t = load<f32>(T + o);
    store<f32>(Mm + o, m);
    store<f32>(V + o, v);
    store<f32>(P + o, p);
    store<f32>(T + o, t + tau * (p - t));
  }
}
