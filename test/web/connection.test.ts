// web/connection.ts in Node, with the ws package standing in for the browser's WebSocket (same
// onopen/onmessage/onclose and binaryType API): a server that stops answering is found by the
// request timeout, which ends the connection with the reason; answers in time are not cut.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { BrowserConnection } from '../../web/connection.ts';

(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

/** A server that answers hello, then answers `list_envs` after `delayMs` (never, if null). */
async function fakeServer(delayMs: number | null): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('gymwire') ? 'gymwire' : false),
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const msg = decodeMessage(new Uint8Array(data as Buffer)) as { id: number; op: string };
      const answer = () =>
        ws.send(
          encodeMessage({
            id: msg.id,
            result: msg.op === 'hello' ? { protocol_version: '1.2', server_name: 'fake', server_version: '0' } : { envs: [] },
          }),
        );
      if (msg.op === 'hello') answer();
      else if (delayMs !== null) setTimeout(answer, delayMs);
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}

const servers: { close: () => Promise<void> }[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

test(
  'a request the server never answers ends the connection after the request timeout, saying which and how long',
  { timeout: 20_000 },
  async () => {
    const server = await fakeServer(null);
    servers.push(server);
    const conn = await BrowserConnection.open(server.url, '', 5000, 300);
    const closed = new Promise<GymwireError>((resolve) => conn.onClose(resolve));
    const started = performance.now();
    await assert.rejects(conn.request('list_envs', { op: 'list_envs' }), (e: unknown) => {
      assert.ok(e instanceof GymwireError);
      assert.equal(e.code, 'connection_lost');
      assert.match(e.message, /did not answer list_envs #2 within 0\.3 s \(request timeout\)/);
      return true;
    });
    const waited = performance.now() - started;
    assert.ok(waited >= 300, `rejected after ${waited.toFixed(0)} ms, before the 0.3 s timeout`);
    assert.match((await closed).message, /request timeout/);
    assert.equal(conn.closed, true);
    await assert.rejects(conn.request('list_envs', { op: 'list_envs' }), /request timeout/);
  },
);

test('answers within the timeout are not cut, and a timeout of 0 waits as long as it takes', { timeout: 20_000 }, async () => {
  const slow = await fakeServer(150);
  servers.push(slow);
  const conn = await BrowserConnection.open(slow.url, '', 5000, 1000);
  for (let i = 0; i < 3; i++) assert.deepEqual(await conn.request('list_envs', { op: 'list_envs' }), { envs: [] });
  assert.equal(conn.closed, false);
  conn.close();

  const silent = await fakeServer(null);
  servers.push(silent);
  const patient = await BrowserConnection.open(silent.url, '', 5000, 0);
  const outcome = await Promise.race([
    patient.request('list_envs', { op: 'list_envs' }).then(
      () => 'answered',
      () => 'rejected',
    ),
    new Promise((resolve) => setTimeout(() => resolve('waiting'), 800)),
  ]);
  assert.equal(outcome, 'waiting');
  patient.close();
});
