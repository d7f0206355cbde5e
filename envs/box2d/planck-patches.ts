// Changes to planck 1.4.2 that every Box2D env here relies on, applied once on import:
// a correctness fix (polygon mass) and an allocation-free revolute joint velocity solver
// (the envs run 180 velocity iterations a step, so the stock one spends most of a step
// allocating Vec2/Vec3 temporaries). Both compute exactly what Box2D 2.3 computes.
import { Polygon, RevoluteJoint, type MassData, type Vec2 } from 'planck';

/**
 * planck 1.4.2's PolygonShape.computeMass puts the centroid at the wrong height: its
 * internal addVec2 writes `out.y = v.x + w.y`. Every asymmetric polygon (LunarLander's
 * hull, BipedalWalker's hull) then gets a wrong centre of mass and inertia, which turns
 * the lander's first step 3% off Box2D's. This replaces the method with Box2D 2.3's
 * b2PolygonShape::ComputeMass; it is idempotent and harmless once planck is fixed.
 */
function computePolygonMass(this: Polygon, massData: MassData, density: number): void {
  const vs = this.m_vertices;
  const n = this.m_count;
  // Triangles are formed from the vertex average, for precision, as Box2D does.
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += vs[i].x;
    sy += vs[i].y;
  }
  sx /= n;
  sy /= n;
  let area = 0;
  let cx = 0;
  let cy = 0;
  let inertia = 0;
  const kInv3 = 1 / 3;
  for (let i = 0; i < n; i++) {
    const v2 = vs[i + 1 < n ? i + 1 : 0];
    const e1x = vs[i].x - sx;
    const e1y = vs[i].y - sy;
    const e2x = v2.x - sx;
    const e2y = v2.y - sy;
    const d = e1x * e2y - e1y * e2x;
    const triangleArea = 0.5 * d;
    area += triangleArea;
    cx += triangleArea * kInv3 * (e1x + e2x);
    cy += triangleArea * kInv3 * (e1y + e2y);
    const intx2 = e1x * e1x + e2x * e1x + e2x * e2x;
    const inty2 = e1y * e1y + e2y * e1y + e2y * e2y;
    inertia += 0.25 * kInv3 * d * (intx2 + inty2);
  }
  massData.mass = density * area;
  cx /= area;
  cy /= area;
  massData.center.x = cx + sx;
  massData.center.y = cy + sy;
  // Inertia about the centroid, then moved to the body origin.
  massData.I =
    density * inertia +
    massData.mass * (massData.center.x * massData.center.x + massData.center.y * massData.center.y - (cx * cx + cy * cy));
}
Polygon.prototype.computeMass = computePolygonMass;

// planck's internal fields the solver works on (not in its public typings).
interface Vec3Like {
  x: number;
  y: number;
  z: number;
}
interface SolverVelocity {
  v: Vec2;
  w: number;
}
interface RevoluteJointInternals {
  m_bodyA: { c_velocity: SolverVelocity };
  m_bodyB: { c_velocity: SolverVelocity };
  m_invMassA: number;
  m_invMassB: number;
  m_invIA: number;
  m_invIB: number;
  m_rA: Vec2;
  m_rB: Vec2;
  m_mass: { ex: Vec3Like; ey: Vec3Like; ez: Vec3Like };
  m_impulse: Vec3Like;
  m_motorImpulse: number;
  m_motorMass: number;
  m_motorSpeed: number;
  m_maxMotorTorque: number;
  m_enableMotor: boolean;
  m_enableLimit: boolean;
  m_limitState: number;
}

const INACTIVE_LIMIT = 0;
const AT_LOWER_LIMIT = 1;
const AT_UPPER_LIMIT = 2;
const EQUAL_LIMITS = 3;

/**
 * b2RevoluteJoint::SolveVelocityConstraints (Box2D 2.3), operation for operation as planck
 * does it, without temporaries: results are bit-identical to planck's own.
 */
function solveRevoluteVelocity(this: RevoluteJointInternals, step: { dt: number }): void {
  const vA = this.m_bodyA.c_velocity.v;
  let wA = this.m_bodyA.c_velocity.w;
  const vB = this.m_bodyB.c_velocity.v;
  let wB = this.m_bodyB.c_velocity.w;
  const mA = this.m_invMassA;
  const mB = this.m_invMassB;
  const iA = this.m_invIA;
  const iB = this.m_invIB;
  const rA = this.m_rA;
  const rB = this.m_rB;
  const K = this.m_mass;
  const acc = this.m_impulse;
  const fixedRotation = iA + iB === 0;

  if (this.m_enableMotor && this.m_limitState !== EQUAL_LIMITS && !fixedRotation) {
    const cdot = wB - wA - this.m_motorSpeed;
    let impulse = -this.m_motorMass * cdot;
    const oldImpulse = this.m_motorImpulse;
    const maxImpulse = step.dt * this.m_maxMotorTorque;
    const total = oldImpulse + impulse;
    this.m_motorImpulse = total < -maxImpulse ? -maxImpulse : total > maxImpulse ? maxImpulse : total;
    impulse = this.m_motorImpulse - oldImpulse;
    wA -= iA * impulse;
    wB += iB * impulse;
  }

  // Relative velocity of the anchor points: vB + wB x rB - vA - wA x rA.
  const cdot1x = 0 + (vB.x + -wB * rB.y) - (vA.x + -wA * rA.y);
  const cdot1y = 0 + (vB.y + wB * rB.x) - (vA.y + wA * rA.x);

  if (this.m_enableLimit && this.m_limitState !== INACTIVE_LIMIT && !fixedRotation) {
    const cdot2 = wB - wA;
    // impulse = -K.solve33(cdot)
    let det = K.ex.x * (K.ey.y * K.ez.z - K.ey.z * K.ez.y) + K.ex.y * (K.ey.z * K.ez.x - K.ey.x * K.ez.z) +
      K.ex.z * (K.ey.x * K.ez.y - K.ey.y * K.ez.x);
    if (det !== 0) det = 1 / det;
    let ix = -(det * (cdot1x * (K.ey.y * K.ez.z - K.ey.z * K.ez.y) + cdot1y * (K.ey.z * K.ez.x - K.ey.x * K.ez.z) +
      cdot2 * (K.ey.x * K.ez.y - K.ey.y * K.ez.x)));
    let iy = -(det * (K.ex.x * (cdot1y * K.ez.z - cdot2 * K.ez.y) + K.ex.y * (cdot2 * K.ez.x - cdot1x * K.ez.z) +
      K.ex.z * (cdot1x * K.ez.y - cdot1y * K.ez.x)));
    let iz = -(det * (K.ex.x * (K.ey.y * cdot2 - K.ey.z * cdot1y) + K.ex.y * (K.ey.z * cdot1x - K.ey.x * cdot2) +
      K.ex.z * (K.ey.x * cdot1y - K.ey.y * cdot1x)));

    const clampAtLimit =
      (this.m_limitState === AT_LOWER_LIMIT && acc.z + iz < 0) || (this.m_limitState === AT_UPPER_LIMIT && acc.z + iz > 0);
    if (this.m_limitState === EQUAL_LIMITS || !clampAtLimit) {
      acc.x += ix;
      acc.y += iy;
      acc.z += iz;
    } else {
      // The limit would pull: drop it and solve the point constraint alone.
      const rhsx = -1 * cdot1x + acc.z * K.ez.x;
      const rhsy = -1 * cdot1y + acc.z * K.ez.y;
      let d2 = K.ex.x * K.ey.y - K.ey.x * K.ex.y;
      if (d2 !== 0) d2 = 1 / d2;
      ix = d2 * (K.ey.y * rhsx - K.ey.x * rhsy);
      iy = d2 * (K.ex.x * rhsy - K.ex.y * rhsx);
      iz = -acc.z;
      acc.x += ix;
      acc.y += iy;
      acc.z = 0;
    }
    vA.x -= mA * ix;
    vA.y -= mA * iy;
    wA -= iA * (rA.x * iy - rA.y * ix + iz);
    vB.x += mB * ix;
    vB.y += mB * iy;
    wB += iB * (rB.x * iy - rB.y * ix + iz);
  } else {
    // impulse = K.solve22(-cdot1)
    const nx = -cdot1x;
    const ny = -cdot1y;
    let d2 = K.ex.x * K.ey.y - K.ey.x * K.ex.y;
    if (d2 !== 0) d2 = 1 / d2;
    const ix = d2 * (K.ey.y * nx - K.ey.x * ny);
    const iy = d2 * (K.ex.x * ny - K.ex.y * nx);
    acc.x += ix;
    acc.y += iy;
    vA.x -= mA * ix;
    vA.y -= mA * iy;
    wA -= iA * (rA.x * iy - rA.y * ix);
    vB.x += mB * ix;
    vB.y += mB * iy;
    wB += iB * (rB.x * iy - rB.y * ix);
  }
  this.m_bodyA.c_velocity.w = wA;
  this.m_bodyB.c_velocity.w = wB;
}

(RevoluteJoint.prototype as unknown as { solveVelocityConstraints: unknown }).solveVelocityConstraints = solveRevoluteVelocity;
