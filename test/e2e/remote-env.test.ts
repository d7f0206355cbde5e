import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import '../server/toy-envs.ts';
import { make } from '../../envs/index.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { RemoteEnv, Connection } from '../../client/remote-env.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import type { EnvLike, SpaceValue } from '../../protocol/env-api.ts';
import { box } from '../../protocol/spaces.ts';
import { loadGolden } from '../envs/golden.ts';
import { rejectsWith } from '../helpers.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server.close());

test('RemoteEnv reproduces the local env step for step (toy env)', async () => {
  const remote: EnvLike = await RemoteEnv.connect(server.url, 'Toy-v0');
  const local = make('Toy-v0');
  assert.deepEqual(remote.observationSpace, local.observationSpace);
  assert.deepEqual(remote.actionSpace, local.actionSpace);
  assert.equal(remote.spec?.max_episode_steps, 50);
  const r0 = await remote.reset({ seed: 11 });
  const l0 = local.reset({ seed: 11 });
  assert.deepEqual(r0, l0);
  for (let t = 0; t < 60; t++) {
    const action = new Float32Array([Math.sin(t)]);
    const r = await remote.step(action);
    const l = local.step(action);
    assert.deepEqual(r, l, `step ${t}`);
    if (l.terminated || l.truncated) break;
  }
  // A reset without a seed continues the generator stream on both sides.
  assert.deepEqual(await remote.reset(), local.reset());
  const frame = await remote.render();
  assert.deepEqual(frame, local.render());
  await remote.close();
  await remote.close();
});

test('server errors become GymwireErrors with the code', async () => {
  await rejectsWith(RemoteEnv.connect(server.url, 'Nope-v0'), 'unknown_env');
  const env = await RemoteEnv.connect(server.url, 'ToyDiscrete-v0');
  await rejectsWith(env.step(1), 'reset_needed');
  await env.reset({ seed: 1 });
  await rejectsWith(env.step(7), 'invalid_action');
  const ok = await env.step(0);
  assert.equal(ok.reward, 1);
  const listed = await env.listEnvs();
  assert.ok(listed.some((e) => e.id === 'Toy-v0'));
  await env.close();
});

test('several envs share one connection', async () => {
  const conn = await Connection.open(server.url);
  const a = await RemoteEnv.make(conn, 'Toy-v0');
  const b = await RemoteEnv.make(conn, 'Toy-v0');
  assert.notEqual(a.handle, b.handle);
  const [ra, rb] = await Promise.all([a.reset({ seed: 1 }), b.reset({ seed: 2 })]);
  assert.notDeepEqual(ra.obs, rb.obs);
  await a.close();
  assert.ok(!conn.closed, 'closing an env made on a shared connection leaves it open');
  await b.step(new Float32Array([0]));
  await conn.close();
});

test('a dropped connection rejects pending calls with connection_lost, and later calls at once', async () => {
  // A fake server that answers hello and make, then drops the connection when a step arrives.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const msg = decodeMessage(data) as { id: number; op: string };
      if (msg.op === 'hello') {
        ws.send(
          encodeMessage({
            id: msg.id,
            result: { protocol_version: '1.0', server_name: 'fake', server_version: '0', limits: { max_payload_bytes: 1, max_envs: 1 } },
          }),
        );
      } else if (msg.op === 'make') {
        const space = box(-1, 1, [1]);
        const spec = { id: 'Fake-v0', max_episode_steps: null, reward_threshold: null, nondeterministic: false, kwargs: {} };
        ws.send(encodeMessage({ id: msg.id, result: { handle: 1, observation_space: space, action_space: space, spec, num_envs: 1 } }));
      } else {
        setTimeout(() => ws.terminate(), 20);
      }
    });
  });
  const port = (wss.address() as { port: number }).port;
  const env = await RemoteEnv.connect(`ws://127.0.0.1:${port}`, 'Fake-v0');
  const pending = [env.step(new Float32Array([0])), env.reset()];
  for (const p of pending) {
    const e = await rejectsWith(p, 'connection_lost');
    assert.match(e.message, /closed/);
  }
  await rejectsWith(env.step(new Float32Array([0])), 'connection_lost');
  await env.close();
  await new Promise((r) => wss.close(r));
});

test('connecting to nothing fails with connection_lost', async () => {
  const probe = await startServer({ port: 0 });
  const url = probe.url;
  await probe.close();
  await rejectsWith(RemoteEnv.connect(url, 'Toy-v0'), 'connection_lost');
});

test('a server shutting down rejects later calls instead of hanging', async () => {
  const own = await startServer({ port: 0 });
  const env = await RemoteEnv.connect(own.url, 'Toy-v0');
  await env.reset({ seed: 0 });
  const closing = own.close();
  await rejectsWith(env.step(new Float32Array([0])), 'connection_lost');
  await closing;
});

// ---- golden trajectories (need the real classic-control envs) --------------------------------

for (const file of ['Pendulum-v1.seed0.json', 'CartPole-v1.seed0.json']) {
  const id = file.split('.seed')[0];
  test(`RemoteEnv replays the golden ${file} exactly like the local env`, async () => {
    const golden = loadGolden(id, 0);
    const remote = await RemoteEnv.connect(server.url, id);
    const local = make(id);
    const toAction = (a: number | number[]): SpaceValue => (typeof a === 'number' ? a : new Float32Array(a));
    const r0 = await remote.reset({ seed: golden.seed });
    assert.deepEqual(r0.obs, local.reset({ seed: golden.seed }).obs);
    assert.deepEqual(Array.from(r0.obs as Float32Array), golden.reset_obs);
    for (const [t, step] of golden.steps.entries()) {
      const r = await remote.step(toAction(step.action));
      const l = local.step(toAction(step.action));
      assert.deepEqual(r.obs, l.obs, `obs at step ${t}`);
      assert.equal(r.reward, l.reward, `reward at step ${t}`);
      assert.equal(r.terminated, l.terminated);
      assert.equal(r.truncated, l.truncated);
      assert.deepEqual(Array.from(r.obs as Float32Array), step.obs, `golden obs at step ${t}`);
      assert.equal(r.terminated, step.terminated);
      assert.equal(r.truncated, step.truncated);
    }
    const again = await remote.reset();
    assert.deepEqual(Array.from(again.obs as Float32Array), golden.second_reset_obs);
    await remote.close();
  });
}
