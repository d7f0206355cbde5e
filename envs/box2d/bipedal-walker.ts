// BipedalWalker-v3 / BipedalWalkerHardcore-v3, after Gymnasium 1.4's box2d/bipedal_walker.py,
// simulated with planck (a JavaScript port of Box2D 2.3; float64 where Box2D is float32).
// Terrain, clouds and the initial push are drawn from the env's numpy-exact generator with
// the same calls in the same order as Gymnasium, so a seed gives Gymnasium's course.
import { Body, Box as BoxShape, Edge, Polygon, RevoluteJoint, Vec2, type Contact } from 'planck';
import type { Frame, ResetArgs, ResetResult, SpaceValue, StepResult } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box } from '../../protocol/spaces.ts';
import { BaseEnv } from '../base-env.ts';
import { clip, readBoxAction } from '../actions.ts';
import { castRay } from './planck-overlay/ray-cast.ts';
import { Box2DWorld } from './planck-overlay/world.ts';
import { renderBipedalWalker } from './bipedal-walker-render.ts';
import { SCALE, TERRAIN_HEIGHT, TERRAIN_STEP, VIEWPORT_H, VIEWPORT_W } from './bipedal-walker-geometry.ts';

export { SCALE, TERRAIN_HEIGHT, TERRAIN_STEP, VIEWPORT_H, VIEWPORT_W };

/** Simulation steps per second of real time (Gymnasium: metadata render_fps). */
export const FPS = 50;

const MOTORS_TORQUE = 80;
const SPEED_HIP = 4;
const SPEED_KNEE = 6;
const LIDAR_RANGE = 160 / SCALE;

const INITIAL_RANDOM = 5;

const HULL_POLY: [number, number][] = [
  [-30, 9],
  [6, 9],
  [34, 1],
  [34, -8],
  [-30, -8],
];
const LEG_DOWN = -8 / SCALE;
const LEG_W = 8 / SCALE;
const LEG_H = 34 / SCALE;

const TERRAIN_LENGTH = 200; // in steps
const TERRAIN_GRASS = 10; // low long are grass spots, in steps
const TERRAIN_STARTPAD = 20; // in steps
const FRICTION = 2.5;

const CATEGORY_GROUND = 0x0001;
const CATEGORY_WALKER = 0x0020;

// Terrain generator states.
const GRASS = 0;
const STUMP = 1;
const STAIRS = 2;
const PIT = 3;
const N_STATES = 4;

export type RGB = [number, number, number];
export type XY = [number, number];

export interface BipedalWalkerOptions {
  hardcore: boolean;
}

/** One lidar ray: from p1 towards p2, cut at the first ground fixture it meets. */
export interface LidarRay {
  fraction: number;
  p1: XY;
  p2: XY;
}

export class BipedalWalker extends BaseEnv<Float32Array, SpaceValue> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly hardcore: boolean;

  // One world for the env's life, as Gymnasium's (reset destroys the bodies): Box2D hands
  // the destroyed bodies' broad-phase ids out again, and ids decide the order in which new
  // contacts are created, so a fresh world per episode would differ from the second one on.
  readonly world: Box2DWorld;
  // Visible to the renderer.
  terrain: Body[] = [];
  terrainColors = new Map<Body, [RGB, RGB]>();
  terrainPoly: [XY[], RGB][] = [];
  cloudPoly: [XY[], number, number][] = [];
  hull: Body | null = null;
  legs: Body[] = [];
  joints: RevoluteJoint[] = [];
  readonly lidar: LidarRay[] = [];
  scroll = 0;
  lidarRender = 0;

  private readonly groundContact = [false, false, false, false];
  private gameOver = false;
  private prevShaping: number | null = null;
  private readonly action = new Float64Array(4);

  constructor(options: Partial<BipedalWalkerOptions> = {}) {
    super();
    this.hardcore = options.hardcore ?? false;
    // 5.0 stands for joints moving at 5x the rated speed, from ground-contact impulses etc.
    const pi = Math.PI;
    this.observationSpace = box(
      [-pi, -5, -5, -5, -pi, -5, -pi, -5, -0, -pi, -5, -pi, -5, -0, ...new Array<number>(10).fill(-1)],
      [pi, 5, 5, 5, pi, 5, pi, 5, 5, pi, 5, pi, 5, 5, ...new Array<number>(10).fill(1)],
    );
    this.actionSpace = box(-1, 1, [4]);
    for (let i = 0; i < 10; i++) this.lidar.push({ fraction: 1, p1: [0, 0], p2: [0, 0] });
    this.world = new Box2DWorld({ gravity: new Vec2(0, -10) });
  }

  /** Gymnasium's _destroy: no contact callbacks; terrain, hull, then legs, in its list order. */
  private destroy(): void {
    if (this.terrain.length === 0) return;
    this.world.off('begin-contact', this.beginContact);
    this.world.off('end-contact', this.endContact);
    for (const t of this.terrain) this.world.destroyBody(t);
    this.terrain = [];
    this.world.destroyBody(this.hull!);
    this.hull = null;
    for (const leg of this.legs) this.world.destroyBody(leg);
    this.legs = [];
    this.joints = [];
  }

  private staticPolygon(vertices: XY[]): Body {
    const t = this.world.createBody({ type: 'static' });
    t.createFixture({ shape: new Polygon(vertices.map(([x, y]) => new Vec2(x, y))), friction: FRICTION });
    this.terrainColors.set(t, [
      [255, 255, 255],
      [153, 153, 153],
    ]);
    this.terrain.push(t);
    return t;
  }

  private generateTerrain(hardcore: boolean): void {
    const rng = this.npRandom;
    let state = GRASS;
    let velocity = 0.0;
    let y = TERRAIN_HEIGHT;
    let counter = TERRAIN_STARTPAD;
    let oneshot = false;
    this.terrain = [];
    this.terrainColors.clear();
    const terrainX: number[] = [];
    const terrainY: number[] = [];

    let stairSteps = 0;
    let stairWidth = 0;
    let stairHeight = 0;
    let originalY = 0;
    for (let i = 0; i < TERRAIN_LENGTH; i++) {
      const x = i * TERRAIN_STEP;
      terrainX.push(x);

      if (state === GRASS && !oneshot) {
        velocity = 0.8 * velocity + 0.01 * Math.sign(TERRAIN_HEIGHT - y);
        if (i > TERRAIN_STARTPAD) velocity += rng.uniform(-1, 1) / SCALE;
        y += velocity;
      } else if (state === PIT && oneshot) {
        counter = rng.integers(3, 5);
        const poly: XY[] = [
          [x, y],
          [x + TERRAIN_STEP, y],
          [x + TERRAIN_STEP, y - 4 * TERRAIN_STEP],
          [x, y - 4 * TERRAIN_STEP],
        ];
        this.staticPolygon(poly);
        this.staticPolygon(poly.map(([px, py]) => [px + TERRAIN_STEP * counter, py]));
        counter += 2;
        originalY = y;
      } else if (state === PIT && !oneshot) {
        y = originalY;
        if (counter > 1) y -= 4 * TERRAIN_STEP;
      } else if (state === STUMP && oneshot) {
        counter = rng.integers(1, 3);
        this.staticPolygon([
          [x, y],
          [x + counter * TERRAIN_STEP, y],
          [x + counter * TERRAIN_STEP, y + counter * TERRAIN_STEP],
          [x, y + counter * TERRAIN_STEP],
        ]);
      } else if (state === STAIRS && oneshot) {
        stairHeight = rng.random() > 0.5 ? 1 : -1;
        stairWidth = rng.integers(4, 5);
        stairSteps = rng.integers(3, 5);
        originalY = y;
        for (let s = 0; s < stairSteps; s++) {
          this.staticPolygon([
            [x + s * stairWidth * TERRAIN_STEP, y + s * stairHeight * TERRAIN_STEP],
            [x + (1 + s) * stairWidth * TERRAIN_STEP, y + s * stairHeight * TERRAIN_STEP],
            [x + (1 + s) * stairWidth * TERRAIN_STEP, y + (-1 + s * stairHeight) * TERRAIN_STEP],
            [x + s * stairWidth * TERRAIN_STEP, y + (-1 + s * stairHeight) * TERRAIN_STEP],
          ]);
        }
        counter = stairSteps * stairWidth;
      } else if (state === STAIRS && !oneshot) {
        const s = stairSteps * stairWidth - counter - stairHeight;
        const n = s / stairWidth;
        y = originalY + n * stairHeight * TERRAIN_STEP;
      }

      oneshot = false;
      terrainY.push(y);
      counter -= 1;
      if (counter === 0) {
        counter = rng.integers(TERRAIN_GRASS / 2, TERRAIN_GRASS);
        if (state === GRASS && hardcore) {
          state = rng.integers(1, N_STATES);
          oneshot = true;
        } else {
          state = GRASS;
          oneshot = true;
        }
      }
    }

    this.terrainPoly = [];
    for (let i = 0; i < TERRAIN_LENGTH - 1; i++) {
      const p0: XY = [terrainX[i], terrainY[i]];
      const p1: XY = [terrainX[i + 1], terrainY[i + 1]];
      const t = this.world.createBody({ type: 'static' });
      t.createFixture({
        shape: new Edge(new Vec2(p0[0], p0[1]), new Vec2(p1[0], p1[1])),
        friction: FRICTION,
        filterCategoryBits: CATEGORY_GROUND,
      });
      const color: RGB = [76, i % 2 === 0 ? 255 : 204, 76];
      this.terrainColors.set(t, [color, color]);
      this.terrain.push(t);
      this.terrainPoly.push([
        [p0, p1, [p1[0], 0], [p0[0], 0]],
        [102, 153, 76],
      ]);
    }
    this.terrain.reverse();
  }

  private generateClouds(): void {
    // Sorry for the clouds, couldn't resist (Gymnasium's comment; they cost 110 draws).
    const rng = this.npRandom;
    this.cloudPoly = [];
    for (let i = 0; i < TERRAIN_LENGTH / 20; i++) {
      const x = rng.uniform(0, TERRAIN_LENGTH) * TERRAIN_STEP;
      const y = ((VIEWPORT_H / SCALE) * 3) / 4;
      const poly: XY[] = [];
      for (let a = 0; a < 5; a++) {
        const px = x + 15 * TERRAIN_STEP * Math.sin((3.14 * 2 * a) / 5) + rng.uniform(0, 5 * TERRAIN_STEP);
        const py = y + 5 * TERRAIN_STEP * Math.cos((3.14 * 2 * a) / 5) + rng.uniform(0, 5 * TERRAIN_STEP);
        poly.push([px, py]);
      }
      const xs = poly.map((p) => p[0]);
      this.cloudPoly.push([poly, Math.min(...xs), Math.max(...xs)]);
    }
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    this.destroy();
    this.world.on('begin-contact', this.beginContact);
    this.world.on('end-contact', this.endContact);
    this.gameOver = false;
    this.prevShaping = null;
    this.scroll = 0.0;
    this.lidarRender = 0;

    this.generateTerrain(this.hardcore);
    this.generateClouds();

    const initX = (TERRAIN_STEP * TERRAIN_STARTPAD) / 2;
    const initY = TERRAIN_HEIGHT + 2 * LEG_H;
    const hull = this.world.createBody({ type: 'dynamic', position: new Vec2(initX, initY) });
    hull.createFixture({
      shape: new Polygon(HULL_POLY.map(([x, y]) => new Vec2(x / SCALE, y / SCALE))),
      density: 5.0,
      friction: 0.1,
      filterCategoryBits: CATEGORY_WALKER,
      filterMaskBits: CATEGORY_GROUND,
      restitution: 0.0,
    });
    this.hull = hull;
    hull.applyForceToCenter(new Vec2(this.npRandom.uniform(-INITIAL_RANDOM, INITIAL_RANDOM), 0), true);

    this.legs = [];
    this.joints = [];
    this.groundContact.fill(false);
    for (const i of [-1, 1]) {
      const leg = this.world.createBody({ type: 'dynamic', position: new Vec2(initX, initY - LEG_H / 2 - LEG_DOWN), angle: i * 0.05 });
      leg.createFixture({
        shape: new BoxShape(LEG_W / 2, LEG_H / 2),
        density: 1.0,
        restitution: 0.0,
        filterCategoryBits: CATEGORY_WALKER,
        filterMaskBits: CATEGORY_GROUND,
      });
      this.legs.push(leg);
      // No referenceAngle: pybox2d's joint def takes it from the bodies' angles, as planck
      // does; Gymnasium's hip angles (offset by the legs' 0.05 tilt) confirm it.
      this.joints.push(
        this.world.createJoint(
          new RevoluteJoint({
            bodyA: hull,
            bodyB: leg,
            localAnchorA: new Vec2(0, LEG_DOWN),
            localAnchorB: new Vec2(0, LEG_H / 2),
            enableMotor: true,
            enableLimit: true,
            maxMotorTorque: MOTORS_TORQUE,
            motorSpeed: i,
            lowerAngle: -0.8,
            upperAngle: 1.1,
          }),
        )!,
      );

      const lower = this.world.createBody({
        type: 'dynamic',
        position: new Vec2(initX, initY - (LEG_H * 3) / 2 - LEG_DOWN),
        angle: i * 0.05,
      });
      lower.createFixture({
        shape: new BoxShape((0.8 * LEG_W) / 2, LEG_H / 2),
        density: 1.0,
        restitution: 0.0,
        filterCategoryBits: CATEGORY_WALKER,
        filterMaskBits: CATEGORY_GROUND,
      });
      this.legs.push(lower);
      this.joints.push(
        this.world.createJoint(
          new RevoluteJoint({
            bodyA: leg,
            bodyB: lower,
            localAnchorA: new Vec2(0, -LEG_H / 2),
            localAnchorB: new Vec2(0, LEG_H / 2),
            enableMotor: true,
            enableLimit: true,
            maxMotorTorque: MOTORS_TORQUE,
            motorSpeed: 1,
            lowerAngle: -1.6,
            upperAngle: -0.1,
          }),
        )!,
      );
    }

    return { obs: this.step([0, 0, 0, 0]).obs, info: {} };
  }

  private readonly beginContact = (contact: Contact): void => {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    if (a === this.hull || b === this.hull) this.gameOver = true;
    for (const i of [1, 3]) if (a === this.legs[i] || b === this.legs[i]) this.groundContact[i] = true;
  };

  private readonly endContact = (contact: Contact): void => {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    for (const i of [1, 3]) if (a === this.legs[i] || b === this.legs[i]) this.groundContact[i] = false;
  };

  step(action: SpaceValue): StepResult<Float32Array> {
    const hull = this.hull;
    if (hull === null) throw new GymwireError('reset_needed', 'BipedalWalker: call reset() before step()');
    const a = readBoxAction(action, 4, this.action, 'BipedalWalker');

    // Torque control: full speed in the action's direction, torque in proportion to |a|.
    const speeds = [SPEED_HIP, SPEED_KNEE, SPEED_HIP, SPEED_KNEE];
    for (let j = 0; j < 4; j++) {
      this.joints[j].setMotorSpeed(speeds[j] * Math.sign(a[j]));
      this.joints[j].setMaxMotorTorque(MOTORS_TORQUE * clip(Math.abs(a[j]), 0, 1));
    }

    this.world.step(1.0 / FPS, 6 * 30, 2 * 30);

    const pos = hull.getPosition();
    const vel = hull.getLinearVelocity();

    for (let i = 0; i < 10; i++) {
      const ray = this.lidar[i];
      ray.fraction = 1.0;
      ray.p1[0] = pos.x;
      ray.p1[1] = pos.y;
      ray.p2[0] = pos.x + Math.sin((1.5 * i) / 10.0) * LIDAR_RANGE;
      ray.p2[1] = pos.y - Math.cos((1.5 * i) / 10.0) * LIDAR_RANGE;
      // Gymnasium's LidarCallback: only ground fixtures (category bit 1) stop the ray.
      castRay(this.world, ray.p1[0], ray.p1[1], ray.p2[0], ray.p2[1], CATEGORY_GROUND, ray);
    }

    const j = this.joints;
    const obs = new Float32Array(24);
    obs[0] = hull.getAngle(); // normal angles up to 0.5 here, but sure more is possible
    obs[1] = (2.0 * hull.getAngularVelocity()) / FPS;
    obs[2] = (0.3 * vel.x * (VIEWPORT_W / SCALE)) / FPS; // normalized to get -1..1 range
    obs[3] = (0.3 * vel.y * (VIEWPORT_H / SCALE)) / FPS;
    obs[4] = j[0].getJointAngle(); // gives 1.1 on high up, with spikes on hitting the ground
    obs[5] = j[0].getJointSpeed() / SPEED_HIP;
    obs[6] = j[1].getJointAngle() + 1.0;
    obs[7] = j[1].getJointSpeed() / SPEED_KNEE;
    obs[8] = this.groundContact[1] ? 1.0 : 0.0;
    obs[9] = j[2].getJointAngle();
    obs[10] = j[2].getJointSpeed() / SPEED_HIP;
    obs[11] = j[3].getJointAngle() + 1.0;
    obs[12] = j[3].getJointSpeed() / SPEED_KNEE;
    obs[13] = this.groundContact[3] ? 1.0 : 0.0;
    for (let i = 0; i < 10; i++) obs[14 + i] = this.lidar[i].fraction;

    this.scroll = pos.x - VIEWPORT_W / SCALE / 5;

    // Moving forward earns reward (about 300 at the far end); keep the head straight,
    // other than that and falling, any behaviour is unpunished.
    const shaping = (130 * pos.x) / SCALE - 5.0 * Math.abs(hull.getAngle());
    let reward = 0;
    if (this.prevShaping !== null) reward = shaping - this.prevShaping;
    this.prevShaping = shaping;
    for (let k = 0; k < 4; k++) reward -= 0.00035 * MOTORS_TORQUE * clip(Math.abs(a[k]), 0, 1);

    let terminated = false;
    if (this.gameOver || pos.x < 0) {
      reward = -100;
      terminated = true;
    }
    if (pos.x > (TERRAIN_LENGTH - TERRAIN_GRASS) * TERRAIN_STEP) terminated = true;
    return { obs, reward, terminated, truncated: false, info: {} };
  }

  render(): Frame {
    if (this.hull === null) throw new GymwireError('reset_needed', 'BipedalWalker: call reset() before render()');
    return renderBipedalWalker(this);
  }
}
