// Big vector envs run in a worker thread (server/vector-workers.ts), away from the thread that
// answers every connection; small ones, and envs the worker does not know, in the server's
// thread. Through the worker, a vector env answers exactly as in process, errors keep their
// codes (an env that throws is broken), and a closed connection or a dead worker frees or
// breaks what they held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { SLOW_WORK_CHANNEL, type SlowWork } from './slow-env-plugin.ts';
import { BaseEnv, makeVec, register, registrations } from '../../envs/index.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../server/server.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import type { Frame, ResetResult, StepResult } from '../../protocol/env-api.ts';
import { RawClient } from './raw-client.ts';

const PLUGIN = fileURLToPath(new URL('./slow-env-plugin.ts', import.meta.url));
const i32 = (n: number, v: number) => encodeArray(new Int32Array(n).fill(v), [n]);
const obsOf = (r: any) => Array.from(new Float32Array(new Uint8Array(r.result.obs.data).buffer));
/** The observations of `reset(seed 0)` on a vector handle. */
const resetObs = async (c: RawClient, handle: number) => obsOf(await c.call({ op: 'reset', handle, seed: 0 }));

/** Registered in this process only: a worker thread does not know it. */
class HereOnly extends BaseEnv<Float32Array, number> {
  readonly observationSpace = box(-1, 1, [1]);
  readonly actionSpace = discrete(2);
  reset(): ResetResult<Float32Array> {
    return { obs: new Float32Array([isMainThread ? 0 : 1]), info: {} };
  }
  step(): StepResult<Float32Array> {
    return { obs: new Float32Array([isMainThread ? 0 : 1]), reward: 0, terminated: false, truncated: false, info: {} };
  }
  render(): Frame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}
/** Runs `fn` with a client that said hello to a server (loading the test plugin) started with `opts`. */
async function withClient(opts: ServerOptions, fn: (c: RawClient) => Promise<void>): Promise<void> {
  const server = await startServer({ port: 0, pluginModules: [PLUGIN], ...opts });
  const c = await RawClient.open(server.url);
  try {
    await c.hello();
    await fn(c);
  } finally {
    await c.close();
    await server.close();
  }
}

/** Resolves when a Slow env begins to `what` for 10 ms or more, in any thread (a worker's too). */
function slowWorkBegins(what: SlowWork): Promise<void> {
  const channel = new BroadcastChannel(SLOW_WORK_CHANNEL);
  return new Promise((resolve) => {
    channel.onmessage = (e) => {
      if ((e as MessageEvent).data !== what) return;
      channel.close();
      resolve();
    };
  });
}

/** Bytes of env instances the server's memory budget holds (its gymwire_memory_used_bytes{part="envs"}). */
async function envBytes(server: RunningServer): Promise<number> {
  const metric = await server.metrics.registry.getSingleMetric('gymwire_memory_used_bytes')!.get();
  return metric.values.find((v) => v.labels.part === 'envs')!.value;
}

/** Resolves once `cond()` holds (no deadline of its own: the test's timeout is the failure). */
async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

if (!registrations().some((r) => r.id === 'HereOnly-v0')) {
  register({
    id: 'HereOnly-v0',
    factory: () => new HereOnly(),
    maxEpisodeSteps: null,
    rewardThreshold: null,
    memoryBytes: 1024 * 1024,
    kwargs: {},
  });
}

test('vectors of 16 MiB or more run in a worker, smaller ones here; ids the worker lacks are built here', { timeout: 30_000 }, async () => {
  await withClient({}, async (c) => {
    const big = (await c.call({ op: 'make', env_id: 'Where-v0', num_envs: 16 })).result.handle;
    const small = (await c.call({ op: 'make', env_id: 'Where-v0', num_envs: 15 })).result.handle;
    const here = (await c.call({ op: 'make', env_id: 'HereOnly-v0', num_envs: 16 })).result.handle;
    assert.deepEqual(await resetObs(c, big), new Array(16).fill(1), 'in a worker');
    assert.deepEqual(await resetObs(c, small), new Array(15).fill(0), 'in the server thread');
    assert.deepEqual(await resetObs(c, here), new Array(16).fill(0), 'unknown to the worker: built here');
    assert.deepEqual(obsOf(await c.call({ op: 'step', handle: big, action: i32(16, 1) })), new Array(16).fill(1));
  });
  await withClient({ vectorWorkers: 0 }, async (c) => {
    const h = (await c.call({ op: 'make', env_id: 'Where-v0', num_envs: 16 })).result.handle;
    assert.deepEqual(await resetObs(c, h), new Array(16).fill(0), '--vector-workers 0: in the server thread');
  });
});

test(
  'through the worker, a BipedalWalker vector env answers exactly as in process; errors keep their codes; a throwing env is broken',
  { timeout: 30_000 },
  async () => {
    await withClient({}, async (c) => {
      // 16 x 1.125 MiB: big enough for the worker.
      const handle = (await c.call({ op: 'make', env_id: 'BipedalWalker-v3', num_envs: 16 })).result.handle;
      const local = makeVec<Float32Array>('BipedalWalker-v3', 16);
      assert.deepEqual(obsOf(await c.call({ op: 'reset', handle, seed: 5 })), Array.from(local.reset({ seed: 5 }).obs));
      for (let t = 0; t < 5; t++) {
        const a = new Float32Array(64).map((_, k) => Math.sin(t + k));
        const r = await c.call({ op: 'step', handle, action: encodeArray(a, [16, 4]) });
        const l = local.step(a);
        assert.deepEqual(obsOf(r), Array.from(l.obs));
        assert.deepEqual(Array.from(new Float64Array(new Uint8Array(r.result.reward.data).buffer)), Array.from(l.rewards));
      }
      const bad = await c.call({ op: 'step', handle, action: encodeArray(new Float32Array(8), [2, 4]) });
      assert.equal(bad.error.code, 'invalid_action');
      assert.equal((await c.call({ op: 'reset', handle, options: { reset_mask: [true] } })).error.code, 'bad_request');
      assert.ok('result' in (await c.call({ op: 'step', handle, action: encodeArray(new Float32Array(64), [16, 4]) })), 'still usable');

      const where = (await c.call({ op: 'make', env_id: 'Where-v0', num_envs: 16 })).result.handle;
      await c.call({ op: 'reset', handle: where, seed: 0 });
      const threw = await c.call({ op: 'step', handle: where, action: i32(16, 2) });
      assert.equal(threw.error.code, 'internal');
      assert.match(threw.error.message, /Where-v0 was told to throw/);
      assert.equal((await c.call({ op: 'step', handle: where, action: i32(16, 0) })).error.code, 'env_broken');
      assert.ok('result' in (await c.call({ op: 'close', handle: where })));
      assert.ok('result' in (await c.call({ op: 'close', handle })));
    });
  },
);

test('a connection that goes away while the worker makes or resets its env gives the memory back', { timeout: 30_000 }, async () => {
  // 32 MiB: env instances get 24 MiB, room for one 20 x 1 MiB vector env at a time.
  const server = await startServer({ port: 0, pluginModules: [PLUGIN], memoryBudget: 32 * 1024 * 1024 });
  /** Once the server has given back all it charged for envs, connection b can make the 20 x 1 MiB env. */
  const roomAgain = async () => {
    await until(async () => (await envBytes(server)) === 0);
    const b = await RawClient.open(server.url);
    await b.hello();
    const made = await b.call({ op: 'make', env_id: 'SlowBig-v0', num_envs: 20 });
    assert.ok('result' in made, JSON.stringify(made.error));
    await b.close();
  };
  try {
    // Gone while the worker makes its env (20 x 50 ms)...
    const a = await RawClient.open(server.url);
    await a.hello();
    let begun = slowWorkBegins('make');
    a.call({ op: 'make', env_id: 'SlowBig-v0', num_envs: 20, kwargs: { make_ms: 50 } }).catch(() => {});
    await begun;
    assert.equal(await envBytes(server), 20 * 1024 * 1024, 'charged while being made');
    a.ws.terminate();
    await roomAgain();
    // ... and while it resets it (20 x 50 ms), once b's env is collected by the worker.
    await until(async () => (await envBytes(server)) === 0);
    const a2 = await RawClient.open(server.url);
    await a2.hello();
    const h = (await a2.call({ op: 'make', env_id: 'SlowBig-v0', num_envs: 20, kwargs: { ms: 50 } })).result.handle;
    begun = slowWorkBegins('reset');
    a2.call({ op: 'reset', handle: h, seed: 0 }).catch(() => {});
    await begun;
    a2.ws.terminate();
    await roomAgain();
  } finally {
    await server.close();
  }
});

test('a worker thread that dies: its envs answer env_broken, a new vector env gets a new worker', { timeout: 30_000 }, async () => {
  await withClient({}, async (c) => {
    const doomed = (await c.call({ op: 'make', env_id: 'Where-v0', num_envs: 16 })).result.handle;
    await c.call({ op: 'reset', handle: doomed, seed: 0 });
    const died = await c.call({ op: 'step', handle: doomed, action: i32(16, 3) });
    assert.equal(died.error.code, 'internal');
    assert.match(died.error.message, /worker thread .* stopped/);
    assert.equal((await c.call({ op: 'step', handle: doomed, action: i32(16, 0) })).error.code, 'env_broken');
    const fresh = (await c.call({ op: 'make', env_id: 'Where-v0', num_envs: 16 })).result.handle;
    assert.deepEqual(await resetObs(c, fresh), new Array(16).fill(1));
  });
});
