// Humanoid-v5, after Gymnasium 1.4's mujoco/humanoid_v5.py: a 3D bipedal humanoid rewarded for
// the forward speed of its center of mass and for staying healthy (torso height within
// healthy_z_range, ends excluded), less a cost on the squared controls and a clipped cost on the
// squared external contact forces. Unhealthy ends the episode (unless terminate_when_unhealthy
// is off). The observation is humanoid-observation.ts's.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { clip } from '../actions.ts';
import { humanoidObservation, humanoidObservationSize, sumOfSquares, type HumanoidObservationOptions } from './humanoid-observation.ts';
import { inOpenRange, MujocoEnv, observationBox, type Range } from './mujoco-env.ts';

export interface HumanoidOptions extends HumanoidObservationOptions {
  xml_file: string;
  frame_skip: number;
  forward_reward_weight: number;
  ctrl_cost_weight: number;
  /** Weight of the summed squared external contact forces, before clipping to contact_cost_range. */
  contact_cost_weight: number;
  /** The contact cost is clipped to this range. */
  contact_cost_range: Range;
  /** Reward for every healthy step. */
  healthy_reward: number;
  terminate_when_unhealthy: boolean;
  /** Open range of the torso's height (qpos[2]). */
  healthy_z_range: Range;
  /** Half-width of the uniform noise added to qpos0 and qvel0 at reset. */
  reset_noise_scale: number;
}

export const HUMANOID_DEFAULTS: HumanoidOptions = {
  xml_file: 'humanoid.xml',
  frame_skip: 5,
  forward_reward_weight: 1.25,
  ctrl_cost_weight: 0.1,
  contact_cost_weight: 5e-7,
  contact_cost_range: [-Infinity, 10.0],
  healthy_reward: 5.0,
  terminate_when_unhealthy: true,
  healthy_z_range: [1.0, 2.0],
  reset_noise_scale: 1e-2,
  exclude_current_positions_from_observation: true,
  include_cinert_in_observation: true,
  include_cvel_in_observation: true,
  include_qfrc_actuator_in_observation: true,
  include_cfrc_ext_in_observation: true,
};

export class HumanoidEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly o: HumanoidOptions;

  constructor(options: Partial<HumanoidOptions> = {}) {
    const o = { ...HUMANOID_DEFAULTS, ...options };
    super({ envName: 'Humanoid-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.observationSpace = observationBox(humanoidObservationSize(this.data, o));
  }

  get isHealthy(): boolean {
    return inOpenRange(this.qpos[2], this.o.healthy_z_range);
  }

  /** Gymnasium's mass_center: the bodies' inertial positions (xipos) averaged by mass, x and y. */
  private massCenter(): [number, number] {
    const mass = this.model.body_mass as Float64Array;
    const xipos = this.data.xipos as Float64Array;
    let x = 0;
    let y = 0;
    let total = 0;
    for (let b = 0; b < mass.length; b++) {
      x += mass[b] * xipos[3 * b];
      y += mass[b] * xipos[3 * b + 1];
      total += mass[b];
    }
    return [x / total, y / total];
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const [xBefore, yBefore] = this.massCenter();
    this.doSimulation(action);
    const [xAfter, yAfter] = this.massCenter();
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    const obs = humanoidObservation(this.data, this.o);
    const healthy = this.isHealthy;
    const forwardReward = this.o.forward_reward_weight * xVelocity;
    const healthyReward = healthy ? this.o.healthy_reward : 0;
    const ctrlCost = this.o.ctrl_cost_weight * sumOfSquares(this.data.ctrl as Float64Array);
    const [lo, hi] = this.o.contact_cost_range;
    const contactCost = clip(this.o.contact_cost_weight * sumOfSquares(this.data.cfrc_ext as Float64Array), lo, hi);
    const reward = forwardReward + healthyReward - (ctrlCost + contactCost);
    const info = {
      ...this.resetInfo(),
      x_velocity: xVelocity,
      y_velocity: yVelocity,
      reward_survive: healthyReward,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
      reward_contact: -contactCost,
    };
    return { obs, reward, terminated: !healthy && this.o.terminate_when_unhealthy, truncated: false, info };
  }

  protected resetModel(): Float64Array {
    const s = this.o.reset_noise_scale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.uniformArray(-s, s, this.nv);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return humanoidObservation(this.data, this.o);
  }

  protected override resetInfo(): Record<string, number | Float64Array> {
    const [x, y] = this.qpos;
    return {
      x_position: x,
      y_position: y,
      tendon_length: Float64Array.from(this.data.ten_length as Float64Array),
      tendon_velocity: Float64Array.from(this.data.ten_velocity as Float64Array),
      distance_from_origin: Math.sqrt(x * x + y * y),
    };
  }
}
