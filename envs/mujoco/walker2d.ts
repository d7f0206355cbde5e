// Walker2d-v5, after Gymnasium 1.4's mujoco/walker2d_v5.py: a two-legged planar robot rewarded
// for walking forward and for staying healthy, less a cost on the squared torques. It is
// healthy while its torso is within a height range and an angle range; unhealthy ends the
// episode (unless terminate_when_unhealthy is off). The v5 model gives both feet the same friction.
import { inOpenRange } from './mujoco-env.ts';
import { PlanarWalkerEnv, type PlanarWalkerOptions } from './planar-walker.ts';

export type Walker2dOptions = PlanarWalkerOptions;

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

export class Walker2dEnv extends PlanarWalkerEnv<Walker2dOptions> {
  constructor(options: Partial<Walker2dOptions> = {}) {
    super('Walker2d-v5', { ...WALKER2D_DEFAULTS, ...options });
  }

  get isHealthy(): boolean {
    const qpos = this.qpos;
    return inOpenRange(qpos[1], this.o.healthy_z_range) && inOpenRange(qpos[2], this.o.healthy_angle_range);
  }
}
