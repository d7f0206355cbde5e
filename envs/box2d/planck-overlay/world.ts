// Box2DWorld: a planck World that follows Box2D 2.3 where planck departs from it in ways
// Gymnasium's trajectories show, and that runs the solver's hottest methods without
// allocating. Everything is installed on the instance (its broad-phase, and the bodies,
// joints and contacts it creates): planck's classes are never modified, so another World
// in the same process (a plugin env's) runs stock planck.
import { Body, Contact, RevoluteJoint, World, type BodyDef, type Joint, type Vec2Value, type WorldDef } from 'planck';
import { setAwakeLikeBox2D } from './body-wake.ts';
import { assertOverlayFits } from './check.ts';
import { solveContactVelocity } from './contact-velocity.ts';
import { useBox2DPairOrder } from './pair-order.ts';
import { initRevoluteVelocity, solveRevolutePosition, solveRevoluteVelocity } from './revolute-joint.ts';

/**
 * The speed-ups, each of which computes exactly what planck computes (the same bits);
 * only for measuring them or checking that they change nothing would one be turned off.
 */
export interface FastPaths {
  /** RevoluteJoint's velocity and position solver methods without temporaries. */
  revoluteJoint: boolean;
  /** Contact.solveVelocityConstraint without its scratch objects. */
  contactVelocity: boolean;
  /** BipedalWalker's lidar walking the broad-phase tree itself (ray-cast.ts). */
  rayCast: boolean;
}

export const ALL_FAST_PATHS: Readonly<FastPaths> = { revoluteJoint: true, contactVelocity: true, rayCast: true };
export const NO_FAST_PATHS: Readonly<FastPaths> = { revoluteJoint: false, contactVelocity: false, rayCast: false };

let defaultFastPaths: Readonly<FastPaths> = ALL_FAST_PATHS;

/** The fast paths of worlds created from now on (tests and benchmarks compare variants). */
export function setDefaultFastPaths(paths: Readonly<FastPaths>): void {
  defaultFastPaths = { ...paths };
}

// planck's internals used here (not in its public typings).
interface ContactInternals {
  solveVelocityConstraint: (step: unknown) => void;
}
interface WorldInternals {
  m_broadPhase: Parameters<typeof useBox2DPairOrder>[0];
  m_contactList: ContactInternals | null;
  createContact(proxyA: unknown, proxyB: unknown): void;
  destroyContact(contact: ContactInternals): void;
}
interface RevoluteJointMethods {
  initVelocityConstraints: unknown;
  solveVelocityConstraints: unknown;
  solvePositionConstraints: unknown;
}

// Loading the overlay with a planck it was not written for stops here, with what differs.
assertOverlayFits();

const stock = World.prototype as unknown as WorldInternals;
const stockCreateBody = World.prototype.createBody as (this: World, def?: BodyDef | Vec2Value, angle?: number) => Body;
const stockSolveContactVelocity = (Contact.prototype as unknown as ContactInternals).solveVelocityConstraint;

export class Box2DWorld extends World {
  readonly fastPaths: Readonly<FastPaths>;

  constructor(def: WorldDef, fastPaths: Readonly<FastPaths> = defaultFastPaths) {
    super(def);
    this.fastPaths = { ...fastPaths };
    useBox2DPairOrder((this as unknown as WorldInternals).m_broadPhase);
  }

  override createBody(def?: BodyDef | Vec2Value, angle?: number): Body {
    const body = stockCreateBody.call(this, def, angle);
    body.setAwake = setAwakeLikeBox2D;
    return body;
  }

  override createJoint<T extends Joint>(joint: T): T | null {
    const created = super.createJoint(joint);
    if (created instanceof RevoluteJoint && this.fastPaths.revoluteJoint) {
      const methods = created as unknown as RevoluteJointMethods;
      methods.initVelocityConstraints = initRevoluteVelocity;
      methods.solveVelocityConstraints = solveRevoluteVelocity;
      methods.solvePositionConstraints = solveRevolutePosition;
    }
    return created;
  }

  /** planck's broad-phase callback; a new contact goes to the head of the contact list. */
  createContact(proxyA: unknown, proxyB: unknown): void {
    const internals = this as unknown as WorldInternals;
    const head = internals.m_contactList;
    stock.createContact.call(this, proxyA, proxyB);
    const created = internals.m_contactList;
    if (this.fastPaths.contactVelocity && created !== null && created !== head) {
      created.solveVelocityConstraint = solveContactVelocity as ContactInternals['solveVelocityConstraint'];
    }
  }

  destroyContact(contact: ContactInternals): void {
    // planck pools contacts for every world: return this one with planck's own method.
    if (this.fastPaths.contactVelocity) contact.solveVelocityConstraint = stockSolveContactVelocity;
    stock.destroyContact.call(this, contact);
  }
}
