// Protocol 1.3's frame encodings: hello and list_envs list them, render sends zlib and PNG
// frames that decode to the raw frame's pixels, an old client asking nothing gets raw bytes in
// the 1.2 shape, and an encoding the server does not offer is refused with the env kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { RawClient } from './raw-client.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { resultCheck } from '../../protocol/validators.ts';
import { decodeRgbPng } from '../graphics/png-decoder.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server.close());

async function ready(): Promise<RawClient> {
  const c = await RawClient.open(server.url);
  assert.ok((await c.call({ op: 'hello', protocol_version: '1.3', client_name: 't', client_version: '0' })).result);
  return c;
}

async function cartPole(c: RawClient): Promise<number> {
  const { handle } = (await c.call({ op: 'make', env_id: 'CartPole-v1' })).result;
  await c.call({ op: 'reset', handle, seed: 3 });
  await c.call({ op: 'step', handle, action: 1 });
  return handle;
}

test('hello and list_envs list raw, zlib and png', async () => {
  const c = await RawClient.open(server.url);
  const hello = await c.hello();
  assert.ok(resultCheck('hello').Check(hello.result));
  const list = await c.call({ op: 'list_envs' });
  assert.ok(resultCheck('list_envs').Check(list.result));
  for (const r of [hello.result, list.result]) assert.deepEqual([...r.render_encodings].sort(), ['png', 'raw', 'zlib']);
  await c.close();
});

test('a render asking nothing gets the raw frame without an encoding field (the 1.2 shape)', async () => {
  const c = await ready();
  const handle = await cartPole(c);
  const { frame } = (await c.call({ op: 'render', handle })).result;
  assert.equal('encoding' in frame, false);
  assert.equal(frame.data.length, frame.width * frame.height * 3);
  const asked = (await c.call({ op: 'render', handle, encoding: 'raw' })).result.frame;
  assert.equal('encoding' in asked, false);
  assert.deepEqual(asked.data, frame.data);
  await c.close();
});

test('zlib and png frames decode to the raw pixels and are far smaller', async () => {
  const c = await ready();
  const handle = await cartPole(c);
  const raw = (await c.call({ op: 'render', handle })).result.frame;
  const answer = await c.call({ op: 'render', handle, encoding: 'zlib' });
  assert.ok(resultCheck('render').Check(answer.result));
  const z = answer as { result: { frame: { width: number; height: number; encoding: string; data: Uint8Array } } };
  assert.equal(z.result.frame.encoding, 'zlib');
  assert.deepEqual([z.result.frame.width, z.result.frame.height], [raw.width, raw.height]);
  assert.deepEqual(new Uint8Array(inflateSync(z.result.frame.data)), new Uint8Array(raw.data));
  const p = (await c.call({ op: 'render', handle, encoding: 'png' })).result.frame;
  assert.equal(p.encoding, 'png');
  const decoded = decodeRgbPng(new Uint8Array(p.data));
  assert.deepEqual([decoded.width, decoded.height], [raw.width, raw.height]);
  assert.deepEqual(decoded.data, new Uint8Array(raw.data));
  // A flat-coloured frame: the encodings exist to shrink it by well over an order of magnitude.
  for (const f of [z.result.frame, p]) assert.ok(f.data.length * 20 < raw.data.length, `${f.encoding}: ${f.data.length} bytes`);
  await c.close();
});

test('an encoding the server does not offer gets unsupported naming the offered ones; a non-string gets bad_request', async () => {
  const c = await ready();
  const handle = await cartPole(c);
  const webp = await c.call({ op: 'render', handle, encoding: 'webp' });
  assert.equal(webp.error.code, 'unsupported');
  assert.deepEqual([...webp.error.details.render_encodings].sort(), ['png', 'raw', 'zlib']);
  assert.equal((await c.call({ op: 'render', handle, encoding: 7 })).error.code, 'bad_request');
  // The env is untouched: it still steps and renders.
  assert.ok((await c.call({ op: 'step', handle, action: 0 })).result);
  assert.equal((await c.call({ op: 'render', handle, encoding: 'png' })).result.frame.encoding, 'png');
  await c.close();
});
