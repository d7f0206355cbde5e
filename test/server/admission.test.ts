// Slots cannot be held by the unauthenticated or the idle (server/admission.ts): the issue's
// attacks, each against a server with small limits, from 127.0.0.2 while a legitimate client
// connects from 127.0.0.1 (loopback has all of 127.0.0.0/8, so they are different addresses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import './toy-envs.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { addressKey } from '../../server/admission.ts';
import { AuthThrottle, AUTH_FAILURES_ALLOWED, MIN_TOKEN_LENGTH } from '../../server/auth.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import { upgradeRequest } from './upgrade-request.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'an-admission-test-token';
const ATTACKER = '127.0.0.2';

/** A legitimate client: connects from 127.0.0.1, makes, resets and steps an env. */
async function legitimateClientWorks(server: RunningServer, token?: string): Promise<void> {
  const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false, token, connectTimeoutMs: 3000 });
  await env.reset({ seed: 1 });
  await env.step(new Float32Array([0.2]));
  await env.close();
}

/** A TCP socket from `localAddress` that sends the start of an upgrade request and then one header byte every 200 ms. */
function trickle(port: number, localAddress: string): Promise<{ socket: Socket; answer: () => string }> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const timer = setInterval(() => socket.writable && socket.write('a'), 200);
      socket.once('close', () => clearInterval(timer));
      resolve({ socket, answer: () => answer });
    });
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => {});
  });
}

/** An upgraded WebSocket from `localAddress` that never says hello; resolves with its close code and reason. */
function silentConnection(url: string, localAddress: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    ws.on('error', () => {});
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('600 sockets trickling their upgrade headers from one address: 4 are let in to trickle, the rest get 503 at once, a client elsewhere connects', async () => {
  const server = await startServer({ port: 0, maxConnections: 8, maxUpgradingPerAddress: 4, upgradeTimeoutMs: 3000, token: TOKEN });
  const tricklers = await Promise.all(Array.from({ length: 600 }, () => trickle(server.port, ATTACKER)));
  try {
    const refused = (t: { socket: Socket; answer: () => string }) => t.answer().startsWith('HTTP/1.1 503') || t.socket.destroyed;
    for (let i = 0; i < 100 && tricklers.filter(refused).length < 596; i++) await settle(30);
    const slow = tricklers.filter((t) => !refused(t));
    assert.equal(slow.length, 4, 'all but max_upgrading_per_address were refused');
    assert.ok(
      tricklers.some((t) => /4 sockets from 127\.0\.0\.2 are already connecting/.test(t.answer())),
      'with a 503 that says why',
    );
    assert.equal(server.connections(), 0);
    await legitimateClientWorks(server, TOKEN);
    // The four that trickle are cut at the upgrade timeout (408), as before.
    await Promise.all(slow.map((t) => new Promise((r) => (t.socket.destroyed ? r(null) : t.socket.once('close', r)))));
    for (const t of slow) assert.match(t.answer(), /^HTTP\/1\.1 408/);
  } finally {
    for (const t of tricklers) t.socket.destroy();
    await server.close();
  }
});

test(
  '256 upgraded connections that never say hello: per-address cap (1013), then closed at the hello timeout (1008); a client elsewhere gets in throughout',
  { timeout: 30_000 },
  async () => {
    const server = await startServer({ port: 0, maxConnections: 8, maxConnectionsPerAddress: 4, helloTimeoutMs: 700 });
    const closes = Array.from({ length: 256 }, () => silentConnection(server.url, ATTACKER));
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, server.connections())), 10);
    try {
      await settle(200);
      await legitimateClientWorks(server);
      // All of them closed, however long a loaded machine takes (one left open fails by the test's timeout).
      const all = await Promise.all(closes);
      clearInterval(sampler);
      // At most four hold the address's slots at a time (plus the legitimate client), each
      // closed at the hello timeout, which frees its slot for a later one; the rest are closed
      // at once after the upgrade (1013), or refused before it (HTTP 503: too many sockets
      // upgrading at the same time; the client sees 1006).
      const capped = all.filter((c) => c.code === 1013);
      const refused = all.filter((c) => c.code === 1006);
      const timedOut = all.filter((c) => c.code === 1008);
      assert.ok(most <= 5, `${most} connections open at once`);
      assert.ok(timedOut.length >= 4);
      assert.equal(
        capped.length + refused.length + timedOut.length,
        256,
        JSON.stringify(all.filter((c) => ![1013, 1006, 1008].includes(c.code))),
      );
      assert.ok(capped.length > 0);
      assert.match(capped[0].reason, /max_connections_per_address 4/);
      assert.match(timedOut[0].reason, /no hello within 0\.7 s \(hello_timeout\)/);
      // A hello in time keeps the connection: a client that connects and waits past the deadline after hello stays.
      const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false });
      await settle(900);
      await env.reset({ seed: 0 });
      await env.close();
    } finally {
      clearInterval(sampler);
      await server.close();
    }
  },
);

test('auth comes before a slot: 50 unauthenticated upgrades get 401 and take no slot of a 2-slot server', async () => {
  const server = await startServer({ port: 0, maxConnections: 2, token: TOKEN });
  try {
    const attempts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => upgradeStatus(server.port, { Authorization: `Bearer guess-${i}` }, `127.0.0.${3 + (i % 50)}`)),
    );
    assert.ok(attempts.every((a) => a.status === 401));
    assert.equal(server.connections(), 0);
    const a = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false, token: TOKEN });
    const b = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { reconnect: false, token: TOKEN });
    await a.close();
    await b.close();
  } finally {
    await server.close();
  }
});

/** The HTTP status a bare upgrade request gets. */
const upgradeStatus = (port: number, headers: Record<string, string>, localAddress = '127.0.0.1') =>
  upgradeRequest(port, headers, { localAddress });

test('one credential per upgrade: a header and a sub-protocol, or two sub-protocols, get 400 even when one is right', async () => {
  const server = await startServer({ port: 0, token: TOKEN });
  try {
    const both = await upgradeStatus(server.port, {
      Authorization: `Bearer ${TOKEN}`,
      'Sec-WebSocket-Protocol': 'gymwire, gymwire.token.guess',
    });
    assert.equal(both.status, 400);
    assert.match(both.body, /one credential per upgrade/);
    const two = await upgradeStatus(server.port, { 'Sec-WebSocket-Protocol': `gymwire, gymwire.token.guess, gymwire.token.${TOKEN}` });
    assert.equal(two.status, 400);
    const many = await upgradeStatus(server.port, {
      'Sec-WebSocket-Protocol': Array.from({ length: 700 }, (_, i) => `gymwire.token.g${i}`).join(', '),
    });
    assert.equal(many.status, 400);
    assert.equal((await upgradeStatus(server.port, { 'Sec-WebSocket-Protocol': `gymwire, gymwire.token.${TOKEN}` })).status, 101);
    assert.equal((await upgradeStatus(server.port, { Authorization: `Bearer ${TOKEN}` })).status, 101);
  } finally {
    await server.close();
  }
});

test('failed auths are slowed per address: after 5 failures wrong tokens get 429 with Retry-After, the right token from the same address still gets in; other addresses unaffected', async () => {
  const server = await startServer({ port: 0, token: TOKEN });
  try {
    for (let i = 0; i < AUTH_FAILURES_ALLOWED; i++) {
      assert.equal((await upgradeStatus(server.port, { Authorization: `Bearer guess-${i}` }, ATTACKER)).status, 401);
    }
    const locked = await upgradeStatus(server.port, { Authorization: 'Bearer guess-again' }, ATTACKER);
    assert.equal(locked.status, 429);
    assert.equal(locked.headers['retry-after'], '1');
    assert.match(locked.body, /too many failed logins from 127\.0\.0\.2/);
    // The guesser keeps guessing from the address; the token's holder there is let in every time.
    for (let i = 0; i < 10; i++) {
      assert.equal((await upgradeStatus(server.port, { Authorization: `Bearer guess-more-${i}` }, ATTACKER)).status, 429);
      assert.equal((await upgradeStatus(server.port, { Authorization: `Bearer ${TOKEN}` }, ATTACKER)).status, 101, `try ${i}`);
    }
    await legitimateClientWorks(server, TOKEN);
    // The client library reports a lockout as a connection it may retry later, saying why.
    for (let i = 0; i < AUTH_FAILURES_ALLOWED; i++) await upgradeStatus(server.port, { Authorization: `Bearer guess-${i}` });
    await assert.rejects(
      Connection.open(server.url, { token: 'a-wrong-token-of-length', reconnect: false }),
      (e: Error & { code?: string }) =>
        e.code === 'connection_lost' && /too many failed logins from this address.*HTTP 429/.test(e.message),
    );
    await legitimateClientWorks(server, TOKEN);
  } finally {
    await server.close();
  }
});

test('AuthThrottle: the lockout doubles per failure up to 60 s, is forgotten after 10 min, and the table is bounded without being flushable', () => {
  let now = 0;
  const t = new AuthThrottle(() => now, 100);
  for (let i = 0; i < AUTH_FAILURES_ALLOWED - 1; i++) t.failed('a');
  assert.equal(t.retryAfter('a'), 0, 'four failures: no lockout yet');
  t.failed('a');
  assert.equal(t.retryAfter('a'), 1000);
  t.failed('a');
  assert.equal(t.retryAfter('a'), 2000);
  for (let i = 0; i < 20; i++) t.failed('a');
  assert.equal(t.retryAfter('a'), 60_000);
  now += 30_000;
  assert.equal(t.retryAfter('a'), 30_000);
  // Failures from 1,000 other addresses: the table stays bounded and 'a' stays locked out;
  // the addresses it has no room for share one entry, locked out together.
  for (let i = 0; i < 1000; i++) t.failed(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(t.size, 100);
  assert.ok(t.retryAfter('a') > 0, 'still locked out');
  assert.ok(t.retryAfter('10.9.9.9') > 0, 'newcomers past the table share the overflow lockout');
  assert.equal(t.retryAfter('10.0.0.1'), 0, 'an address with one failure of its own is not locked out');
  now += 10 * 60_000 + 1;
  assert.equal(t.retryAfter('a'), 0, 'forgotten');
  assert.equal(t.retryAfter('10.9.9.9'), 0, 'the overflow too');
  t.failed('b');
  assert.equal(t.size, 1, 'expired entries make room');
});

test('the token must be at least 16 characters: startServer and the CLI refuse a shorter one with a clear message', async () => {
  await assert.rejects(startServer({ port: 0, token: 'short-token' }), new RegExp(`at least ${MIN_TOKEN_LENGTH}`));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--token', 'short-token'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the token is 11 characters; use at least 16 random ones/);
});

test('addresses: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
  assert.equal(addressKey('127.0.0.2'), '127.0.0.2');
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test('hello frames from an attacker do not help: one hello in time is enough, but not one after the deadline', async () => {
  const server = await startServer({ port: 0, helloTimeoutMs: 300 });
  try {
    const late = new WebSocket(server.url, { perMessageDeflate: false });
    await new Promise((r) => late.once('open', r));
    const closed = new Promise<number>((r) => late.once('close', (code) => r(code)));
    await settle(500);
    if (late.readyState === WebSocket.OPEN)
      late.send(encodeMessage({ id: 1, op: 'hello', protocol_version: '1.1', client_name: 'late', client_version: '0' }));
    assert.equal(await Promise.race([closed, settle(3000).then(() => 'still open after 3 s')]), 1008);
  } finally {
    await server.close();
  }
});
