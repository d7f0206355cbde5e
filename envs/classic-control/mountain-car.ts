// MountainCar-v0, after Gymnasium 1.4's classic_control/mountain_car.py: the discrete
// mountain car (push left, no push, push right); -1 per step until the car reaches the flag.
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { BaseEnv } from '../base-env.ts';
import { readDiscreteAction } from '../actions.ts';
import { resetBounds } from './common.ts';
import { renderMountainCar } from './mountain-car-render.ts';

/** The range the reset state is drawn from, unless the reset options `low`/`high` say otherwise. */
export const MOUNTAIN_CAR_RESET_BOUNDS = { low: -0.6, high: -0.4 } as const;

export interface MountainCarOptions {
  /** Minimum velocity at the goal position for the episode to terminate. */
  goal_velocity: number;
}

export const MOUNTAIN_CAR_DEFAULTS: MountainCarOptions = { goal_velocity: 0 };

export class MountainCarEnv extends BaseEnv<Float32Array, number> {
  readonly minPosition = -1.2;
  readonly maxPosition = 0.6;
  readonly maxSpeed = 0.07;
  readonly goalPosition = 0.5;
  readonly goalVelocity: number;
  readonly force = 0.001;
  readonly gravity = 0.0025;

  readonly observationSpace: Space;
  readonly actionSpace: Space;

  // Gymnasium keeps this state in float64 throughout.
  private position = 0;
  private velocity = 0;
  private readonly bounds = new Float64Array(2);

  constructor(options: Partial<MountainCarOptions> = {}) {
    super();
    this.goalVelocity = options.goal_velocity ?? MOUNTAIN_CAR_DEFAULTS.goal_velocity;
    this.actionSpace = discrete(3);
    this.observationSpace = box([this.minPosition, -this.maxSpeed], [this.maxPosition, this.maxSpeed]);
  }

  step(action: number): StepResult<Float32Array> {
    const a = readDiscreteAction(action, 3, 'MountainCar-v0');
    let position = this.position;
    let velocity = this.velocity;
    velocity += (a - 1) * this.force + Math.cos(3 * position) * -this.gravity;
    velocity = velocity < -this.maxSpeed ? -this.maxSpeed : velocity > this.maxSpeed ? this.maxSpeed : velocity;
    position += velocity;
    position = position < this.minPosition ? this.minPosition : position > this.maxPosition ? this.maxPosition : position;
    if (position === this.minPosition && velocity < 0) velocity = 0;

    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;
    this.position = position;
    this.velocity = velocity;
    return { obs: this.getObs(), reward: -1.0, terminated, truncated: false, info: {} };
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    // Options are read before seeding, so a reset refused for its options changes nothing.
    const [low, high] = resetBounds(args?.options, MOUNTAIN_CAR_RESET_BOUNDS.low, MOUNTAIN_CAR_RESET_BOUNDS.high, this.bounds);
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
