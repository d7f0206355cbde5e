// MountainCarContinuous-v0, after Gymnasium 1.4's classic_control/continuous_mountain_car.py:
// drive an underpowered car up the right hill by rocking it, with a continuous force.
//
// Gymnasium stores the state as a float32 array after every step (but as float64 right after
// reset), and does each step's arithmetic in float64 on those values; we do the same.
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box } from '../../protocol/spaces.ts';
import { BaseEnv } from '../base-env.ts';
import { readScalarBoxAction, type BoxAction } from '../actions.ts';
import { resetBounds } from './common.ts';
import { renderMountainCar } from './mountain-car-render.ts';

/** The range the reset state is drawn from, unless the reset options `low`/`high` say otherwise. */
export const MOUNTAIN_CAR_CONTINUOUS_RESET_BOUNDS = { low: -0.6, high: -0.4 } as const;

export interface MountainCarContinuousOptions {
  /** Minimum velocity at the goal position for the episode to terminate. */
  goal_velocity: number;
}

export const MOUNTAIN_CAR_CONTINUOUS_DEFAULTS: MountainCarContinuousOptions = { goal_velocity: 0 };

export class ContinuousMountainCarEnv extends BaseEnv<Float32Array, BoxAction> {
  readonly minAction = -1.0;
  readonly maxAction = 1.0;
  readonly minPosition = -1.2;
  readonly maxPosition = 0.6;
  readonly maxSpeed = 0.07;
  readonly goalPosition = 0.45; // was 0.5 in gym, 0.45 in Arnaud de Broissia's version
  readonly goalVelocity: number;
  readonly power = 0.0015;

  readonly observationSpace: Space;
  readonly actionSpace: Space;

  private position = 0;
  private velocity = 0;
  private readonly bounds = new Float64Array(2);

  constructor(options: Partial<MountainCarContinuousOptions> = {}) {
    super();
    this.goalVelocity = options.goal_velocity ?? MOUNTAIN_CAR_CONTINUOUS_DEFAULTS.goal_velocity;
    this.actionSpace = box(this.minAction, this.maxAction, [1]);
    this.observationSpace = box([this.minPosition, -this.maxSpeed], [this.maxPosition, this.maxSpeed]);
  }

  step(action: BoxAction): StepResult<Float32Array> {
    const a = readScalarBoxAction(action, 'MountainCarContinuous-v0');
    let position = this.position;
    let velocity = this.velocity;
    const force = Math.min(Math.max(a, this.minAction), this.maxAction);

    velocity += force * this.power - 0.0025 * Math.cos(3 * position);
    if (velocity > this.maxSpeed) velocity = this.maxSpeed;
    if (velocity < -this.maxSpeed) velocity = -this.maxSpeed;
    position += velocity;
    if (position > this.maxPosition) position = this.maxPosition;
    if (position < this.minPosition) position = this.minPosition;
    if (position === this.minPosition && velocity < 0) velocity = 0;

    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;

    let reward = 0;
    if (terminated) reward = 100.0;
    // The penalty uses the unclipped action, as Gymnasium's does.
    reward -= a * a * 0.1;

    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
    return { obs: this.getObs(), reward, terminated, truncated: false, info: {} };
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    // Options are read before seeding, so a reset refused for its options changes nothing.
    const [low, high] = resetBounds(
      args?.options,
      MOUNTAIN_CAR_CONTINUOUS_RESET_BOUNDS.low,
      MOUNTAIN_CAR_CONTINUOUS_RESET_BOUNDS.high,
      this.bounds,
    );
    this.seed(args);
    this.position = this.npRandom.uniform(low, high);
    this.velocity = 0;
    return { obs: this.getObs(), info: {} };
  }

  private getObs(): Float32Array {
    const obs = new Float32Array(2);
    obs[0] = this.position;
    obs[1] = this.velocity;
    return obs;
  }

  render(): Frame {
    return renderMountainCar(this.position, this.minPosition, this.maxPosition, this.goalPosition);
  }
}
