// Pusher-v5, after Gymnasium 1.4's mujoco/pusher_v5.py: a seven-joint arm pushes a cylinder
// (drawn at reset, away from the goal) to a goal on the table. The reward is minus the arm tip's
// distance to the object, minus the object's distance to the goal, less the summed squared
// action. It never terminates; episodes end by the time limit.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { MujocoEnv, observationBox } from './mujoco-env.ts';

export interface PusherOptions {
  xml_file: string;
  frame_skip: number;
  /** Weight of the tip-to-object distance in the reward. */
  reward_near_weight: number;
  /** Weight of the object-to-goal distance in the reward. */
  reward_dist_weight: number;
  /** Weight of the summed squared action in the reward. */
  reward_control_weight: number;
}

export const PUSHER_DEFAULTS: PusherOptions = {
  xml_file: 'pusher_v5.xml',
  frame_skip: 5,
  reward_near_weight: 0.5,
  reward_dist_weight: 1,
  reward_control_weight: 0.1,
};

/** The cylinder is redrawn until it starts farther than this from the goal. */
const MIN_START_DISTANCE = 0.17;

const norm = ([x, y, z]: number[]) => Math.sqrt(x * x + y * y + z * z);

export class PusherEnv extends MujocoEnv {
  readonly observationSpace: Space = observationBox(23);
  private readonly o: PusherOptions;
  private readonly tipsArm: number;
  private readonly object: number;
  private readonly goal: number;

  constructor(options: Partial<PusherOptions> = {}) {
    const o = { ...PUSHER_DEFAULTS, ...options };
    super({ envName: 'Pusher-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.tipsArm = this.bodyId('tips_arm');
    this.object = this.bodyId('object');
    this.goal = this.bodyId('goal');
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const ctrl = this.doSimulation(action);
    const obs = this.getObs();
    const object = this.bodyPosition(this.object);
    const tip = this.bodyPosition(this.tipsArm);
    const goal = this.bodyPosition(this.goal);
    const rewardNear = -norm(object.map((v, i) => v - tip[i])) * this.o.reward_near_weight;
    const rewardDist = -norm(object.map((v, i) => v - goal[i])) * this.o.reward_dist_weight;
    let sumSq = 0;
    for (const a of ctrl) sumSq += a * a;
    const rewardCtrl = -sumSq * this.o.reward_control_weight;
    return {
      obs,
      reward: rewardDist + rewardCtrl + rewardNear,
      terminated: false,
      truncated: false,
      info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl, reward_near: rewardNear },
    };
  }

  /** [arm qpos (7), arm qvel (7), tips_arm, object and goal body positions (3 each)]. */
  private getObs(): Float64Array {
    const obs = new Float64Array(23);
    obs.set(this.qpos.subarray(0, 7));
    obs.set(this.qvel.subarray(0, 7), 7);
    obs.set(this.bodyPosition(this.tipsArm), 14);
    obs.set(this.bodyPosition(this.object), 17);
    obs.set(this.bodyPosition(this.goal), 20);
    return obs;
  }

  /** The arm at qpos0; the cylinder drawn in [-0.3, 0] x [-0.2, 0.2] away from the goal at (0, 0); small noise on the arm's qvel. */
  protected resetModel(): Float64Array {
    const rng = this.npRandom;
    let cx: number;
    let cy: number;
    do {
      cx = rng.uniformArray(-0.3, 0, 1)[0];
      cy = rng.uniformArray(-0.2, 0.2, 1)[0];
    } while (!(Math.sqrt(cx * cx + cy * cy) > MIN_START_DISTANCE));
    const qpos = Float64Array.from(this.initQpos);
    qpos.set([cx, cy, 0, 0], this.nq - 4);
    const qvel = Float64Array.from(rng.uniformArray(-0.005, 0.005, this.nv), (n, i) => this.initQvel[i] + n);
    qvel.fill(0, this.nv - 4);
    this.setState(qpos, qvel);
    return this.getObs();
  }
}
