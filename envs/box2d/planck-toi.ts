// Continuous collision (Box2D 2.3's b2World::SolveTOI with b2TimeOfImpact and b2Distance),
// as planck 1.4.2 does it, for planck-patches.ts. Each step, every contact of a dynamic body
// with a static one gets a time-of-impact computation, so BipedalWalker spent ~20% of a step
// here: planck's versions allocate GJK bookkeeping arrays per call, time every call and go
// through Vec2 helpers and module-level scratch objects. This port keeps the GJK simplex
// and the separating-axis function in local numbers and a typed array, with planck's
// arithmetic operation for operation and its branches in its order, so results are
// bit-identical (test/envs/box2d-fast-paths.test.ts compares whole trajectories). planck's
// stats counters are kept, except the wall-clock toiTime/toiMaxTime.
import {
  Settings,
  Sweep,
  TimeStep,
  TOIInput,
  TOIOutput,
  TOIOutputState,
  stats,
  type Body,
  type Contact,
  type DistanceProxy,
  type Solver,
  type Vec2,
} from 'planck';

const EPSILON = 1e-9; // planck's

// planck's SettingsInternal (not in its typings), read from Settings as it does.
const SettingsInternal = {
  get linearSlop(): number {
    return Settings.linearSlop * Settings.lengthUnitsPerMeter;
  },
  get maxDistanceIterations(): number {
    return Settings.maxDistanceIterations;
  },
  get maxTOIIterations(): number {
    return Settings.maxTOIIterations;
  },
  get maxPolygonVertices(): number {
    return Settings.maxPolygonVertices;
  },
  get maxSubSteps(): number {
    return Settings.maxSubSteps;
  },
};

interface Xf {
  p: { x: number; y: number };
  q: { s: number; c: number };
}
interface ProxyInternals {
  m_vertices: Vec2[];
  m_count: number;
  m_radius: number;
}
interface SweepInternals {
  normalize(): void;
  getTransform(xf: Xf, beta: number): void;
  set(that: unknown): void;
}

// ---------------------------------------------------------------------------------------
// b2Distance (GJK), useRadii = false, as TimeOfImpact calls it.

// The simplex: three vertices of 9 numbers [wA.x, wA.y, wB.x, wB.y, w.x, w.y, a, indexA, indexB].
const V = new Float64Array(27);
const WAX = 0;
const WAY = 1;
const WBX = 2;
const WBY = 3;
const WX = 4;
const WY = 5;
const A = 6;
const IA = 7;
const IB = 8;
let simplexCount = 0;

// The simplex cache (b2SimplexCache), shared by TimeOfImpact's calls as planck's is.
let cacheMetric = 0;
let cacheCount = 0;
const cacheIndexA = [0, 0, 0];
const cacheIndexB = [0, 0, 0];

// Distance output.
let outAx = 0;
let outAy = 0;
let outBx = 0;
let outBy = 0;
let outDistance = 0;

const saveA = [0, 0, 0];
const saveB = [0, 0, 0];

function copyVertex(to: number, from: number): void {
  for (let k = 0; k < 9; k++) V[to + k] = V[from + k];
}

function getMetric(): number {
  switch (simplexCount) {
    case 2: {
      const dx = V[WX] - V[9 + WX];
      const dy = V[WY] - V[9 + WY];
      return Math.sqrt(dx * dx + dy * dy);
    }
    case 3: {
      const e1x = V[9 + WX] - V[WX];
      const e1y = V[9 + WY] - V[WY];
      const e2x = V[18 + WX] - V[WX];
      const e2y = V[18 + WY] - V[WY];
      return e1x * e2y - e1y * e2x;
    }
    default:
      return 0;
  }
}

/** The vertex at `base`: the proxies' vertices indexA / indexB placed by the transforms. */
function placeVertex(base: number, pA: ProxyInternals, xfA: Xf, pB: ProxyInternals, xfB: Xf): void {
  const a = pA.m_vertices[V[base + IA] | 0];
  const b = pB.m_vertices[V[base + IB] | 0];
  const wAx = xfA.q.c * a.x - xfA.q.s * a.y + xfA.p.x;
  const wAy = xfA.q.s * a.x + xfA.q.c * a.y + xfA.p.y;
  const wBx = xfB.q.c * b.x - xfB.q.s * b.y + xfB.p.x;
  const wBy = xfB.q.s * b.x + xfB.q.c * b.y + xfB.p.y;
  V[base + WAX] = wAx;
  V[base + WAY] = wAy;
  V[base + WBX] = wBx;
  V[base + WBY] = wBy;
  V[base + WX] = wBx - wAx;
  V[base + WY] = wBy - wAy;
}

function readCache(pA: ProxyInternals, xfA: Xf, pB: ProxyInternals, xfB: Xf): void {
  simplexCount = cacheCount;
  for (let i = 0; i < simplexCount; ++i) {
    const base = 9 * i;
    V[base + IA] = cacheIndexA[i];
    V[base + IB] = cacheIndexB[i];
    placeVertex(base, pA, xfA, pB, xfB);
    V[base + A] = 0;
  }
  if (simplexCount > 1) {
    const metric1 = cacheMetric;
    const metric2 = getMetric();
    if (metric2 < 0.5 * metric1 || 2 * metric1 < metric2 || metric2 < EPSILON) simplexCount = 0;
  }
  if (simplexCount === 0) {
    V[IA] = 0;
    V[IB] = 0;
    placeVertex(0, pA, xfA, pB, xfB);
    V[A] = 1;
    simplexCount = 1;
  }
}

function solve2(): void {
  const w1x = V[WX];
  const w1y = V[WY];
  const w2x = V[9 + WX];
  const w2y = V[9 + WY];
  const ex = w2x - w1x;
  const ey = w2y - w1y;
  const d12_2 = -(w1x * ex + w1y * ey);
  if (d12_2 <= 0) {
    V[A] = 1;
    simplexCount = 1;
    return;
  }
  const d12_1 = w2x * ex + w2y * ey;
  if (d12_1 <= 0) {
    V[9 + A] = 1;
    simplexCount = 1;
    copyVertex(0, 9);
    return;
  }
  const inv = 1 / (d12_1 + d12_2);
  V[A] = d12_1 * inv;
  V[9 + A] = d12_2 * inv;
  simplexCount = 2;
}

function solve3(): void {
  const w1x = V[WX];
  const w1y = V[WY];
  const w2x = V[9 + WX];
  const w2y = V[9 + WY];
  const w3x = V[18 + WX];
  const w3y = V[18 + WY];
  const e12x = w2x - w1x;
  const e12y = w2y - w1y;
  const w1e12 = w1x * e12x + w1y * e12y;
  const w2e12 = w2x * e12x + w2y * e12y;
  const d12_1 = w2e12;
  const d12_2 = -w1e12;
  const e13x = w3x - w1x;
  const e13y = w3y - w1y;
  const w1e13 = w1x * e13x + w1y * e13y;
  const w3e13 = w3x * e13x + w3y * e13y;
  const d13_1 = w3e13;
  const d13_2 = -w1e13;
  const e23x = w3x - w2x;
  const e23y = w3y - w2y;
  const w2e23 = w2x * e23x + w2y * e23y;
  const w3e23 = w3x * e23x + w3y * e23y;
  const d23_1 = w3e23;
  const d23_2 = -w2e23;
  const n123 = e12x * e13y - e12y * e13x;
  const d123_1 = n123 * (w2x * w3y - w2y * w3x);
  const d123_2 = n123 * (w3x * w1y - w3y * w1x);
  const d123_3 = n123 * (w1x * w2y - w1y * w2x);
  if (d12_2 <= 0 && d13_2 <= 0) {
    V[A] = 1;
    simplexCount = 1;
    return;
  }
  if (d12_1 > 0 && d12_2 > 0 && d123_3 <= 0) {
    const inv = 1 / (d12_1 + d12_2);
    V[A] = d12_1 * inv;
    V[9 + A] = d12_2 * inv;
    simplexCount = 2;
    return;
  }
  if (d13_1 > 0 && d13_2 > 0 && d123_2 <= 0) {
    const inv = 1 / (d13_1 + d13_2);
    V[A] = d13_1 * inv;
    V[18 + A] = d13_2 * inv;
    simplexCount = 2;
    copyVertex(9, 18);
    return;
  }
  if (d12_1 <= 0 && d23_2 <= 0) {
    V[9 + A] = 1;
    simplexCount = 1;
    copyVertex(0, 9);
    return;
  }
  if (d13_1 <= 0 && d23_1 <= 0) {
    V[18 + A] = 1;
    simplexCount = 1;
    copyVertex(0, 18);
    return;
  }
  if (d23_1 > 0 && d23_2 > 0 && d123_1 <= 0) {
    const inv = 1 / (d23_1 + d23_2);
    V[9 + A] = d23_1 * inv;
    V[18 + A] = d23_2 * inv;
    simplexCount = 2;
    copyVertex(0, 18);
    return;
  }
  const inv = 1 / (d123_1 + d123_2 + d123_3);
  V[A] = d123_1 * inv;
  V[9 + A] = d123_2 * inv;
  V[18 + A] = d123_3 * inv;
  simplexCount = 3;
}

/** DistanceProxy.getSupport: the first vertex furthest along (dx, dy). */
function getSupport(p: ProxyInternals, dx: number, dy: number): number {
  let bestIndex = -1;
  let bestValue = -Infinity;
  const vs = p.m_vertices;
  for (let i = 0; i < p.m_count; ++i) {
    const value = vs[i].x * dx + vs[i].y * dy;
    if (value > bestValue) {
      bestIndex = i;
      bestValue = value;
    }
  }
  return bestIndex;
}

function distance(pA: ProxyInternals, xfA: Xf, pB: ProxyInternals, xfB: Xf): void {
  ++stats.gjkCalls;
  V.fill(0); // simplex.recycle()
  simplexCount = 0;
  readCache(pA, xfA, pB, xfB);
  const maxIters = SettingsInternal.maxDistanceIterations;
  let saveCount = 0;
  let iter = 0;
  while (iter < maxIters) {
    saveCount = simplexCount;
    for (let i = 0; i < saveCount; ++i) {
      saveA[i] = V[9 * i + IA];
      saveB[i] = V[9 * i + IB];
    }
    if (simplexCount === 2) solve2();
    else if (simplexCount === 3) solve3();
    if (simplexCount === 3) break;

    // Search direction.
    let dx = 0;
    let dy = 0;
    if (simplexCount === 1) {
      dx = -V[WX];
      dy = -V[WY];
    } else if (simplexCount === 2) {
      const ex = V[9 + WX] - V[WX];
      const ey = V[9 + WY] - V[WY];
      const sgn = -(ex * V[WY] - ey * V[WX]);
      if (sgn > 0) {
        dx = -ey;
        dy = ex;
      } else {
        dx = ey;
        dy = -ex;
      }
    }
    if (dx * dx + dy * dy < EPSILON * EPSILON) break;

    const base = 9 * simplexCount;
    // derot(xfA.q, -1 * d) and derot(xfB.q, d)
    const nx = -1 * dx;
    const ny = -1 * dy;
    V[base + IA] = getSupport(pA, xfA.q.c * nx + xfA.q.s * ny, -xfA.q.s * nx + xfA.q.c * ny);
    V[base + IB] = getSupport(pB, xfB.q.c * dx + xfB.q.s * dy, -xfB.q.s * dx + xfB.q.c * dy);
    placeVertex(base, pA, xfA, pB, xfB);
    ++iter;
    ++stats.gjkIters;
    let duplicate = false;
    for (let i = 0; i < saveCount; ++i) {
      if (V[base + IA] === saveA[i] && V[base + IB] === saveB[i]) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) break;
    ++simplexCount;
  }
  stats.gjkMaxIters = Math.max(stats.gjkMaxIters, iter);

  // Witness points.
  switch (simplexCount) {
    case 1:
      outAx = V[WAX];
      outAy = V[WAY];
      outBx = V[WBX];
      outBy = V[WBY];
      break;
    case 2:
      outAx = V[A] * V[WAX] + V[9 + A] * V[9 + WAX];
      outAy = V[A] * V[WAY] + V[9 + A] * V[9 + WAY];
      outBx = V[A] * V[WBX] + V[9 + A] * V[9 + WBX];
      outBy = V[A] * V[WBY] + V[9 + A] * V[9 + WBY];
      break;
    case 3:
      outAx = V[A] * V[WAX] + V[9 + A] * V[9 + WAX] + V[18 + A] * V[18 + WAX];
      outAy = V[A] * V[WAY] + V[9 + A] * V[9 + WAY] + V[18 + A] * V[18 + WAY];
      outBx = outAx;
      outBy = outAy;
      break;
  }
  const ddx = outAx - outBx;
  const ddy = outAy - outBy;
  outDistance = Math.sqrt(ddx * ddx + ddy * ddy);

  // simplex.writeCache(cache)
  cacheMetric = getMetric();
  cacheCount = simplexCount;
  for (let i = 0; i < simplexCount; ++i) {
    cacheIndexA[i] = V[9 * i + IA];
    cacheIndexB[i] = V[9 * i + IB];
  }
}

// ---------------------------------------------------------------------------------------
// b2SeparationFunction

const POINTS = 1;
const FACE_A = 2;
const FACE_B = 3;
let sepType = -1;
let sepAxisX = 0;
let sepAxisY = 0;
let sepLocalX = 0;
let sepLocalY = 0;
let sepIndexA = -1;
let sepIndexB = -1;
let sepProxyA: ProxyInternals;
let sepProxyB: ProxyInternals;
let sepSweepA: SweepInternals;
let sepSweepB: SweepInternals;
const xfA: Xf = { p: { x: 0, y: 0 }, q: { s: 0, c: 1 } };
const xfB: Xf = { p: { x: 0, y: 0 }, q: { s: 0, c: 1 } };

function initializeSeparation(pA: ProxyInternals, sweepA: SweepInternals, pB: ProxyInternals, sweepB: SweepInternals, t1: number): void {
  sepProxyA = pA;
  sepProxyB = pB;
  sepSweepA = sweepA;
  sepSweepB = sweepB;
  sweepA.getTransform(xfA, t1);
  sweepB.getTransform(xfB, t1);
  if (cacheCount === 1) {
    sepType = POINTS;
    const a = pA.m_vertices[cacheIndexA[0]];
    const b = pB.m_vertices[cacheIndexB[0]];
    const pAx = xfA.q.c * a.x - xfA.q.s * a.y + xfA.p.x;
    const pAy = xfA.q.s * a.x + xfA.q.c * a.y + xfA.p.y;
    const pBx = xfB.q.c * b.x - xfB.q.s * b.y + xfB.p.x;
    const pBy = xfB.q.s * b.x + xfB.q.c * b.y + xfB.p.y;
    sepAxisX = pBx - pAx;
    sepAxisY = pBy - pAy;
    const length = Math.sqrt(sepAxisX * sepAxisX + sepAxisY * sepAxisY);
    if (length !== 0) {
      const inv = 1 / length;
      sepAxisX *= inv;
      sepAxisY *= inv;
    }
  } else if (cacheIndexA[0] === cacheIndexA[1]) {
    // Two points on B and one on A.
    sepType = FACE_B;
    const b1 = pB.m_vertices[cacheIndexB[0]];
    const b2 = pB.m_vertices[cacheIndexB[1]];
    const ex = b2.x - b1.x;
    const ey = b2.y - b1.y;
    sepAxisX = 1 * ey;
    sepAxisY = -1 * ex;
    normalizeAxis();
    const nx = xfB.q.c * sepAxisX - xfB.q.s * sepAxisY;
    const ny = xfB.q.s * sepAxisX + xfB.q.c * sepAxisY;
    sepLocalX = 0.5 * b1.x + 0.5 * b2.x;
    sepLocalY = 0.5 * b1.y + 0.5 * b2.y;
    const pBx = xfB.q.c * sepLocalX - xfB.q.s * sepLocalY + xfB.p.x;
    const pBy = xfB.q.s * sepLocalX + xfB.q.c * sepLocalY + xfB.p.y;
    const a = pA.m_vertices[cacheIndexA[0]];
    const pAx = xfA.q.c * a.x - xfA.q.s * a.y + xfA.p.x;
    const pAy = xfA.q.s * a.x + xfA.q.c * a.y + xfA.p.y;
    const s = pAx * nx + pAy * ny - (pBx * nx + pBy * ny);
    if (s < 0) {
      sepAxisX = -sepAxisX;
      sepAxisY = -sepAxisY;
    }
  } else {
    // Two points on A and one or two points on B.
    sepType = FACE_A;
    const a1 = pA.m_vertices[cacheIndexA[0]];
    const a2 = pA.m_vertices[cacheIndexA[1]];
    const ex = a2.x - a1.x;
    const ey = a2.y - a1.y;
    sepAxisX = 1 * ey;
    sepAxisY = -1 * ex;
    normalizeAxis();
    const nx = xfA.q.c * sepAxisX - xfA.q.s * sepAxisY;
    const ny = xfA.q.s * sepAxisX + xfA.q.c * sepAxisY;
    sepLocalX = 0.5 * a1.x + 0.5 * a2.x;
    sepLocalY = 0.5 * a1.y + 0.5 * a2.y;
    const pAx = xfA.q.c * sepLocalX - xfA.q.s * sepLocalY + xfA.p.x;
    const pAy = xfA.q.s * sepLocalX + xfA.q.c * sepLocalY + xfA.p.y;
    const b = pB.m_vertices[cacheIndexB[0]];
    const pBx = xfB.q.c * b.x - xfB.q.s * b.y + xfB.p.x;
    const pBy = xfB.q.s * b.x + xfB.q.c * b.y + xfB.p.y;
    const s = pBx * nx + pBy * ny - (pAx * nx + pAy * ny);
    if (s < 0) {
      sepAxisX = -sepAxisX;
      sepAxisY = -sepAxisY;
    }
  }
}

/** planck's normalizeVec2: leaves a zero vector alone. */
function normalizeAxis(): void {
  const length = Math.sqrt(sepAxisX * sepAxisX + sepAxisY * sepAxisY);
  if (length > 0) {
    const inv = 1 / length;
    sepAxisX *= inv;
    sepAxisY *= inv;
  }
}

/** SeparationFunction.compute: findMinSeparation when `find`, evaluate otherwise. */
function computeSeparation(find: boolean, t: number): number {
  sepSweepA.getTransform(xfA, t);
  sepSweepB.getTransform(xfB, t);
  switch (sepType) {
    case POINTS: {
      if (find) {
        const nx = -1 * sepAxisX;
        const ny = -1 * sepAxisY;
        sepIndexA = getSupport(sepProxyA, xfA.q.c * sepAxisX + xfA.q.s * sepAxisY, -xfA.q.s * sepAxisX + xfA.q.c * sepAxisY);
        sepIndexB = getSupport(sepProxyB, xfB.q.c * nx + xfB.q.s * ny, -xfB.q.s * nx + xfB.q.c * ny);
      }
      const a = sepProxyA.m_vertices[sepIndexA];
      const b = sepProxyB.m_vertices[sepIndexB];
      const pAx = xfA.q.c * a.x - xfA.q.s * a.y + xfA.p.x;
      const pAy = xfA.q.s * a.x + xfA.q.c * a.y + xfA.p.y;
      const pBx = xfB.q.c * b.x - xfB.q.s * b.y + xfB.p.x;
      const pBy = xfB.q.s * b.x + xfB.q.c * b.y + xfB.p.y;
      return pBx * sepAxisX + pBy * sepAxisY - (pAx * sepAxisX + pAy * sepAxisY);
    }
    case FACE_A: {
      const nx = xfA.q.c * sepAxisX - xfA.q.s * sepAxisY;
      const ny = xfA.q.s * sepAxisX + xfA.q.c * sepAxisY;
      const pAx = xfA.q.c * sepLocalX - xfA.q.s * sepLocalY + xfA.p.x;
      const pAy = xfA.q.s * sepLocalX + xfA.q.c * sepLocalY + xfA.p.y;
      if (find) {
        const mx = -1 * nx;
        const my = -1 * ny;
        sepIndexA = -1;
        sepIndexB = getSupport(sepProxyB, xfB.q.c * mx + xfB.q.s * my, -xfB.q.s * mx + xfB.q.c * my);
      }
      const b = sepProxyB.m_vertices[sepIndexB];
      const pBx = xfB.q.c * b.x - xfB.q.s * b.y + xfB.p.x;
      const pBy = xfB.q.s * b.x + xfB.q.c * b.y + xfB.p.y;
      return pBx * nx + pBy * ny - (pAx * nx + pAy * ny);
    }
    case FACE_B: {
      const nx = xfB.q.c * sepAxisX - xfB.q.s * sepAxisY;
      const ny = xfB.q.s * sepAxisX + xfB.q.c * sepAxisY;
      const pBx = xfB.q.c * sepLocalX - xfB.q.s * sepLocalY + xfB.p.x;
      const pBy = xfB.q.s * sepLocalX + xfB.q.c * sepLocalY + xfB.p.y;
      if (find) {
        const mx = -1 * nx;
        const my = -1 * ny;
        sepIndexB = -1;
        sepIndexA = getSupport(sepProxyA, xfA.q.c * mx + xfA.q.s * my, -xfA.q.s * mx + xfA.q.c * my);
      }
      const a = sepProxyA.m_vertices[sepIndexA];
      const pAx = xfA.q.c * a.x - xfA.q.s * a.y + xfA.p.x;
      const pAy = xfA.q.s * a.x + xfA.q.c * a.y + xfA.p.y;
      return pAx * nx + pAy * ny - (pBx * nx + pBy * ny);
    }
    default:
      if (find) {
        sepIndexA = -1;
        sepIndexB = -1;
      }
      return 0;
  }
}

// ---------------------------------------------------------------------------------------
// b2TimeOfImpact

const distXfA: Xf = { p: { x: 0, y: 0 }, q: { s: 0, c: 1 } };
const distXfB: Xf = { p: { x: 0, y: 0 }, q: { s: 0, c: 1 } };

function copyXf(to: Xf, from: Xf): void {
  to.p.x = from.p.x;
  to.p.y = from.p.y;
  to.q.s = from.q.s;
  to.q.c = from.q.c;
}

export function timeOfImpact(output: TOIOutput, input: TOIInput): void {
  ++stats.toiCalls;
  output.state = TOIOutputState.e_unknown;
  output.t = input.tMax;
  const proxyA = input.proxyA as unknown as ProxyInternals;
  const proxyB = input.proxyB as unknown as ProxyInternals;
  const sweepA = input.sweepA as unknown as SweepInternals;
  const sweepB = input.sweepB as unknown as SweepInternals;
  sweepA.normalize();
  sweepB.normalize();
  const tMax = input.tMax;
  const linearSlop = SettingsInternal.linearSlop;
  const totalRadius = proxyA.m_radius + proxyB.m_radius;
  const target = Math.max(linearSlop, totalRadius - 3 * linearSlop);
  const tolerance = 0.25 * linearSlop;
  let t1 = 0;
  const maxIterations = SettingsInternal.maxTOIIterations;
  let iter = 0;
  cacheMetric = 0;
  cacheCount = 0;

  // Walk the separating axis until the shapes touch, separate or the iterations run out.
  for (;;) {
    sweepA.getTransform(xfA, t1);
    sweepB.getTransform(xfB, t1);
    copyXf(distXfA, xfA);
    copyXf(distXfB, xfB);
    distance(proxyA, distXfA, proxyB, distXfB);
    if (outDistance <= 0) {
      output.state = TOIOutputState.e_overlapped;
      output.t = 0;
      break;
    }
    if (outDistance < target + tolerance) {
      output.state = TOIOutputState.e_touching;
      output.t = t1;
      break;
    }

    initializeSeparation(proxyA, sweepA, proxyB, sweepB, t1);
    let done = false;
    let t2 = tMax;
    let pushBackIter = 0;
    for (;;) {
      let s2 = computeSeparation(true, t2);
      if (s2 > target + tolerance) {
        output.state = TOIOutputState.e_separated;
        output.t = tMax;
        done = true;
        break;
      }
      if (s2 > target - tolerance) {
        t1 = t2;
        break;
      }
      let s1 = computeSeparation(false, t1);
      if (s1 < target - tolerance) {
        output.state = TOIOutputState.e_failed;
        output.t = t1;
        done = true;
        break;
      }
      if (s1 <= target + tolerance) {
        output.state = TOIOutputState.e_touching;
        output.t = t1;
        done = true;
        break;
      }
      // Root of s(t) = target: bisection alternated with the secant rule.
      let rootIterCount = 0;
      let a1 = t1;
      let a2 = t2;
      for (;;) {
        let t: number;
        if (rootIterCount & 1) t = a1 + ((target - s1) * (a2 - a1)) / (s2 - s1);
        else t = 0.5 * (a1 + a2);
        ++rootIterCount;
        ++stats.toiRootIters;
        const s3 = computeSeparation(false, t);
        if (Math.abs(s3 - target) < tolerance) {
          t2 = t;
          break;
        }
        if (s3 > target) {
          a1 = t;
          s1 = s3;
        } else {
          a2 = t;
          s2 = s3;
        }
        if (rootIterCount === 50) break;
      }
      stats.toiMaxRootIters = Math.max(stats.toiMaxRootIters, rootIterCount);
      ++pushBackIter;
      if (pushBackIter === SettingsInternal.maxPolygonVertices) break;
    }
    ++iter;
    ++stats.toiIters;
    if (done) break;
    if (iter === maxIterations) {
      output.state = TOIOutputState.e_failed;
      output.t = t1;
      break;
    }
  }
  stats.toiMaxIters = Math.max(stats.toiMaxIters, iter);
  sepType = -1;
  sepAxisX = sepAxisY = sepLocalX = sepLocalY = 0;
  sepIndexA = sepIndexB = -1;
}

// ---------------------------------------------------------------------------------------
// b2World::SolveTOI (planck's Solver.solveWorldTOI) calling timeOfImpact.

interface BodyInternals {
  m_islandFlag: boolean;
  m_sweep: SweepInternals & { alpha0: number; advance(alpha: number): void };
  m_contactList: { contact: ContactInternals; other: BodyInternals; next: unknown } | null;
  isAwake(): boolean;
  isStatic(): boolean;
  isDynamic(): boolean;
  isBullet(): boolean;
  advance(alpha: number): void;
  setAwake(flag: boolean): void;
  synchronizeTransform(): void;
  synchronizeFixtures(): void;
}
interface ContactInternals {
  m_next: ContactInternals | null;
  m_toiFlag: boolean;
  m_islandFlag: boolean;
  m_toiCount: number;
  m_toi: number;
  m_fixtureA: { m_isSensor: boolean };
  m_fixtureB: { m_isSensor: boolean };
  isEnabled(): boolean;
  isTouching(): boolean;
  setEnabled(flag: boolean): void;
  getFixtureA(): FixtureLike;
  getFixtureB(): FixtureLike;
  getChildIndexA(): number;
  getChildIndexB(): number;
  update(listener: unknown): void;
}
interface FixtureLike {
  isSensor(): boolean;
  getBody(): BodyInternals;
  getShape(): unknown;
}
interface SolverInternals {
  m_world: {
    m_stepComplete: boolean;
    m_subStepping: boolean;
    m_bodyList: (BodyInternals & { m_next: unknown }) | null;
    m_contactList: ContactInternals | null;
    findNewContacts(): void;
  };
  m_bodies: BodyInternals[];
  clear(): void;
  addBody(b: BodyInternals): void;
  addContact(c: ContactInternals): void;
  solveIslandTOI(step: TimeStep, a: BodyInternals, b: BodyInternals): void;
}

const toiInput = new TOIInput();
const toiOutput = new TOIOutput();
const backup = new Sweep() as unknown as SweepInternals;
const backup1 = new Sweep() as unknown as SweepInternals;
const backup2 = new Sweep() as unknown as SweepInternals;
const subStep = new TimeStep();

function addTOIContacts(solver: SolverInternals, body: BodyInternals, minAlpha: number): void {
  if (!body.isDynamic()) return;
  const world = solver.m_world;
  for (let ce = body.m_contactList; ce; ce = ce.next as typeof ce) {
    const contact = ce.contact;
    if (contact.m_islandFlag) continue;
    // Only static bodies and bullets are swept: no TOI between two ordinary dynamic bodies.
    const other = ce.other;
    if (other.isDynamic() && !body.isBullet() && !other.isBullet()) continue;
    if (contact.m_fixtureA.m_isSensor || contact.m_fixtureB.m_isSensor) continue;
    backup.set(other.m_sweep);
    if (other.m_islandFlag == false) other.advance(minAlpha);
    contact.update(world);
    if (contact.isEnabled() == false || contact.isTouching() == false) {
      other.m_sweep.set(backup);
      other.synchronizeTransform();
      continue;
    }
    contact.m_islandFlag = true;
    solver.addContact(contact);
    if (other.m_islandFlag) continue;
    other.m_islandFlag = true;
    if (!other.isStatic()) other.setAwake(true);
    solver.addBody(other);
  }
}

/** Solver.solveWorldTOI, as planck 1.4.2 writes it, with timeOfImpact for TimeOfImpact. */
export function solveWorldTOI(this: SolverInternals, step: TimeStep): void {
  const world = this.m_world;
  if (world.m_stepComplete) {
    for (let b = world.m_bodyList; b; b = b.m_next as typeof b) {
      b.m_islandFlag = false;
      b.m_sweep.alpha0 = 0;
    }
    for (let c = world.m_contactList; c; c = c.m_next) {
      c.m_toiFlag = false;
      c.m_islandFlag = false;
      c.m_toiCount = 0;
      c.m_toi = 1;
    }
  }
  for (;;) {
    // The first time of impact among all contacts.
    let minContact: ContactInternals | null = null;
    let minAlpha = 1;
    for (let c = world.m_contactList; c; c = c.m_next) {
      if (c.isEnabled() == false) continue;
      if (c.m_toiCount > SettingsInternal.maxSubSteps) continue;
      let alpha = 1;
      if (c.m_toiFlag) {
        alpha = c.m_toi;
      } else {
        const fA = c.getFixtureA();
        const fB = c.getFixtureB();
        if (fA.isSensor() || fB.isSensor()) continue;
        const bA = fA.getBody();
        const bB = fB.getBody();
        const activeA = bA.isAwake() && !bA.isStatic();
        const activeB = bB.isAwake() && !bB.isStatic();
        if (activeA == false && activeB == false) continue;
        const collideA = bA.isBullet() || !bA.isDynamic();
        const collideB = bB.isBullet() || !bB.isDynamic();
        if (collideA == false && collideB == false) continue;
        // Put the sweeps onto the same time interval.
        let alpha0 = bA.m_sweep.alpha0;
        if (bA.m_sweep.alpha0 < bB.m_sweep.alpha0) {
          alpha0 = bB.m_sweep.alpha0;
          bA.m_sweep.advance(alpha0);
        } else if (bB.m_sweep.alpha0 < bA.m_sweep.alpha0) {
          alpha0 = bA.m_sweep.alpha0;
          bB.m_sweep.advance(alpha0);
        }
        const indexA = c.getChildIndexA();
        const indexB = c.getChildIndexB();
        (toiInput.proxyA as DistanceProxy).set(fA.getShape() as never, indexA);
        (toiInput.proxyB as DistanceProxy).set(fB.getShape() as never, indexB);
        (toiInput.sweepA as unknown as SweepInternals).set(bA.m_sweep);
        (toiInput.sweepB as unknown as SweepInternals).set(bB.m_sweep);
        toiInput.tMax = 1;
        timeOfImpact(toiOutput, toiInput);
        const beta = toiOutput.t;
        if (toiOutput.state == TOIOutputState.e_touching) alpha = Math.min(alpha0 + (1 - alpha0) * beta, 1);
        else alpha = 1;
        c.m_toi = alpha;
        c.m_toiFlag = true;
      }
      if (alpha < minAlpha) {
        minContact = c;
        minAlpha = alpha;
      }
    }
    if (minContact == null || 1 - 10 * EPSILON < minAlpha) {
      world.m_stepComplete = true;
      break;
    }

    // Advance the bodies to the time of impact.
    const bA = minContact.getFixtureA().getBody();
    const bB = minContact.getFixtureB().getBody();
    backup1.set(bA.m_sweep);
    backup2.set(bB.m_sweep);
    bA.advance(minAlpha);
    bB.advance(minAlpha);
    minContact.update(world);
    minContact.m_toiFlag = false;
    ++minContact.m_toiCount;
    if (minContact.isEnabled() == false || minContact.isTouching() == false) {
      // Filtered out, or missed: restore the sweeps.
      minContact.setEnabled(false);
      bA.m_sweep.set(backup1);
      bB.m_sweep.set(backup2);
      bA.synchronizeTransform();
      bB.synchronizeTransform();
      continue;
    }
    bA.setAwake(true);
    bB.setAwake(true);

    // The TOI island: the two bodies and their contacts with static bodies and bullets.
    this.clear();
    this.addBody(bA);
    this.addBody(bB);
    this.addContact(minContact);
    bA.m_islandFlag = true;
    bB.m_islandFlag = true;
    minContact.m_islandFlag = true;
    addTOIContacts(this, bA, minAlpha);
    addTOIContacts(this, bB, minAlpha);

    subStep.reset((1 - minAlpha) * step.dt);
    subStep.dtRatio = 1;
    subStep.positionIterations = 20;
    subStep.velocityIterations = step.velocityIterations;
    subStep.warmStarting = false;
    this.solveIslandTOI(subStep, bA, bB);

    // Reset the island flags and synchronize the broad-phase proxies.
    for (let i = 0; i < this.m_bodies.length; ++i) {
      const body = this.m_bodies[i];
      body.m_islandFlag = false;
      if (!body.isDynamic()) continue;
      body.synchronizeFixtures();
      for (let ce = body.m_contactList; ce; ce = ce.next as typeof ce) {
        ce.contact.m_toiFlag = false;
        ce.contact.m_islandFlag = false;
      }
    }
    // Contacts created here get their TOI in the next pass of this loop.
    world.findNewContacts();
    if (world.m_subStepping) {
      world.m_stepComplete = false;
      break;
    }
  }
}

// Keep the type imports used (they document what the casts stand for).
export type { Body, Contact, Solver };
