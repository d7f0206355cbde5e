// What PROTOCOL.md 1.2 says the server does where 1.1 was silent or wrong: ids of 2^53 and
// more, integral floats as Discrete actions, extra fields in NDArray maps, Box bounds as
// numbers, the list_envs fields, unreadable reset options, and the URL path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { RawClient } from './raw-client.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { float64, map, str, uint } from './msgpack-bytes.ts';
import { PROTOCOL_VERSION } from '../../protocol/handshake.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server.close());

async function ready(): Promise<RawClient> {
  const c = await RawClient.open(server.url);
  assert.ok((await c.call({ op: 'hello', protocol_version: '1.2', client_name: 't', client_version: '0' })).result);
  return c;
}

test('ids run from 0 to 2^53 - 1; an id of 2^53 or more is answered bad_request with id null', async () => {
  const c = await ready();
  assert.equal(
    (
      await c.sendBytes(
        map([
          ['id', float64(2 ** 53 - 1)],
          ['op', str('list_envs')],
        ]),
      )
    ).id,
    2 ** 53 - 1,
  );
  for (const id of [uint(2 ** 53), uint(2 ** 64 - 2048), float64(2 ** 53), float64(1e300)]) {
    const a = await c.sendBytes(
      map([
        ['id', id],
        ['op', str('list_envs')],
      ]),
    );
    assert.equal(a.id, null);
    assert.equal(a.error.code, 'bad_request');
  }
  await c.close();
});

test('a Discrete action may be an integral float (1.0), not a fractional one', async () => {
  const c = await ready();
  const { handle } = (await c.call({ op: 'make', env_id: 'CartPole-v1' })).result;
  await c.call({ op: 'reset', handle, seed: 0 });
  const step = (action: Uint8Array) =>
    c.sendBytes(
      map([
        ['id', uint(9)],
        ['op', str('step')],
        ['handle', uint(handle)],
        ['action', action],
      ]),
    );
  assert.equal(typeof (await step(float64(1))).result.reward, 'number');
  assert.equal((await step(float64(1.5))).error.code, 'invalid_action');
  assert.equal((await step(float64(2))).error.code, 'invalid_action');
  await c.close();
});

test('an NDArray map may carry extra fields: they are ignored', async () => {
  const c = await ready();
  const { handle } = (await c.call({ op: 'make', env_id: 'Pendulum-v1' })).result;
  await c.call({ op: 'reset', handle, seed: 0 });
  const action = { dtype: 'float32', shape: [1], data: new Uint8Array(4), order: 'C', note: [1, 2] };
  assert.equal(typeof (await c.call({ op: 'step', handle, action })).result.reward, 'number');
  await c.close();
});

test('Box bounds arrive as numbers: msgpack integers where integral, float 64 otherwise', async () => {
  const c = await ready();
  const ws = c.ws;
  // Read the raw answer: Pendulum's action space is Box(-2, 2), its observation high [1, 1, 8].
  const raw = await new Promise<Buffer>((resolve) => {
    ws.prependOnceListener('message', (d: Buffer) => resolve(d));
    ws.send(encodeMessage({ id: 5, op: 'make', env_id: 'Pendulum-v1' }));
  });
  await c.next();
  const lowKey = Buffer.from([0xa3, ...Buffer.from('low')]);
  const at = raw.indexOf(lowKey, raw.indexOf(Buffer.from('action_space')));
  assert.deepEqual([...raw.subarray(at + lowKey.length, at + lowKey.length + 2)], [0x91, 0xfe], 'low: [-2] as a negative fixint');
  const made = decodeMessage(raw) as { result: { observation_space: { low: number[] } } };
  assert.deepEqual(made.result.observation_space.low, [-1, -1, -8]);
  await c.close();
});

test('list_envs: every env says its reset options, render modes and render_fps (as Gymnasium declares them)', async () => {
  const c = await ready();
  const { envs } = (await c.call({ op: 'list_envs' })).result as {
    envs: {
      id: string;
      reset_options: Record<string, { type: string; default: unknown }>;
      render_modes: string[];
      render_fps: number | null;
    }[];
  };
  const byId = Object.fromEntries(envs.map((e) => [e.id, e]));
  const fps = {
    'CartPole-v1': 50,
    'MountainCar-v0': 30,
    'MountainCarContinuous-v0': 30,
    'Pendulum-v1': 30,
    'Acrobot-v1': 15,
    'LunarLander-v3': 50,
    'BipedalWalker-v3': 50,
  };
  for (const [id, f] of Object.entries(fps)) {
    assert.equal(byId[id].render_fps, f, id);
    assert.deepEqual(byId[id].render_modes, ['rgb_array'], id);
  }
  assert.deepEqual(Object.keys(byId['CartPole-v1'].reset_options), ['low', 'high']);
  assert.deepEqual([byId['CartPole-v1'].reset_options.low.default, byId['CartPole-v1'].reset_options.high.default], [-0.05, 0.05]);
  assert.deepEqual(Object.keys(byId['Pendulum-v1'].reset_options), ['x_init', 'y_init']);
  assert.deepEqual(byId['LunarLander-v3'].reset_options, {});
  await c.close();
});

test('a reset option the env cannot read gets bad_request and changes nothing; a declared one is read', async () => {
  const c = await ready();
  const { handle } = (await c.call({ op: 'make', env_id: 'CartPole-v1' })).result;
  for (const low of ['x', { a: 1 }, [1, 2], null]) {
    const a = await c.call({ op: 'reset', handle, options: { low } });
    assert.equal(a.error?.code, 'bad_request', JSON.stringify(a));
  }
  assert.equal((await c.call({ op: 'step', handle, action: 0 })).error.code, 'reset_needed', 'the failed resets did not reset');
  const r = await c.call({ op: 'reset', handle, seed: 0, options: { low: 0.2, high: 0.2 } });
  assert.deepEqual(Array.from(new Float32Array(new Uint8Array(r.result.obs.data).buffer)), [0.2, 0.2, 0.2, 0.2].map(Math.fround));
  await c.close();
});

test('the URL path and query are ignored', async () => {
  const ws = new WebSocket(`${server.url}/some/path?x=1`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const answer = new Promise<Buffer>((resolve) => ws.once('message', resolve));
  ws.send(encodeMessage({ id: 1, op: 'hello', protocol_version: '1.2', client_name: 't', client_version: '0' }));
  assert.equal((decodeMessage(await answer) as { result: { protocol_version: string } }).result.protocol_version, PROTOCOL_VERSION);
  ws.close();
});
