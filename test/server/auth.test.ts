// Token auth: checked at the HTTP upgrade (401 before any frame is read), presented as a
// Bearer header or as the gymwire.token.<t> sub-protocol (browsers), compared in constant time.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import './toy-envs.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { isLoopback, tokenMatches, checkTokenFormat } from '../../server/auth.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { upgradeRequest, type UpgradeAnswer } from './upgrade-request.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'k3y_for-tests.0123';
// A server per test: wrong tokens from this address add up in its lockout count (server/auth.ts).
let server: RunningServer;
beforeEach(async () => {
  server = await startServer({ port: 0, token: TOKEN });
});
afterEach(() => server.close());

const isCode = (code: string) => (e: unknown) => e instanceof GymwireError && e.code === code;

/** The status and headers the server answers a bare upgrade request with. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<UpgradeAnswer> {
  const { hostname, port } = new URL(url.replace(/^ws/, 'http'));
  return upgradeRequest(port, headers, { host: hostname });
}

test('no token or a wrong one: 401 at the upgrade, before any message', async () => {
  const none = await upgradeStatus(server.url, {});
  assert.equal(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /Bearer/);
  assert.equal((await upgradeStatus(server.url, { Authorization: 'Bearer nope' })).status, 401);
  assert.equal((await upgradeStatus(server.url, { Authorization: `Basic ${TOKEN}` })).status, 401);
  assert.equal((await upgradeStatus(server.url, { 'Sec-WebSocket-Protocol': 'gymwire, gymwire.token.nope' })).status, 401);
  assert.equal(server.connections(), 0, 'no rejected request became a connection');
  assert.equal((await upgradeStatus(server.url, { Authorization: `Bearer ${TOKEN}` })).status, 101);
});

test('the client library: unauthorized without or with a wrong token, works with it', async () => {
  await assert.rejects(Connection.open(server.url), isCode('unauthorized'));
  await assert.rejects(
    RemoteEnv.connect(server.url, 'Toy-v0', {}, { token: 'wrong' }),
    (e: unknown) => isCode('unauthorized')(e) && /wrong token/.test((e as Error).message),
  );
  const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { token: TOKEN });
  await env.reset({ seed: 1 });
  await env.step(new Float32Array([0.1]));
  await env.close();
});

test('the client reads GYMWIRE_TOKEN when no token option is given', async () => {
  const saved = process.env.GYMWIRE_TOKEN;
  process.env.GYMWIRE_TOKEN = TOKEN;
  try {
    const conn = await Connection.open(server.url);
    assert.equal(conn.server.protocol_version.split('.')[0], '1');
    await conn.close();
  } finally {
    if (saved === undefined) delete process.env.GYMWIRE_TOKEN;
    else process.env.GYMWIRE_TOKEN = saved;
  }
});

async function helloOver(ws: WebSocket): Promise<any> {
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const answer = new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(decodeMessage(d))));
  ws.send(encodeMessage({ id: 1, op: 'hello', protocol_version: '1.1', client_name: 'browser-like', client_version: '0' }));
  return answer;
}

test('browsers: the token as a sub-protocol; the server selects "gymwire" when offered (not echoing the token)', async () => {
  const ws = new WebSocket(server.url, ['gymwire', `gymwire.token.${TOKEN}`]);
  assert.ok('result' in (await helloOver(ws)));
  assert.equal(ws.protocol, 'gymwire');
  ws.close();
  const only = new WebSocket(server.url, [`gymwire.token.${TOKEN}`]);
  assert.ok('result' in (await helloOver(only)));
  assert.equal(only.protocol, `gymwire.token.${TOKEN}`, 'a browser needs one of its offers selected');
  only.close();
  const wrong = new WebSocket(server.url, ['gymwire', 'gymwire.token.guess']);
  await assert.rejects(helloOver(wrong), /401/);
});

test('tokens are compared by hash in constant time; format and loopback checks', () => {
  assert.ok(tokenMatches('abc', 'abc'));
  assert.ok(!tokenMatches('abc', 'abd'));
  assert.ok(!tokenMatches('abc', 'abcd'), 'different lengths compare without throwing');
  assert.ok(!tokenMatches('', 'abc'));
  assert.throws(() => checkTokenFormat(''));
  assert.throws(() => checkTokenFormat('has space'));
  assert.throws(() => checkTokenFormat('comma,separated'));
  checkTokenFormat(TOKEN);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1') && isLoopback('127.1.2.3'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('::') && !isLoopback('192.168.1.4'));
});

test('startServer refuses an unusable token; a server without one accepts any client', async () => {
  await assert.rejects(startServer({ port: 0, token: 'a b' }), /token/);
  const open = await startServer({ port: 0 });
  const conn = await Connection.open(open.url, { token: 'whatever' });
  await conn.close();
  await open.close();
});

test('binding beyond loopback without a token logs a warning; with a token it does not', async () => {
  const lines: string[] = [];
  const exposed = await startServer({ host: '0.0.0.0', port: 0, log: (l) => lines.push(l) });
  await exposed.close();
  assert.ok(
    lines.some((l) => /warning: listening on 0\.0\.0\.0 without a token/.test(l)),
    lines.join('\n'),
  );
  lines.length = 0;
  const guarded = await startServer({ host: '0.0.0.0', port: 0, token: TOKEN, log: (l) => lines.push(l) });
  await guarded.close();
  const local = await startServer({ port: 0, log: (l) => lines.push(l) });
  await local.close();
  assert.deepEqual(
    lines.filter((l) => /warning/.test(l)),
    [],
  );
});

test('CLI: GYMWIRE_TOKEN protects the server; --host 0.0.0.0 without a token warns on stderr', async () => {
  const run = (args: string[], env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening on (ws:\/\/\S+)$/.exec(l);
        if (m) resolve(m[1]);
      });
    });
    return { child, url, stderr: () => stderr };
  };
  const a = run([], { GYMWIRE_TOKEN: TOKEN });
  const b = run(['--host', '0.0.0.0'], { GYMWIRE_TOKEN: '' });
  try {
    const url = await a.url;
    await assert.rejects(Connection.open(url), isCode('unauthorized'));
    const conn = await Connection.open(url, { token: TOKEN });
    await conn.close();
    await b.url;
    assert.match(b.stderr(), /warning: listening on 0\.0\.0\.0 without a token/);
  } finally {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
  }
});
