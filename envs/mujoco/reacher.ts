// Reacher-v5, after Gymnasium 1.4's mujoco/reacher_v5.py: a two-joint arm in the plane moves
// its fingertip to a target drawn at reset. The reward is minus the fingertip's distance to the
// target, less the summed squared action. It never terminates; episodes end by the time limit.
import type { StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { BoxAction } from '../actions.ts';
import { MujocoEnv, observationBox } from './mujoco-env.ts';

export interface ReacherOptions {
  xml_file: string;
  frame_skip: number;
  /** Weight of the fingertip-to-target distance in the reward. */
  reward_dist_weight: number;
  /** Weight of the summed squared action in the reward. */
  reward_control_weight: number;
}

export const REACHER_DEFAULTS: ReacherOptions = {
  xml_file: 'reacher.xml',
  frame_skip: 2,
  reward_dist_weight: 1,
  reward_control_weight: 1,
};

/** The target is drawn uniformly in the square of this half-width until it lies inside the circle of this radius. */
const TARGET_REACH = 0.2;

export class ReacherEnv extends MujocoEnv {
  readonly observationSpace: Space = observationBox(10);
  private readonly o: ReacherOptions;
  private readonly fingertip: number;
  private readonly target: number;

  constructor(options: Partial<ReacherOptions> = {}) {
    const o = { ...REACHER_DEFAULTS, ...options };
    super({ envName: 'Reacher-v5', xmlFile: o.xml_file, frameSkip: o.frame_skip });
    this.o = o;
    this.fingertip = this.bodyId('fingertip');
    this.target = this.bodyId('target');
  }

  step(action: BoxAction): StepResult<Float64Array> {
    const ctrl = this.doSimulation(action);
    const obs = this.getObs();
    const [dx, dy, dz] = this.fingertipToTarget();
    const rewardDist = -Math.sqrt(dx * dx + dy * dy + dz * dz) * this.o.reward_dist_weight;
    let sumSq = 0;
    for (const a of ctrl) sumSq += a * a;
    const rewardCtrl = -sumSq * this.o.reward_control_weight;
    return {
      obs,
      reward: rewardDist + rewardCtrl,
      terminated: false,
      truncated: false,
      info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl },
    };
  }

  private fingertipToTarget(): [number, number, number] {
    const tip = this.bodyPosition(this.fingertip);
    const target = this.bodyPosition(this.target);
    return [tip[0] - target[0], tip[1] - target[1], tip[2] - target[2]];
  }

  /** [cos(joint angles), sin(joint angles), target x and y, joint speeds, fingertip - target in x and y]. */
  private getObs(): Float64Array {
    const qpos = this.qpos;
    const qvel = this.qvel;
    const [dx, dy] = this.fingertipToTarget();
    return Float64Array.of(
      Math.cos(qpos[0]),
      Math.cos(qpos[1]),
      Math.sin(qpos[0]),
      Math.sin(qpos[1]),
      qpos[2],
      qpos[3],
      qvel[0],
      qvel[1],
      dx,
      dy,
    );
  }

  /** Arm joints: qpos0 plus uniform noise; the target's two slide joints: the drawn goal, at rest. */
  protected resetModel(): Float64Array {
    const rng = this.npRandom;
    const qpos = Float64Array.from(rng.uniformArray(-0.1, 0.1, this.nq), (n, i) => n + this.initQpos[i]);
    let goal: Float64Array;
    do goal = rng.uniformArray(-TARGET_REACH, TARGET_REACH, 2);
    while (!(Math.sqrt(goal[0] * goal[0] + goal[1] * goal[1]) < TARGET_REACH));
    qpos.set(goal, this.nq - 2);
    const qvel = Float64Array.from(rng.uniformArray(-0.005, 0.005, this.nv), (n, i) => this.initQvel[i] + n);
    qvel.fill(0, this.nv - 2);
    this.setState(qpos, qvel);
    return this.getObs();
  }
}
