// The page's play loop (web/player.ts) against a scripted env: frames at render_fps, `speed`
// steps per frame, episodes reset (the seed only on the first), a waiting controller steps nothing.
import { test } from 'node:test';
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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `cond` (the machine may be busy: no fixed sleeps where an outcome is awaited). */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`no ${what} within ${timeoutMs / 1000} s`);
    await sleep(5);
  }
}
const count = (calls: string[], prefix: string) => calls.filter((c) => c.startsWith(prefix)).length;

test('at speed 1 the loop takes one step per frame and waits for the next frame at render_fps', async () => {
  const { env, calls } = scriptedEnv(1000);
  const { view, seen } = recorder();
  const player = new Player(env, 20, always(1), view);
  player.start(3);
  await sleep(500);
  await player.stop();
  const steps = calls.filter((c) => c.startsWith('step')).length;
  // 20 fps for 0.5 s: ~10 frames (fewer on a busy machine); a loop that does not wait would take hundreds.
  assert.ok(steps >= 1 && steps <= 12, `${steps} steps in 0.5 s at 20 fps`);
  assert.equal(calls[0], 'reset(3)');
  assert.deepEqual(calls.slice(1, 5), ['step(1)', 'render', 'step(1)', 'render'], 'each step is sent with the render of its frame');
  assert.deepEqual(seen.errors, []);
});

test('at speed k there are k steps per frame; at the fastest speed the loop does not wait', async () => {
  const { env, calls } = scriptedEnv(1000);
  const { view } = recorder();
  // Half a frame per second: a loop that waited for frames would take 8 s for 4 frames of 16 steps.
  const player = new Player(env, 0.5, always(0), view);
  player.speed = 4;
  player.start(null);
  await until(() => count(calls, 'render') >= 1, 'first frame');
  player.speed = Infinity;
  const before = calls.length;
  const t0 = performance.now();
  await until(() => count(calls.slice(before), 'step') >= 64, '64 steps at the fastest speed');
  const seconds = (performance.now() - t0) / 1000;
  await player.stop();
  assert.equal(calls.slice(0, before).join(' '), 'reset(null) step(0) step(0) step(0) step(0) render');
  assert.ok(seconds < 3, `64 steps took ${seconds.toFixed(1)} s at the fastest speed (the new speed applies at once)`);
  const fast = calls.slice(before).join(' ');
  assert.match(fast, /^(step\(0\) ){15}step\(0\) render/, 'the fastest speed draws one frame per 16 steps');
});

test('an ended episode is drawn, counted and reset without the seed; a waiting controller steps nothing', async () => {
  const { env, calls } = scriptedEnv(3);
  const { view, seen } = recorder();
  const player = new Player(env, 1000, always(1), view);
  player.start(5);
  await until(() => seen.returns.length >= 2, 'two episodes');
  player.controller = always(null);
  await sleep(50);
  const stepsThen = calls.filter((c) => c.startsWith('step')).length;
  await sleep(100);
  await player.stop();
  assert.equal(calls.filter((c) => c.startsWith('step')).length, stepsThen, 'stepped while the controller waited');
  assert.equal(calls.filter((c) => c === 'reset(5)').length, 1);
  assert.ok(calls.filter((c) => c === 'reset(null)').length >= 2);
  assert.ok(seen.returns.length >= 2 && seen.returns.every((r) => r === 3), `returns ${seen.returns}`);
  assert.ok(seen.frames.includes(3), 'the last frame of an episode is drawn');
});
