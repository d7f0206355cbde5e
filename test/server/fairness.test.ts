// Fair service: one connection's big batches cannot stall the others (server/scheduler.ts),
// and a connection's answers still come in request order when its requests run in parts.
// The heavy load is wall-clock time (test/server/slow-env-plugin.ts), so it does not depend on
// the machine's speed. The bound on the bystander's wait is generous, for a loaded machine
// (typically 20-60 ms in parts and ~10 ms in a worker, at a load of 7 on 2 cores; 0.5-2.4 s
// when requests run whole in the server's thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import './slow-env-plugin.ts';
import { spawnServer } from '../../bench/server-process.ts';
import { startServer } from '../../server/server.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { RawClient } from './raw-client.ts';

// In the server's thread, run in parts (--vector-workers 0), and in a worker thread (a vector
// env of 200 x 1 MiB is big enough for one).
for (const { where, args, envId, numEnvs, ms } of [
  { where: 'in the server thread, in parts', args: ['--vector-workers', '0'], envId: 'Slow-v0', numEnvs: 600, ms: 1 },
  { where: 'in a worker thread', args: [], envId: 'SlowBig-v0', numEnvs: 200, ms: 3 },
]) {
  test(`while one connection steps a ${numEnvs} x ${ms} ms vector env 4-deep (${where}), a CartPole on another waits < 500 ms per step`, async () => {
    const server = await spawnServer(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--plugin', 'test/server/slow-env-plugin.ts', ...args]);
    const conn = await Connection.open(server.url, { reconnect: false });
    const bystander = await RemoteEnv.connect(server.url, 'CartPole-v1', {}, { reconnect: false });
    try {
      const heavy = await RemoteVectorEnv.make(conn, envId, numEnvs, { ms });
      await heavy.reset({ seed: 0 });
      const actions = new Int32Array(numEnvs);
      let heavySteps = 0;
      const end = performance.now() + 3000;
      // Each vector step is 600 ms of work; four in flight would queue 2.4 s in front of
      // anything else if the server ran each request whole in its thread.
      const lanes = Array.from({ length: 4 }, async () => {
        while (performance.now() < end) {
          await heavy.step(actions);
          heavySteps++;
        }
      });
      const waits: number[] = [];
      await bystander.reset({ seed: 0 });
      while (performance.now() < end) {
        const t = performance.now();
        const r = await bystander.step(0);
        waits.push(performance.now() - t);
        if (r.terminated || r.truncated) await bystander.reset();
      }
      await Promise.all(lanes);
      const max = Math.max(...waits);
      assert.ok(heavySteps >= 3, `the heavy client made ${heavySteps} vector steps in 3 s`);
      assert.ok(max < 500, `bystander: ${waits.length} steps, longest wait ${max.toFixed(0)} ms`);
    } finally {
      await bystander.close();
      await conn.close();
      await server.stop();
    }
  });
}

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
    // One at a time a few ms apart, so that requests arrive while earlier ones are half done.
    for (const f of frames) {
      c.ws.send(f);
      await new Promise((r) => setTimeout(r, 5));
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
