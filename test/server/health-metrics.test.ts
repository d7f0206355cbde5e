// GET /healthz, /readyz and /metrics on the server's port (server/health.ts, server/metrics.ts),
// and draining in-process (server/drain.ts): readiness and upgrades during a drain, the grace
// period, the 1001 close the clients get, and the client's reconnect after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../server/server.ts';
import { RemoteEnv } from '../../client/remote-env.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { DRAIN_CLOSE_REASON } from '../../server/drain.ts';
import { freePort, rejectsWith } from '../helpers.ts';
import { RawClient } from './raw-client.ts';
import { METRICS_CACHE_MS, ServerMetrics } from '../../server/metrics.ts';
import { MemoryBudget } from '../../server/memory-budget.ts';

const httpBase = (s: RunningServer) => `http://127.0.0.1:${s.port}`;

/** The samples of a Prometheus text page: 'name{labels}' -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    m.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return m;
}

async function scrape(s: RunningServer): Promise<Map<string, number>> {
  const res = await fetch(`${httpBase(s)}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

test('/healthz and /readyz answer 200 (GET and HEAD, with a query) and close their socket; other paths keep the 426', async () => {
  const s = await startServer({ port: 0 });
  try {
    for (const path of ['/healthz', '/readyz', '/healthz?probe=1']) {
      const res = await fetch(httpBase(s) + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('connection'), 'close');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(await res.text(), /^(ok|ready)\n$/);
    }
    assert.equal((await fetch(`${httpBase(s)}/readyz`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${httpBase(s)}/healthz`, { method: 'POST' })).status, 426);
    assert.equal((await fetch(`${httpBase(s)}/healthzz`)).status, 426);
  } finally {
    await s.close();
  }
});

test('health checks go through admission: slow-header sockets still count against max_upgrading_per_address and get 408', async () => {
  const s = await startServer({ port: 0, maxUpgradingPerAddress: 2, upgradeTimeoutMs: 400 });
  const sockets: Socket[] = [];
  try {
    // Two sockets that send half a health check and stall.
    for (let i = 0; i < 2; i++) {
      const sock = tcpConnect(s.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      sockets.push(sock);
    }
    await new Promise((r) => setTimeout(r, 50));
    // A third from the same address is refused like any socket over the cap.
    const third = await fetch(`${httpBase(s)}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    assert.equal(third, 503);
    const answers = await Promise.all(
      sockets.map(
        (sock) =>
          new Promise<string>((resolve) => {
            let text = '';
            sock.on('data', (d) => (text += d));
            sock.once('close', () => resolve(text));
          }),
      ),
    );
    for (const a of answers) assert.match(a, /^HTTP\/1\.1 408/);
    assert.equal((await fetch(`${httpBase(s)}/healthz`)).status, 200, 'and once they are gone, health checks pass again');
  } finally {
    for (const sock of sockets) sock.destroy();
    await s.close();
  }
});

test('/metrics: connections, envs by id, steps, env steps, errors by code, step-time histogram, budget use; one registry per server', async () => {
  const s = await startServer({ port: 0, memoryBudget: 64 * 1024 * 1024 });
  const other = await startServer({ port: 0 });
  const vec = await RemoteVectorEnv.connect(s.url, 'Pendulum-v1', 3, {}, { reconnect: false });
  const one = await RemoteEnv.connect(s.url, 'CartPole-v1', {}, { reconnect: false });
  try {
    await vec.reset({ seed: 0 });
    await one.reset({ seed: 0 });
    for (let i = 0; i < 7; i++) await vec.step(new Float32Array(3));
    for (let i = 0; i < 5; i++) await one.step(1);
    await rejectsWith(RemoteEnv.connect(s.url, 'NoSuchEnv-v0', {}, { reconnect: false }), 'unknown_env');
    await rejectsWith(one.connection.request('step', { op: 'step', handle: 999, action: 0 }), 'unknown_handle');
    await rejectsWith(one.connection.request('step', { op: 'step', handle: 999, action: 1 }), 'unknown_handle');
    // A frame that is not msgpack, and a request before hello.
    const raw = await RawClient.open(s.url);
    assert.equal((await raw.sendBytes(new Uint8Array([0xc1]))).error.code, 'bad_request');
    assert.equal((await raw.call({ op: 'list_envs' })).error.code, 'not_ready');
    await raw.close();

    const m = await scrape(s);
    assert.equal(m.get('gymwire_connections'), 2);
    assert.equal(m.get('gymwire_draining'), 0);
    assert.equal(m.get('gymwire_envs_open{env_id="Pendulum-v1"}'), 1);
    assert.equal(m.get('gymwire_env_instances{env_id="Pendulum-v1"}'), 3);
    assert.equal(m.get('gymwire_envs_open{env_id="CartPole-v1"}'), 1);
    assert.equal(m.get('gymwire_steps_total'), 12);
    assert.equal(m.get('gymwire_env_steps_total'), 7 * 3 + 5);
    assert.equal(m.get('gymwire_errors_total{code="unknown_env"}'), 1);
    assert.equal(m.get('gymwire_errors_total{code="unknown_handle"}'), 2);
    assert.equal(m.get('gymwire_errors_total{code="bad_request"}'), 1);
    assert.equal(m.get('gymwire_errors_total{code="not_ready"}'), 1);
    assert.equal(m.get('gymwire_step_duration_seconds_count'), 12);
    assert.equal(m.get('gymwire_step_duration_seconds_bucket{le="+Inf"}'), 12);
    assert.ok(m.get('gymwire_step_duration_seconds_sum')! > 0);
    // Buckets are cumulative and end at the count.
    const buckets = [...m].filter(([k]) => k.startsWith('gymwire_step_duration_seconds_bucket')).map(([, v]) => v);
    assert.ok(buckets.every((v, i) => i === 0 || v >= buckets[i - 1]) && buckets.at(-1) === 12, String(buckets));
    assert.equal(m.get('gymwire_memory_budget_bytes'), 64 * 1024 * 1024);
    assert.equal(m.get('gymwire_memory_used_bytes{part="envs"}'), 4 * 4096, 'four classic-control instances at 4 KiB each');
    assert.ok(m.get('process_resident_memory_bytes')! > 0);

    const o = await scrape(other);
    assert.equal(o.get('gymwire_steps_total'), 0, 'the other server counts its own');
    assert.equal(o.get('gymwire_connections'), 0);

    await vec.close();
    // The page is rendered again once the last rendering is METRICS_CACHE_MS old.
    await new Promise((r) => setTimeout(r, METRICS_CACHE_MS));
    const after = await scrape(s);
    assert.equal(after.get('gymwire_envs_open{env_id="Pendulum-v1"}'), undefined, 'closed envs leave the page');
    assert.equal(after.get('gymwire_connections'), 1);
  } finally {
    await one.close().catch(() => {});
    await vec.close().catch(() => {});
    await Promise.all([s.close(), other.close()]);
  }
});

test('step-time histogram: each step in the first bucket whose bound it does not pass, cumulative, +Inf = count', async () => {
  const metrics = new ServerMetrics({
    sessions: () => [],
    connecting: () => 0,
    budget: new MemoryBudget(1024, () => []),
    draining: () => false,
  });
  for (const seconds of [1e-5, 2e-5, 0.5, 1, 10]) metrics.stepAnswered(seconds, 4);
  const m = parseMetrics(await metrics.registry.metrics());
  const bucket = (le: string) => m.get(`gymwire_step_duration_seconds_bucket{le="${le}"}`);
  assert.deepEqual([bucket('0.00001'), bucket('0.00003'), bucket('0.3'), bucket('1'), bucket('3'), bucket('+Inf')], [1, 2, 2, 4, 4, 5]);
  assert.ok(Math.abs(m.get('gymwire_step_duration_seconds_sum')! - 11.50003) < 1e-9);
  assert.equal(m.get('gymwire_steps_total'), 5);
  assert.equal(m.get('gymwire_env_steps_total'), 20);
});

/** An upgrade attempt: 'open', or the HTTP status it was refused with. */
function tryUpgrade(url: string): Promise<string | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve('error'));
  });
}

test('drain(): not ready and upgrades refused with 503 at once; open sessions work through the grace, then get 1001 with a reason', async (t) => {
  const s = await startServer({ port: 0 });
  const env = await RemoteEnv.connect(s.url, 'Pendulum-v1', {}, { reconnect: false });
  try {
    await env.reset({ seed: 0 });
    // The grace runs on node:test's fake clock (the drain's timers), moved on here by hand.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const grace = 1000;
    let reason = null as string | null;
    env.connection.onClose((e) => (reason = e.message));
    const drained = s.drain(grace);
    assert.equal(s.draining, true);
    assert.equal((await fetch(`${httpBase(s)}/readyz`)).status, 503);
    assert.equal((await fetch(`${httpBase(s)}/healthz`)).status, 200, 'alive while draining');
    assert.equal(await tryUpgrade(s.url), 503);
    assert.equal((await scrape(s)).get('gymwire_draining'), 1);
    // The open session keeps stepping through the grace period, to its last millisecond: a
    // close sent before would reach the client ahead of the step's answer.
    for (const ms of [100, 400, 400, 99]) {
      t.mock.timers.tick(ms);
      await env.step(new Float32Array([0]));
    }
    assert.equal(reason, null, 'still open 999 ms into the grace');
    // At 1000 ms the close goes out, ahead of the answer to any later step.
    t.mock.timers.tick(1);
    await rejectsWith(env.step(new Float32Array([0])), 'connection_lost');
    assert.ok(reason !== null);
    assert.match(reason, new RegExp(`\\(1001 ${DRAIN_CLOSE_REASON.replace(/[()]/g, '\\$&')}\\)`));
    // The drain ends once the closed connection has left (at its next look, 20 ms on).
    while (s.connections() > 0) await new Promise((r) => setImmediate(r));
    t.mock.timers.tick(20);
    await drained;
  } finally {
    await env.close().catch(() => {});
    await s.close();
  }
});

test('drain(): ends as soon as the last connection leaves, well before the grace', { timeout: 30_000 }, async () => {
  const s = await startServer({ port: 0 });
  const env = await RemoteEnv.connect(s.url, 'Pendulum-v1', {}, { reconnect: false });
  // An hour's grace: a drain that waited for it would fail by the test's timeout.
  const drained = s.drain(3_600_000);
  await env.close();
  await drained;
  assert.equal(s.connections(), 0);
});

test('a client whose server drains gets connection_lost (1001) and its reconnect reaches the server that takes the port', async () => {
  const port = await freePort();
  const a = await startServer({ port });
  const env = await RemoteEnv.connect(a.url, 'Pendulum-v1', {}, { reconnect: { attempts: 8, baseDelayMs: 50, maxDelayMs: 200 } });
  let b: RunningServer | null = null;
  try {
    await env.reset({ seed: 0 });
    const drop = new Promise<string>((resolve) => env.connection.onDisconnect((e) => resolve(e.message)));
    await a.drain(100);
    assert.match(await drop, /\(1001 server shutting down/);
    b = await startServer({ port });
    await env.connection.ready();
    await env.reset({ seed: 0 });
    await env.step(new Float32Array([0]));
    assert.equal(b.connections(), 1);
  } finally {
    await env.close().catch(() => {});
    await b?.close();
  }
});
