// Hopper-v5, after Gymnasium 1.4's mujoco/hopper_v5.py: a one-legged planar robot rewarded
// for hopping forward and for staying healthy, less a cost on the squared torques. It is
// healthy while its torso is high enough, upright enough, and every other state entry is
// within healthy_state_range; unhealthy ends the episode (unless terminate_when_unhealthy is off).
import { inOpenRange, type Range } from './mujoco-env.ts';
import { PlanarWalkerEnv, type PlanarWalkerOptions } from './planar-walker.ts';

export interface HopperOptions extends PlanarWalkerOptions {
  /** Open range every entry of the state vector but the root's x and z must lie in. */
  healthy_state_range: Range;
}

export const HOPPER_DEFAULTS: HopperOptions = {
  xml_file: 'hopper.xml',
  frame_skip: 4,
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 1e-3,
  healthy_reward: 1.0,
  terminate_when_unhealthy: true,
  healthy_state_range: [-100.0, 100.0],
  healthy_z_range: [0.7, Infinity],
  healthy_angle_range: [-0.2, 0.2],
  reset_noise_scale: 5e-3,
  exclude_current_positions_from_observation: true,
};

export class HopperEnv extends PlanarWalkerEnv<HopperOptions> {
  constructor(options: Partial<HopperOptions> = {}) {
    super('Hopper-v5', { ...HOPPER_DEFAULTS, ...options });
  }

  get isHealthy(): boolean {
    const qpos = this.qpos;
    const state = this.stateVector().subarray(2);
    return (
      state.every((s) => inOpenRange(s, this.o.healthy_state_range)) &&
      inOpenRange(qpos[1], this.o.healthy_z_range) &&
      inOpenRange(qpos[2], this.o.healthy_angle_range)
    );
  }
}
