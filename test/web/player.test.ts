// The page's play loop (web/player.ts) against a scripted env: frames at render_fps, `speed`
// steps per frame, episodes reset (the seed only on the first), a waiting controller steps nothing.
// Time is node:test's fake clock (setTimeout and Date, handed to the player as its clock): a
// frame is due when the clock is moved on to it, however busy the machine is.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Player, type PlayerView } from '../../web/player.ts';
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
