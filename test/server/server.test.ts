import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ToyContinuous } from './toy-envs.ts';
import { RawClient } from './raw-client.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { encodeArray, decodeArray } from '../../protocol/ndarray.ts';
import { resultCheck, checkErrorResponse } from '../../protocol/validators.ts';
import { PROTOCOL_VERSION } from '../../protocol/handshake.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, maxEnvsPerConnection: 3 });
});
after(() => server.close());

const f32 = (...xs: number[]) => encodeArray(new Float32Array(xs));

async function ready(): Promise<{ c: RawClient; handle: number }> {
  const c = await RawClient.open(server.url);
  assert.ok('result' in (await c.hello()));
  const made = await c.call({ op: 'make', env_id: 'Toy-v0' });
  assert.ok(resultCheck('make').Check(made.result), JSON.stringify(made));
  return { c, handle: made.result.handle };
}

function duplicateOpFrame(handle: number): Uint8Array {
  const str = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];
  return Uint8Array.from([0x84, ...str('id'), 9, ...str('op'), ...str('step'), ...str('op'), ...str('close'), ...str('handle'), handle]);
}

async function stepsFine(c: RawClient, handle: number) {
  const r = await c.call({ op: 'reset', handle, seed: 3 });
  assert.ok(resultCheck('reset').Check(r.result), JSON.stringify(r));
  const s = await c.call({ op: 'step', handle, action: f32(0.5) });
  assert.ok(resultCheck('step').Check(s.result), JSON.stringify(s));
  assert.equal(decodeArray(s.result.obs).length, 2);
}

function expectError(res: any, code: string, id?: number | null) {
  assert.ok(checkErrorResponse.Check(res), `not an error response: ${JSON.stringify(res)}`);
  assert.equal(res.error.code, code, res.error.message);
  if (id !== undefined) assert.equal(res.id, id);
}

test('hello answers with versions and limits; listens on an ephemeral loopback port', async () => {
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const c = await RawClient.open(server.url);
  const r = await c.hello();
  assert.ok(resultCheck('hello').Check(r.result));
  assert.equal(r.result.protocol_version, PROTOCOL_VERSION);
  assert.equal(r.result.limits.max_envs, 3);
  await c.close();
});

test('requests before hello get not_ready; a major version mismatch gets version_mismatch', async () => {
  const c = await RawClient.open(server.url);
  expectError(await c.call({ id: 7, op: 'list_envs' }), 'not_ready', 7);
  expectError(await c.call({ op: 'hello', protocol_version: '2.0', client_name: 'x', client_version: '0' }), 'version_mismatch');
  expectError(await c.call({ op: 'make', env_id: 'Toy-v0' }), 'not_ready');
  const newer = await c.call({ op: 'hello', protocol_version: '1.7', client_name: 'x', client_version: '0' });
  assert.ok('result' in newer, `a newer minor is fine: ${JSON.stringify(newer)}`);
  await c.close();
});

test('list_envs reports spaces, limits and kwargs', async () => {
  const c = await RawClient.open(server.url);
  await c.hello();
  const r = await c.call({ op: 'list_envs' });
  assert.ok(resultCheck('list_envs').Check(r.result));
  const toy = r.result.envs.find((e: any) => e.id === 'Toy-v0');
  assert.deepEqual(toy.action_space.shape, [1]);
  assert.equal(toy.max_episode_steps, 50);
  const disc = r.result.envs.find((e: any) => e.id === 'ToyDiscrete-v0');
  assert.equal(disc.kwargs.unused.type, 'number');
  await c.close();
});

test('bad input gets a typed error and the connection keeps stepping', async () => {
  const { c, handle } = await ready();
  const cases: [string, () => Promise<any>, string][] = [
    ['garbage bytes', () => c.sendBytes(new Uint8Array([0xc1, 0xff, 0x00, 0x13])), 'bad_request'],
    ['truncated msgpack', () => c.sendBytes(new Uint8Array([0xde, 0x00, 0x05, 0xa2])), 'bad_request'],
    ['text frame', () => c.sendBytes('{"id":1,"op":"step"}'), 'bad_request'],
    ['not a map', () => c.sendBytes(new Uint8Array([0x93, 1, 2, 3])), 'bad_request'],
    // {id, op: "step", op: "close", handle}: were the last op to win, the env would close (stepsFine below).
    ['a key twice', () => c.sendBytes(duplicateOpFrame(handle)), 'bad_request'],
    ['schema-invalid step', () => c.call({ op: 'step', handle }), 'bad_request'],
    ['unknown op', () => c.call({ op: 'teleport' }), 'unsupported'],
    ['unknown handle', () => c.call({ op: 'step', handle: 999, action: f32(0) }), 'unknown_handle'],
    ['step before reset', () => c.call({ op: 'step', handle, action: f32(0) }), 'reset_needed'],
    ['unknown env', () => c.call({ op: 'make', env_id: 'Nope-v9' }), 'unknown_env'],
    ['bad kwarg', () => c.call({ op: 'make', env_id: 'Toy-v0', kwargs: { gravity: 1 } }), 'invalid_kwargs'],
    ['more sub-envs than max_num_envs', () => c.call({ op: 'make', env_id: 'Toy-v0', num_envs: 5000 }), 'limit_exceeded'],
  ];
  for (const [name, send, code] of cases) {
    const res = await send();
    try {
      expectError(res, code);
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
  await c.call({ op: 'reset', handle, seed: 1 });
  const actionCases: [string, unknown][] = [
    ['wrong shape', f32(0.1, 0.2)],
    ['NaN', f32(NaN)],
    ['infinity', f32(-Infinity)],
    ['wrong dtype', encodeArray(new Float64Array([0.1]))],
    ['plain number for a Box', 0.5],
    ['bytes not matching shape', { dtype: 'float32', shape: [1], data: new Uint8Array(3) }],
  ];
  for (const [name, action] of actionCases) {
    const res = await c.call({ op: 'step', handle, action });
    try {
      expectError(res, 'invalid_action');
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
  await stepsFine(c, handle);
  await c.close();
});

test('a Discrete action out of range is invalid_action; in range steps', async () => {
  const c = await RawClient.open(server.url);
  await c.hello();
  const { result } = await c.call({ op: 'make', env_id: 'ToyDiscrete-v0', kwargs: { unused: 2 } });
  await c.call({ op: 'reset', handle: result.handle, seed: 0 });
  expectError(await c.call({ op: 'step', handle: result.handle, action: 2 }), 'invalid_action');
  expectError(await c.call({ op: 'step', handle: result.handle, action: -2 }), 'invalid_action');
  expectError(await c.call({ op: 'step', handle: result.handle, action: 0.5 }), 'invalid_action');
  const ok = await c.call({ op: 'step', handle: result.handle, action: -1 });
  assert.equal(ok.result.reward, 1);
  expectError(await c.call({ op: 'render', handle: result.handle }), 'internal');
  await c.close();
});

test('an env that throws gets internal, then env_broken; other envs on the connection keep working', async () => {
  const { c, handle } = await ready();
  const other = (await c.call({ op: 'make', env_id: 'Toy-v0' })).result.handle;
  await c.call({ op: 'reset', handle, seed: 0 });
  expectError(await c.call({ op: 'step', handle, action: f32(0.123) }), 'internal');
  expectError(await c.call({ op: 'step', handle, action: f32(0) }), 'env_broken');
  expectError(await c.call({ op: 'reset', handle }), 'env_broken');
  await stepsFine(c, other);
  assert.deepEqual((await c.call({ op: 'close', handle })).result, {});
  expectError(await c.call({ op: 'close', handle }), 'unknown_handle');
  await c.close();
});

test('render returns an RGB frame', async () => {
  const { c, handle } = await ready();
  await c.call({ op: 'reset', handle });
  const r = await c.call({ op: 'render', handle });
  assert.ok(resultCheck('render').Check(r.result));
  assert.equal(r.result.frame.data.length, r.result.frame.width * r.result.frame.height * 3);
  await c.close();
});

test('max envs per connection gives limit_exceeded', async () => {
  const { c } = await ready();
  await c.call({ op: 'make', env_id: 'Toy-v0' });
  await c.call({ op: 'make', env_id: 'Toy-v0' });
  expectError(await c.call({ op: 'make', env_id: 'Toy-v0' }), 'limit_exceeded');
  await c.close();
});

test('pipelined requests are answered in order with their ids', async () => {
  const { c, handle } = await ready();
  const { encodeMessage } = await import('../../protocol/codec.ts');
  c.ws.send(encodeMessage({ id: 100, op: 'reset', handle, seed: 5 }));
  for (let i = 0; i < 5; i++) c.ws.send(encodeMessage({ id: 101 + i, op: 'step', handle, action: f32(1) }));
  const ids = [];
  for (let i = 0; i < 6; i++) ids.push((await c.next()).id);
  assert.deepEqual(ids, [100, 101, 102, 103, 104, 105]);
  await c.close();
});

test('a disconnect closes the envs the connection owned', async () => {
  const { c } = await ready();
  await c.call({ op: 'make', env_id: 'Toy-v0' });
  const before = ToyContinuous.closed;
  await c.close();
  for (let i = 0; i < 50 && ToyContinuous.closed < before + 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(ToyContinuous.closed, before + 2);
});
