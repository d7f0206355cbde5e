// b2ContactSolver::SolveVelocityConstraints for one contact, as planck's
// Contact.solveVelocityConstraint computes it, operation for operation, without its
// module-level Vec2 scratch objects: the same numbers, bit for bit
// (test/envs/box2d-fast-paths.test.ts). Box2DWorld gives it to the contacts it creates.
import type { Vec2 } from 'planck';
import type { SolverVelocity } from './revolute-joint.ts';

interface VelocityPoint {
  rA: Vec2;
  rB: Vec2;
  normalImpulse: number;
  tangentImpulse: number;
  normalMass: number;
  tangentMass: number;
  velocityBias: number;
}
interface Mat22Like {
  ex: Vec2;
  ey: Vec2;
}
interface ContactInternals {
  m_fixtureA: { m_body: { c_velocity: SolverVelocity } | null } | null;
  m_fixtureB: { m_body: { c_velocity: SolverVelocity } | null } | null;
  v_invMassA: number;
  v_invMassB: number;
  v_invIA: number;
  v_invIB: number;
  v_normal: Vec2;
  v_friction: number;
  v_tangentSpeed: number;
  v_pointCount: number;
  v_points: VelocityPoint[];
  v_K: Mat22Like;
  v_normalMass: Mat22Like;
}

/**
 * b2ContactSolver::SolveVelocityConstraints for one contact (Box2D 2.3), operation for
 * operation as planck does it, with its module-level Vec2 scratch values held in locals
 * instead: bit-identical to planck's own. Relative velocities at a contact point are
 * accumulated the way planck does (0 + vB + wB x rB - vA - wA x rA), rounding included.
 */
export function solveContactVelocity(this: ContactInternals, step: { blockSolve: boolean }): void {
  const fixtureA = this.m_fixtureA;
  const fixtureB = this.m_fixtureB;
  if (fixtureA === null || fixtureB === null) return;
  const bodyA = fixtureA.m_body;
  const bodyB = fixtureB.m_body;
  if (bodyA === null || bodyB === null) return;
  const velocityA = bodyA.c_velocity;
  const velocityB = bodyB.c_velocity;
  const mA = this.v_invMassA;
  const iA = this.v_invIA;
  const mB = this.v_invMassB;
  const iB = this.v_invIB;
  let vAx = velocityA.v.x;
  let vAy = velocityA.v.y;
  let wA = velocityA.w;
  let vBx = velocityB.v.x;
  let vBy = velocityB.v.y;
  let wB = velocityB.w;
  const nx = this.v_normal.x;
  const ny = this.v_normal.y;
  // tangent = cross(normal, 1.0)
  const tx = 1 * ny;
  const ty = -1 * nx;
  const friction = this.v_friction;
  const pointCount = this.v_pointCount;
  const points = this.v_points;

  // Friction first: it is less important than non-penetration.
  for (let j = 0; j < pointCount; ++j) {
    const vcp = points[j];
    const rA = vcp.rA;
    const rB = vcp.rB;
    let dvx = 0 + vBx;
    let dvy = 0 + vBy;
    dvx += -wB * rB.y;
    dvy += wB * rB.x;
    dvx -= vAx;
    dvy -= vAy;
    dvx -= -wA * rA.y;
    dvy -= wA * rA.x;
    const vt = dvx * tx + dvy * ty - this.v_tangentSpeed;
    let lambda = vcp.tangentMass * -vt;
    const maxFriction = friction * vcp.normalImpulse;
    const total = vcp.tangentImpulse + lambda;
    const newImpulse = total < -maxFriction ? -maxFriction : total > maxFriction ? maxFriction : total;
    lambda = newImpulse - vcp.tangentImpulse;
    vcp.tangentImpulse = newImpulse;
    const Px = lambda * tx;
    const Py = lambda * ty;
    vAx -= mA * Px;
    vAy -= mA * Py;
    wA -= iA * (rA.x * Py - rA.y * Px);
    vBx += mB * Px;
    vBy += mB * Py;
    wB += iB * (rB.x * Py - rB.y * Px);
  }

  if (pointCount == 1 || step.blockSolve == false) {
    for (let i = 0; i < pointCount; ++i) {
      const vcp = points[i];
      const rA = vcp.rA;
      const rB = vcp.rB;
      let dvx = 0 + vBx;
      let dvy = 0 + vBy;
      dvx += -wB * rB.y;
      dvy += wB * rB.x;
      dvx -= vAx;
      dvy -= vAy;
      dvx -= -wA * rA.y;
      dvy -= wA * rA.x;
      const vn = dvx * nx + dvy * ny;
      let lambda = -vcp.normalMass * (vn - vcp.velocityBias);
      const newImpulse = Math.max(vcp.normalImpulse + lambda, 0);
      lambda = newImpulse - vcp.normalImpulse;
      vcp.normalImpulse = newImpulse;
      const Px = lambda * nx;
      const Py = lambda * ny;
      vAx -= mA * Px;
      vAy -= mA * Py;
      wA -= iA * (rA.x * Py - rA.y * Px);
      vBx += mB * Px;
      vBy += mB * Py;
      wB += iB * (rB.x * Py - rB.y * Px);
    }
  } else {
    // Block solver for two points (Box2D's total enumeration of the LCP's four cases).
    const vcp1 = points[0];
    const vcp2 = points[1];
    const r1A = vcp1.rA;
    const r1B = vcp1.rB;
    const r2A = vcp2.rA;
    const r2B = vcp2.rB;
    const ax = vcp1.normalImpulse;
    const ay = vcp2.normalImpulse;
    let dv1x = 0 + vBx;
    let dv1y = 0 + vBy;
    dv1x += -wB * r1B.y;
    dv1y += wB * r1B.x;
    dv1x -= vAx;
    dv1y -= vAy;
    dv1x -= -wA * r1A.y;
    dv1y -= wA * r1A.x;
    let dv2x = 0 + vBx;
    let dv2y = 0 + vBy;
    dv2x += -wB * r2B.y;
    dv2y += wB * r2B.x;
    dv2x -= vAx;
    dv2y -= vAy;
    dv2x -= -wA * r2A.y;
    dv2y -= wA * r2A.x;
    const vn1 = dv1x * nx + dv1y * ny;
    const vn2 = dv2x * nx + dv2y * ny;
    const K = this.v_K;
    const NM = this.v_normalMass;
    let bx = vn1 - vcp1.velocityBias;
    let by = vn2 - vcp2.velocityBias;
    bx -= K.ex.x * ax + K.ey.x * ay;
    by -= K.ex.y * ax + K.ey.y * ay;

    let xx = 0;
    let xy = 0;
    let solved = false;
    // Case 1: both constraints active.
    xx = -(NM.ex.x * bx + NM.ey.x * by);
    xy = -(NM.ex.y * bx + NM.ey.y * by);
    if (xx >= 0 && xy >= 0) {
      solved = true;
    } else {
      // Case 2: only the first.
      xx = -vcp1.normalMass * bx;
      xy = 0;
      if (xx >= 0 && K.ex.y * xx + by >= 0) {
        solved = true;
      } else {
        // Case 3: only the second.
        xx = 0;
        xy = -vcp2.normalMass * by;
        if (xy >= 0 && K.ey.x * xy + bx >= 0) {
          solved = true;
        } else {
          // Case 4: neither.
          xx = 0;
          xy = 0;
          if (bx >= 0 && by >= 0) solved = true;
        }
      }
    }
    if (solved) {
      const dx = xx - ax;
      const dy = xy - ay;
      const P1x = dx * nx;
      const P1y = dx * ny;
      const P2x = dy * nx;
      const P2y = dy * ny;
      vAx = -mA * P1x + -mA * P2x + 1 * vAx;
      vAy = -mA * P1y + -mA * P2y + 1 * vAy;
      wA -= iA * (r1A.x * P1y - r1A.y * P1x + (r2A.x * P2y - r2A.y * P2x));
      vBx = mB * P1x + mB * P2x + 1 * vBx;
      vBy = mB * P1y + mB * P2y + 1 * vBy;
      wB += iB * (r1B.x * P1y - r1B.y * P1x + (r2B.x * P2y - r2B.y * P2x));
      vcp1.normalImpulse = xx;
      vcp2.normalImpulse = xy;
    }
  }

  velocityA.v.x = vAx;
  velocityA.v.y = vAy;
  velocityA.w = wA;
  velocityB.v.x = vBx;
  velocityB.v.y = vBy;
  velocityB.w = wB;
}
