// Plain HTTP on the server's port cannot crowd out the WebSocket clients (issue 32): a socket
// carries one request, pipelined ones after it are never read (server/http-front.ts); requests
// take their turn in the scheduler, one per address per round (server/http-turns.ts); /metrics
// is rendered at most once a second, checks its Host and needs the token when the server has
// one (server/metrics.ts, server/admission.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type RunningServer } from '../../server/server.ts';
import { Scheduler, type Turn } from '../../server/scheduler.ts';
import { fairRequests } from '../../server/http-turns.ts';
import { METRICS_CACHE_MS, ServerMetrics } from '../../server/metrics.ts';
import { MemoryBudget } from '../../server/memory-budget.ts';
import { RemoteEnv } from '../../client/remote-env.ts';

const TOKEN = 'an-http-requests-test-token';

/** Sends `text` on one socket from `localAddress` and resolves with everything answered until the server closes it. */
function rawExchange(port: number, text: string, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => socket.write(text));
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('close', () => resolve(answer));
  });
}

const responses = (answer: string) => answer.split('HTTP/1.1 ').length - 1;

/** Counts the renderings of a server's metrics page. */
function countRenders(server: RunningServer): () => number {
  const registry = server.metrics.registry;
  const render = registry.metrics.bind(registry);
  let n = 0;
  registry.metrics = () => {
    n++;
    return render();
  };
  return () => n;
}

test('16 sockets x 2000 pipelined GET /metrics: each socket is answered once and closed; the page is rendered at most once per socket', async () => {
  const server = await startServer({ port: 0 });
  const renders = countRenders(server);
  try {
    const flood = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(2000);
    const answers = await Promise.all(Array.from({ length: 16 }, () => rawExchange(server.port, flood, '127.0.0.2')));
    for (const a of answers) {
      assert.equal(responses(a), 1, a.slice(0, 200));
      assert.match(a, /^HTTP\/1\.1 200 /);
      assert.match(a, /\r\nConnection: close\r\n/i);
    }
    assert.ok(renders() <= 16, `${renders()} renderings`);
    // The same for the page and the probes; an upgrade still works on the port.
    for (const path of ['/', '/healthz', '/nowhere']) {
      assert.equal(responses(await rawExchange(server.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(50))), 1, path);
    }
    const env = await RemoteEnv.connect(server.url, 'CartPole-v1', {}, { reconnect: false });
    await env.reset({ seed: 0 });
    await env.close();
  } finally {
    await server.close();
  }
});

test('HTTP requests wait for their turn: one address with many queued requests gets one per round, so another address is answered before its third', async () => {
  const scheduler = new Scheduler(() => {});
  const order: string[] = [];
  const handler = (req: IncomingMessage) => void order.push(`${req.socket.remoteAddress}#${req.url}`);
  const onRequest = fairRequests(scheduler, handler);
  // A connection with work waiting: requests can no longer be answered inline.
  let busyTurns = 3;
  const busy: Turn = { inTurn: false, runTurn: () => --busyTurns > 0 };
  scheduler.wake(busy);
  const request = (address: string, n: number) => {
    const req = { socket: { remoteAddress: address, destroyed: false }, url: String(n) } as unknown as IncomingMessage;
    const res = { setHeader() {} } as unknown as ServerResponse;
    return [req, res] as const;
  };
  assert.equal(scheduler.mayRunInline(), false, 'no burst has begun: nothing runs inline while a turn waits');
  for (let i = 0; i < 100; i++) onRequest(...request('10.0.0.1', i));
  onRequest(...request('10.0.0.2', 0));
  await new Promise<void>((resolve) => {
    const check = () => (order.length === 101 ? resolve() : setImmediate(check));
    check();
  });
  const bystander = order.indexOf('10.0.0.2#0');
  assert.ok(bystander >= 0 && bystander <= 2, `the other address was answered ${bystander + 1}th: ${order.slice(0, 5).join(', ')}`);
  assert.deepEqual(
    order.filter((o) => o.startsWith('10.0.0.1')),
    Array.from({ length: 100 }, (_, i) => `10.0.0.1#${i}`),
    'in order',
  );
});

test('/metrics answers only to a Host that DNS rebinding cannot fake, and with the token when the server has one', async () => {
  const open = await startServer({ port: 0 });
  const locked = await startServer({ port: 0, token: TOKEN });
  try {
    const scrape = (s: RunningServer, headers: string, from = '127.0.0.1') =>
      rawExchange(s.port, `GET /metrics HTTP/1.1\r\n${headers}\r\n`, from).then((a) => Number(a.slice(9, 12)));
    assert.equal(await scrape(open, `Host: 127.0.0.1:${open.port}\r\n`), 200);
    assert.equal(await scrape(open, `Host: localhost:${open.port}\r\n`), 200);
    assert.equal(await scrape(open, `Host: evil.example:${open.port}\r\n`), 403);
    assert.equal(await scrape(open, ''), 400, 'HTTP/1.1 without Host: node refuses it');
    const host = `Host: 127.0.0.1:${locked.port}\r\n`;
    assert.equal(await scrape(locked, host), 401);
    assert.equal(await scrape(locked, `${host}Authorization: Bearer a-wrong-token-here\r\n`), 401);
    assert.equal(await scrape(locked, `${host}Authorization: Bearer ${TOKEN}\r\n`), 200);
    // Wrong tokens at /metrics count toward the address's lockout like wrong upgrades.
    for (let i = 0; i < 5; i++) await scrape(locked, `${host}Authorization: Bearer guess-${i}-xxxxxxxxxxxx\r\n`, '127.0.0.3');
    assert.equal(await scrape(locked, `${host}Authorization: Bearer guess-x-xxxxxxxxxxxx\r\n`, '127.0.0.3'), 429);
    assert.equal(await scrape(locked, `${host}Authorization: Bearer ${TOKEN}\r\n`, '127.0.0.3'), 200);
  } finally {
    await open.close();
    await locked.close();
  }
});

test('the metrics page is rendered again only once METRICS_CACHE_MS has passed', async () => {
  let now = 0;
  const metrics = new ServerMetrics(
    { sessions: () => [], connecting: () => 0, budget: new MemoryBudget(1024, () => []), draining: () => false },
    () => now,
  );
  let renders = 0;
  const render = metrics.registry.metrics.bind(metrics.registry);
  metrics.registry.metrics = () => {
    renders++;
    return render();
  };
  const route = metrics.route(() => null);
  const get = () =>
    new Promise<string>((resolve) => {
      const req = { url: '/metrics', method: 'GET', headers: {} } as IncomingMessage;
      const res = { writeHead() {}, end: (text: string) => resolve(text) } as unknown as ServerResponse;
      assert.equal(route(req, res), true);
    });
  const first = await get();
  metrics.errorAnswered('bad_request');
  assert.equal(await get(), first, 'the same page within the interval');
  now += METRICS_CACHE_MS - 1;
  await get();
  assert.equal(renders, 1);
  now += 1;
  assert.match(await get(), /gymwire_errors_total\{code="bad_request"\} 1/);
  assert.equal(renders, 2);
});
