// Pendulum-v1, after Gymnasium 1.4's classic_control/pendulum.py: swing a frictionless
// pendulum upright and keep it there with a bounded torque.
//
// State (theta, theta_dot) is kept in float64 as Gymnasium keeps it; the observation
// [cos(theta), sin(theta), theta_dot] is rounded to float32 like its np.float32 cast.
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box } from '../../protocol/spaces.ts';
import { Canvas, type Point, type RGB } from '../../graphics/canvas.ts';
import { BaseEnv } from '../base-env.ts';
import { readScalarBoxAction, type BoxAction } from '../actions.ts';
import { optionNumber } from './common.ts';

/** Half-widths of the reset ranges of theta and theta_dot, unless the reset options `x_init`/`y_init` say otherwise. */
export const PENDULUM_RESET_DEFAULTS = { x_init: Math.PI, y_init: 1.0 } as const;
const DEFAULT_X: number = PENDULUM_RESET_DEFAULTS.x_init;
const DEFAULT_Y: number = PENDULUM_RESET_DEFAULTS.y_init;

export interface PendulumOptions {
  /** Acceleration of gravity (m/s^2). */
  g: number;
}

export const PENDULUM_DEFAULTS: PendulumOptions = { g: 10.0 };

/** Gymnasium's angle_normalize: numpy's floor-modulo into [-pi, pi). */
function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let m = (x + Math.PI) % period;
  // JS % is C's fmod (sign of the dividend); numpy's remainder takes the divisor's sign.
  if (m !== 0 && m < 0) m += period;
  return m - Math.PI;
}

const ROD_COLOR: RGB = [204, 77, 77];
const AXLE_COLOR: RGB = [0, 0, 0];
const ARROW_COLOR: RGB = [40, 40, 40];

export class PendulumEnv extends BaseEnv<Float32Array, BoxAction> {
  readonly maxSpeed = 8;
  readonly maxTorque = 2.0;
  readonly dt = 0.05;
  readonly g: number;
  readonly m = 1.0;
  readonly l = 1.0;

  readonly observationSpace: Space;
  readonly actionSpace: Space;

  private theta = 0;
  private thetaDot = 0;
  /** The clipped torque of the last step, for rendering (null right after reset). */
  private lastU: number | null = null;
  private readonly screenDim = 500;

  constructor(options: Partial<PendulumOptions> = {}) {
    super();
    this.g = options.g ?? PENDULUM_DEFAULTS.g;
    this.actionSpace = box(-this.maxTorque, this.maxTorque, [1]);
    this.observationSpace = box([-1.0, -1.0, -this.maxSpeed], [1.0, 1.0, this.maxSpeed]);
  }

  step(action: BoxAction): StepResult<Float32Array> {
    const th = this.theta;
    const thdot = this.thetaDot;
    const { g, m, l, dt } = this;

    let u = readScalarBoxAction(action, 'Pendulum-v1');
    u = u < -this.maxTorque ? -this.maxTorque : u > this.maxTorque ? this.maxTorque : u;
    this.lastU = u;
    const an = angleNormalize(th);
    const costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);

    let newthdot = thdot + (((3 * g) / (2 * l)) * Math.sin(th) + (3.0 / (m * l * l)) * u) * dt;
    newthdot = newthdot < -this.maxSpeed ? -this.maxSpeed : newthdot > this.maxSpeed ? this.maxSpeed : newthdot;
    const newth = th + newthdot * dt;

    this.theta = newth;
    this.thetaDot = newthdot;
    return { obs: this.getObs(), reward: -costs, terminated: false, truncated: false, info: {} };
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    const options = args?.options;
    let highX = DEFAULT_X;
    let highY = DEFAULT_Y;
    if (options !== undefined && options !== null) {
      // Gymnasium's Pendulum takes x_init / y_init (not low / high); limits are symmetric.
      if ('x_init' in options) highX = optionNumber(options.x_init, 'x_init');
      if ('y_init' in options) highY = optionNumber(options.y_init, 'y_init');
    }
    // Options are read before seeding, so a reset refused for its options changes nothing.
    this.seed(args);
    const rng = this.npRandom;
    // np_random.uniform(low=-high, high=high) with a 2-vector: two draws, theta first.
    this.theta = rng.uniform(-highX, highX);
    this.thetaDot = rng.uniform(-highY, highY);
    this.lastU = null;
    return { obs: this.getObs(), info: {} };
  }

  private getObs(): Float32Array {
    const obs = new Float32Array(3);
    obs[0] = Math.cos(this.theta);
    obs[1] = Math.sin(this.theta);
    obs[2] = this.thetaDot;
    return obs;
  }

  /** The pendulum as Gymnasium draws it: a red rod from the axle, a torque indicator, a black axle. */
  render(): Frame {
    const dim = this.screenDim;
    const canvas = new Canvas(dim, dim, [255, 255, 255]);
    const bound = 2.2;
    const scale = dim / (bound * 2);
    const offset = Math.floor(dim / 2);
    // World y points up; the canvas's y points down (Gymnasium flips the surface at the end).
    const toPx = (x: number, y: number): Point => [x + offset, dim - (y + offset)];

    const rodLength = 1 * scale;
    const rodWidth = 0.2 * scale;
    const angle = this.theta + Math.PI / 2;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const rot = (x: number, y: number): Point => toPx(x * c - y * s, x * s + y * c);
    const [l, r, t, b] = [0, rodLength, rodWidth / 2, -rodWidth / 2];
    canvas.fillPolygon([rot(l, b), rot(l, t), rot(r, t), rot(r, b)], ROD_COLOR);
    const [cx, cy] = toPx(0, 0);
    canvas.fillCircle(cx, cy, Math.trunc(rodWidth / 2), ROD_COLOR);
    const [ex, ey] = rot(rodLength, 0);
    canvas.fillCircle(Math.trunc(ex), Math.trunc(ey), Math.trunc(rodWidth / 2), ROD_COLOR);

    if (this.lastU !== null && this.lastU !== 0) this.drawTorqueArrow(canvas, cx, cy, scale, this.lastU);

    canvas.fillCircle(cx, cy, Math.trunc(0.05 * scale), AXLE_COLOR);
    return canvas.toFrame();
  }

  /**
   * Stands in for Gymnasium's clockwise.png: an arc around the axle whose size grows with |u|,
   * with an arrowhead in the direction the torque turns (positive = counter-clockwise).
   */
  private drawTorqueArrow(canvas: Canvas, cx: number, cy: number, scale: number, u: number): void {
    const radius = (scale * Math.abs(u)) / 4;
    if (radius < 2) return;
    const dir = u > 0 ? 1 : -1;
    const points: Point[] = [];
    const start = -Math.PI / 2;
    const sweep = 1.5 * Math.PI;
    const n = 32;
    for (let i = 0; i <= n; i++) {
      const a = start + (dir * sweep * i) / n;
      // Screen y is down, so a counter-clockwise world angle is subtracted on screen.
      points.push([cx + radius * Math.cos(a), cy - radius * Math.sin(a)]);
    }
    const thickness = Math.max(2, Math.round(radius / 8));
    canvas.polyline(points, ARROW_COLOR, thickness);
    const endA = start + dir * sweep;
    const [tx, ty] = points[n];
    // Tangent of the arc at its end, in screen coordinates, pointing along the sweep.
    const dx = -Math.sin(endA) * dir;
    const dy = -Math.cos(endA) * dir;
    const head = Math.max(6, radius / 3);
    const nx = -dy;
    const ny = dx;
    canvas.fillPolygon(
      [
        [tx + dx * head, ty + dy * head],
        [tx + (nx * head) / 2, ty + (ny * head) / 2],
        [tx - (nx * head) / 2, ty - (ny * head) / 2],
      ],
      ARROW_COLOR,
    );
  }
}
