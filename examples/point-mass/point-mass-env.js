// @ts-check
// PointMass-v0: an example third-party env, shipped as an npm package of its own. It imports
// nothing from gymwire: its default export is called by the server with gymwire's plugin API
// ({ register, BaseEnv, box, discrete, GymwireError, Canvas }, server/plugins.ts), so it works
// wherever it is installed. Plain JavaScript, so it loads in any Node 20 without a compiler;
// the JSDoc types below are checked by this repository's type-check (`// @ts-check`).
//
//   npm install ./examples/point-mass     (or a published name)
//   npm run env-server -- --plugin gymwire-example-point-mass
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

/** @typedef {import('../../server/plugins.ts').PluginApi} PluginApi (types only: erased at run time) */

/** Dimensions of the arena (1: a line, 2: a square) and the distance to the goal that ends the episode. */
export const POINT_MASS_DEFAULTS = Object.freeze({ dims: 2, goal_radius: 0.05 });

// Distance covered in one step at full velocity: about ten steps cross the arena.
const MAX_STEP = 0.2;
// v <- DAMPING * v + (1 - DAMPING) * f: the velocity follows the force with a lag of a few steps.
const DAMPING = 0.8;
const GOAL_RANGE = 0.8;

/** @param {PluginApi} api */
export default function registerPointMass({ register, BaseEnv, box, GymwireError, Canvas }) {
  /** @extends {BaseEnv<Float32Array, Float32Array>} */
  class PointMassEnv extends BaseEnv {
    /** @param {{ dims?: number, goal_radius?: number }} [options] */
    constructor(options = {}) {
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

    /** @param {import('../../protocol/env-api.ts').ResetArgs} [args] */
    reset(args) {
      this.seed(args);
      const rng = this.npRandom;
      for (let i = 0; i < this.dims; i++) this.pos[i] = rng.uniform(-1, 1);
      for (let i = 0; i < this.dims; i++) this.goal[i] = rng.uniform(-GOAL_RANGE, GOAL_RANGE);
      this.vel.fill(0);
      return { obs: this.observation(), info: { distance: this.distance() } };
    }

    /** @param {Float32Array} action */
    step(action) {
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

    distance() {
      let s = 0;
      for (let i = 0; i < this.dims; i++) s += (this.pos[i] - this.goal[i]) ** 2;
      return Math.sqrt(s);
    }

    observation() {
      const d = this.dims;
      const obs = new Float32Array(3 * d);
      obs.set(this.pos, 0);
      obs.set(this.vel, d);
      obs.set(this.goal, 2 * d);
      return obs;
    }

    /** A 200x200 view of the arena: green goal disc, blue mass (a 1-D arena is drawn as a line). */
    render() {
      const size = 200;
      const canvas = new Canvas(size, size, [255, 255, 255]);
      /** @param {number} v */
      const px = (v) => Math.round(((v + 1) / 2) * (size - 1));
      /** @param {Float64Array} p @returns {[number, number]} */
      const at = (p) => [px(p[0]), this.dims === 2 ? size - 1 - px(p[1]) : size / 2];
      const [gx, gy] = at(this.goal);
      canvas.fillCircle(gx, gy, Math.max(3, Math.round((this.goalRadius * size) / 2)), [80, 200, 80]);
      const [mx, my] = at(this.pos);
      canvas.fillCircle(mx, my, 5, [40, 80, 220]);
      return canvas.toFrame();
    }
  }

  register({
    id: 'PointMass-v0',
    factory: (kw) => new PointMassEnv({ dims: /** @type {number} */ (kw.dims), goal_radius: /** @type {number} */ (kw.goal_radius) }),
    maxEpisodeSteps: 100,
    rewardThreshold: -10,
    // A few numbers of state: `npm run bench:env-memory -- --plugin gymwire-example-point-mass
    // --env PointMass-v0` measures ~2 KiB per instance; 4 KiB as for the classic-control envs.
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
}
