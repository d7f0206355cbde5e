// HumanoidStandup-v5, after Gymnasium 1.4's mujoco/humanoidstandup_v5.py: the humanoid starts
// lying down and is rewarded for raising its torso: the torso's height divided by the physics
// timestep, less a cost on the squared controls and a clipped cost on the squared external
// contact forces, plus 1 (which no info term carries). It never terminates. As in Gymnasium,
// uph_cost_weight is accepted and not used. The observation is humanoid-observation.ts's.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { clip } from '../actions.ts';
import { humanoidObservation, humanoidObservationSize, sumOfSquares, type HumanoidObservationOptions } from './humanoid-observation.ts';
import { MujocoEnv, observationBox, type Range } from './mujoco-env.ts';

export interface HumanoidStandupOptions extends HumanoidObservationOptions {
  xml_file: string;
  frame_skip: number;
  /** Accepted as Gymnasium accepts it; Gymnasium 1.4's reward does not use it. */
  uph_cost_weight: number;
  ctrl_cost_weight: number;
  /** Weight of the summed squared external contact forces, before clipping to impact_cost_range. */
  impact_cost_weight: number;
  /** The impact cost is clipped to this range. */
  impact_cost_range: Range;
  /** Half-width of the uniform noise added to qpos0 and qvel0 at reset. */
  reset_noise_scale: number;
}

export const HUMANOID_STANDUP_DEFAULTS: HumanoidStandupOptions = {
  xml_file: 'humanoidstandup.xml',
  frame_skip: 5,
  uph_cost_weight: 1,
  ctrl_cost_weight: 0.1,
  impact_cost_weight: 0.5e-6,
  impact_cost_range: [-Infinity, 10.0],
  reset_noise_scale: 1e-2,
  exclude_current_positions_from_observation: true,
  include_cinert_in_observation: true,
  include_cvel_in_observation: true,
  include_qfrc_actuator_in_observation: true,
  include_cfrc_ext_in_observation: true,
};

export class HumanoidStandupEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly o: HumanoidStandupOptions;

  constructor(options: Partial<HumanoidStandupOptions> = {}) {
    const o = { ...HUMANOID_STANDUP_DEFAULTS, ...options };
    super({ envName: 'HumanoidStandup-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.observationSpace = observationBox(humanoidObservationSize(this.data, o));
  }

  step(action: BoxAction): StepResult<Float64Array> {
    this.doSimulation(action);
    const uphCost = (this.qpos[2] - 0) / this.timestep;
    const quadCtrlCost = this.o.ctrl_cost_weight * sumOfSquares(this.data.ctrl as Float64Array);
    const [lo, hi] = this.o.impact_cost_range;
    const quadImpactCost = clip(this.o.impact_cost_weight * sumOfSquares(this.data.cfrc_ext as Float64Array), lo, hi);
    const reward = uphCost - quadCtrlCost - quadImpactCost + 1;
    const info = { ...this.resetInfo(), reward_linup: uphCost, reward_quadctrl: -quadCtrlCost, reward_impact: -quadImpactCost };
    return { obs: humanoidObservation(this.data, this.o), reward, terminated: false, truncated: false, info };
  }

  protected resetModel(): Float64Array {
    const s = this.o.reset_noise_scale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.uniformArray(-s, s, this.nv);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return humanoidObservation(this.data, this.o);
  }

  protected override resetInfo(): Record<string, number | Float64Array> {
    const [x, y, z] = this.qpos;
    return {
      x_position: x,
      y_position: y,
      z_distance_from_origin: z - this.initQpos[2],
      tendon_length: Float64Array.from(this.data.ten_length as Float64Array),
      tendon_velocity: Float64Array.from(this.data.ten_velocity as Float64Array),
    };
  }
}
