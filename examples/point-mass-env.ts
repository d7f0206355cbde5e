// PointMass-v0: an example third-party env, written only against gymwire's public API
// (envs/index.ts, protocol/spaces.ts, protocol/env-api.ts, graphics/canvas.ts).
// Serve it with:  npm run env-server -- --plugin examples/point-mass-env.ts
//
// A point mass in the square [-1, 1]^d (d = 1 or 2) must reach a goal drawn at random on
// every reset. The action is a force in [-1, 1]^d; the mass has some inertia (its velocity
// is a running average of the forces), so a good policy brakes before the goal.
//
//   observation  float32 [x_1..x_d, v_1..v_d, g_1..g_d]   position, velocity, goal
//   action       float32 [f_1..f_d] in [-1, 1]             out-of-range forces are clipped
//   reward       -|x - g| - 0.01 |f|^2                      per step
//   terminated   |x - g| < goal_radius                      (the mass reached the goal)
//   truncated    after 100 steps (TimeLimit, from max_episode_steps)
//
// A random policy scores about -100 per episode; a policy that heads to the goal and
// brakes scores about -5. DDPG with small nets learns it in a few thousand steps.
import { BaseEnv, register } from '../envs/index.ts';
import type { Frame, ResetArgs, ResetResult, StepResult } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import { box } from '../protocol/spaces.ts';
import { GymwireError } from '../protocol/errors.ts';
import { Canvas } from '../graphics/canvas.ts';

export interface PointMassOptions {
  /** Dimensions of the arena: 1 (a line) or 2 (a square). */
  dims: number;
  /** Distance to the goal that ends the episode. */
  goal_radius: number;
}

export const POINT_MASS_DEFAULTS: PointMassOptions = { dims: 2, goal_radius: 0.05 };

// Distance covered in one step at full velocity: about ten steps cross the arena.
const MAX_STEP = 0.2;
// v <- DAMPING * v + (1 - DAMPING) * f: the velocity follows the force with a lag of a few steps.
const DAMPING = 0.8;
const GOAL_RANGE = 0.8;

export class PointMassEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly dims: number;
  readonly goalRadius: number;

  private readonly pos: Float64Array;
  private readonly vel: Float64Array;
  private readonly goal: Float64Array;

  constructor(options: Partial<PointMassOptions> = {}) {
    super();
    this.dims = options.dims ?? POINT_MASS_DEFAULTS.dims;
    this.goalRadius = options.goal_radius ?? POINT_MASS_DEFAULTS.goal_radius;
    if (this.dims !== 1 && this.dims !== 2) throw new GymwireError('invalid_kwargs', `PointMass: dims must be 1 or 2, got ${this.dims}`);
    if (!(this.goalRadius > 0)) throw new GymwireError('invalid_kwargs', `PointMass: goal_radius must be > 0, got ${this.goalRadius}`);
    const d = this.dims;
    this.actionSpace = box(-1, 1, [d]);
    // Velocities stay inside [-1, 1] because they average forces that do.
    this.observationSpace = box(-1, 1, [3 * d]);
    this.pos = new Float64Array(d);
    this.vel = new Float64Array(d);
    this.goal = new Float64Array(d);
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    const rng = this.npRandom;
    for (let i = 0; i < this.dims; i++) this.pos[i] = rng.uniform(-1, 1);
    for (let i = 0; i < this.dims; i++) this.goal[i] = rng.uniform(-GOAL_RANGE, GOAL_RANGE);
    this.vel.fill(0);
    return { obs: this.observation(), info: { distance: this.distance() } };
  }

  step(action: Float32Array): StepResult<Float32Array> {
    if (action.length !== this.dims) throw new GymwireError('invalid_action', `PointMass: action must have ${this.dims} elements`);
    let effort = 0;
    for (let i = 0; i < this.dims; i++) {
      const f = Math.min(1, Math.max(-1, action[i]));
      effort += f * f;
      this.vel[i] = DAMPING * this.vel[i] + (1 - DAMPING) * f;
      // Walls stop the mass.
      const x = this.pos[i] + MAX_STEP * this.vel[i];
      if (x < -1 || x > 1) this.vel[i] = 0;
      this.pos[i] = Math.min(1, Math.max(-1, x));
    }
    const distance = this.distance();
    return {
      obs: this.observation(),
      reward: -distance - 0.01 * effort,
      terminated: distance < this.goalRadius,
      truncated: false,
      info: { distance },
    };
  }

  private distance(): number {
    let s = 0;
    for (let i = 0; i < this.dims; i++) s += (this.pos[i] - this.goal[i]) ** 2;
    return Math.sqrt(s);
  }

  private observation(): Float32Array {
    const d = this.dims;
    const obs = new Float32Array(3 * d);
    obs.set(this.pos, 0);
    obs.set(this.vel, d);
    obs.set(this.goal, 2 * d);
    return obs;
  }

  /** A 200x200 view of the arena: green goal disc, blue mass (a 1-D arena is drawn as a line). */
  render(): Frame {
    const size = 200;
    const canvas = new Canvas(size, size, [255, 255, 255]);
    const px = (v: number) => Math.round(((v + 1) / 2) * (size - 1));
    const at = (p: Float64Array): [number, number] => [px(p[0]), this.dims === 2 ? size - 1 - px(p[1]) : size / 2];
    const [gx, gy] = at(this.goal);
    canvas.fillCircle(gx, gy, Math.max(3, Math.round(this.goalRadius * size / 2)), [80, 200, 80]);
    const [mx, my] = at(this.pos);
    canvas.fillCircle(mx, my, 5, [40, 80, 220]);
    return canvas.toFrame();
  }
}

register({
  id: 'PointMass-v0',
  factory: (kw) => new PointMassEnv({ dims: kw.dims as number, goal_radius: kw.goal_radius as number }),
  maxEpisodeSteps: 100,
  rewardThreshold: -10,
  // A few numbers of state: `npm run bench:env-memory -- --plugin examples/point-mass-env.ts --env
  // PointMass-v0` measures ~2 KiB per instance; 4 KiB as for the classic-control envs.
  memoryBytes: 4 * 1024,
  kwargs: {
    dims: { type: 'integer', default: POINT_MASS_DEFAULTS.dims, description: 'Dimensions of the arena: 1 or 2.' },
    goal_radius: {
      type: 'number',
      default: POINT_MASS_DEFAULTS.goal_radius,
      description: 'Distance to the goal that ends the episode.',
    },
  },
});
