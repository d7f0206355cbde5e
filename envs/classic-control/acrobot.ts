// Acrobot-v1, after Gymnasium 1.4's classic_control/acrobot.py: a two-link chain hanging from
// a fixed joint, actuated only at the middle joint; swing the tip above the line one link
// length above the base.
//
// Integration is Gymnasium's: one classic RK4 step of dt = 0.2 over the state augmented with
// the torque, in float64, with the products and sums in the same order so results agree to
// the last bits numpy's and V8's sin/cos allow.
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { Canvas, type Point, type RGB } from '../../graphics/canvas.ts';
import { BaseEnv } from '../base-env.ts';
import { readDiscreteAction } from '../actions.ts';
import { resetBounds } from './common.ts';

/** The range the reset state is drawn from, unless the reset options `low`/`high` say otherwise. */
export const ACROBOT_RESET_BOUNDS = { low: -0.1, high: 0.1 } as const;

const PI = Math.PI;

const LINK_LENGTH_1 = 1.0; // [m]
const LINK_LENGTH_2 = 1.0; // [m]
const LINK_MASS_1 = 1.0; // [kg] mass of link 1
const LINK_MASS_2 = 1.0; // [kg] mass of link 2
const LINK_COM_POS_1 = 0.5; // [m] position of the center of mass of link 1
const LINK_COM_POS_2 = 0.5; // [m] position of the center of mass of link 2
const LINK_MOI = 1.0; // moments of inertia for both links
const G = 9.8;

const MAX_VEL_1 = 4 * PI;
const MAX_VEL_2 = 9 * PI;

const AVAIL_TORQUE = [-1.0, 0.0, +1];

const SCREEN_DIM = 500;
const LINK_COLOR: RGB = [0, 204, 204];
const JOINT_COLOR: RGB = [204, 204, 0];

/** Wraps x into [m, M] by whole turns, as Gymnasium's wrap(). */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** min(max(x, m), M), as Gymnasium's bound(). */
function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

export class AcrobotEnv extends BaseEnv<Float32Array, number> {
  readonly dt = 0.2;
  /** Noise added to the torque (uniform in +-this); 0 in Gymnasium, where it is a class attribute. */
  torqueNoiseMax = 0.0;
  /**
   * Which dynamics: 'book' (Sutton & Barto, Gymnasium's default) or 'nips' (the NeurIPS paper,
   * which misses a term). Like Gymnasium's `env.unwrapped.book_or_nips`, set it on the env;
   * Acrobot-v1 takes no make() kwargs.
   */
  bookOrNips: 'book' | 'nips' = 'book';

  readonly observationSpace: Space;
  readonly actionSpace: Space;

  /** [theta1, theta2, dtheta1, dtheta2]. */
  private readonly state = new Float64Array(4);
  private hasState = false;
  // RK4 scratch: stage input and the four derivative vectors (the torque's derivative is 0).
  private readonly y = new Float64Array(5);
  private readonly k1 = new Float64Array(5);
  private readonly k2 = new Float64Array(5);
  private readonly k3 = new Float64Array(5);
  private readonly k4 = new Float64Array(5);
  private readonly bounds = new Float64Array(2);

  constructor() {
    super();
    const high = [1.0, 1.0, 1.0, 1.0, MAX_VEL_1, MAX_VEL_2];
    this.observationSpace = box(
      high.map((h) => -h),
      high,
    );
    this.actionSpace = discrete(3);
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    // Options are read before seeding, so a reset refused for its options changes nothing.
    const [low, high] = resetBounds(args?.options, ACROBOT_RESET_BOUNDS.low, ACROBOT_RESET_BOUNDS.high, this.bounds);
    this.seed(args);
    const rng = this.npRandom;
    // uniform(low, high, size=(4,)).astype(np.float32): the start state is float32.
    for (let i = 0; i < 4; i++) this.state[i] = Math.fround(rng.uniform(low, high));
    this.hasState = true;
    return { obs: this.getObs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    const a = readDiscreteAction(action, 3, 'Acrobot-v1');
    let torque = AVAIL_TORQUE[a];
    if (this.torqueNoiseMax > 0) torque += this.npRandom.uniform(-this.torqueNoiseMax, this.torqueNoiseMax);

    this.rk4(torque);
    const s = this.state;
    s[0] = wrap(s[0], -PI, PI);
    s[1] = wrap(s[1], -PI, PI);
    s[2] = bound(s[2], -MAX_VEL_1, MAX_VEL_1);
    s[3] = bound(s[3], -MAX_VEL_2, MAX_VEL_2);
    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    const reward = terminated ? 0.0 : -1.0;
    return { obs: this.getObs(), reward, terminated, truncated: false, info: {} };
  }

  private getObs(): Float32Array {
    const s = this.state;
    const obs = new Float32Array(6);
    obs[0] = Math.cos(s[0]);
    obs[1] = Math.sin(s[0]);
    obs[2] = Math.cos(s[1]);
    obs[3] = Math.sin(s[1]);
    obs[4] = s[2];
    obs[5] = s[3];
    return obs;
  }

  /**
   * Gymnasium's rk4(derivs, [s, torque], [0, dt]): one step of classic Runge-Kutta, whose
   * result replaces the state (the torque component has zero derivative and is dropped).
   */
  private rk4(torque: number): void {
    const s = this.state;
    const { y, k1, k2, k3, k4 } = this;
    const dt = this.dt - 0;
    const dt2 = dt / 2.0;
    y[0] = s[0];
    y[1] = s[1];
    y[2] = s[2];
    y[3] = s[3];
    y[4] = torque;
    this.dsdt(y, k1);
    for (let i = 0; i < 5; i++) k4[i] = y[i] + dt2 * k1[i];
    this.dsdt(k4, k2);
    for (let i = 0; i < 5; i++) k4[i] = y[i] + dt2 * k2[i];
    this.dsdt(k4, k3);
    for (let i = 0; i < 5; i++) k4[i] = y[i] + dt * k3[i];
    this.dsdt(k4, k4);
    const w = dt / 6.0;
    for (let i = 0; i < 4; i++) s[i] = y[i] + w * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }

  /** Time derivative of the augmented state [theta1, theta2, dtheta1, dtheta2, torque] into `out` (may alias `sa`). */
  private dsdt(sa: Float64Array, out: Float64Array): void {
    const m1 = LINK_MASS_1;
    const m2 = LINK_MASS_2;
    const l1 = LINK_LENGTH_1;
    const lc1 = LINK_COM_POS_1;
    const lc2 = LINK_COM_POS_2;
    const I1 = LINK_MOI;
    const I2 = LINK_MOI;
    const g = G;
    const a = sa[4];
    const theta1 = sa[0];
    const theta2 = sa[1];
    const dtheta1 = sa[2];
    const dtheta2 = sa[3];
    const cos2 = Math.cos(theta2);
    const sin2 = Math.sin(theta2);
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * cos2) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * cos2) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin2 -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
      (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - PI / 2) +
      phi2;
    let ddtheta2: number;
    if (this.bookOrNips === 'nips') {
      // As in the NeurIPS paper.
      ddtheta2 = (a + (d2 / d1) * phi1 - phi2) / (m2 * lc2 ** 2 + I2 - (d2 * d2) / d1);
    } else {
      // As in the book and the Java implementation.
      ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin2 - phi2) / (m2 * lc2 ** 2 + I2 - (d2 * d2) / d1);
    }
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
    out[4] = 0.0;
  }

  /** The links as Gymnasium draws them: cyan bars with yellow joints, and the target line. */
  render(): Frame {
    const canvas = new Canvas(SCREEN_DIM, SCREEN_DIM, [255, 255, 255]);
    const s = this.hasState ? this.state : new Float64Array(4);
    const boundW = LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2; // 2.2 for default
    const scale = SCREEN_DIM / (boundW * 2);
    const offset = SCREEN_DIM / 2;
    // World y points up; Gymnasium flips the finished surface, we flip each point.
    const px = (x: number, y: number): Point => [x, SCREEN_DIM - y];

    const p1 = [-LINK_LENGTH_1 * Math.cos(s[0]) * scale, LINK_LENGTH_1 * Math.sin(s[0]) * scale];
    const p2 = [p1[0] - LINK_LENGTH_2 * Math.cos(s[0] + s[1]) * scale, p1[1] + LINK_LENGTH_2 * Math.sin(s[0] + s[1]) * scale];
    // Gymnasium swaps each point's coordinates ([:, ::-1]) so the chain hangs down.
    const xys = [
      [0, 0],
      [p1[1], p1[0]],
      [p2[1], p2[0]],
    ];
    const thetas = [s[0] - PI / 2, s[0] + s[1] - PI / 2];
    const linkLengths = [LINK_LENGTH_1 * scale, LINK_LENGTH_2 * scale];

    canvas.line(...px(-2.2 * scale + offset, 1 * scale + offset), ...px(2.2 * scale + offset, 1 * scale + offset), [0, 0, 0]);

    for (let i = 0; i < 2; i++) {
      const x = xys[i][0] + offset;
      const y = xys[i][1] + offset;
      const [l, r, t, b] = [0, linkLengths[i], 0.1 * scale, -0.1 * scale];
      const c = Math.cos(thetas[i]);
      const sn = Math.sin(thetas[i]);
      const coords: Point[] = [];
      for (const [vx, vy] of [
        [l, b],
        [l, t],
        [r, t],
        [r, b],
      ])
        coords.push(px(vx * c - vy * sn + x, vx * sn + vy * c + y));
      canvas.fillPolygon(coords, LINK_COLOR);
      canvas.fillCircle(...px(Math.trunc(x), Math.trunc(y)), Math.trunc(0.1 * scale), JOINT_COLOR);
    }
    return canvas.toFrame();
  }
}
