// The page's play loop (web/player.ts) against a scripted env: frames at render_fps, `speed`
// steps per frame, episodes reset (the seed only on the first), a waiting controller steps nothing.
// Time is node:test's fake clock (setTimeout and Date, handed to the player as its clock): a
// frame is due when the clock is moved on to it, however busy the machine is.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FRAMES_IN_FLIGHT, Player, type PlayerView } from '../../web/player.ts';
import type { BrowserEnv } from '../../web/remote-env.ts';
import type { Frame, SpaceValue, StepResult } from '../../protocol/env-api.ts';
import type { Controller } from '../../web/controllers.ts';

/** An env that ends its episodes after `length` steps and logs every call. */
function scriptedEnv(length: number) {
  const calls: string[] = [];
  let t = 0;
  const env = {
    reset: async (seed: number | null) => {
      calls.push(`reset(${seed})`);
      t = 0;
      return { obs: Float32Array.of(0), info: {} };
    },
    step: async (action: SpaceValue) => {
      calls.push(`step(${action})`);
      t++;
      return { obs: Float32Array.of(t), reward: 1, terminated: t >= length, truncated: false, info: {} } satisfies StepResult;
    },
    render: async (): Promise<Frame> => {
      calls.push('render');
      return { width: 1, height: 1, data: Uint8Array.of(t, 0, 0) };
    },
  };
  return { env: env as unknown as BrowserEnv, calls };
}

function recorder() {
  const seen = { frames: [] as number[], returns: [] as number[], errors: [] as Error[] };
  const view: PlayerView = {
    onReset: () => {},
    onStep: () => {},
    onEpisodeEnd: (ret) => seen.returns.push(ret),
    onFrame: (f) => seen.frames.push(f.data[0]),
    onError: (e) => seen.errors.push(e),
  };
  return { view, seen };
}

const always = (a: SpaceValue | null): Controller => ({ name: 'test', action: () => a });
const count = (calls: string[], prefix: string) => calls.filter((c) => c.startsWith(prefix)).length;

/** Lets the loop run as far as it can without the clock moving (the scripted env answers at once). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fake timers for this test; the player's clock is the fake Date. */
function fakeClock(t: TestContext): { clock: () => number; advance(ms: number): Promise<void> } {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  return {
    clock: () => Date.now(),
    async advance(ms: number) {
      t.mock.timers.tick(ms);
      await settle();
    },
  };
}

test('at speed 1 the loop takes one step per frame and waits for the next frame at render_fps', async (t) => {
  const time = fakeClock(t);
  const { env, calls } = scriptedEnv(1000);
  const { view, seen } = recorder();
  const player = new Player(env, 20, always(1), view, time.clock);
  player.start(3);
  await settle();
  assert.deepEqual(calls, ['reset(3)', 'step(1)', 'render'], 'the first frame: each step is sent with the render of its frame');
  await time.advance(49);
  assert.equal(count(calls, 'step'), 1, 'no step before the next frame is due (20 fps: 50 ms)');
  await time.advance(1);
  assert.deepEqual(calls.slice(3), ['step(1)', 'render'], 'the next frame, 50 ms after the first');
  for (let i = 0; i < 8; i++) await time.advance(50);
  assert.equal(count(calls, 'step'), 10, 'one step per frame: 10 in 450 ms');
  await player.stop();
  assert.deepEqual(seen.errors, []);
});

test('at speed k there are k steps per frame; at the fastest speed the loop does not wait', async (t) => {
  const time = fakeClock(t);
  const { env, calls } = scriptedEnv(1000);
  const { view } = recorder();
  // Half a frame per second: a loop that waited for frames would need 2 s of the clock per frame.
  const player = new Player(env, 0.5, always(0), view, time.clock);
  player.speed = 4;
  player.start(null);
  await settle();
  assert.equal(calls.join(' '), 'reset(null) step(0) step(0) step(0) step(0) render', 'four steps, then the wait for the next frame');
  player.speed = Infinity; // the new speed applies at once: it ends the wait
  const before = calls.length;
  await settle();
  // The loop still yields to the event loop between frames (a timer of 0 ms), but the clock never moves.
  for (let frame = 1; frame < 4; frame++) await time.advance(0);
  await player.stop();
  assert.equal(Date.now(), 0);
  assert.equal(count(calls.slice(before), 'step'), 64, 'four frames of 16 steps without the clock moving');
  assert.match(
    calls.slice(before).join(' '),
    /^((step\(0\) ){15}step\(0\) render ?){4}$/,
    'the fastest speed draws one frame per 16 steps',
  );
});

test('an ended episode is drawn, counted and reset without the seed; a waiting controller steps nothing', async (t) => {
  const time = fakeClock(t);
  const { env, calls } = scriptedEnv(3);
  const { view, seen } = recorder();
  const player = new Player(env, 1000, always(1), view, time.clock);
  player.start(5);
  await settle();
  for (let frame = 0; frame < 6; frame++) await time.advance(1);
  assert.equal(seen.returns.length, 2, 'two episodes of 3 steps in 7 frames of 1 ms');
  player.controller = always(null);
  const stepsThen = count(calls, 'step');
  for (let frame = 0; frame < 100; frame++) await time.advance(1);
  await player.stop();
  assert.equal(count(calls, 'step'), stepsThen, 'stepped while the controller waited');
  assert.equal(calls.filter((c) => c === 'reset(5)').length, 1);
  assert.equal(calls.filter((c) => c === 'reset(null)').length, 2);
  assert.deepEqual(seen.returns, [3, 3]);
  assert.ok(seen.frames.includes(3), 'the last frame of an episode is drawn');
});

/** stop() waits for the answers under way: the fake clock has to bring them. */
async function stopLagged(player: Player, time: { advance(ms: number): Promise<void> }): Promise<void> {
  const stopping = player.stop();
  for (let i = 0; i < 20; i++) await time.advance(10);
  await stopping;
}

/** scriptedEnv's env behind a link with round trip `rtt` ms on the fake clock: each call is run when sent, answered rtt later, in order. */
function laggedEnv(length: number, rtt: number) {
  const { env, calls } = scriptedEnv(length);
  const inner = env as unknown as Record<'reset' | 'step' | 'render', (...a: unknown[]) => Promise<unknown>>;
  let inFlight = 0;
  let maxInFlight = 0;
  const lag =
    (f: (...a: unknown[]) => Promise<unknown>) =>
    async (...a: unknown[]) => {
      const value = await f(...a);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, rtt));
      inFlight--;
      return value;
    };
  const lagged = { reset: lag(inner.reset), step: lag(inner.step), render: lag(inner.render) };
  return { env: lagged as unknown as BrowserEnv, calls, maxInFlight: () => maxInFlight };
}

test('over a 50 ms round trip the page still draws render_fps frames: several frames are in flight, drawn in order', async (t) => {
  const time = fakeClock(t);
  const { env, maxInFlight } = laggedEnv(100_000, 50);
  const { view, seen } = recorder();
  const player = new Player(env, 50, always(1), view, time.clock);
  player.start(0);
  for (let ms = 0; ms < 2000; ms += 5) await time.advance(5);
  await stopLagged(player, time);
  assert.deepEqual(seen.errors, []);
  // 50 fps for 2 s, less the first round trip (the reset's, then the first frame's): at least 95 frames.
  assert.ok(seen.frames.length >= 95, `${seen.frames.length} frames in 2 s at render_fps 50`);
  assert.ok(seen.frames.length <= 101, `${seen.frames.length} frames: more than render_fps`);
  assert.deepEqual(
    seen.frames,
    seen.frames.map((_, i) => seen.frames[0] + i),
    'each frame shows the step after the one before',
  );
  assert.ok(maxInFlight() > 2 && maxInFlight() <= 2 * MAX_FRAMES_IN_FLIGHT, `requests in flight: ${maxInFlight()}`);
});

test('a controller that reads the observation waits for each answer: one frame per round trip', async (t) => {
  const time = fakeClock(t);
  const { env } = laggedEnv(100_000, 50);
  const { view, seen } = recorder();
  const reader: Controller = { name: 'reader', readsObs: true, action: () => 1 };
  const player = new Player(env, 50, reader, view, time.clock);
  player.start(0);
  for (let ms = 0; ms < 2000; ms += 5) await time.advance(5);
  await stopLagged(player, time);
  // A frame is sent as soon as the last answer lands: 20 per second at 50 ms, not 50.
  assert.ok(seen.frames.length >= 36 && seen.frames.length <= 40, `${seen.frames.length} frames in 2 s`);
});

test('an episode that ends with frames in flight: those frames are dropped, the return counts only its own steps', async (t) => {
  const time = fakeClock(t);
  const { env, calls } = laggedEnv(10, 50);
  const { view, seen } = recorder();
  const player = new Player(env, 50, always(1), view, time.clock);
  player.start(4);
  for (let ms = 0; ms < 1500; ms += 5) await time.advance(5);
  await stopLagged(player, time);
  assert.deepEqual(seen.errors, []);
  assert.ok(seen.returns.length >= 3, `${seen.returns.length} episodes`);
  assert.deepEqual(new Set(seen.returns), new Set([10]), 'every episode returns its 10 steps of +1');
  assert.ok(count(calls, 'step') > 10 * seen.returns.length, 'steps were sent past the ends (and ignored)');
  // Frames show steps 1..10 of each episode, never a step past the end.
  assert.ok(
    seen.frames.every((f) => f >= 1 && f <= 10),
    `frames ${seen.frames.join(',')}`,
  );
});

test('maxInFlight bounds the frames under way: with 1, one frame per round trip', async (t) => {
  const time = fakeClock(t);
  const { env, maxInFlight } = laggedEnv(100_000, 50);
  const { view, seen } = recorder();
  const player = new Player(env, 50, always(1), view, time.clock, 1);
  player.start(0);
  for (let ms = 0; ms < 2000; ms += 5) await time.advance(5);
  await stopLagged(player, time);
  assert.equal(maxInFlight(), 2, 'one step and its render');
  assert.ok(seen.frames.length >= 36 && seen.frames.length <= 40, `${seen.frames.length} frames in 2 s`);
});

test('a person at the keys gets at most 4 frames in flight, however long the round trip', async (t) => {
  const time = fakeClock(t);
  const { env, maxInFlight } = laggedEnv(100_000, 200);
  const { view } = recorder();
  const keys: Controller = { name: 'keys', interactive: true, action: () => 1 };
  const player = new Player(env, 50, keys, view, time.clock);
  player.start(0);
  for (let ms = 0; ms < 2000; ms += 5) await time.advance(5);
  await stopLagged(player, time);
  assert.equal(maxInFlight(), 8, 'four steps and their renders');
});
