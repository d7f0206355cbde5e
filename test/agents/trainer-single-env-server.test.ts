// Vector envs are optional in the protocol: against a server that answers a vector make with
// 'unsupported', given by --url or found in a farm (dns+ws://), the trainer opens one single
// env per sub-env and trains the same episodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeMessage, decodeMessage } from '../../protocol/codec.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import { train } from '../../agents/trainer.ts';
import { startDns } from '../dns-server.ts';

let upstream: RunningServer;
let proxy: WebSocketServer;
let proxyUrl = '';
let vectorMakesRefused = 0;

before(async () => {
  await selectBackend('wasm');
  upstream = await startServer({ port: 0 });
  // A "1.0-only" server: our server behind a proxy that refuses every vector make.
  proxy = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  proxy.on('connection', (client) => {
    const server = new WebSocket(upstream.url);
    const queued: Buffer[] = [];
    server.on('open', () => queued.splice(0).forEach((f) => server.send(f)));
    server.on('message', (data) => client.send(data as Buffer));
    server.on('close', () => client.close());
    client.on('close', () => server.close());
    client.on('message', (data) => {
      const frame = data as Buffer;
      const msg = decodeMessage(frame) as { id: number; op: string; num_envs?: number; vector?: boolean };
      if (msg.op === 'make' && ((msg.num_envs ?? 1) > 1 || msg.vector === true)) {
        vectorMakesRefused++;
        client.send(encodeMessage({ id: msg.id, error: { code: 'unsupported', message: 'no vector envs here' } }));
        return;
      }
      if (server.readyState === WebSocket.OPEN) server.send(frame);
      else queued.push(frame);
    });
  });
  await new Promise((r) => proxy.once('listening', r));
  proxyUrl = `ws://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

after(async () => {
  await new Promise((r) => proxy.close(r));
  await upstream.close();
});

const quiet = { write: () => true, isTTY: false };
const cfg = (url: string[]) =>
  buildConfig(
    { 'num-envs': '2', ...(url.length ? { url } : {}) },
    {
      env: 'Pendulum-v1',
      out: mkdtempSync(join(tmpdir(), 'ddpg-single-srv-')),
      ...shortRun({ steps: 440, learningStarts: 100, batchSize: 32, hidden: [16, 16] }),
      checkpointEvery: 0,
    },
  );

test('a server without vector envs still trains --num-envs 2, like the in-process run', async () => {
  const remote = await train(cfg([proxyUrl]), { out: quiet });
  const local = await train(cfg([]), { out: quiet });
  assert.ok(vectorMakesRefused >= 1, 'the trainer asked for a vector env first');
  assert.equal(remote.steps, 440);
  assert.equal(remote.episodes, 2);
  assert.deepEqual(remote.episodeReturns, local.episodeReturns);
  assert.equal(remote.updates, local.updates);
});

test('a farm of servers without vector envs (dns+ws://) trains the same way', async () => {
  const dns = await startDns(1);
  const NAME = 'single-envs.farm.test';
  dns.zone.set(NAME, ['127.0.0.1']);
  const refusedBefore = vectorMakesRefused;
  try {
    const port = new URL(proxyUrl).port;
    const farm = await train(cfg([`dns+ws://${NAME}:${port}`]), {
      out: quiet,
      discovery: { dnsServers: dns.dnsServers, timeoutMs: 300, tries: 1 },
    });
    const local = await train(cfg([]), { out: quiet });
    assert.ok(vectorMakesRefused > refusedBefore, 'the farm server was asked for a vector env first');
    assert.equal(farm.steps, 440);
    assert.deepEqual(farm.episodeReturns, local.episodeReturns);
    assert.equal(farm.updates, local.updates);
  } finally {
    await dns.close();
  }
});
