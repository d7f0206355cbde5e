// Pipelining: a client sends many requests without waiting; the server answers each, in
// arrival order, on every connection — failures included — and the client library sends
// overlapping calls at once rather than one round trip at a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import './toy-envs.ts';
import { make } from '../../envs/index.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { encodeArray, decodeArray } from '../../protocol/ndarray.ts';
import { encodeStepRequest } from '../../protocol/fast-frames.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../../protocol/schema/messages.ts';
import { box } from '../../protocol/spaces.ts';
import { BusyPoll } from '../../protocol/busy-poll.ts';
import { RawClient } from './raw-client.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server.close());

const f32 = (...xs: number[]) => encodeArray(new Float32Array(xs));

test('a burst of requests sent without waiting is answered one for one, in order, errors interleaved', async () => {
  const c = await RawClient.open(server.url);
  await c.hello();
  const single = (await c.call({ op: 'make', env_id: 'Toy-v0' })).result.handle;
  const vec = (await c.call({ op: 'make', env_id: 'Toy-v0', num_envs: 3 })).result.handle;
  const local = make('Toy-v0');
  const localReset = local.reset({ seed: 8 });

  // [frame, expected id, expected outcome: 'ok' or an error code]
  const burst: [Uint8Array | string, number | null, string][] = [];
  let id = 100;
  const add = (msg: Record<string, unknown>, outcome: string) => {
    burst.push([encodeMessage({ id, ...msg }), id, outcome]);
    id++;
  };
  add({ op: 'reset', handle: single, seed: 8 }, 'ok');
  add({ op: 'reset', handle: vec, seed: 1 }, 'ok');
  const actions = [0.3, -0.2, 0.9, 0.1, -1];
  for (const [k, a] of actions.entries()) {
    burst.push([encodeStepRequest(id, single, f32(a)), id, 'ok']);
    id++;
    if (k === 1) add({ op: 'step', handle: single, action: f32(a, a) }, 'invalid_action');
    if (k === 2) add({ op: 'step', handle: 999, action: f32(a) }, 'unknown_handle');
    if (k === 3) {
      burst.push([new Uint8Array([0xc1, 0xc1]), null, 'bad_request']);
      burst.push(['text', null, 'bad_request']);
      add({ op: 'teleport' }, 'unsupported');
      add({ op: 'step', handle: single }, 'bad_request');
    }
    burst.push([encodeStepRequest(id, vec, encodeArray(new Float32Array([a, a, a]), [3, 1])), id, 'ok']);
    id++;
    if (k === 0) add({ op: 'step', handle: vec, action: encodeArray(new Float32Array([a, a]), [2, 1]) }, 'invalid_action');
  }
  add({ op: 'render', handle: vec }, 'unsupported');
  add({ op: 'close', handle: vec }, 'ok');
  add({ op: 'step', handle: vec, action: encodeArray(new Float32Array(3), [3, 1]) }, 'unknown_handle');
  add({ op: 'list_envs' }, 'ok');

  for (const [frame] of burst) c.ws.send(frame);
  const answers: any[] = [];
  for (let i = 0; i < burst.length; i++) answers.push(await c.next());

  const singleSteps: unknown[] = [];
  for (const [i, [, expectedId, outcome]] of burst.entries()) {
    const a = answers[i];
    assert.equal(a.id, expectedId, `answer ${i} is for request ${expectedId}`);
    if (outcome === 'ok') assert.ok('result' in a, `answer ${i}: ${JSON.stringify(a.error)}`);
    else assert.equal(a.error?.code, outcome, `answer ${i}`);
    if (outcome === 'ok' && a.result.reward !== undefined && typeof a.result.reward === 'number') singleSteps.push(a.result);
  }
  // The single env's steps are exactly the local env's, so every valid step ran once, in order.
  assert.deepEqual(decodeArray(answers[0].result.obs), localReset.obs);
  assert.equal(singleSteps.length, actions.length);
  for (const [k, a] of actions.entries()) {
    const l = local.step(new Float32Array([a]));
    const r = singleSteps[k] as { obs: never; reward: number };
    assert.deepEqual(decodeArray(r.obs), l.obs, `step ${k}`);
    assert.equal(r.reward, l.reward);
  }
  await c.close();
});

test('RemoteEnvs sharing a Connection step concurrently; results equal the local envs stepped one by one', async () => {
  const conn = await Connection.open(server.url);
  const k = 6;
  const remotes = await Promise.all(Array.from({ length: k }, () => RemoteEnv.make(conn, 'Toy-v0')));
  const locals = Array.from({ length: k }, () => make('Toy-v0'));
  const r0 = await Promise.all(remotes.map((e, i) => e.reset({ seed: i })));
  r0.forEach((r, i) => assert.deepEqual(r, locals[i].reset({ seed: i })));
  for (let t = 0; t < 40; t++) {
    const actions = remotes.map((_, i) => new Float32Array([Math.sin(t + i)]));
    const got = await Promise.all(remotes.map((e, i) => e.step(actions[i])));
    got.forEach((g, i) => assert.deepEqual(g, locals[i].step(actions[i]), `env ${i} step ${t}`));
  }
  // An error in the middle of a pipelined batch rejects that call only.
  const settled = await Promise.allSettled(remotes.map((e, i) => e.step(new Float32Array([i === 2 ? NaN : 0.5]))));
  settled.forEach((s, i) => {
    if (i === 2) {
      assert.equal(s.status, 'rejected');
      assert.equal(((s as PromiseRejectedResult).reason as GymwireError).code, 'invalid_action');
    } else {
      assert.equal(s.status, 'fulfilled');
      assert.deepEqual((s as PromiseFulfilledResult<unknown>).value, locals[i].step(new Float32Array([0.5])));
    }
  });
  await conn.close();
});

test('stepMany pipelines k steps of one env: same results as k sequential local steps', async () => {
  const remote = await RemoteEnv.connect(server.url, 'Toy-v0');
  const local = make('Toy-v0');
  assert.deepEqual(await remote.reset({ seed: 4 }), local.reset({ seed: 4 }));
  const actions = Array.from({ length: 32 }, (_, t) => new Float32Array([Math.cos(t)]));
  const got = await remote.stepMany(actions);
  assert.equal(got.length, actions.length);
  got.forEach((g, t) => assert.deepEqual(g, local.step(actions[t]), `step ${t}`));
  await remote.close();
});

test('a vector env and single envs pipelined on one connection', async () => {
  const conn = await Connection.open(server.url);
  const vec = await RemoteVectorEnv.make(conn, 'Toy-v0', 4);
  const one = await RemoteEnv.make(conn, 'Toy-v0');
  await Promise.all([vec.reset({ seed: 0 }), one.reset({ seed: 0 })]);
  const [a, b, c] = await Promise.all([
    vec.step(new Float32Array(4)),
    one.step(new Float32Array(1)),
    vec.step(new Float32Array(4).fill(1)),
  ]);
  assert.equal(a.obs.length, 8);
  assert.equal(c.obs.length, 8);
  assert.equal((b.obs as Float32Array).length, 2);
  assert.notDeepEqual(a.obs, c.obs, 'two distinct steps, in order');
  await conn.close();
});

test('the Connection sends overlapping requests at once (a server that answers only after k arrive)', async () => {
  const k = 5;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws: WebSocket) => {
    const held: { id: number }[] = [];
    ws.on('message', (data: Buffer) => {
      const msg = decodeMessage(data) as { id: number; op: string };
      if (msg.op === 'hello') {
        ws.send(
          encodeMessage({
            id: msg.id,
            result: {
              protocol_version: PROTOCOL_VERSION,
              server_name: 'gate',
              server_version: '0',
              limits: { max_payload_bytes: 1 << 20, max_envs: 8 },
            },
          }),
        );
      } else if (msg.op === 'make') {
        const space = box(-1, 1, [1]);
        const spec = { id: 'Gate-v0', max_episode_steps: null, reward_threshold: null, nondeterministic: false, kwargs: {} };
        ws.send(encodeMessage({ id: msg.id, result: { handle: 1, observation_space: space, action_space: space, spec, num_envs: 1 } }));
      } else if (msg.op === 'close') {
        ws.send(encodeMessage({ id: msg.id, result: {} }));
      } else {
        // Hold step requests until k are in: a client waiting for each answer would hang here.
        held.push(msg);
        if (held.length === k) {
          for (const [i, m] of held.entries()) {
            ws.send(encodeMessage({ id: m.id, result: { obs: f32(i), reward: i, terminated: false, truncated: false, info: {} } }));
          }
          held.length = 0;
        }
      }
    });
  });
  const port = (wss.address() as { port: number }).port;
  const env = await RemoteEnv.connect(`ws://127.0.0.1:${port}`, 'Gate-v0');
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('requests were not all sent at once')), 2000).unref(),
  );
  const results = await Promise.race([env.stepMany(Array.from({ length: k }, () => new Float32Array([0]))), timeout]);
  assert.deepEqual(
    results.map((r) => r.reward),
    [0, 1, 2, 3, 4],
  );
  await env.close();
  await new Promise((r) => wss.close(r));
});

test('busy polling (opt-in on both ends) answers the same, and stops polling after its window', async () => {
  const own = await startServer({ port: 0, busyPollMicros: 500 });
  const remote = await RemoteEnv.connect(own.url, 'Toy-v0', {}, { busyPollMicros: 500 });
  const local = make('Toy-v0');
  assert.deepEqual(await remote.reset({ seed: 2 }), local.reset({ seed: 2 }));
  for (let t = 0; t < 30; t++) assert.deepEqual(await remote.step(new Float32Array([0.1])), local.step(new Float32Array([0.1])));
  await remote.close();
  await own.close();
  // The window on a clock of our own: the loop spins until the clock passes touch() + 2 ms.
  let now = 0;
  let turns = 0;
  const poll = new BusyPoll(2000, () => now);
  poll.touch();
  assert.equal(poll.polling, true);
  for (; turns < 10; turns++) await new Promise((r) => setImmediate(r));
  assert.equal(poll.polling, true, 'still inside its window');
  now = 1.5;
  poll.touch(); // a new event moves the window: until 3.5 ms
  now = 3;
  for (turns = 0; turns < 10; turns++) await new Promise((r) => setImmediate(r));
  assert.equal(poll.polling, true, 'the window runs from the last touch');
  now = 3.5;
  for (turns = 0; turns < 100 && poll.polling; turns++) await new Promise((r) => setImmediate(r));
  assert.equal(poll.polling, false, 'stopped once the window had passed');
  assert.ok(turns <= 2, `stopped on the next turn, not after ${turns}`);
});
