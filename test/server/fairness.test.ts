// Fair service: one connection's big batches cannot stall the others (server/scheduler.ts),
// and a connection's answers still come in request order when its requests run in parts.
// The heavy load is units of wall-clock spinning (test/server/slow-env-plugin.ts), counted, not
// timed: the server runs here, in this process, so the test reads how many units the server's
// thread ran between sending a bystander's request and reading its answer. In parts, a slice
// (SLICE_MS, 4 ms) holds at most 5 units of 1 ms however loaded the machine is, and a request is
// answered within a few slices; run whole, it waits behind a whole vector step (200 units).
// How long the bystander waits, in ms, is what bench/fairness.ts prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { slowUnitsDone } from './slow-env-plugin.ts';
import { startServer } from '../../server/server.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { RawClient } from './raw-client.ts';

const PLUGIN = fileURLToPath(new URL('./slow-env-plugin.ts', import.meta.url));
/** Sub-envs of the heavy vector env, 1 ms each: one vector step is 200 units of work. */
const HEAVY_ENVS = 200;
/** The bystander's steps (at least; until the heavy client has also had two vector steps answered). */
const BYSTANDER_STEPS = 100;

/**
 * One connection steps a HEAVY_ENVS x 1 ms vector env 4-deep while a CartPole on another steps;
 * returns, for each bystander step, the units of slow work the server's thread ran meanwhile, and
 * all it ran and the heavy steps answered while the bystander stepped.
 */
async function heavyAndBystander(vectorWorkers: number, envId: string): Promise<{ behind: number[]; units: number; heavySteps: number }> {
  const server = await startServer({ port: 0, pluginModules: [PLUGIN], vectorWorkers });
  const conn = await Connection.open(server.url, { reconnect: false });
  const bystander = await RemoteEnv.connect(server.url, 'CartPole-v1', {}, { reconnect: false });
  try {
    const heavy = await RemoteVectorEnv.make(conn, envId, HEAVY_ENVS, { ms: 1 });
    await heavy.reset({ seed: 0 });
    const actions = new Int32Array(HEAVY_ENVS);
    let heavySteps = 0;
    let done = false;
    // Four vector steps in flight: run whole, they would queue 800 units in front of anything else.
    const lanes = Array.from({ length: 4 }, async () => {
      while (!done) {
        await heavy.step(actions);
        heavySteps++;
      }
    });
    const behind: number[] = [];
    await bystander.reset({ seed: 0 });
    const units0 = slowUnitsDone();
    const heavy0 = heavySteps;
    while (behind.length < BYSTANDER_STEPS || heavySteps - heavy0 < 2) {
      // The request goes out before the event loop next turns, so nothing runs in between.
      const before = slowUnitsDone();
      const r = await bystander.step(0);
      behind.push(slowUnitsDone() - before);
      if (r.terminated || r.truncated) await bystander.reset();
    }
    const units = slowUnitsDone() - units0;
    const during = heavySteps - heavy0;
    done = true;
    await Promise.all(lanes);
    return { behind, units, heavySteps: during };
  } finally {
    await bystander.close();
    await conn.close();
    await server.close();
  }
}

test(`while one connection steps a ${HEAVY_ENVS} x 1 ms vector env 4-deep in the server's thread (in parts), a CartPole on another waits behind at most 50 units of it per step`, async () => {
  const { behind, units, heavySteps } = await heavyAndBystander(0, 'Slow-v0');
  assert.ok(units >= 2 * HEAVY_ENVS, `the heavy env ran in this thread meanwhile: ${units} units, ${heavySteps} vector steps`);
  const most = Math.max(...behind);
  assert.ok(
    most <= 50,
    `bystander: ${behind.length} steps, at most ${most} units of the heavy env's work between a request and its answer (a whole vector step is ${HEAVY_ENVS})`,
  );
});

test(`while one connection steps a ${HEAVY_ENVS} x 1 MiB x 1 ms vector env 4-deep (a worker thread's), the server's thread runs none of it while a CartPole on another steps`, async () => {
  const { behind, units, heavySteps } = await heavyAndBystander(1, 'SlowBig-v0');
  assert.ok(heavySteps >= 2, `${heavySteps} heavy vector steps answered while the bystander stepped`);
  assert.equal(units, 0, 'units of the heavy env run in the server thread');
  assert.deepEqual(new Set(behind), new Set([0]));
});

test('requests run in parts keep their order: vector make/reset/steps of a slow env, single steps and errors pipelined behind them', async () => {
  const server = await startServer({ port: 0 });
  const c = await RawClient.open(server.url);
  try {
    await c.hello();
    const single = (await c.call({ op: 'make', env_id: 'Slow-v0', kwargs: { ms: 0 } })).result.handle;
    await c.call({ op: 'reset', handle: single, seed: 0 });
    // 40 sub-envs x 1 ms: each vector request takes ~10 slices.
    const frames: Uint8Array[] = [];
    const expect: [number, string][] = [];
    let id = 100;
    const add = (msg: Record<string, unknown>, outcome: string) => {
      frames.push(encodeMessage({ id, ...msg }));
      expect.push([id++, outcome]);
    };
    add({ op: 'make', env_id: 'Slow-v0', num_envs: 40, kwargs: { ms: 1 } }, 'ok');
    add({ op: 'step', handle: single, action: 1 }, 'ok');
    add({ op: 'reset', handle: 2, seed: 1 }, 'ok');
    for (let k = 0; k < 3; k++) {
      add({ op: 'step', handle: 2, action: encodeArray(new Int32Array(40).fill(k % 2), [40]) }, 'ok');
      add({ op: 'step', handle: single, action: k % 2 }, 'ok');
      add({ op: 'step', handle: 2, action: encodeArray(new Int32Array(3), [3]) }, 'invalid_action');
    }
    add({ op: 'close', handle: 2 }, 'ok');
    // One at a time, a turn of the event loop apart (the server runs here: it reads the frame
    // and runs a slice of work in that turn), so that requests arrive while earlier ones are half done.
    for (const f of frames) {
      c.ws.send(f);
      await new Promise((r) => setImmediate(r));
    }
    for (const [wantId, outcome] of expect) {
      const answer = await c.next();
      assert.equal(answer.id, wantId);
      assert.equal(answer.error?.code ?? 'ok', outcome, JSON.stringify(answer.error));
    }
  } finally {
    await c.close();
    await server.close();
  }
});
