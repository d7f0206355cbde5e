// The play loop, like gymnasium.utils.play's: each frame, step the env with the controller's
// action and draw what it renders, at the env's render_fps; an episode that ends is reset (the
// seed only seeds the first reset, as for a fresh gym.make). `speed` steps are taken per frame
// (real time at 1), and at speed Infinity the loop does not wait between frames.
//
// Over a network a frame's answer comes a round trip after its request, so the loop does not
// wait for it: at each frame's time it sends that frame's steps and render, and draws answers
// as they come (the server answers in order). Up to MAX_FRAMES_IN_FLIGHT frames are under way,
// so frames/s is bound by render_fps and bandwidth, not by the round trip — for controllers that
// choose actions without the observation (keys, random). A controller that reads the
// observation (an actor) needs the previous step's answer first: one frame in flight.
// When a step ends the episode, the frames sent after it are dropped (their steps went past the
// end, as Gymnasium lets them; nothing of them is shown) and the env is reset.
import type { SpaceValue, StepResult } from '../protocol/env-api.ts';
import type { BrowserEnv, PageFrame } from './remote-env.ts';
import type { Controller } from './controllers.ts';

/** Steps per frame when the page runs as fast as it can. */
const MAX_SPEED_STEPS = 16;

/**
 * Frames sent and not yet answered, at most. Below that the loop keeps as many as the round trip
 * needs (its recent median time over the frame period, plus two): more would only make keys act
 * later when the page or server falls behind. 12 covers a round trip of ~200 ms at 50 fps.
 */
export const MAX_FRAMES_IN_FLIGHT = 12;

/** Frames in flight at most for a person at the keys: a released key stops within this many frames. */
const INTERACTIVE_IN_FLIGHT = 4;

/** Frames in flight at the fastest speed (each is 16 steps): enough to keep the server busy. */
const FASTEST_IN_FLIGHT = 4;

/** Frames a late loop sends at once to catch up; later than that, the missed frames are skipped. */
const CATCH_UP_FRAMES = 5;

/** Round trips remembered for the frames-in-flight estimate. */
const TRIPS_KEPT = 20;

export interface PlayerView {
  onReset(obs: SpaceValue): void;
  onStep(step: StepResult, action: SpaceValue, episodeReturn: number, episodeSteps: number): void;
  onEpisodeEnd(episodeReturn: number, episodeSteps: number): void;
  onFrame(frame: PageFrame): void;
  onError(error: Error): void;
}

/** Events over the last second: how many (a rate per second) and the mean of their values. */
export class RateMeter {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  tick(now: number, count = 1, value = 0): void {
    for (let i = 0; i < count; i++) {
      this.times.push(now);
      this.values.push(value);
    }
    this.drop(now);
  }
  rate(now: number): number {
    this.drop(now);
    return this.times.length;
  }
  mean(now: number): number {
    this.drop(now);
    return this.values.length === 0 ? 0 : this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }
  private drop(now: number): void {
    while (this.times.length > 0 && this.times[0] < now - 1000) {
      this.times.shift();
      this.values.shift();
    }
  }
}

/** One frame's requests, sent together: its steps (with their actions) and its render. */
interface SentFrame {
  episode: number;
  sentAt: number;
  actions: SpaceValue[];
  steps: Promise<PromiseSettledResult<StepResult>[]>;
  render: Promise<PromiseSettledResult<PageFrame>>;
}

function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return Promise.allSettled([p]).then(([r]) => r);
}

export class Player {
  controller: Controller;
  private _speed = 1;
  /** Ends the wait for the next frame early (a new speed, an answer at the fastest speed). */
  private wake: (() => void) | null = null;
  readonly frames = new RateMeter();
  readonly steps = new RateMeter();
  private running = false;
  private stopped: Promise<void> = Promise.resolve();
  /** Counts resets: frames sent in an earlier episode are dropped. */
  private episode = 0;
  private inFlight = 0;
  /** A frame came due while none could be sent: the next answer sends it. */
  private owed = false;
  /** Answers are handled one frame after another, in the order sent. */
  private handled: Promise<void> = Promise.resolve();
  /** Set while a reset is under way; a controller that reads the obs waits for it. */
  private resetting: Promise<void> | null = null;
  /** For scripts that measure the loop: frames sent, dropped (sent past an episode end), skipped (too late to send). */
  readonly counts = { sent: 0, dropped: 0, skipped: 0 };
  /** The last frames' times from sending to answer (ms). */
  private readonly trips: number[] = [];
  private obs: SpaceValue = 0;
  /** True while the env holds a state not drawn yet (a reset's, when no step followed). */
  private undrawn = true;
  private episodeReturn = 0;
  private episodeSteps = 0;

  constructor(
    private readonly env: BrowserEnv,
    private readonly fps: number,
    controller: Controller,
    private readonly view: PlayerView,
    /** The clock frames are timed by (ms; a test's fake clock goes here). */
    private readonly now: () => number = () => performance.now(),
    private readonly maxInFlight = MAX_FRAMES_IN_FLIGHT,
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

  /** Frames sent whose answers have not been handled yet. */
  get framesInFlight(): number {
    return this.inFlight;
  }

  /** Resets with `seed` and plays until stop() (or an error, which goes to view.onError). */
  start(seed: number | null): void {
    if (this.running) return;
    this.running = true;
    this.stopped = this.run(seed).catch((e: Error) => this.fail(e));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.stopped;
  }

  private fail(e: Error): void {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    this.view.onError(e);
  }

  private async run(seed: number | null): Promise<void> {
    await this.reset(seed);
    const period = 1000 / this.fps;
    let next = this.now();
    while (this.running) {
      if (!Number.isFinite(this.speed)) {
        // As fast as answers come: send again at once while there is room, else wait for an answer.
        const sent = this.ready() && this.send();
        const room = sent && this.ready();
        // No room: the next answer wakes the loop. Room: a timer of 0 still yields to the page.
        if (!room) this.owed = true;
        await this.sleep(room ? 0 : period);
        next = this.now();
        continue;
      }
      const now = this.now();
      if (now >= next) {
        if (!this.ready()) {
          // Due, but no room (or the controller needs the last answer's obs): the answer wakes the loop.
          this.owed = true;
          await this.sleep(period);
          continue;
        }
        this.send();
        next += period;
        // Late (a busy page, a late timer): the frames due go at once, up to a few; further behind, start afresh.
        if (next < now - CATCH_UP_FRAMES * period) {
          this.counts.skipped += Math.floor((now - next) / period);
          next = now;
        }
      }
      await this.sleep(Math.max(0, next - this.now()));
    }
    // Let the answers under way land before the env may be closed.
    await this.handled;
    await this.resetting;
  }

  /** Whether a frame can be sent now. */
  private ready(): boolean {
    if (this.controller.readsObs === true) return this.resetting === null && this.inFlight === 0;
    return this.inFlight < this.depth();
  }

  /** Frames to keep in flight: enough to cover the round trip at this frame rate. */
  private depth(): number {
    if (!Number.isFinite(this.speed)) return Math.min(FASTEST_IN_FLIGHT, this.maxInFlight);
    // The median: a busy link or page makes answers late at times, and frames keep coming meanwhile.
    const trip = this.trips.length === 0 ? 0 : [...this.trips].sort((a, b) => a - b)[this.trips.length >> 1];
    const cap = this.controller.interactive === true ? Math.min(INTERACTIVE_IN_FLIGHT, this.maxInFlight) : this.maxInFlight;
    return Math.min(cap, Math.max(2, Math.ceil(trip / (1000 / this.fps)) + 2));
  }

  /** After an answer or a reset: a frame that was due and waiting for it goes now. */
  private nudge(): void {
    if (!this.owed) return;
    this.owed = false;
    this.wake?.();
  }

  /** Waits `ms`, or less when woken (a new speed; an answer handled at the fastest speed). */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  /** Sends this frame's steps and render; false when the controller waits and nothing is undrawn. */
  private send(): boolean {
    const stepsThisFrame = Number.isFinite(this.speed) ? Math.max(1, Math.round(this.speed)) : MAX_SPEED_STEPS;
    const first = this.controller.action(this.obs);
    if (first === null && !this.undrawn) return false;
    this.undrawn = false;
    const frame =
      first === null
        ? this.sendRenderOnly()
        : this.controller.readsObs
          ? this.sendInTurn(first, stepsThisFrame)
          : this.sendAll(first, stepsThisFrame);
    this.inFlight++;
    this.counts.sent++;
    this.handled = this.handled.then(() => this.receive(frame)).catch((e: Error) => this.fail(e));
    return true;
  }

  private sendRenderOnly(): SentFrame {
    return { episode: this.episode, sentAt: this.now(), actions: [], steps: Promise.resolve([]), render: settle(this.env.render()) };
  }

  /** Every step of the frame at once, then its render: the actions do not depend on the answers. */
  private sendAll(first: SpaceValue, stepsThisFrame: number): SentFrame {
    const actions = [first];
    const steps = [this.env.step(first)];
    for (let k = 1; k < stepsThisFrame; k++) {
      const action = this.controller.action(this.obs);
      if (action === null) break;
      actions.push(action);
      steps.push(this.env.step(action));
    }
    // Settled at once: a refused request is looked at in order, never left unhandled.
    return { episode: this.episode, sentAt: this.now(), actions, steps: Promise.allSettled(steps), render: settle(this.env.render()) };
  }

  /**
   * Each step after the answer to the one before (the controller reads its obs); the render goes
   * with the last step, or after the steps when the episode ends or the controller waits.
   */
  private sendInTurn(first: SpaceValue, stepsThisFrame: number): SentFrame {
    const actions: SpaceValue[] = [];
    let render: Promise<PromiseSettledResult<PageFrame>> | null = null;
    const steps = (async () => {
      const out: PromiseSettledResult<StepResult>[] = [];
      let action: SpaceValue | null = first;
      for (let k = 0; k < stepsThisFrame && action !== null; k++) {
        actions.push(action);
        const step: Promise<PromiseSettledResult<StepResult>> = settle(this.env.step(action));
        if (k === stepsThisFrame - 1) render = settle(this.env.render());
        const r: PromiseSettledResult<StepResult> = await step;
        out.push(r);
        if (r.status === 'rejected' || r.value.terminated || r.value.truncated) break;
        action = k + 1 < stepsThisFrame && this.running ? this.controller.action(r.value.obs) : null;
      }
      return out;
    })();
    return {
      episode: this.episode,
      sentAt: this.now(),
      actions,
      steps,
      render: steps.then(() => render ?? settle(this.env.render())),
    };
  }

  private async receive(frame: SentFrame): Promise<void> {
    const steps = await frame.steps;
    const rendered = await frame.render;
    this.inFlight--;
    this.trips.push(this.now() - frame.sentAt);
    if (this.trips.length > TRIPS_KEPT) this.trips.shift();
    this.nudge();
    // Sent before the episode's end was known: its steps went past the end; nothing of it is shown.
    if (frame.episode !== this.episode || !this.running) {
      this.counts.dropped++;
      return;
    }
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      if (s.status === 'rejected') throw s.reason;
      this.steps.tick(this.now());
      this.episodeReturn += s.value.reward;
      this.episodeSteps++;
      this.obs = s.value.obs;
      this.view.onStep(s.value, frame.actions[i], this.episodeReturn, this.episodeSteps);
      if (s.value.terminated || s.value.truncated) {
        // This frame's render came after its steps (at speed 1, right after the last one).
        this.draw(rendered);
        this.view.onEpisodeEnd(this.episodeReturn, this.episodeSteps);
        this.startReset();
        return;
      }
    }
    this.draw(rendered);
  }

  private draw(rendered: PromiseSettledResult<PageFrame>): void {
    if (rendered.status === 'rejected') throw rendered.reason;
    this.frames.tick(this.now(), 1, rendered.value.data.length);
    this.view.onFrame(rendered.value);
  }

  /**
   * Sends the reset and goes on sending frames, which the server runs after it: only a
   * controller that reads the obs waits. Its answer is handled in turn, before theirs.
   */
  private startReset(): void {
    this.episode++;
    this.undrawn = true;
    const reset = settle(this.env.reset(null));
    this.resetting = reset.then(() => {
      this.resetting = null;
      this.nudge();
    });
    this.handled = this.handled.then(async () => {
      const r = await reset;
      if (r.status === 'rejected') throw r.reason;
      this.resetDone(r.value.obs);
    });
  }

  private async reset(seed: number | null): Promise<void> {
    const { obs } = await this.env.reset(seed);
    this.undrawn = true;
    this.resetDone(obs);
  }

  private resetDone(obs: SpaceValue): void {
    this.obs = obs;
    this.episodeReturn = 0;
    this.episodeSteps = 0;
    this.view.onReset(obs);
  }
}
