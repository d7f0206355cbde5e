// Server limits: each one reached gives a typed error (limit_exceeded) or, for connection-level
// ones, a close with a code and a reason — and the server and other connections carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { connect, type Socket } from 'node:net';
import { ToyContinuous } from './toy-envs.ts';
import { RawClient } from './raw-client.ts';
import { make, type Kwargs } from '../../envs/index.ts';
import { startServer } from '../../server/server.ts';
import { LIMIT_DEFAULTS, LIMIT_FLAGS, parseLimit } from '../../server/limits.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import type { Env, Frame, ResetArgs } from '../../protocol/env-api.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const f32 = (...xs: number[]) => encodeArray(new Float32Array(xs));
const HELLO = { op: 'hello', protocol_version: '1.1', client_name: 't', client_version: '0' };

function opened(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/**
 * Resolves once `cond()` holds, looking again every few ms. No deadline of its own: a wait
 * that never ends is the test's failure (its timeout), not a bound on how fast a loaded machine is.
 */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

async function works(url: string): Promise<void> {
  const env = await RemoteEnv.connect(url, 'Toy-v0', {}, { reconnect: false });
  const local = make('Toy-v0');
  assert.deepEqual(await env.reset({ seed: 2 }), local.reset({ seed: 2 }));
  assert.deepEqual(await env.step(new Float32Array([0.3])), local.step(new Float32Array([0.3])));
  await env.close();
}

test('defaults are finite and reported at hello', async () => {
  const server = await startServer({ port: 0 });
  const c = await RawClient.open(server.url);
  const { result } = await c.call(HELLO);
  assert.deepEqual(result.limits, {
    max_payload_bytes: LIMIT_DEFAULTS.maxPayloadBytes,
    max_envs: LIMIT_DEFAULTS.maxEnvsPerConnection,
    max_num_envs: LIMIT_DEFAULTS.maxNumEnvs,
    idle_timeout_ms: LIMIT_DEFAULTS.idleTimeoutMs,
    max_render_pixels: LIMIT_DEFAULTS.maxRenderPixels,
  });
  await c.close();
  await server.close();
});

test('max connections: one more is closed with 1013 and a reason; once one leaves, a new one fits', async () => {
  const server = await startServer({ port: 0, maxConnections: 2 });
  const a = await opened(server.url);
  const b = await opened(server.url);
  const extra = await opened(server.url);
  const closed = await closeOf(extra);
  assert.equal(closed.code, 1013);
  assert.match(closed.reason, /max_connections 2/);
  // The library client says why.
  await assert.rejects(
    Connection.open(server.url, { reconnect: false }),
    (e: GymwireError) => e.code === 'connection_lost' && /1013/.test(e.message),
  );
  const gone = closeOf(a);
  a.close();
  await gone;
  await until(() => server.connections() <= 1);
  await works(server.url);
  b.close();
  await server.close();
});

test('sockets that never finish the upgrade are capped at max_connections in all (HTTP 503); closing them frees the room', async () => {
  const server = await startServer({ port: 0, maxConnections: 2 });
  const { port } = new URL(server.url);
  const idle: Socket[] = [];
  try {
    // Two idle TCP sockets from two addresses that never send an upgrade request fill the cap.
    for (let i = 0; i < 2; i++) {
      idle.push(
        await new Promise<Socket>((resolve, reject) => {
          const s = connect({ port: Number(port), host: '127.0.0.1', localAddress: `127.0.0.${2 + i}` }, () => resolve(s));
          s.once('error', reject);
        }),
      );
    }
    await until(async () => (await server.sockets()) >= 2);
    // A third socket gets 503: the WebSocket client never opens.
    await assert.rejects(opened(server.url), /503/);
    const gone = idle.map((s) => new Promise((r) => s.once('close', r)));
    for (const s of idle) s.destroy();
    await Promise.all(gone);
    await until(async () => (await server.sockets()) === 0);
    await works(server.url);
  } finally {
    for (const s of idle) s.destroy();
    await server.close();
  }
});

test("upgrade timeout: a socket that sends no upgrade request gets 408 and is closed at its server's timeout; upgraded connections stay", async () => {
  const server = await startServer({ port: 0, upgradeTimeoutMs: 300 });
  // The same kind of silent socket, opened first on a server with a timeout of a minute: the
  // 408 has to come from the 300 ms asked for (not the 5 s default) for it to be still open then.
  const patient = await startServer({ port: 0, upgradeTimeoutMs: 60_000 });
  const silentSocket = async (port: number) => {
    const s = connect(port, '127.0.0.1');
    await new Promise((resolve) => s.once('connect', resolve));
    const answer = { text: '', closed: false };
    s.on('data', (d) => (answer.text += d.toString()));
    s.once('close', () => (answer.closed = true));
    return { s, answer };
  };
  const control = await silentSocket(patient.port);
  // Upgraded before the silent socket opens: older than the timeout when it fires.
  const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false });
  const started = performance.now();
  const silent = await silentSocket(server.port);
  try {
    await new Promise((resolve) => silent.s.once('close', resolve));
    assert.match(silent.answer.text, /^HTTP\/1\.1 408/);
    assert.deepEqual(control.answer, { text: '', closed: false }, 'the silent socket to the server with the long timeout is still open');
    // Not before the timeout either (a lower bound only: a loaded machine can only make it later).
    assert.ok(performance.now() - started >= 250, `closed after ${(performance.now() - started).toFixed(0)} ms`);
    // The WebSocket opened before it has outlived the timeout and still steps.
    await env.reset({ seed: 1 });
    await env.step(new Float32Array([0.2]));
  } finally {
    silent.s.destroy();
    control.s.destroy();
    await env.close();
    await server.close();
    await patient.close();
  }
});

test('a frame over max_payload_bytes closes that connection with 1009; other connections carry on', async () => {
  const server = await startServer({ port: 0, maxPayloadBytes: 1024 });
  const bystander = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false });
  await bystander.reset({ seed: 0 });
  const big = await opened(server.url);
  big.send(encodeMessage({ id: 1, ...HELLO }));
  big.send(new Uint8Array(2000));
  const closed = await closeOf(big);
  assert.equal(closed.code, 1009);
  await bystander.step(new Float32Array([0.1]));
  await bystander.close();
  await works(server.url);
  await server.close();
});

test('idle timeout: a silent connection is closed with 1001 and a reason, a busy one stays', async (t) => {
  // The idle sweep (its interval and its Date.now()) runs on node:test's fake clock, moved on here
  // by hand: the busy connection steps every 100 ms of it, the silent one sends nothing.
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const server = await startServer({ port: 0, idleTimeoutMs: 200 });
  const silent = await opened(server.url);
  const busy = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false });
  try {
    let silentClosed = false;
    const closing = closeOf(silent).then((c) => {
      silentClosed = true;
      return c;
    });
    await busy.reset({ seed: 1 });
    for (let ms = 100; ms <= 700; ms += 100) {
      t.mock.timers.tick(100);
      await busy.step(new Float32Array([0]));
      // A round trip of the busy connection later, a close sent at the 100 ms sweep would be on its way.
      if (ms === 100) assert.equal(silentClosed, false, 'closed before idle_timeout');
    }
    // The close was sent at the 200 ms sweep: it arrives within a few round trips of the other connection.
    for (let i = 0; i < 100 && !silentClosed; i++) await busy.step(new Float32Array([0]));
    assert.ok(silentClosed, 'the silent connection is still open after 700 ms of the clock and 100 round trips of the busy one');
    const closed = await closing;
    assert.equal(closed.code, 1001);
    assert.match(closed.reason, /idle/);
    assert.ok(!busy.connection.closed && !busy.connection.reconnecting);
  } finally {
    silent.terminate();
    await busy.close().catch(() => {});
    await server.close();
  }
});

test('render bigger than max_render_pixels: limit_exceeded, the env and connection stay usable', async () => {
  const server = await startServer({ port: 0, maxRenderPixels: 7 }); // the toy frame is 4 x 2
  const c = await RawClient.open(server.url);
  await c.call(HELLO);
  const { handle } = (await c.call({ op: 'make', env_id: 'Toy-v0' })).result;
  await c.call({ op: 'reset', handle, seed: 0 });
  const r = await c.call({ op: 'render', handle });
  assert.equal(r.error.code, 'limit_exceeded');
  assert.equal(r.error.details.max_render_pixels, 7);
  assert.ok('result' in (await c.call({ op: 'step', handle, action: f32(0.2) })));
  await c.close();
  await server.close();
  const roomy = await startServer({ port: 0, maxRenderPixels: 8 });
  const env = await RemoteEnv.connect(roomy.url, 'Toy-v0');
  await env.reset();
  assert.equal((await env.render()).width, 4);
  await env.close();
  await roomy.close();
});

/** An env whose frames are big, counting its renders. */
class BigFrames extends ToyContinuous {
  static renders = 0;
  override render(): Frame {
    BigFrames.renders++;
    return { width: 300, height: 300, data: new Uint8Array(300 * 300 * 3) };
  }
}

test('backpressure: a pipelining client that does not read stalls its own requests, not the server memory', async () => {
  const makeEnv = (id: string, kwargs: Kwargs): Env => (id === 'Big-v0' ? new BigFrames() : make(id, kwargs));
  const server = await startServer({ port: 0, makeEnv, maxBufferedBytes: 256 * 1024 });
  const ws = await opened(server.url);
  const answers: { id: number }[] = [];
  ws.on('message', (d: Buffer) => answers.push(decodeMessage(d) as { id: number }));
  ws.send(encodeMessage({ id: 1, ...HELLO }));
  ws.send(encodeMessage({ id: 2, op: 'make', env_id: 'Big-v0' }));
  await until(() => answers.length >= 2);
  ws.pause(); // stop reading: answers pile up in the kernel, then in the server, which then stops reading
  const n = 300;
  BigFrames.renders = 0;
  for (let i = 0; i < n; i++) ws.send(encodeMessage({ id: 100 + i, op: 'render', handle: 1 }));
  // The server runs here: it has stopped once 50 turns of the event loop (each with a pass through
  // its timers and sockets) go by without a render. A server that does not stop renders in every turn.
  let stalled = BigFrames.renders;
  for (let quiet = 0; quiet < 50; quiet++) {
    await new Promise((r) => setTimeout(r, 1));
    if (BigFrames.renders !== stalled) {
      stalled = BigFrames.renders;
      quiet = -1;
    }
  }
  // 300 answers are 81 MB; the server made only what fits its buffer and the socket buffers.
  assert.ok(stalled < n / 2, `${stalled} of ${n} renders made while the client was not reading`);
  // Meanwhile another connection is served at once.
  await works(server.url);
  ws.resume();
  await until(() => answers.length >= n + 2);
  assert.deepEqual(
    answers.slice(2).map((a) => a.id),
    Array.from({ length: n }, (_, i) => 100 + i),
    'every answer, in order',
  );
  assert.equal(BigFrames.renders, n);
  ws.close();
  await server.close();
});

/** Throws from reset when asked to (options.explode), otherwise the toy env. */
class ExplodingReset extends ToyContinuous {
  override reset(args?: ResetArgs) {
    if (args?.options?.explode) throw new RangeError('reset blew up');
    return super.reset(args);
  }
}

test('an env throwing in reset or step: internal for that call, env_broken after, every other env and connection unaffected', async () => {
  const makeEnv = (id: string, kwargs: Kwargs): Env => (id === 'Explode-v0' ? new ExplodingReset() : make(id, kwargs));
  const server = await startServer({ port: 0, makeEnv });
  const conn = await Connection.open(server.url);
  const bad = await RemoteEnv.make(conn, 'Explode-v0');
  const good = await RemoteEnv.make(conn, 'Toy-v0');
  const other = await RemoteEnv.connect(server.url, 'Toy-v0');
  await good.reset({ seed: 3 });
  await other.reset({ seed: 3 });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: GymwireError) => e.code,
    );
  assert.equal(await code(bad.reset({ options: { explode: true } })), 'internal');
  assert.equal(await code(bad.reset()), 'env_broken');
  assert.equal(await code(bad.step(new Float32Array([0]))), 'env_broken');
  const local = make('Toy-v0');
  local.reset({ seed: 3 });
  for (let t = 0; t < 5; t++) {
    const a = new Float32Array([0.2 * t]);
    const l = local.step(a);
    assert.deepEqual(await good.step(a), l);
    assert.deepEqual(await other.step(a), l);
  }
  // A step that throws (the toy env explodes on 0.123) breaks that env only.
  assert.equal(await code(good.step(new Float32Array([0.123]))), 'internal');
  assert.equal(await code(good.step(new Float32Array([0]))), 'env_broken');
  assert.deepEqual(await other.step(new Float32Array([0.5])), local.step(new Float32Array([0.5])));
  await bad.close(); // close still works on a broken env
  await good.close();
  await other.close();
  await conn.close();
  await server.close();
});

test('CLI: limit flags and env vars reach hello; bad values exit 2', async () => {
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--max-payload=-5'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--max-payload must be a non-negative number/);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--max-envs', '3', '--idle-timeout', '1.5', '--max-render-pixels', '100'],
    {
      cwd: ROOT,
      env: { ...process.env, GYMWIRE_MAX_PAYLOAD: '65536', GYMWIRE_MAX_ENVS: '9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening on (ws:\/\/\S+)$/.exec(l);
        if (m) resolve(m[1]);
      });
    });
    const conn = await Connection.open(url);
    assert.equal(conn.server.limits.max_payload_bytes, 65536, 'env var');
    assert.equal(conn.server.limits.max_envs, 3, 'the flag wins over the env var');
    assert.equal(conn.server.limits.idle_timeout_ms, 1500, 'seconds on the command line');
    assert.equal(conn.server.limits.max_render_pixels, 100);
    await conn.close();
  } finally {
    child.kill('SIGTERM');
  }
});

test('byte limits take KiB/MiB/GiB suffixes; every limit flag has a default and an env var', () => {
  const flag = (key: string) => LIMIT_FLAGS.find((f) => f.key === key)!;
  assert.equal(parseLimit(flag('memoryBudget'), '512MiB', '--memory-budget'), 512 * 1024 * 1024);
  assert.equal(parseLimit(flag('memoryBudget'), '1.5 GiB', '--memory-budget'), 1.5 * 1024 ** 3);
  assert.equal(parseLimit(flag('maxPayloadBytes'), '64k', '--max-payload'), 65536);
  assert.equal(parseLimit(flag('memoryBudget'), '1000', '--memory-budget'), 1000);
  assert.throws(
    () => parseLimit(flag('memoryBudget'), 'lots', '--memory-budget'),
    /--memory-budget must be a non-negative number \(of bytes; may end in KiB, MiB or GiB\)/,
  );
  assert.throws(() => parseLimit(flag('maxConnections'), '10k', '--max-connections'), /must be a non-negative number, got '10k'/);
  assert.equal(parseLimit(flag('helloTimeoutMs'), '2.5', '--hello-timeout'), 2500);
  for (const f of LIMIT_FLAGS) {
    assert.ok(Number.isFinite(LIMIT_DEFAULTS[f.key]) && LIMIT_DEFAULTS[f.key] > 0, f.flag);
    assert.match(f.env, /^GYMWIRE_[A-Z_]+$/);
  }
});
