// HalfCheetah-v5, after Gymnasium 1.4's mujoco/half_cheetah_v5.py: a planar two-legged
// runner rewarded for its forward speed, less a cost on the squared torques. It never falls
// over, so it never terminates; episodes end by the time limit.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { controlCost, MujocoEnv, observationBox } from './mujoco-env.ts';

export interface HalfCheetahOptions {
  xml_file: string;
  frame_skip: number;
  forward_reward_weight: number;
  ctrl_cost_weight: number;
  /** Scale of the reset noise: uniform half-width on qpos, standard deviation on qvel. */
  reset_noise_scale: number;
  /** Leave the root's x out of the observation (the policy then cannot see where it is). */
  exclude_current_positions_from_observation: boolean;
}

export const HALF_CHEETAH_DEFAULTS: HalfCheetahOptions = {
  xml_file: 'half_cheetah.xml',
  frame_skip: 5,
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 0.1,
  reset_noise_scale: 0.1,
  exclude_current_positions_from_observation: true,
};

export class HalfCheetahEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly o: HalfCheetahOptions;
  private readonly skippedQpos: number;

  constructor(options: Partial<HalfCheetahOptions> = {}) {
    const o = { ...HALF_CHEETAH_DEFAULTS, ...options };
    super({ envName: 'HalfCheetah-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.skippedQpos = o.exclude_current_positions_from_observation ? 1 : 0;
    this.observationSpace = observationBox(this.nq + this.nv - this.skippedQpos);
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const xBefore = this.qpos[0];
    const ctrl = this.doSimulation(action);
    const xAfter = this.qpos[0];
    const xVelocity = (xAfter - xBefore) / this.dt;
    const obs = this.getObs();
    const forwardReward = this.o.forward_reward_weight * xVelocity;
    const ctrlCost = controlCost(this.o.ctrl_cost_weight, ctrl);
    const reward = forwardReward - ctrlCost;
    const info = { x_position: xAfter, x_velocity: xVelocity, reward_forward: forwardReward, reward_ctrl: -ctrlCost };
    return { obs, reward, terminated: false, truncated: false, info };
  }

  /** [qpos without the root x (unless asked for), qvel]. */
  private getObs(): Float64Array {
    return this.stateVector().subarray(this.skippedQpos).slice();
  }

  protected resetModel(): Float64Array {
    const s = this.o.reset_noise_scale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.standardNormalArray(this.nv).map((n) => s * n);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return this.getObs();
  }

  protected override resetInfo(): Record<string, number> {
    return { x_position: this.qpos[0] };
  }
}
