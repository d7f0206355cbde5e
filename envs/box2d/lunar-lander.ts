// LunarLander-v3 / LunarLanderContinuous-v3, after Gymnasium 1.4's box2d/lunar_lander.py,
// simulated with planck (a JavaScript port of Box2D 2.3; float64 where Box2D is float32).
// Terrain, the initial push, engine dispersion and the wind phase are drawn from the env's
// numpy-exact generator with the same calls in the same order as Gymnasium, so a seed
// gives Gymnasium's terrain and push.
import { Body, Circle, Edge, Polygon, Box as BoxShape, RevoluteJoint, Vec2, type Contact } from 'planck';
import type { Frame, ResetArgs, ResetResult, SpaceValue, StepResult } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { BaseEnv } from '../base-env.ts';
import { clip, readBoxAction, readDiscreteAction } from '../actions.ts';
import { Box2DWorld } from './planck-overlay/world.ts';
import { renderLunarLander } from './lunar-lander-render.ts';

/** Simulation steps per second of real time (Gymnasium: metadata render_fps). */
export const FPS = 50;
const SCALE = 30.0; // affects how fast-paced the game is, forces should be adjusted as well

const MAIN_ENGINE_POWER = 13.0;
const SIDE_ENGINE_POWER = 0.6;

const INITIAL_RANDOM = 1000.0;

const LANDER_POLY: [number, number][] = [
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
];
const LEG_AWAY = 20;
const LEG_DOWN = 18;
const LEG_W = 2;
const LEG_H = 8;
const LEG_SPRING_TORQUE = 40;

const SIDE_ENGINE_HEIGHT = 14;
const SIDE_ENGINE_AWAY = 12;
const MAIN_ENGINE_Y_LOCATION = 4; // where the main engine sits below the lander's origin

const VIEWPORT_W = 600;
const VIEWPORT_H = 400;

const W = VIEWPORT_W / SCALE;
const H = VIEWPORT_H / SCALE;
const CHUNKS = 11;

// Collision filtering, as Gymnasium sets it: everything collides only with the ground.
const CATEGORY_GROUND = 0x0001;
const CATEGORY_LANDER = 0x0010;
const CATEGORY_LEG = 0x0020;
const CATEGORY_PARTICLE = 0x0100;

export interface LunarLanderOptions {
  continuous: boolean;
  gravity: number;
  enable_wind: boolean;
  wind_power: number;
  turbulence_power: number;
}

export const LUNAR_LANDER_DEFAULTS: LunarLanderOptions = {
  continuous: false,
  gravity: -10.0,
  enable_wind: false,
  wind_power: 15.0,
  turbulence_power: 1.5,
};

/** A flame particle: decoration only, it collides with the ground and nothing else. */
export interface Particle {
  body: Body;
  ttl: number;
}

/** A Discrete action (number) or [main, lateral]; any SpaceValue is accepted and checked at run time. */
export type LunarLanderAction = SpaceValue;

export class LunarLander extends BaseEnv<Float32Array, LunarLanderAction> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly continuous: boolean;
  readonly gravity: number;
  readonly enableWind: boolean;
  readonly windPower: number;
  readonly turbulencePower: number;

  // Visible to the renderer.
  world!: Box2DWorld;
  moon: Body | null = null;
  lander: Body | null = null;
  legs: Body[] = [];
  readonly legContact = [false, false];
  particles: Particle[] = [];
  skyPolys: [number, number][][] = [];
  helipadX1 = 0;
  helipadX2 = 0;
  helipadY = 0;

  private gameOver = false;
  private prevShaping: number | null = null;
  private windIdx = 0;
  private torqueIdx = 0;
  /** Gymnasium adds particles only when a render mode is set; here, once render() has been called. */
  private rendering = false;
  private readonly action = new Float64Array(2);
  private readonly impulse = new Vec2(0, 0);
  private readonly impulsePos = new Vec2(0, 0);
  private readonly windForce = new Vec2(0, 0);

  constructor(options: Partial<LunarLanderOptions> = {}) {
    super();
    const o = { ...LUNAR_LANDER_DEFAULTS, ...options };
    if (!(-12.0 < o.gravity && o.gravity < 0.0)) {
      throw new GymwireError('invalid_kwargs', `gravity (current value: ${o.gravity}) must be between -12 and 0`);
    }
    // Gymnasium only warns when wind_power is outside [0, 20] or turbulence_power outside [0, 2].
    this.continuous = o.continuous;
    this.gravity = o.gravity;
    this.enableWind = o.enable_wind;
    this.windPower = o.wind_power;
    this.turbulencePower = o.turbulence_power;
    this.observationSpace = box(
      [-2.5, -2.5, -10.0, -10.0, -2 * Math.PI, -10.0, -0.0, -0.0],
      [2.5, 2.5, 10.0, 10.0, 2 * Math.PI, 10.0, 1.0, 1.0],
    );
    // Continuous: [main, lateral]. Main -1..0 off, 0..1 throttle 50%..100%;
    // lateral -1..-0.5 left engine, 0.5..1 right engine, in between off.
    // Discrete: nop, fire left engine, main engine, right engine.
    this.actionSpace = this.continuous ? box(-1, 1, [2]) : discrete(4);
  }

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    const rng = this.npRandom;
    // A fresh world each episode, as Gymnasium 1.x does (its fix for issue #728).
    this.world = new Box2DWorld({ gravity: new Vec2(0, this.gravity) });
    this.world.on('begin-contact', this.beginContact);
    this.world.on('end-contact', this.endContact);
    this.particles = [];
    this.gameOver = false;
    this.prevShaping = null;

    // Terrain: 12 random heights, a flat helipad in the middle, smoothed.
    const height = rng.uniformArray(0, H / 2, CHUNKS + 1);
    const chunkX: number[] = [];
    for (let i = 0; i < CHUNKS; i++) chunkX.push((W / (CHUNKS - 1)) * i);
    const half = Math.floor(CHUNKS / 2);
    this.helipadX1 = chunkX[half - 1];
    this.helipadX2 = chunkX[half + 1];
    this.helipadY = H / 4;
    for (let k = -2; k <= 2; k++) height[half + k] = this.helipadY;
    const smoothY: number[] = [];
    for (let i = 0; i < CHUNKS; i++) {
      // height[i - 1] for i = 0 is numpy's height[-1], the last element.
      const prev = height[(i - 1 + height.length) % height.length];
      smoothY.push(0.33 * (prev + height[i] + height[i + 1]));
    }

    this.moon = this.world.createBody({ type: 'static' });
    this.moon.createFixture({ shape: new Edge(new Vec2(0, 0), new Vec2(W, 0)) });
    this.skyPolys = [];
    for (let i = 0; i < CHUNKS - 1; i++) {
      const p1: [number, number] = [chunkX[i], smoothY[i]];
      const p2: [number, number] = [chunkX[i + 1], smoothY[i + 1]];
      this.moon.createFixture({
        shape: new Edge(new Vec2(p1[0], p1[1]), new Vec2(p2[0], p2[1])),
        density: 0,
        friction: 0.1,
      });
      this.skyPolys.push([p1, p2, [p2[0], H], [p1[0], H]]);
    }

    const initialX = VIEWPORT_W / SCALE / 2;
    const initialY = VIEWPORT_H / SCALE;
    const lander = this.world.createBody({ type: 'dynamic', position: new Vec2(initialX, initialY), angle: 0.0 });
    lander.createFixture({
      shape: new Polygon(LANDER_POLY.map(([x, y]) => new Vec2(x / SCALE, y / SCALE))),
      density: 5.0,
      friction: 0.1,
      filterCategoryBits: CATEGORY_LANDER,
      filterMaskBits: CATEGORY_GROUND,
      restitution: 0.0,
    });
    this.lander = lander;

    // The initial random push.
    const fx = rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    const fy = rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    lander.applyForceToCenter(new Vec2(fx, fy), true);

    if (this.enableWind) {
      // The wind's phase, drawn per episode (v3).
      this.windIdx = rng.integers(-9999, 9999);
      this.torqueIdx = rng.integers(-9999, 9999);
    }

    this.legs = [];
    this.legContact[0] = false;
    this.legContact[1] = false;
    for (const i of [-1, 1]) {
      const leg = this.world.createBody({
        type: 'dynamic',
        position: new Vec2(initialX - (i * LEG_AWAY) / SCALE, initialY),
        angle: i * 0.05,
      });
      leg.createFixture({
        shape: new BoxShape(LEG_W / SCALE, LEG_H / SCALE),
        density: 1.0,
        restitution: 0.0,
        filterCategoryBits: CATEGORY_LEG,
        filterMaskBits: CATEGORY_GROUND,
      });
      // No referenceAngle: pybox2d's joint def takes it from the bodies' angles (the legs'
      // tilt), and so does planck; Gymnasium's recorded joint angles confirm it.
      this.world.createJoint(
        new RevoluteJoint({
          bodyA: lander,
          bodyB: leg,
          localAnchorA: new Vec2(0, 0),
          localAnchorB: new Vec2((i * LEG_AWAY) / SCALE, LEG_DOWN / SCALE),
          enableMotor: true,
          enableLimit: true,
          maxMotorTorque: LEG_SPRING_TORQUE,
          motorSpeed: 0.3 * i, // low enough not to jump back into the sky
          // The angled legs may travel within these limits.
          lowerAngle: i === -1 ? 0.9 - 0.5 : -0.9,
          upperAngle: i === -1 ? 0.9 : -0.9 + 0.5,
        }),
      );
      this.legs.push(leg);
    }

    return { obs: this.step(this.continuous ? [0, 0] : 0).obs, info: {} };
  }

  private readonly beginContact = (contact: Contact): void => {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    if (a === this.lander || b === this.lander) this.gameOver = true;
    for (let i = 0; i < 2; i++) if (a === this.legs[i] || b === this.legs[i]) this.legContact[i] = true;
  };

  private readonly endContact = (contact: Contact): void => {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    for (let i = 0; i < 2; i++) if (a === this.legs[i] || b === this.legs[i]) this.legContact[i] = false;
  };

  step(action: LunarLanderAction): StepResult<Float32Array> {
    const lander = this.lander;
    if (lander === null) throw new GymwireError('reset_needed', 'LunarLander: call reset() before step()');

    if (this.enableWind && !(this.legContact[0] || this.legContact[1])) {
      // tanh(sin(2 k x) + sin(pi k x)) with k = 0.01 is never periodic.
      const windMag = Math.tanh(Math.sin(0.02 * this.windIdx) + Math.sin(Math.PI * 0.01 * this.windIdx)) * this.windPower;
      this.windIdx += 1;
      this.windForce.set(windMag, 0.0);
      lander.applyForceToCenter(this.windForce, true);
      const torqueMag = Math.tanh(Math.sin(0.02 * this.torqueIdx) + Math.sin(Math.PI * 0.01 * this.torqueIdx)) * this.turbulencePower;
      this.torqueIdx += 1;
      lander.applyTorque(torqueMag, true);
    }

    let main: number;
    let lateral: number;
    let discreteAction = 0;
    if (this.continuous) {
      const a = readBoxAction(action, 2, this.action, 'LunarLanderContinuous');
      main = clip(a[0], -1, 1);
      lateral = clip(a[1], -1, 1);
    } else {
      discreteAction = readDiscreteAction(action, 4, 'LunarLander');
      main = lateral = 0;
    }

    const angle = lander.getAngle();
    const tip0 = Math.sin(angle);
    const tip1 = Math.cos(angle);
    const side0 = -tip1;
    const side1 = tip0;
    const rng = this.npRandom;
    const dispersion0 = rng.uniform(-1.0, 1.0) / SCALE;
    const dispersion1 = rng.uniform(-1.0, 1.0) / SCALE;
    const pos = lander.getPosition();

    let mPower = 0.0;
    if ((this.continuous && main > 0.0) || (!this.continuous && discreteAction === 2)) {
      mPower = this.continuous ? (clip(main, 0.0, 1.0) + 1.0) * 0.5 : 1.0; // 0.5..1.0
      // 4 is move a bit downwards, +-2 for randomness
      const ox = tip0 * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * dispersion0) + side0 * dispersion1;
      const oy = -tip1 * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * dispersion0) - side1 * dispersion1;
      this.impulsePos.set(pos.x + ox, pos.y + oy);
      if (this.rendering) {
        this.emitParticle(3.5, this.impulsePos, ox * MAIN_ENGINE_POWER * mPower, oy * MAIN_ENGINE_POWER * mPower, mPower);
      }
      this.impulse.set(-ox * MAIN_ENGINE_POWER * mPower, -oy * MAIN_ENGINE_POWER * mPower);
      lander.applyLinearImpulse(this.impulse, this.impulsePos, true);
    }

    let sPower = 0.0;
    if ((this.continuous && Math.abs(lateral) > 0.5) || (!this.continuous && (discreteAction === 1 || discreteAction === 3))) {
      let direction: number;
      if (this.continuous) {
        direction = Math.sign(lateral);
        sPower = clip(Math.abs(lateral), 0.5, 1.0);
      } else {
        direction = discreteAction - 2; // 1 is left, 3 is right
        sPower = 1.0;
      }
      const ox = tip0 * dispersion0 + side0 * (3 * dispersion1 + (direction * SIDE_ENGINE_AWAY) / SCALE);
      const oy = -tip1 * dispersion0 - side1 * (3 * dispersion1 + (direction * SIDE_ENGINE_AWAY) / SCALE);
      // Gymnasium's 17 (not SIDE_ENGINE_HEIGHT) makes the thrust point, and so the torque,
      // depend on the lander's orientation; kept as it is.
      this.impulsePos.set(pos.x + ox - (tip0 * 17) / SCALE, pos.y + oy + (tip1 * SIDE_ENGINE_HEIGHT) / SCALE);
      if (this.rendering) {
        this.emitParticle(0.7, this.impulsePos, ox * SIDE_ENGINE_POWER * sPower, oy * SIDE_ENGINE_POWER * sPower, sPower);
      }
      this.impulse.set(-ox * SIDE_ENGINE_POWER * sPower, -oy * SIDE_ENGINE_POWER * sPower);
      lander.applyLinearImpulse(this.impulse, this.impulsePos, true);
    }

    this.world.step(1.0 / FPS, 6 * 30, 2 * 30);

    const p = lander.getPosition();
    const v = lander.getLinearVelocity();
    const s0 = (p.x - VIEWPORT_W / SCALE / 2) / (VIEWPORT_W / SCALE / 2);
    const s1 = (p.y - (this.helipadY + LEG_DOWN / SCALE)) / (VIEWPORT_H / SCALE / 2);
    const s2 = (v.x * (VIEWPORT_W / SCALE / 2)) / FPS;
    const s3 = (v.y * (VIEWPORT_H / SCALE / 2)) / FPS;
    const s4 = lander.getAngle();
    const s5 = (20.0 * lander.getAngularVelocity()) / FPS;
    const s6 = this.legContact[0] ? 1.0 : 0.0;
    const s7 = this.legContact[1] ? 1.0 : 0.0;
    const obs = new Float32Array([s0, s1, s2, s3, s4, s5, s6, s7]);

    // Ten points per leg in contact: losing contact again after landing costs them back.
    const shaping = -100 * Math.sqrt(s0 * s0 + s1 * s1) - 100 * Math.sqrt(s2 * s2 + s3 * s3) - 100 * Math.abs(s4) + 10 * s6 + 10 * s7;
    let reward = 0;
    if (this.prevShaping !== null) reward = shaping - this.prevShaping;
    this.prevShaping = shaping;
    reward -= mPower * 0.3; // less fuel spent is better, about -30 for heuristic landing
    reward -= sPower * 0.03;

    let terminated = false;
    if (this.gameOver || Math.abs(s0) >= 1.0) {
      terminated = true;
      reward = -100;
    }
    if (!lander.isAwake()) {
      terminated = true;
      reward = +100;
    }
    return { obs, reward, terminated, truncated: false, info: {} };
  }

  private emitParticle(mass: number, at: Vec2, ix: number, iy: number, ttl: number): void {
    const body = this.world.createBody({ type: 'dynamic', position: new Vec2(at.x, at.y), angle: 0.0 });
    body.createFixture({
      shape: new Circle(new Vec2(0, 0), 2 / SCALE),
      density: mass,
      friction: 0.1,
      filterCategoryBits: CATEGORY_PARTICLE,
      filterMaskBits: CATEGORY_GROUND,
      restitution: 0.3,
    });
    this.particles.push({ body, ttl });
    this.cleanParticles(false);
    body.applyLinearImpulse(new Vec2(ix, iy), new Vec2(at.x, at.y), true);
  }

  /** Drops expired particles from the front of the queue (or all of them). */
  cleanParticles(all: boolean): void {
    while (this.particles.length > 0 && (all || this.particles[0].ttl < 0)) {
      this.world.destroyBody(this.particles.shift()!.body);
    }
  }

  render(): Frame {
    if (this.lander === null) throw new GymwireError('reset_needed', 'LunarLander: call reset() before render()');
    this.rendering = true;
    return renderLunarLander(this);
  }
}
