// CartPole-v1, after Gymnasium 1.4's classic_control/cartpole.py (Barto, Sutton & Anderson's
// cart-pole): push the cart left or right to keep the pole upright and the cart on the track.
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { Canvas, type Point, type RGB } from '../../graphics/canvas.ts';
import { BaseEnv } from '../base-env.ts';
import { readDiscreteAction } from '../actions.ts';
import { resetBounds } from './common.ts';

/** The range the reset state is drawn from, unless the reset options `low`/`high` say otherwise. */
export const CARTPOLE_RESET_BOUNDS = { low: -0.05, high: 0.05 } as const;

export interface CartPoleOptions {
  /** Sutton & Barto's reward: 0 per step, -1 on the terminating step (instead of +1 per step). */
  sutton_barto_reward: boolean;
}

export const CARTPOLE_DEFAULTS: CartPoleOptions = { sutton_barto_reward: false };

const CART_COLOR: RGB = [0, 0, 0];
const POLE_COLOR: RGB = [202, 152, 101];
const AXLE_COLOR: RGB = [129, 132, 203];

export class CartPoleEnv extends BaseEnv<Float32Array, number> {
  readonly gravity = 9.8;
  readonly masscart = 1.0;
  readonly masspole = 0.1;
  readonly totalMass = this.masspole + this.masscart;
  readonly length = 0.5; // actually half the pole's length
  readonly polemassLength = this.masspole * this.length;
  readonly forceMag = 10.0;
  readonly tau = 0.02; // seconds between state updates
  readonly kinematicsIntegrator: 'euler' | 'semi-implicit euler' = 'euler';
  /** Angle at which the episode fails (12 degrees). */
  readonly thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
  readonly xThreshold = 2.4;
  readonly suttonBartoReward: boolean;

  readonly observationSpace: Space;
  readonly actionSpace: Space;

  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  private hasState = false;
  /** null until the episode terminates, then the number of steps taken past termination. */
  private stepsBeyondTerminated: number | null = null;
  private readonly bounds = new Float64Array(2);

  constructor(options: Partial<CartPoleOptions> = {}) {
    super();
    this.suttonBartoReward = options.sutton_barto_reward ?? CARTPOLE_DEFAULTS.sutton_barto_reward;
    // Twice the failure thresholds, so a failing observation is still inside the space.
    const high = [this.xThreshold * 2, Infinity, this.thetaThresholdRadians * 2, Infinity];
    this.actionSpace = discrete(2);
    this.observationSpace = box(
      high.map((h) => -h),
      high,
    );
  }

  step(action: number): StepResult<Float32Array> {
    const a = readDiscreteAction(action, 2, 'CartPole-v1');
    let { x, xDot, theta, thetaDot } = this;
    const force = a === 1 ? this.forceMag : -this.forceMag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);

    // For the interested reader: https://coneural.org/florian/papers/05_cart_pole.pdf
    const temp = (force + this.polemassLength * (thetaDot * thetaDot) * sintheta) / this.totalMass;
    const thetaacc =
      (this.gravity * sintheta - costheta * temp) / (this.length * (4.0 / 3.0 - (this.masspole * (costheta * costheta)) / this.totalMass));
    const xacc = temp - (this.polemassLength * thetaacc * costheta) / this.totalMass;

    if (this.kinematicsIntegrator === 'euler') {
      x = x + this.tau * xDot;
      xDot = xDot + this.tau * xacc;
      theta = theta + this.tau * thetaDot;
      thetaDot = thetaDot + this.tau * thetaacc;
    } else {
      xDot = xDot + this.tau * xacc;
      x = x + this.tau * xDot;
      thetaDot = thetaDot + this.tau * thetaacc;
      theta = theta + this.tau * thetaDot;
    }
    this.x = x;
    this.xDot = xDot;
    this.theta = theta;
    this.thetaDot = thetaDot;

    const terminated =
      x < -this.xThreshold || x > this.xThreshold || theta < -this.thetaThresholdRadians || theta > this.thetaThresholdRadians;

    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0.0 : 1.0;
    } else if (this.stepsBeyondTerminated === null) {
      // Pole just fell!
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1.0 : 1.0;
    } else {
      if (this.stepsBeyondTerminated === 0) {
        console.warn(
          "CartPole-v1: You are calling 'step()' even though this environment has already returned terminated = True. " +
            "You should always call 'reset()' once you receive 'terminated = True' -- any further steps are undefined behavior.",
        );
      }
      this.stepsBeyondTerminated += 1;
      reward = this.suttonBartoReward ? -1.0 : 0.0;
    }
    return { obs: this.getObs(), reward, terminated, truncated: false, info: {} };
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    // Options are read before seeding, so a reset refused for its options changes nothing.
    const [low, high] = resetBounds(args?.options, CARTPOLE_RESET_BOUNDS.low, CARTPOLE_RESET_BOUNDS.high, this.bounds);
    this.seed(args);
    // np_random.uniform(low, high, size=(4,)): four draws in state order.
    const rng = this.npRandom;
    this.x = rng.uniform(low, high);
    this.xDot = rng.uniform(low, high);
    this.theta = rng.uniform(low, high);
    this.thetaDot = rng.uniform(low, high);
    this.hasState = true;
    this.stepsBeyondTerminated = null;
    return { obs: this.getObs(), info: {} };
  }

  private getObs(): Float32Array {
    const obs = new Float32Array(4);
    obs[0] = this.x;
    obs[1] = this.xDot;
    obs[2] = this.theta;
    obs[3] = this.thetaDot;
    return obs;
  }

  /** The cart as Gymnasium draws it: black cart, tan pole, blue-grey axle, the track line. */
  render(): Frame {
    const width = 600;
    const height = 400;
    const canvas = new Canvas(width, height, [255, 255, 255]);
    // World y points up; Gymnasium flips the finished surface, we flip each point.
    const px = (x: number, y: number): Point => [x, height - y];

    const scale = width / (this.xThreshold * 2);
    const polewidth = 10.0;
    const polelen = scale * (2 * this.length);
    const cartwidth = 50.0;
    const cartheight = 30.0;
    const x = this.hasState ? this.x : 0;
    const theta = this.hasState ? this.theta : 0;

    let [l, r, t, b] = [-cartwidth / 2, cartwidth / 2, cartheight / 2, -cartheight / 2];
    const axleoffset = cartheight / 4.0;
    const cartx = x * scale + width / 2.0; // middle of the cart
    const carty = 100; // top of the cart
    canvas.fillPolygon(
      [px(l + cartx, b + carty), px(l + cartx, t + carty), px(r + cartx, t + carty), px(r + cartx, b + carty)],
      CART_COLOR,
    );

    [l, r, t, b] = [-polewidth / 2, polewidth / 2, polelen - polewidth / 2, -polewidth / 2];
    const c = Math.cos(-theta);
    const s = Math.sin(-theta);
    const pole: Point[] = [];
    for (const [vx, vy] of [
      [l, b],
      [l, t],
      [r, t],
      [r, b],
    ]) {
      pole.push(px(vx * c - vy * s + cartx, vx * s + vy * c + carty + axleoffset));
    }
    canvas.fillPolygon(pole, POLE_COLOR);
    canvas.fillCircle(...px(Math.trunc(cartx), Math.trunc(carty + axleoffset)), Math.trunc(polewidth / 2), AXLE_COLOR);
    canvas.line(...px(0, carty), ...px(width, carty), [0, 0, 0]);
    return canvas.toFrame();
  }
}
