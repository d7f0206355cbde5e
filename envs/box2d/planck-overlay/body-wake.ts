// b2Body::SetAwake(true) in Box2D 2.3 resets the sleep timer only of a body that was asleep;
// planck's setAwake(true) resets it always. Box2D and planck call it on awake bodies all
// the time (a contact beginning or ending, a joint's motor speed or torque being set, a TOI
// event), so under planck a body that keeps touching and leaving the ground, or a walker
// whose motors are set every step, never accumulates the 0.5 s it needs to fall asleep,
// and LunarLander's "at rest" ending comes later than in Gymnasium.
import { Body } from 'planck';

interface BodyInternals {
  m_awakeFlag: boolean;
  m_sleepTime: number;
}

const stockSetAwake = Body.prototype.setAwake;

/** Body.setAwake as b2Body::SetAwake: waking an awake body changes nothing. */
export function setAwakeLikeBox2D(this: Body, flag: boolean): void {
  const body = this as unknown as BodyInternals;
  if (!flag) {
    stockSetAwake.call(this, false);
  } else if (!body.m_awakeFlag) {
    body.m_awakeFlag = true;
    body.m_sleepTime = 0.0;
  }
}
