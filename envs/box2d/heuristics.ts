// The hand-written controllers Gymnasium ships with its Box2D envs, for tests and demos:
// LunarLander's PD-controller heuristic() and BipedalWalker's scripted gait.

/**
 * Gymnasium's lunar_lander.heuristic(): steer the angle towards the pad and hold a hover
 * height proportional to the horizontal offset; after touchdown only damp the fall.
 * Returns [main, lateral] clipped to [-1, 1] for the continuous env, else 0..3.
 */
export function lunarLanderHeuristic(s: ArrayLike<number>, continuous: true): Float64Array;
export function lunarLanderHeuristic(s: ArrayLike<number>, continuous: false): number;
export function lunarLanderHeuristic(s: ArrayLike<number>, continuous: boolean): number | Float64Array;
export function lunarLanderHeuristic(s: ArrayLike<number>, continuous: boolean): number | Float64Array {
  let angleTarg = s[0] * 0.5 + s[2] * 1.0; // angle should point towards center
  if (angleTarg > 0.4) angleTarg = 0.4; // more than 0.4 radians (22 degrees) is bad
  if (angleTarg < -0.4) angleTarg = -0.4;
  const hoverTarg = 0.55 * Math.abs(s[0]); // target y should be proportional to horizontal offset

  let angleTodo = (angleTarg - s[4]) * 0.5 - s[5] * 1.0;
  let hoverTodo = (hoverTarg - s[1]) * 0.5 - s[3] * 0.5;

  if (s[6] || s[7]) {
    // legs have contact: only reduce the fall speed
    angleTodo = 0;
    hoverTodo = -s[3] * 0.5;
  }

  if (continuous) {
    const a = new Float64Array([hoverTodo * 20 - 1, -angleTodo * 20]);
    for (let i = 0; i < 2; i++) a[i] = Math.min(1, Math.max(-1, a[i]));
    return a;
  }
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return 2;
  if (angleTodo < -0.05) return 3;
  if (angleTodo > 0.05) return 1;
  return 0;
}

/**
 * Gymnasium's BipedalWalkerHeuristics: a three-phase gait (stand on one leg, put the other
 * down, push off) with PD targets for hips and knees. Suboptimal, with no notion of balance,
 * but it walks forward on flat terrain.
 */
export class BipedalWalkerHeuristic {
  static readonly STAY_ON_ONE_LEG = 1;
  static readonly PUT_OTHER_DOWN = 2;
  static readonly PUSH_OFF = 3;
  static readonly SPEED = 0.29; // will fall forward on higher speed
  static readonly SUPPORT_KNEE_ANGLE = 0.1;

  state = BipedalWalkerHeuristic.STAY_ON_ONE_LEG;
  movingLeg = 0;
  supportingLeg = 1;
  supportingKneeAngle = BipedalWalkerHeuristic.SUPPORT_KNEE_ANGLE;
  private readonly a = new Float64Array(4);

  /** The next action from observation s; the returned array is reused between calls. */
  step(s: ArrayLike<number>): Float64Array {
    const H = BipedalWalkerHeuristic;
    const movingBase = 4 + 5 * this.movingLeg;
    const supportingBase = 4 + 5 * this.supportingLeg;
    const hipTarg: (number | null)[] = [null, null]; // -0.8 .. +1.1
    const kneeTarg: (number | null)[] = [null, null]; // -0.6 .. +0.9
    const hipTodo = [0.0, 0.0];
    const kneeTodo = [0.0, 0.0];

    if (this.state === H.STAY_ON_ONE_LEG) {
      hipTarg[this.movingLeg] = 1.1;
      kneeTarg[this.movingLeg] = -0.6;
      this.supportingKneeAngle += 0.03;
      if (s[2] > H.SPEED) this.supportingKneeAngle += 0.03;
      this.supportingKneeAngle = Math.min(this.supportingKneeAngle, H.SUPPORT_KNEE_ANGLE);
      kneeTarg[this.supportingLeg] = this.supportingKneeAngle;
      if (s[supportingBase + 0] < 0.1) this.state = H.PUT_OTHER_DOWN; // supporting leg is behind
    }
    if (this.state === H.PUT_OTHER_DOWN) {
      hipTarg[this.movingLeg] = 0.1;
      kneeTarg[this.movingLeg] = H.SUPPORT_KNEE_ANGLE;
      kneeTarg[this.supportingLeg] = this.supportingKneeAngle;
      if (s[movingBase + 4]) {
        this.state = H.PUSH_OFF;
        this.supportingKneeAngle = Math.min(s[movingBase + 2], H.SUPPORT_KNEE_ANGLE);
      }
    }
    if (this.state === H.PUSH_OFF) {
      kneeTarg[this.movingLeg] = this.supportingKneeAngle;
      kneeTarg[this.supportingLeg] = 1.0;
      if (s[supportingBase + 2] > 0.88 || s[2] > 1.2 * H.SPEED) {
        this.state = H.STAY_ON_ONE_LEG;
        this.movingLeg = 1 - this.movingLeg;
        this.supportingLeg = 1 - this.movingLeg;
      }
    }

    // Python's `if hip_targ[0]:` also skips a target of exactly 0; none of the targets is 0.
    if (hipTarg[0]) hipTodo[0] = 0.9 * (hipTarg[0] - s[4]) - 0.25 * s[5];
    if (hipTarg[1]) hipTodo[1] = 0.9 * (hipTarg[1] - s[9]) - 0.25 * s[10];
    if (kneeTarg[0]) kneeTodo[0] = 4.0 * (kneeTarg[0] - s[6]) - 0.25 * s[7];
    if (kneeTarg[1]) kneeTodo[1] = 4.0 * (kneeTarg[1] - s[11]) - 0.25 * s[12];

    hipTodo[0] -= 0.9 * (0 - s[0]) - 1.5 * s[1]; // PID to keep head straight
    hipTodo[1] -= 0.9 * (0 - s[0]) - 1.5 * s[1];
    kneeTodo[0] -= 15.0 * s[3]; // vertical speed, to damp oscillations
    kneeTodo[1] -= 15.0 * s[3];

    this.a[0] = hipTodo[0];
    this.a[1] = kneeTodo[0];
    this.a[2] = hipTodo[1];
    this.a[3] = kneeTodo[1];
    for (let i = 0; i < 4; i++) this.a[i] = Math.min(1, Math.max(-1, 0.5 * this.a[i]));
    return this.a;
  }
}
