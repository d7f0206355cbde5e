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

test('at speed 1 the loop takes one step per frame and waits for the next frame at render_fps', async () => {
  const { env, calls } = scriptedEnv(1000);
  const { view, seen } = recorder();
  const player = new Player(env, 20, always(1), view);
  player.start(3);
  await sleep(500);
  await player.stop();
  const steps = calls.filter((c) => c.startsWith('step')).length;
  // 20 fps for 0.5 s: ~10 frames; a loop that does not wait would take hundreds.
  assert.ok(steps >= 3 && steps <= 12, `${steps} steps in 0.5 s at 20 fps`);
  assert.equal(calls[0], 'reset(3)');
  assert.deepEqual(calls.slice(1, 5), ['step(1)', 'render', 'step(1)', 'render'], 'each step is sent with the render of its frame');
  assert.deepEqual(seen.errors, []);
});

test('at speed k there are k steps per frame; at the fastest speed the loop does not wait', async () => {
  const { env, calls } = scriptedEnv(1000);
  const { view } = recorder();
  const player = new Player(env, 10, always(0), view);
  player.speed = 4;
  player.start(null);
  await sleep(350);
  player.speed = Infinity;
  const before = calls.length;
  await sleep(200);
  await player.stop();
  const fixed = calls.slice(0, before).join(' ');
  assert.match(fixed, /render step\(0\) step\(0\) step\(0\) step\(0\) render/);
  assert.doesNotMatch(fixed, /(step\(0\) ){5}/, 'more than 4 steps per frame at speed 4');
  const fast = calls.slice(before).filter((c) => c.startsWith('step')).length;
  assert.ok(fast > 40, `${fast} steps in 0.2 s at the fastest speed (10 fps real time would be 2)`);
});

test('an ended episode is drawn, counted and reset without the seed; a waiting controller steps nothing', async () => {
  const { env, calls } = scriptedEnv(3);
  const { view, seen } = recorder();
  const player = new Player(env, 1000, always(1), view);
  player.start(5);
  await sleep(100);
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
