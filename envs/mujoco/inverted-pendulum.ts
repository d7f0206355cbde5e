// InvertedPendulum-v5, after Gymnasium 1.4's mujoco/inverted_pendulum_v5.py: push a cart so
// the pole hinged on it stays upright. +1 for every step the pole is within 0.2 rad of upright;
// the episode ends when it leaves that range (or the state is not finite).
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { MujocoEnv, observationBox } from './mujoco-env.ts';

export interface InvertedPendulumOptions {
  xml_file: string;
  frame_skip: number;
  /** Half-width of the uniform noise added to qpos0 and qvel0 at reset. */
  reset_noise_scale: number;
}

export const INVERTED_PENDULUM_DEFAULTS: InvertedPendulumOptions = {
  xml_file: 'inverted_pendulum.xml',
  frame_skip: 2,
  reset_noise_scale: 0.01,
};

/** The pole angle beyond which the episode ends (rad). */
const MAX_POLE_ANGLE = 0.2;

export class InvertedPendulumEnv extends MujocoEnv {
  readonly observationSpace: Space;
  private readonly resetNoiseScale: number;

  constructor(options: Partial<InvertedPendulumOptions> = {}) {
    const o = { ...INVERTED_PENDULUM_DEFAULTS, ...options };
    super({ envName: 'InvertedPendulum-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.resetNoiseScale = o.reset_noise_scale;
    this.observationSpace = observationBox(this.nq + this.nv);
  }

  step(action: BoxAction): StepResult<Float64Array> {
    this.doSimulation(action);
    const obs = this.getObs();
    const terminated = !obs.every(Number.isFinite) || Math.abs(obs[1]) > MAX_POLE_ANGLE;
    const reward = terminated ? 0 : 1;
    return { obs, reward, terminated, truncated: false, info: { reward_survive: reward } };
  }

  protected resetModel(): Float64Array {
    const s = this.resetNoiseScale;
    const qposNoise = this.npRandom.uniformArray(-s, s, this.nq);
    const qvelNoise = this.npRandom.uniformArray(-s, s, this.nv);
    this.setStateWithNoise(qposNoise, qvelNoise);
    return this.getObs();
  }

  /** [qpos (cart x, pole angle), qvel]. */
  private getObs(): Float64Array {
    return this.stateVector();
  }
}
