// BipedalWalker's lidar: Gymnasium's world.RayCast with a LidarCallback that skips fixtures
// outside the ground category and clips the ray at every hit, keeping the last (closest)
// one. planck's World.rayCast does this with a closure, an output object, an input copy and
// a dozen Vec2s per tree node and per fixture (ten rays a step: BipedalWalker runs 1.16x
// faster without them). In a Box2DWorld with the rayCast fast path, castRay walks planck's
// broad-phase tree itself with planck's arithmetic, in planck's order, so it reports exactly
// what world.rayCast with that callback reports; in any other world it calls world.rayCast.
import { Vec2, type Fixture, type World } from 'planck';
import { Box2DWorld } from './world.ts';

/** Where a ray stops: the fraction of p1 -> p2 travelled, and the point (p2 if nothing is hit). */
export interface RayHit {
  fraction: number;
  p2: [number, number];
}

// planck internals the tree walk reads (not in its public typings).
interface XfLike {
  p: { x: number; y: number };
  q: { s: number; c: number };
}
interface ShapeInternals {
  m_type: string;
  m_vertex1: Vec2;
  m_vertex2: Vec2;
  m_count: number;
  m_vertices: Vec2[];
  m_normals: Vec2[];
}
interface FixtureInternals {
  m_filterCategoryBits: number;
  m_shape: ShapeInternals;
  m_body: { m_xf: XfLike };
}
interface TreeNode {
  aabb: { lowerBound: Vec2; upperBound: Vec2 };
  userData: { fixture: FixtureInternals; childIndex: number } | null;
  child1: TreeNode | null;
  child2: TreeNode | null;
}

const EPSILON = 1e-9; // planck's, for Vec2.normalize
const stack: (TreeNode | null)[] = [];
const fallbackInput = { p1: new Vec2(0, 0), p2: new Vec2(0, 0), maxFraction: 1 };
const fallbackOutput: { fraction: number; normal?: Vec2 } = { fraction: 0 };
let hitFraction = 0; // set by the shape tests when they report a hit

/**
 * Casts p1 -> p2 through `world`, ignoring fixtures whose category bits miss `categoryMask`,
 * and writes the closest hit into `out` (left as it is when nothing is hit).
 */
export function castRay(world: World, p1x: number, p1y: number, p2x: number, p2y: number, categoryMask: number, out: RayHit): void {
  if (!(world instanceof Box2DWorld && world.fastPaths.rayCast)) {
    stockCastRay(world, p1x, p1y, p2x, p2y, categoryMask, out);
    return;
  }
  const tree = (world as unknown as { m_broadPhase: { m_tree: { m_root: TreeNode | null } } }).m_broadPhase.m_tree;
  fallbackInput.p1.set(p1x, p1y);
  fallbackInput.p2.set(p2x, p2y);
  // b2DynamicTree::RayCast, as planck writes it.
  let rx = p2x - p1x;
  let ry = p2y - p1y;
  const length = Math.sqrt(rx * rx + ry * ry);
  if (!(length < EPSILON)) {
    const inv = 1 / length;
    rx *= inv;
    ry *= inv;
  }
  const vx = -1 * ry;
  const vy = 1 * rx;
  const absVx = Math.abs(vx);
  const absVy = Math.abs(vy);
  let maxFraction = 1;
  let tx = (1 - maxFraction) * p1x + maxFraction * p2x;
  let ty = (1 - maxFraction) * p1y + maxFraction * p2y;
  let lowerX = Math.min(p1x, tx);
  let lowerY = Math.min(p1y, ty);
  let upperX = Math.max(p1x, tx);
  let upperY = Math.max(p1y, ty);

  // A stack with its own pointer: push/pop after length = 0 would reallocate its storage.
  let sp = 0;
  stack[sp++] = tree.m_root;
  while (sp > 0) {
    const node = stack[--sp];
    if (node == null) continue;
    const lb = node.aabb.lowerBound;
    const ub = node.aabb.upperBound;
    if (lowerX - ub.x > 0 || lowerY - ub.y > 0 || lb.x - upperX > 0 || lb.y - upperY > 0) continue;
    // Separating axis for the segment.
    const cx = (lb.x + ub.x) * 0.5;
    const cy = (lb.y + ub.y) * 0.5;
    const hx = (ub.x - lb.x) * 0.5;
    const hy = (ub.y - lb.y) * 0.5;
    const separation = Math.abs(vx * (p1x - cx) + vy * (p1y - cy)) - (absVx * hx + absVy * hy);
    if (separation > 0) continue;

    if (node.child1 == null) {
      const proxy = node.userData!;
      const fixture = proxy.fixture;
      // The callback would return -1 for this fixture, which changes nothing; and a miss
      // returns the current maxFraction, which changes nothing either. Skip the shape test.
      if ((fixture.m_filterCategoryBits & categoryMask) === 0) continue;
      fallbackInput.maxFraction = maxFraction;
      if (!shapeRayCast(fixture, proxy.childIndex, p1x, p1y, p2x, p2y, maxFraction)) continue;
      const fraction = hitFraction;
      out.p2[0] = (1 - fraction) * p1x + fraction * p2x;
      out.p2[1] = (1 - fraction) * p1y + fraction * p2y;
      out.fraction = fraction;
      // The callback returns the fraction: the ray is clipped there.
      if (fraction === 0) break;
      if (fraction > 0) {
        maxFraction = fraction;
        tx = (1 - maxFraction) * p1x + maxFraction * p2x;
        ty = (1 - maxFraction) * p1y + maxFraction * p2y;
        lowerX = Math.min(p1x, tx);
        lowerY = Math.min(p1y, ty);
        upperX = Math.max(p1x, tx);
        upperY = Math.max(p1y, ty);
      }
    } else {
      stack[sp++] = node.child1;
      stack[sp++] = node.child2;
    }
  }
  stack.fill(null); // drop references to a world that may be thrown away
}

/** shape.rayCast(output, input, xf, childIndex) for edges and polygons; sets hitFraction. */
function shapeRayCast(
  fixture: FixtureInternals,
  childIndex: number,
  p1x: number,
  p1y: number,
  p2x: number,
  p2y: number,
  maxFraction: number,
): boolean {
  const shape = fixture.m_shape;
  const xf = fixture.m_body.m_xf;
  const type = shape.m_type;
  if (type !== 'edge' && type !== 'polygon') return fallbackRayCast(fixture, childIndex);
  // The ray in the shape's frame: mulT(q, p - xf.p).
  const s = xf.q.s;
  const c = xf.q.c;
  const a1x = p1x - xf.p.x;
  const a1y = p1y - xf.p.y;
  const a2x = p2x - xf.p.x;
  const a2y = p2y - xf.p.y;
  const l1x = c * a1x + s * a1y;
  const l1y = -s * a1x + c * a1y;
  const l2x = c * a2x + s * a2y;
  const l2y = -s * a2x + c * a2y;
  const dx = l2x - l1x;
  const dy = l2y - l1y;

  if (type === 'edge') {
    const v1 = shape.m_vertex1;
    const v2 = shape.m_vertex2;
    const ex = v2.x - v1.x;
    const ey = v2.y - v1.y;
    let nx = ey;
    let ny = -ex;
    const length = Math.sqrt(nx * nx + ny * ny);
    if (!(length < EPSILON)) {
      const inv = 1 / length;
      nx *= inv;
      ny *= inv;
    }
    const numerator = nx * (v1.x - l1x) + ny * (v1.y - l1y);
    const denominator = nx * dx + ny * dy;
    if (denominator == 0) return false;
    const t = numerator / denominator;
    if (t < 0 || maxFraction < t) return false;
    const qx = l1x + t * dx;
    const qy = l1y + t * dy;
    const rx = v2.x - v1.x;
    const ry = v2.y - v1.y;
    const rr = rx * rx + ry * ry;
    if (rr == 0) return false;
    const sEdge = ((qx - v1.x) * rx + (qy - v1.y) * ry) / rr;
    if (sEdge < 0 || 1 < sEdge) return false;
    hitFraction = t;
    return true;
  }

  let lower = 0;
  let upper = maxFraction;
  let index = -1;
  const vertices = shape.m_vertices;
  const normals = shape.m_normals;
  for (let i = 0; i < shape.m_count; ++i) {
    const n = normals[i];
    const numerator = n.x * (vertices[i].x - l1x) + n.y * (vertices[i].y - l1y);
    const denominator = n.x * dx + n.y * dy;
    if (denominator == 0) {
      if (numerator < 0) return false;
    } else if (denominator < 0 && numerator < lower * denominator) {
      lower = numerator / denominator;
      index = i;
    } else if (denominator > 0 && numerator < upper * denominator) {
      upper = numerator / denominator;
    }
    if (upper < lower) return false;
  }
  if (index >= 0) {
    hitFraction = lower;
    return true;
  }
  return false;
}

/** Other shapes (circles, chains): planck's own test, on the ray castRay keeps in fallbackInput. */
function fallbackRayCast(fixture: FixtureInternals, childIndex: number): boolean {
  if (!(fixture as unknown as Fixture).rayCast(fallbackOutput as never, fallbackInput as never, childIndex)) return false;
  hitFraction = fallbackOutput.fraction;
  return true;
}

/** The same through planck's World.rayCast and Gymnasium's callback (fast paths off). */
function stockCastRay(world: World, p1x: number, p1y: number, p2x: number, p2y: number, categoryMask: number, out: RayHit): void {
  world.rayCast(new Vec2(p1x, p1y), new Vec2(p2x, p2y), (fixture: Fixture, point: Vec2, _normal: Vec2, fraction: number): number => {
    if ((fixture.getFilterCategoryBits() & categoryMask) === 0) return -1;
    out.p2[0] = point.x;
    out.p2[1] = point.y;
    out.fraction = fraction;
    return fraction;
  });
}
