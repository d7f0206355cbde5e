// b2RevoluteJoint's solver methods (Box2D 2.3) as planck's RevoluteJoint computes them,
// operation for operation, without its Vec2/Vec3/Rot temporaries: the envs run 180
// velocity and up to 60 position iterations a step, and planck's own methods spend much of
// that allocating. The numbers are the same, bit for bit (test/envs/box2d-fast-paths.test.ts
// compares whole trajectories against stock planck). Box2DWorld gives these methods to the
// revolute joints it creates.
import { Settings, Vec2 } from 'planck';

// planck's internal fields the solver works on (not in its public typings).
interface Vec3Like {
  x: number;
  y: number;
  z: number;
}
export interface SolverVelocity {
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
export function initRevoluteVelocity(this: RevoluteJointInternals, step: { warmStarting: boolean; dtRatio: number }): void {
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
export function solveRevoluteVelocity(this: RevoluteJointInternals, step: { dt: number }): void {
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
    let iy = -(
      det *
      (K.ex.x * (cdot1y * K.ez.z - cdot2 * K.ez.y) +
        K.ex.y * (cdot2 * K.ez.x - cdot1x * K.ez.z) +
        K.ex.z * (cdot1x * K.ez.y - cdot1y * K.ez.x))
    );
    let iz = -(
      det *
      (K.ex.x * (K.ey.y * cdot2 - K.ey.z * cdot1y) +
        K.ex.y * (K.ey.z * cdot1x - K.ey.x * cdot2) +
        K.ex.z * (K.ey.x * cdot1y - K.ey.y * cdot1x))
    );

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
export function solveRevolutePosition(this: RevolutePositionInternals, _step: unknown): boolean {
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

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
