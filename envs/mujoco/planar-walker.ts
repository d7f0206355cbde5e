// What Hopper-v5 and Walker2d-v5 share, as Gymnasium's two files do line for line: a planar robot
// rewarded for moving forward and for staying healthy, less a cost on the squared torques; the
// observation is qpos without the root's x (unless asked for) and the clipped qvel; unhealthy ends
// the episode unless terminate_when_unhealthy is off. Each env says what healthy means.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { clipInto, controlCost, MujocoEnv, observationBox, type Range } from './mujoco-env.ts';

export interface PlanarWalkerOptions {
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

/** Observed velocities are clipped to this magnitude. */
const VELOCITY_CLIP = 10;

export abstract class PlanarWalkerEnv<O extends PlanarWalkerOptions> extends MujocoEnv {
  readonly observationSpace: Space;
  protected readonly o: O;
  private readonly skippedQpos: number;

  constructor(envName: string, o: O) {
    super({ envName, xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.skippedQpos = o.exclude_current_positions_from_observation ? 1 : 0;
    this.observationSpace = observationBox(this.nq + this.nv - this.skippedQpos);
  }

  abstract get isHealthy(): boolean;

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
