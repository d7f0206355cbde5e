// Dropped connections: a RemoteEnv's Connection re-opens with backoff, the call the drop cut
// and any step before the next reset fail with connection_lost (details.interrupted), and
// reset() re-makes the env on the new server so the run continues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer as createNetServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import '../server/toy-envs.ts';
import { make, makeVec } from '../../envs/index.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { backoffDelay } from '../../protocol/backoff.ts';
import type { GymwireError } from '../../protocol/errors.ts';
import { rejectsWith, freePort } from '../helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FAST = { attempts: 40, baseDelayMs: 20, maxDelayMs: 100 };

/** Resolves when `conn` notices its socket is gone. */
const dropped = (conn: Connection) => new Promise<void>((r) => conn.onDisconnect(() => r()));

const details = (e: GymwireError) => e.details as { interrupted?: boolean; reconnecting?: boolean };

test('backoff doubles from the base delay up to the cap, with at most 25% jitter', () => {
  const o = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((k) => backoffDelay({ ...o, jitter: true }, k, () => 1)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(
    backoffDelay({ ...o, jitter: true }, 2, () => 0),
    300,
  );
});

test('server restarted on the same port: the cut call and steps before reset fail with connection_lost, reset re-makes the env', async () => {
  const port = await freePort();
  let server: RunningServer = await startServer({ port });
  const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: FAST });
  const events: string[] = [];
  env.connection.onDisconnect((e, again) => events.push(`disconnect ${again}`));
  env.connection.onReconnect((g) => events.push(`reconnect ${g}`));
  const local = make('Toy-v0');
  assert.deepEqual(await env.reset({ seed: 1 }), local.reset({ seed: 1 }));
  for (let t = 0; t < 5; t++) assert.deepEqual(await env.step(new Float32Array([0.5])), local.step(new Float32Array([0.5])));

  // The step is still corked in this tick when the server goes: it is in flight at the drop.
  const cut = env.step(new Float32Array([0.5]));
  const closing = server.close();
  const e1 = await rejectsWith(cut, 'connection_lost');
  assert.equal(details(e1).interrupted, true);
  await closing;
  assert.ok(env.connection.reconnecting);
  const e2 = await rejectsWith(env.step(new Float32Array([0])), 'connection_lost');
  assert.equal(details(e2).reconnecting, true);

  server = await startServer({ port });
  const reconnected = new Promise<number>((r) => env.connection.onReconnect(r));
  assert.equal(await reconnected, 1);
  assert.equal(env.connection.generation, 1);
  assert.ok(env.needsRemake);
  // Stepping the old episode on the new server would be meaningless: refused until a reset.
  const e3 = await rejectsWith(env.step(new Float32Array([0])), 'connection_lost');
  assert.equal(details(e3).interrupted, true);
  assert.match(e3.message, /reset\(\)/);

  const fresh = make('Toy-v0');
  assert.deepEqual(await env.reset({ seed: 9 }), fresh.reset({ seed: 9 }));
  assert.ok(!env.needsRemake);
  for (let t = 0; t < 20; t++) {
    const a = new Float32Array([Math.cos(t)]);
    assert.deepEqual(await env.step(a), fresh.step(a), `step ${t} after the reconnect`);
  }
  assert.deepEqual(events, ['disconnect true', 'reconnect 1']);
  assert.equal(server.connections(), 1);
  await env.close();
  await server.close();
});

test('a reset called while the server is down waits for the reconnect and succeeds', async () => {
  const port = await freePort();
  let server = await startServer({ port });
  const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: FAST });
  await env.reset({ seed: 0 });
  const drop = dropped(env.connection);
  await server.close();
  await drop;
  const resetting = env.reset({ seed: 4 });
  await new Promise((r) => setTimeout(r, 100));
  server = await startServer({ port });
  assert.deepEqual(await resetting, make('Toy-v0').reset({ seed: 4 }));
  await env.close();
  await server.close();
});

test('RemoteVectorEnv re-makes itself on reset after a reconnect', async () => {
  const port = await freePort();
  let server = await startServer({ port });
  const vec = await RemoteVectorEnv.connect(server.url, 'Toy-v0', 3, {}, { reconnect: FAST });
  await vec.reset({ seed: [1, 2, 3] });
  await server.close();
  server = await startServer({ port });
  await new Promise((r) => vec.connection.onReconnect(r));
  const e = await rejectsWith(vec.step(new Float32Array(3)), 'connection_lost');
  assert.equal(details(e).interrupted, true);
  const local = makeVec('Toy-v0', 3);
  const r = await vec.reset({ seed: [7, 8, 9] });
  assert.deepEqual(r.obs, local.reset({ seed: [7, 8, 9] }).obs);
  const a = new Float32Array([0.1, -0.2, 0.3]);
  assert.deepEqual((await vec.step(a)).obs, local.step(a).obs);
  await vec.close();
  await server.close();
});

test('gives up after the configured attempts: ready() and later calls fail with connection_lost, onClose fires once', async () => {
  const server = await startServer({ port: 0 });
  const conn = await Connection.open(server.url, { reconnect: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
  const env = await RemoteEnv.make(conn, 'Toy-v0');
  const closes: GymwireError[] = [];
  conn.onClose((e) => closes.push(e));
  const drop = dropped(conn);
  await server.close();
  await drop;
  await rejectsWith(conn.ready(), 'connection_lost');
  assert.ok(conn.closed);
  assert.equal(closes.length, 1);
  assert.match(closes[0].message, /could not reconnect/);
  await rejectsWith(env.reset(), 'connection_lost');
  await env.close();
});

test('reconnect: false fails for good at the first drop', async () => {
  const server = await startServer({ port: 0 });
  const conn = await Connection.open(server.url, { reconnect: false });
  const drop = dropped(conn);
  await server.close();
  await drop;
  await rejectsWith(conn.ready(), 'connection_lost');
  assert.ok(conn.closed && !conn.reconnecting);
});

test('a server that comes back with another token refuses the reconnect: unauthorized, no more tries', async (t) => {
  const port = await freePort();
  let server = await startServer({ port, token: 'first-token-0123456' });
  const conn = await Connection.open(server.url, {
    token: 'first-token-0123456',
    reconnect: { attempts: 50, baseDelayMs: 10, maxDelayMs: 20 },
  });
  const drop = dropped(conn);
  await server.close();
  await drop;
  // The new server sits behind a TCP relay on the old port that counts the client's tries.
  server = await startServer({ port: 0, token: 'second-token-0123456' });
  t.after(() => server.close());
  let tries = 0;
  const relay = createNetServer((client) => {
    tries++;
    const upstream = connect(server.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  t.after(() => relay.close());
  await rejectsWith(conn.ready(), 'unauthorized');
  assert.equal(tries, 1, 'a refused token is not tried again');
  assert.ok(conn.closed);
});

// ---- a real server process, SIGKILLed --------------------------------------------------------

function spawnServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/listening on ws:\/\//.test(line)) resolve(child);
    });
  });
}

test('SIGKILLed server process started again: RemoteEnv reconnects and continues after reset (CartPole)', async () => {
  const port = await freePort();
  let child = await spawnServer(port);
  try {
    const env = await RemoteEnv.connect(
      `ws://127.0.0.1:${port}`,
      'CartPole-v1',
      {},
      { reconnect: { attempts: 40, baseDelayMs: 50, maxDelayMs: 500 } },
    );
    const local = make('CartPole-v1');
    assert.deepEqual(await env.reset({ seed: 3 }), local.reset({ seed: 3 }));
    for (let t = 0; t < 5; t++) assert.deepEqual(await env.step(t % 2), local.step(t % 2));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const e = await rejectsWith(env.step(0), 'connection_lost');
    assert.ok(details(e).interrupted || details(e).reconnecting, JSON.stringify(e.details));
    child = await spawnServer(port);
    const again = make('CartPole-v1');
    assert.deepEqual(await env.reset({ seed: 11 }), again.reset({ seed: 11 }));
    for (let t = 0; t < 30; t++) {
      const r = await env.step(t % 2);
      const l = again.step(t % 2);
      assert.deepEqual(r, l, `step ${t}`);
      if (l.terminated) break;
    }
    await env.close();
  } finally {
    child.kill('SIGKILL');
  }
});
