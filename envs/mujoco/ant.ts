// Ant-v5, after Gymnasium 1.4's mujoco/ant_v5.py: a four-legged robot rewarded for its main
// body's speed along x and for staying healthy, less costs on the squared torques and on the
// squared (clipped) external contact forces. It is healthy while the state is finite and the
// torso's height lies in healthy_z_range (ends included); unhealthy ends the episode (unless
// terminate_when_unhealthy is off). The observation ends with the clipped contact forces of
// every body but the world, which mj_rnePostConstraint keeps current.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { BoxAction } from '../actions.ts';
import { clipInto, controlCost, inClosedRange, MujocoEnv, observationBox, type Range } from './mujoco-env.ts';

export interface AntOptions {
  xml_file: string;
  frame_skip: number;
  forward_reward_weight: number;
  ctrl_cost_weight: number;
  /** Weight of the summed squared clipped contact forces. */
  contact_cost_weight: number;
  /** Reward for every healthy step. */
  healthy_reward: number;
  /** The body whose x-y displacement is the forward speed: its index or its name. */
  main_body: number | string;
  terminate_when_unhealthy: boolean;
  /** Closed range of the torso's height (qpos[2]). */
  healthy_z_range: Range;
  /** Contact forces are clipped to this range, in the observation and in the cost. */
  contact_force_range: Range;
  /** Scale of the reset noise: uniform half-width on qpos, standard deviation on qvel. */
  reset_noise_scale: number;
  /** Leave the root's x and y out of the observation. */
  exclude_current_positions_from_observation: boolean;
  /** End the observation with the clipped contact forces (cfrc_ext) of every body but the world. */
  include_cfrc_ext_in_observation: boolean;
}

export const ANT_DEFAULTS: AntOptions = {
  xml_file: 'ant.xml',
  frame_skip: 5,
  forward_reward_weight: 1,
  ctrl_cost_weight: 0.5,
  contact_cost_weight: 5e-4,
  healthy_reward: 1.0,
  main_body: 1,
  terminate_when_unhealthy: true,
  healthy_z_range: [0.2, 1.0],
  contact_force_range: [-1.0, 1.0],
  reset_noise_scale: 0.1,
  exclude_current_positions_from_observation: true,
  include_cfrc_ext_in_observation: true,
};

export class AntEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly o: AntOptions;
  private readonly skippedQpos: number;
  private readonly mainBody: number;
  /** cfrc_ext of every body, clipped to contact_force_range: refreshed after each step. */
  private readonly contactForces: Float64Array;

  constructor(options: Partial<AntOptions> = {}) {
    const o = { ...ANT_DEFAULTS, ...options };
    super({ envName: 'Ant-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.mainBody = this.resolveBody(o.main_body);
    this.skippedQpos = o.exclude_current_positions_from_observation ? 2 : 0;
    this.contactForces = new Float64Array(6 * this.model.nbody);
    const forces = o.include_cfrc_ext_in_observation ? this.contactForces.length - 6 : 0;
    this.observationSpace = observationBox(this.nq + this.nv - this.skippedQpos + forces);
  }

  private resolveBody(body: number | string): number {
    if (typeof body === 'string') return this.bodyId(body);
    if (!(Number.isInteger(body) && body >= 0 && body < this.model.nbody)) {
      throw new GymwireError('invalid_kwargs', `Ant-v5: main_body must be a body index in [0, ${this.model.nbody}) or a body name`);
    }
    return body;
  }

  get isHealthy(): boolean {
    return this.stateVector().every(Number.isFinite) && inClosedRange(this.qpos[2], this.o.healthy_z_range);
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const [xBefore, yBefore] = this.bodyPosition(this.mainBody);
    const ctrl = this.doSimulation(action);
    const [xAfter, yAfter] = this.bodyPosition(this.mainBody);
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    this.clipContactForces();
    const obs = this.getObs();
    const healthy = this.isHealthy;
    const forwardReward = xVelocity * this.o.forward_reward_weight;
    const healthyReward = healthy ? this.o.healthy_reward : 0;
    const ctrlCost = controlCost(this.o.ctrl_cost_weight, ctrl);
    const contactCost = controlCost(this.o.contact_cost_weight, this.contactForces);
    const reward = forwardReward + healthyReward - (ctrlCost + contactCost);
    const [x, y] = this.qpos;
    const info = {
      x_position: x,
      y_position: y,
      distance_from_origin: Math.sqrt(x * x + y * y),
      x_velocity: xVelocity,
      y_velocity: yVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
      reward_contact: -contactCost,
      reward_survive: healthyReward,
    };
    return { obs, reward, terminated: !healthy && this.o.terminate_when_unhealthy, truncated: false, info };
  }

  private clipContactForces(): void {
    const [lo, hi] = this.o.contact_force_range;
    clipInto(this.contactForces, 0, this.data.cfrc_ext as Float64Array, lo, hi);
  }

  /** [qpos without the root's x and y (unless asked for), qvel, clipped cfrc_ext of bodies 1.. (if asked for)]. */
  private getObs(): Float64Array {
    const state = this.stateVector().subarray(this.skippedQpos);
    if (!this.o.include_cfrc_ext_in_observation) return state.slice();
    const obs = new Float64Array(state.length + this.contactForces.length - 6);
    obs.set(state);
    obs.set(this.contactForces.subarray(6), state.length);
    return obs;
  }

  protected resetModel(): Float64Array {
    const s = this.o.reset_noise_scale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.standardNormalArray(this.nv).map((n) => s * n);
    this.setStateWithNoise(qposNoise, qvelNoise);
    this.clipContactForces();
    return this.getObs();
  }

  protected override resetInfo(): Record<string, number> {
    const [x, y] = this.qpos;
    return { x_position: x, y_position: y, distance_from_origin: Math.sqrt(x * x + y * y) };
  }
}
