// InvertedDoublePendulum-v5, after Gymnasium 1.4's mujoco/inverted_double_pendulum_v5.py:
// balance two poles, one on the other, on a cart. The reward is a survival bonus less a
// penalty on the tip's distance from its upright height (y = 2) and on the hinges' speeds;
// the episode ends when the tip drops to y <= 1.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { clipInto, MujocoEnv, observationBox } from './mujoco-env.ts';

export interface InvertedDoublePendulumOptions {
  xml_file: string;
  frame_skip: number;
  /** Reward for every step the tip stays above y = 1. */
  healthy_reward: number;
  /** Scale of the reset noise: uniform half-width on qpos, standard deviation on qvel. */
  reset_noise_scale: number;
}

export const INVERTED_DOUBLE_PENDULUM_DEFAULTS: InvertedDoublePendulumOptions = {
  xml_file: 'inverted_double_pendulum.xml',
  frame_skip: 5,
  healthy_reward: 10.0,
  reset_noise_scale: 0.1,
};

/** Observed velocities and the cart's constraint force are clipped to this magnitude. */
const OBS_CLIP = 10;

export class InvertedDoublePendulumEnv extends MujocoEnv {
  readonly observationSpace: Space = observationBox(9);
  private readonly healthyReward: number;
  private readonly resetNoiseScale: number;

  constructor(options: Partial<InvertedDoublePendulumOptions> = {}) {
    const o = { ...INVERTED_DOUBLE_PENDULUM_DEFAULTS, ...options };
    super({ envName: 'InvertedDoublePendulum-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.healthyReward = o.healthy_reward;
    this.resetNoiseScale = o.reset_noise_scale;
  }

  step(action: BoxAction): StepResult<Float64Array> {
    this.doSimulation(action);
    const tip = this.data.site_xpos as Float64Array;
    const x = tip[0];
    const y = tip[2];
    const obs = this.getObs();
    const terminated = y <= 1;
    const { reward, info } = this.getReward(x, y, terminated);
    return { obs, reward, terminated, truncated: false, info };
  }

  private getReward(x: number, y: number, terminated: boolean): { reward: number; info: Record<string, number> } {
    const qvel = this.qvel;
    const v1 = qvel[1];
    const v2 = qvel[2];
    const distPenalty = 0.01 * (x * x) + (y - 2) * (y - 2);
    const velPenalty = 1e-3 * (v1 * v1) + 5e-3 * (v2 * v2);
    const aliveBonus = terminated ? 0 : this.healthyReward;
    const reward = aliveBonus - distPenalty - velPenalty;
    return { reward, info: { reward_survive: aliveBonus, distance_penalty: -distPenalty, velocity_penalty: -velPenalty } };
  }

  /** [cart x, sin(hinges), cos(hinges), clip(qvel), clip(cart constraint force)]. */
  private getObs(): Float64Array {
    const qpos = this.qpos;
    const obs = new Float64Array(9);
    obs[0] = qpos[0];
    obs[1] = Math.sin(qpos[1]);
    obs[2] = Math.sin(qpos[2]);
    obs[3] = Math.cos(qpos[1]);
    obs[4] = Math.cos(qpos[2]);
    clipInto(obs, 5, this.qvel, -OBS_CLIP, OBS_CLIP);
    clipInto(obs, 8, (this.data.qfrc_constraint as Float64Array).subarray(0, 1), -OBS_CLIP, OBS_CLIP);
    return obs;
  }

  protected resetModel(): Float64Array {
    const s = this.resetNoiseScale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.standardNormalArray(this.nv).map((n) => n * s);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return this.getObs();
  }
}
