// RemoteEnv's frames under protocol 1.3: render() fetches zlib from a server that offers it and
// gives back the very pixels of a raw render; renderEncoded passes PNG files on untouched; a
// server before 1.3 (no render_encodings at hello) is asked for raw frames only; and frames
// that do not decode to their size are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { RemoteEnv } from '../../client/remote-env.ts';
import { decodeFrame } from '../../client/frame-decode.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { decodeRgbPng } from '../graphics/png-decoder.ts';
import type { RequestOf } from '../../protocol/schema/messages.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server.close());

/** Records the encoding each render request of `env` asks for. */
function spyEncodings(env: RemoteEnv): (string | undefined)[] {
  const asked: (string | undefined)[] = [];
  const request = env.connection.request.bind(env.connection);
  env.connection.request = ((op: string, body: RequestOf['render']) => {
    if (op === 'render') asked.push(body.encoding);
    return request(op as 'render', body);
  }) as typeof env.connection.request;
  return asked;
}

test('render() asks for zlib and returns the raw frame; renderEncoded hands PNG and raw through', async () => {
  const env = await RemoteEnv.connect(server.url, 'LunarLander-v3');
  try {
    await env.reset({ seed: 1 });
    await env.step(2);
    const asked = spyEncodings(env);
    const frame = await env.render();
    assert.deepEqual(asked, ['zlib']);
    const raw = await env.renderEncoded('raw');
    assert.equal(raw.encoding, 'raw');
    assert.equal(asked[1], undefined, 'raw is asked for as a 1.2 client would');
    assert.deepEqual([frame.width, frame.height], [600, 400]);
    assert.deepEqual(frame.data, raw.data);
    const png = await env.renderEncoded('png');
    assert.equal(png.encoding, 'png');
    assert.deepEqual(decodeRgbPng(png.data).data, raw.data);
  } finally {
    await env.close();
  }
});

test('a server that lists no encodings (before 1.3) is asked for raw frames', async () => {
  const env = await RemoteEnv.connect(server.url, 'CartPole-v1');
  try {
    await env.reset({ seed: 0 });
    delete env.connection.server.render_encodings;
    const asked = spyEncodings(env);
    const frame = await env.render();
    assert.deepEqual(asked, [undefined]);
    assert.equal(frame.data.length, 600 * 400 * 3);
  } finally {
    await env.close();
  }
});

test('decodeFrame refuses a zlib stream that inflates to more or less than the frame, and unknown encodings', () => {
  const data = new Uint8Array(2 * 3 * 3).map((_, i) => i);
  assert.deepEqual(decodeFrame({ width: 2, height: 3, encoding: 'zlib', data: deflateSync(data) }).data, data);
  assert.throws(() => decodeFrame({ width: 2, height: 2, encoding: 'zlib', data: deflateSync(data) }), /did not inflate/);
  assert.throws(() => decodeFrame({ width: 3, height: 3, encoding: 'zlib', data: deflateSync(data) }), /holds 18 bytes, not 27/);
  assert.throws(() => decodeFrame({ width: 2, height: 3, encoding: 'zlib', data: new Uint8Array([1, 2, 3]) }), /did not inflate/);
  assert.throws(() => decodeFrame({ width: 2, height: 3, encoding: 'webp', data }), /not 'webp'/);
});
