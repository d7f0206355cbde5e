// Walker2d-v5, after Gymnasium 1.4's mujoco/walker2d_v5.py: a two-legged planar robot rewarded
// for walking forward and for staying healthy, less a cost on the squared torques. It is
// healthy while its torso is within a height range and an angle range; unhealthy ends the
// episode (unless terminate_when_unhealthy is off). The v5 model gives both feet the same friction.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { clipInto, controlCost, inOpenRange, MujocoEnv, observationBox, type Range } from './mujoco-env.ts';

export interface Walker2dOptions {
  xml_file: string;
  frame_skip: number;
  forward_reward_weight: number;
  ctrl_cost_weight: number;
  /** Reward for every healthy step. */
  healthy_reward: number;
  terminate_when_unhealthy: boolean;
  /** Open range of the torso's height (qpos[1]). */
  healthy_z_range: Range;
  /** Open range of the torso's angle (qpos[2]). */
  healthy_angle_range: Range;
  /** Half-width of the uniform noise added to qpos0 and qvel0 at reset. */
  reset_noise_scale: number;
  /** Leave the root's x out of the observation. */
  exclude_current_positions_from_observation: boolean;
}

export const WALKER2D_DEFAULTS: Walker2dOptions = {
  xml_file: 'walker2d_v5.xml',
  frame_skip: 4,
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 1e-3,
  healthy_reward: 1.0,
  terminate_when_unhealthy: true,
  healthy_z_range: [0.8, 2.0],
  healthy_angle_range: [-1.0, 1.0],
  reset_noise_scale: 5e-3,
  exclude_current_positions_from_observation: true,
};

/** Observed velocities are clipped to this magnitude. */
const VELOCITY_CLIP = 10;

export class Walker2dEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly o: Walker2dOptions;
  private readonly skippedQpos: number;

  constructor(options: Partial<Walker2dOptions> = {}) {
    const o = { ...WALKER2D_DEFAULTS, ...options };
    super({ envName: 'Walker2d-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.skippedQpos = o.exclude_current_positions_from_observation ? 1 : 0;
    this.observationSpace = observationBox(this.nq + this.nv - this.skippedQpos);
  }

  get isHealthy(): boolean {
    const qpos = this.qpos;
    return inOpenRange(qpos[1], this.o.healthy_z_range) && inOpenRange(qpos[2], this.o.healthy_angle_range);
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const xBefore = this.qpos[0];
    const ctrl = this.doSimulation(action);
    const xAfter = this.qpos[0];
    const xVelocity = (xAfter - xBefore) / this.dt;
    const obs = this.getObs();
    const healthy = this.isHealthy;
    const forwardReward = this.o.forward_reward_weight * xVelocity;
    const healthyReward = healthy ? this.o.healthy_reward : 0;
    const ctrlCost = controlCost(this.o.ctrl_cost_weight, ctrl);
    const reward = forwardReward + healthyReward - ctrlCost;
    const terminated = !healthy && this.o.terminate_when_unhealthy;
    const info = {
      x_position: xAfter,
      z_distance_from_origin: this.qpos[1] - this.initQpos[1],
      x_velocity: xVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
      reward_survive: healthyReward,
    };
    return { obs, reward, terminated, truncated: false, info };
  }

  /** [qpos without the root x (unless asked for), clip(qvel, -10, 10)]. */
  private getObs(): Float64Array {
    const qpos = this.qpos.subarray(this.skippedQpos);
    const obs = new Float64Array(qpos.length + this.nv);
    obs.set(qpos);
    clipInto(obs, qpos.length, this.qvel, -VELOCITY_CLIP, VELOCITY_CLIP);
    return obs;
  }

  protected resetModel(): Float64Array {
    const s = this.o.reset_noise_scale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.uniformArray(-s, s, this.nv);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return this.getObs();
  }

  protected override resetInfo(): Record<string, number> {
    return { x_position: this.qpos[0], z_distance_from_origin: this.qpos[1] - this.initQpos[1] };
  }
}
