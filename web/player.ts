// The play loop, like gymnasium.utils.play's: each frame, step the env with the controller's
// action and draw what it renders, at the env's render_fps; an episode that ends is reset (the
// seed only seeds the first reset, as for a fresh gym.make). `speed` steps are taken per frame
// (real time at 1), and at speed Infinity the loop does not wait between frames.
import type { Frame, SpaceValue, StepResult } from '../protocol/env-api.ts';
import type { BrowserEnv } from './remote-env.ts';
import type { Controller } from './controllers.ts';

/** Steps per frame when the page runs as fast as it can. */
const MAX_SPEED_STEPS = 16;

export interface PlayerView {
  onReset(obs: SpaceValue): void;
  onStep(step: StepResult, action: SpaceValue, episodeReturn: number, episodeSteps: number): void;
  onEpisodeEnd(episodeReturn: number, episodeSteps: number): void;
  onFrame(frame: Frame): void;
  onError(error: Error): void;
}

/** Frames (or steps) per second over the last second. */
class RateMeter {
  private readonly times: number[] = [];
  tick(now: number, count = 1): void {
    for (let i = 0; i < count; i++) this.times.push(now);
    while (this.times.length > 0 && this.times[0] < now - 1000) this.times.shift();
  }
  rate(now: number): number {
    while (this.times.length > 0 && this.times[0] < now - 1000) this.times.shift();
    return this.times.length;
  }
}

export class Player {
  controller: Controller;
  private _speed = 1;
  /** Ends the wait for the next frame early (a new speed applies at once). */
  private wake: (() => void) | null = null;
  readonly frames = new RateMeter();
  readonly steps = new RateMeter();
  private running = false;
  private stopped: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: BrowserEnv,
    private readonly fps: number,
    controller: Controller,
    private readonly view: PlayerView,
    /** The clock frames are timed by (ms; a test's fake clock goes here). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.controller = controller;
  }

  /** Steps per frame: 1 = real time; Infinity = as fast as the server answers. */
  get speed(): number {
    return this._speed;
  }

  set speed(value: number) {
    this._speed = value;
    this.wake?.();
  }

  get playing(): boolean {
    return this.running;
  }

  /** Resets with `seed` and plays until stop() (or an error, which goes to view.onError). */
  start(seed: number | null): void {
    if (this.running) return;
    this.running = true;
    this.stopped = this.run(seed).catch((e: Error) => {
      this.running = false;
      this.view.onError(e);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.stopped;
  }

  private async run(seed: number | null): Promise<void> {
    let obs = await this.reset(seed);
    // True while the env holds a state not drawn yet (a reset's, when no step followed).
    let undrawn = true;
    let episodeReturn = 0;
    let episodeSteps = 0;
    let next = this.now();
    while (this.running) {
      const stepsThisFrame = Number.isFinite(this.speed) ? Math.max(1, Math.round(this.speed)) : MAX_SPEED_STEPS;
      let frame: Frame | null = null;
      for (let k = 0; k < stepsThisFrame && this.running; k++) {
        const action = this.controller.action(obs);
        if (action === null) break;
        const last = k === stepsThisFrame - 1;
        // The frame's render is sent with its last step: one round trip for both.
        const [step, rendered] = await Promise.all([this.env.step(action), last ? this.env.render() : null]);
        this.steps.tick(this.now());
        episodeReturn += step.reward;
        episodeSteps++;
        obs = step.obs;
        this.view.onStep(step, action, episodeReturn, episodeSteps);
        if (rendered !== null) frame = rendered;
        else undrawn = true;
        if (step.terminated || step.truncated) {
          this.view.onEpisodeEnd(episodeReturn, episodeSteps);
          if (rendered === null) frame = await this.env.render();
          if (frame !== null) this.draw(frame);
          frame = null;
          episodeReturn = 0;
          episodeSteps = 0;
          obs = await this.reset(null);
          undrawn = true;
        }
      }
      if (!this.running) break;
      if (frame === null && undrawn) frame = await this.env.render();
      if (frame !== null) {
        this.draw(frame);
        undrawn = false;
      }
      next += 1000 / this.fps;
      const now = this.now();
      if (!Number.isFinite(this.speed) || next < now - 1000 / this.fps) next = now; // behind by a frame or more: do not rush to catch up
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, next - now));
        this.wake = () => {
          clearTimeout(timer);
          next = this.now();
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async reset(seed: number | null): Promise<SpaceValue> {
    const { obs } = await this.env.reset(seed);
    this.view.onReset(obs);
    return obs;
  }

  private draw(frame: Frame): void {
    this.frames.tick(this.now());
    this.view.onFrame(frame);
  }
}
