// Swimmer-v5, after Gymnasium 1.4's mujoco/swimmer_v5.py: a three-link swimmer in a viscous
// fluid, rewarded for its speed along x, less a small cost on the squared torques. It never
// terminates; episodes end by the time limit.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { controlCost, MujocoEnv, observationBox } from './mujoco-env.ts';

export interface SwimmerOptions {
  xml_file: string;
  frame_skip: number;
  forward_reward_weight: number;
  ctrl_cost_weight: number;
  /** Half-width of the uniform noise added to qpos0 and qvel0 at reset. */
  reset_noise_scale: number;
  /** Leave the root's x and y out of the observation. */
  exclude_current_positions_from_observation: boolean;
}

export const SWIMMER_DEFAULTS: SwimmerOptions = {
  xml_file: 'swimmer.xml',
  frame_skip: 4,
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 1e-4,
  reset_noise_scale: 0.1,
  exclude_current_positions_from_observation: true,
};

export class SwimmerEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly o: SwimmerOptions;
  private readonly skippedQpos: number;

  constructor(options: Partial<SwimmerOptions> = {}) {
    const o = { ...SWIMMER_DEFAULTS, ...options };
    super({ envName: 'Swimmer-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.skippedQpos = o.exclude_current_positions_from_observation ? 2 : 0;
    this.observationSpace = observationBox(this.nq + this.nv - this.skippedQpos);
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const [xBefore, yBefore] = this.qpos;
    const ctrl = this.doSimulation(action);
    const [x, y] = this.qpos;
    const xVelocity = (x - xBefore) / this.dt;
    const yVelocity = (y - yBefore) / this.dt;
    const obs = this.getObs();
    const forwardReward = this.o.forward_reward_weight * xVelocity;
    const ctrlCost = controlCost(this.o.ctrl_cost_weight, ctrl);
    const info = {
      x_position: x,
      y_position: y,
      distance_from_origin: Math.sqrt(x * x + y * y),
      x_velocity: xVelocity,
      y_velocity: yVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
    };
    return { obs, reward: forwardReward - ctrlCost, terminated: false, truncated: false, info };
  }

  /** [qpos without the root's x and y (unless asked for), qvel]. */
  private getObs(): Float64Array {
    return this.stateVector().slice(this.skippedQpos);
  }

  protected resetModel(): Float64Array {
    const s = this.o.reset_noise_scale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.uniformArray(-s, s, this.nv);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return this.getObs();
  }

  protected override resetInfo(): Record<string, number> {
    const [x, y] = this.qpos;
    return { x_position: x, y_position: y, distance_from_origin: Math.sqrt(x * x + y * y) };
  }
}
