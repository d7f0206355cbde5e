// Changes to planck 1.4.2 that every Box2D env here relies on, applied once on import:
// a correctness fix (polygon mass), and fast paths: allocation-free versions of the solver
// methods a step runs most (the envs run 180 velocity and up to 60 position iterations a
// step, so the stock ones spend much of a step allocating Vec2/Vec3/Rot temporaries).
// The fast paths do planck's arithmetic operation for operation, so trajectories are
// bit-identical to stock planck's; setPlanckFastPaths(false) puts the stock methods back,
// which is how test/envs/box2d-fast-paths.test.ts checks that. Continuous collision
// (solveWorldTOI with its time of impact) is in planck-toi.ts.
import { Contact, Polygon, RevoluteJoint, Settings, Solver, Vec2, type MassData } from 'planck';
import { solveWorldTOI } from './planck-toi.ts';

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
interface SolverBody {
  m_invMass: number;
  m_invI: number;
  m_sweep: { localCenter: Vec2 };
  c_position: { c: Vec2; a: number };
  c_velocity: SolverVelocity;
}
interface RevoluteJointInternals {
  m_bodyA: SolverBody;
  m_bodyB: SolverBody;
  m_localAnchorA: Vec2;
  m_localAnchorB: Vec2;
  m_localCenterA: Vec2;
  m_localCenterB: Vec2;
  m_referenceAngle: number;
  m_lowerAngle: number;
  m_upperAngle: number;
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
  /**
   * Ours: what planck's solve33/solve22 recompute from the effective mass K in each of the
   * step's velocity iterations, computed once per step instead (K does not change in
   * between, so the values are the same): [1/det3, (ey x ez).x, .y, .z, 1/det2].
   */
  gw_solve?: Float64Array;
}

const INACTIVE_LIMIT = 0;
const AT_LOWER_LIMIT = 1;
const AT_UPPER_LIMIT = 2;
const EQUAL_LIMITS = 3;

/**
 * b2RevoluteJoint::InitVelocityConstraints (Box2D 2.3), operation for operation as planck
 * does it, without its Rot/Vec2 temporaries (m_rA and m_rB are updated in place), plus the
 * per-step constants of K's solves (gw_solve).
 */
function initRevoluteVelocity(this: RevoluteJointInternals, step: { warmStarting: boolean; dtRatio: number }): void {
  const bodyA = this.m_bodyA;
  const bodyB = this.m_bodyB;
  this.m_localCenterA = bodyA.m_sweep.localCenter;
  this.m_localCenterB = bodyB.m_sweep.localCenter;
  this.m_invMassA = bodyA.m_invMass;
  this.m_invMassB = bodyB.m_invMass;
  this.m_invIA = bodyA.m_invI;
  this.m_invIB = bodyB.m_invI;
  const aA = bodyA.c_position.a;
  const vA = bodyA.c_velocity.v;
  let wA = bodyA.c_velocity.w;
  const aB = bodyB.c_position.a;
  const vB = bodyB.c_velocity.v;
  let wB = bodyB.c_velocity.w;

  const sA = Math.sin(aA);
  const cosA = Math.cos(aA);
  const sB = Math.sin(aB);
  const cosB = Math.cos(aB);
  const lAx = this.m_localAnchorA.x - this.m_localCenterA.x;
  const lAy = this.m_localAnchorA.y - this.m_localCenterA.y;
  const lBx = this.m_localAnchorB.x - this.m_localCenterB.x;
  const lBy = this.m_localAnchorB.y - this.m_localCenterB.y;
  if (this.m_rA === undefined) this.m_rA = new Vec2(0, 0);
  if (this.m_rB === undefined) this.m_rB = new Vec2(0, 0);
  const rA = this.m_rA;
  const rB = this.m_rB;
  rA.x = cosA * lAx - sA * lAy;
  rA.y = sA * lAx + cosA * lAy;
  rB.x = cosB * lBx - sB * lBy;
  rB.y = sB * lBx + cosB * lBy;

  const mA = this.m_invMassA;
  const mB = this.m_invMassB;
  const iA = this.m_invIA;
  const iB = this.m_invIB;
  const fixedRotation = iA + iB === 0;
  const K = this.m_mass;
  K.ex.x = mA + mB + rA.y * rA.y * iA + rB.y * rB.y * iB;
  K.ey.x = -rA.y * rA.x * iA - rB.y * rB.x * iB;
  K.ez.x = -rA.y * iA - rB.y * iB;
  K.ex.y = K.ey.x;
  K.ey.y = mA + mB + rA.x * rA.x * iA + rB.x * rB.x * iB;
  K.ez.y = rA.x * iA + rB.x * iB;
  K.ex.z = K.ez.x;
  K.ey.z = K.ez.y;
  K.ez.z = iA + iB;
  this.m_motorMass = iA + iB;
  if (this.m_motorMass > 0) this.m_motorMass = 1 / this.m_motorMass;
  if (this.m_enableMotor == false || fixedRotation) this.m_motorImpulse = 0;

  if (this.m_enableLimit && fixedRotation == false) {
    const jointAngle = aB - aA - this.m_referenceAngle;
    if (Math.abs(this.m_upperAngle - this.m_lowerAngle) < 2 * Settings.angularSlop) {
      this.m_limitState = EQUAL_LIMITS;
    } else if (jointAngle <= this.m_lowerAngle) {
      if (this.m_limitState != AT_LOWER_LIMIT) this.m_impulse.z = 0;
      this.m_limitState = AT_LOWER_LIMIT;
    } else if (jointAngle >= this.m_upperAngle) {
      if (this.m_limitState != AT_UPPER_LIMIT) this.m_impulse.z = 0;
      this.m_limitState = AT_UPPER_LIMIT;
    } else {
      this.m_limitState = INACTIVE_LIMIT;
      this.m_impulse.z = 0;
    }
  } else {
    this.m_limitState = INACTIVE_LIMIT;
  }

  const impulse = this.m_impulse;
  if (step.warmStarting) {
    impulse.x *= step.dtRatio;
    impulse.y *= step.dtRatio;
    impulse.z *= step.dtRatio;
    this.m_motorImpulse *= step.dtRatio;
    const Px = impulse.x;
    const Py = impulse.y;
    vA.x -= mA * Px;
    vA.y -= mA * Py;
    wA -= iA * (rA.x * Py - rA.y * Px + this.m_motorImpulse + impulse.z);
    vB.x += mB * Px;
    vB.y += mB * Py;
    wB += iB * (rB.x * Py - rB.y * Px + this.m_motorImpulse + impulse.z);
  } else {
    impulse.x = 0;
    impulse.y = 0;
    impulse.z = 0;
    this.m_motorImpulse = 0;
  }
  bodyA.c_velocity.w = wA;
  bodyB.c_velocity.w = wB;

  // K's solves, as Mat33.solve33 and solve22 begin them.
  const k = (this.gw_solve ??= new Float64Array(5));
  const crossX = K.ey.y * K.ez.z - K.ey.z * K.ez.y;
  const crossY = K.ey.z * K.ez.x - K.ey.x * K.ez.z;
  const crossZ = K.ey.x * K.ez.y - K.ey.y * K.ez.x;
  let det = K.ex.x * crossX + K.ex.y * crossY + K.ex.z * crossZ;
  if (det !== 0) det = 1 / det;
  let det2 = K.ex.x * K.ey.y - K.ey.x * K.ex.y;
  if (det2 !== 0) det2 = 1 / det2;
  k[0] = det;
  k[1] = crossX;
  k[2] = crossY;
  k[3] = crossZ;
  k[4] = det2;
}

/**
 * b2RevoluteJoint::SolveVelocityConstraints (Box2D 2.3), operation for operation as planck
 * does it, without temporaries and with K's per-step constants from initRevoluteVelocity:
 * results are bit-identical to planck's own.
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
  const k = this.gw_solve!;
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
    const det = k[0];
    let ix = -(det * (cdot1x * k[1] + cdot1y * k[2] + cdot2 * k[3]));
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
      const d2 = k[4];
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
    const d2 = k[4];
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

interface RevolutePositionInternals {
  m_bodyA: { c_position: { c: Vec2; a: number } };
  m_bodyB: { c_position: { c: Vec2; a: number } };
  m_invMassA: number;
  m_invMassB: number;
  m_invIA: number;
  m_invIB: number;
  m_localAnchorA: Vec2;
  m_localAnchorB: Vec2;
  m_localCenterA: Vec2;
  m_localCenterB: Vec2;
  m_referenceAngle: number;
  m_lowerAngle: number;
  m_upperAngle: number;
  m_motorMass: number;
  m_enableLimit: boolean;
  m_limitState: number;
}

/**
 * b2RevoluteJoint::SolvePositionConstraints (Box2D 2.3), operation for operation as planck
 * does it (its Rot, Vec2 and Mat22 temporaries become locals): bit-identical to planck's own.
 */
function solveRevolutePosition(this: RevolutePositionInternals, _step: unknown): boolean {
  const cA = this.m_bodyA.c_position.c;
  let aA = this.m_bodyA.c_position.a;
  const cB = this.m_bodyB.c_position.c;
  let aB = this.m_bodyB.c_position.a;
  const angularSlop = Settings.angularSlop;
  const maxAngularCorrection = Settings.maxAngularCorrection;
  let angularError = 0;
  let positionError = 0;
  const fixedRotation = this.m_invIA + this.m_invIB == 0;

  if (this.m_enableLimit && this.m_limitState !== INACTIVE_LIMIT && !fixedRotation) {
    const angle = aB - aA - this.m_referenceAngle;
    let limitImpulse = 0;
    if (this.m_limitState === EQUAL_LIMITS) {
      const C = clamp(angle - this.m_lowerAngle, -maxAngularCorrection, maxAngularCorrection);
      limitImpulse = -this.m_motorMass * C;
      angularError = Math.abs(C);
    } else if (this.m_limitState === AT_LOWER_LIMIT) {
      let C = angle - this.m_lowerAngle;
      angularError = -C;
      C = clamp(C + angularSlop, -maxAngularCorrection, 0);
      limitImpulse = -this.m_motorMass * C;
    } else if (this.m_limitState === AT_UPPER_LIMIT) {
      let C = angle - this.m_upperAngle;
      angularError = C;
      C = clamp(C - angularSlop, 0, maxAngularCorrection);
      limitImpulse = -this.m_motorMass * C;
    }
    aA -= this.m_invIA * limitImpulse;
    aB += this.m_invIB * limitImpulse;
  }

  // Point-to-point constraint.
  const sA = Math.sin(aA);
  const cosA = Math.cos(aA);
  const sB = Math.sin(aB);
  const cosB = Math.cos(aB);
  const lAx = this.m_localAnchorA.x - this.m_localCenterA.x;
  const lAy = this.m_localAnchorA.y - this.m_localCenterA.y;
  const lBx = this.m_localAnchorB.x - this.m_localCenterB.x;
  const lBy = this.m_localAnchorB.y - this.m_localCenterB.y;
  const rAx = cosA * lAx - sA * lAy;
  const rAy = sA * lAx + cosA * lAy;
  const rBx = cosB * lBx - sB * lBy;
  const rBy = sB * lBx + cosB * lBy;
  // C = 0 + (cB + rB) - (cA + rA), as planck accumulates it into a zero vector.
  const Cx = 0 + (cB.x + rBx) - (cA.x + rAx);
  const Cy = 0 + (cB.y + rBy) - (cA.y + rAy);
  positionError = Math.sqrt(Cx * Cx + Cy * Cy);

  const mA = this.m_invMassA;
  const mB = this.m_invMassB;
  const iA = this.m_invIA;
  const iB = this.m_invIB;
  const a = mA + mB + iA * rAy * rAy + iB * rBy * rBy;
  const c = -iA * rAx * rAy - iB * rBx * rBy;
  const b = c;
  const d = mA + mB + iA * rAx * rAx + iB * rBx * rBx;
  // impulse = -K.solve(C)
  let det = a * d - b * c;
  if (det !== 0) det = 1 / det;
  const ix = -(det * (d * Cx - b * Cy));
  const iy = -(det * (a * Cy - c * Cx));
  cA.x -= mA * ix;
  cA.y -= mA * iy;
  aA -= iA * (rAx * iy - rAy * ix);
  cB.x += mB * ix;
  cB.y += mB * iy;
  aB += iB * (rBx * iy - rBy * ix);

  this.m_bodyA.c_position.a = aA;
  this.m_bodyB.c_position.a = aB;
  return positionError <= Settings.linearSlop * Settings.lengthUnitsPerMeter && angularError <= angularSlop;
}

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
function solveContactVelocity(this: ContactInternals, step: { blockSolve: boolean }): void {
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
    const newImpulse = clamp(vcp.tangentImpulse + lambda, -maxFriction, maxFriction);
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

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

type Methods = Record<string, unknown>;
const FAST_PATHS: [Methods, string, unknown][] = [
  [RevoluteJoint.prototype as unknown as Methods, 'initVelocityConstraints', initRevoluteVelocity],
  [RevoluteJoint.prototype as unknown as Methods, 'solveVelocityConstraints', solveRevoluteVelocity],
  [RevoluteJoint.prototype as unknown as Methods, 'solvePositionConstraints', solveRevolutePosition],
  [Contact.prototype as unknown as Methods, 'solveVelocityConstraint', solveContactVelocity],
  [Solver.prototype as unknown as Methods, 'solveWorldTOI', solveWorldTOI],
];
const STOCK = FAST_PATHS.map(([proto, name]) => proto[name]);

/**
 * Installs (the default, on import) or removes the fast paths. Only for checking them
 * against stock planck: both give the same trajectories, bit for bit.
 */
export function setPlanckFastPaths(enabled: boolean): void {
  FAST_PATHS.forEach(([proto, name, fast], i) => {
    proto[name] = enabled ? fast : STOCK[i];
  });
  fastPaths = enabled;
}

let fastPaths = true;

/** Whether the fast paths are on: the envs' own fast code (lidar.ts) follows the same switch. */
export function planckFastPathsEnabled(): boolean {
  return fastPaths;
}

setPlanckFastPaths(true);
