// Browser origins (server/origin.ts): refused by default (403 at the upgrade), allowed when on
// --allow-origin, or when the page is the server's own on a loopback or IP-literal host — not
// on a DNS name, which DNS rebinding could point at the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import './toy-envs.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { isRebindingSafeHost, normalizeOrigin, parseAllowedOrigins } from '../../server/origin.ts';
import { upgradeRequest } from './upgrade-request.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The HTTP status of an upgrade request with these headers (Host may be set to anything). */
const status = (port: number, headers: Record<string, string>) => upgradeRequest(port, headers);

let plain: RunningServer;
let listed: RunningServer;
before(async () => {
  plain = await startServer({ port: 0 });
  listed = await startServer({ port: 0, allowOrigins: ['http://localhost:3000', 'https://App.Example/'] });
});
after(async () => {
  await plain.close();
  await listed.close();
});

test('default: no Origin (not a browser) is allowed; any other site is refused with 403 naming the flag', async () => {
  const p = plain.port;
  assert.equal((await status(p, {})).status, 101);
  const evil = await status(p, { Origin: 'https://evil.example' });
  assert.equal(evil.status, 403);
  assert.match(evil.body, /origin https:\/\/evil\.example may not connect .*--allow-origin https:\/\/evil\.example/);
  assert.equal((await status(p, { Origin: 'null' })).status, 403, 'opaque origins (file://, sandboxed frames)');
  assert.equal((await status(p, { Origin: 'http://localhost:3000' })).status, 403);
  assert.equal(plain.connections(), 0);
});

test("default: the server's own origin is allowed on a loopback or IP-literal Host; a DNS name (rebinding) is refused", async () => {
  const p = plain.port;
  assert.equal((await status(p, { Host: `127.0.0.1:${p}`, Origin: `http://127.0.0.1:${p}` })).status, 101);
  assert.equal((await status(p, { Host: `localhost:${p}`, Origin: `http://localhost:${p}` })).status, 101);
  assert.equal((await status(p, { Host: `[::1]:${p}`, Origin: `http://[::1]:${p}` })).status, 101);
  assert.equal(
    (await status(p, { Host: `192.168.1.20:${p}`, Origin: `http://192.168.1.20:${p}` })).status,
    101,
    'an IP literal cannot be rebound',
  );
  // DNS rebinding: evil.example resolves to this server, its page is "same-origin".
  assert.equal((await status(p, { Host: `evil.example:${p}`, Origin: `http://evil.example:${p}` })).status, 403);
  // Another port or scheme of the same host is another origin.
  assert.equal((await status(p, { Host: `127.0.0.1:${p}`, Origin: `http://127.0.0.1:${p + 1}` })).status, 403);
  assert.equal((await status(p, { Host: `127.0.0.1:${p}`, Origin: `https://127.0.0.1:${p}` })).status, 403);
});

test('--allow-origin: listed origins connect (normalized: case, trailing slash, default port); others are still refused', async () => {
  const p = listed.port;
  assert.equal((await status(p, { Origin: 'http://localhost:3000' })).status, 101);
  assert.equal((await status(p, { Origin: 'https://app.example' })).status, 101);
  assert.equal((await status(p, { Origin: 'https://app.example:443' })).status, 101);
  assert.equal((await status(p, { Origin: 'http://app.example' })).status, 403);
  assert.equal((await status(p, { Origin: 'http://localhost:3001' })).status, 403);
  assert.equal((await status(p, {})).status, 101);
  const any = await startServer({ port: 0, allowOrigins: ['*'] });
  assert.equal((await status(any.port, { Origin: 'https://anything.example' })).status, 101);
  await any.close();
  // A name the operator allowed explicitly is fine as the server's own origin too.
  const named = await startServer({ port: 0, allowOrigins: ['http://envs.lan:9000'] });
  assert.equal((await status(named.port, { Host: 'envs.lan:9000', Origin: 'http://envs.lan:9000' })).status, 101);
  await named.close();
});

test('origin parsing: what counts as an origin, and which hosts DNS rebinding cannot fake', () => {
  assert.equal(normalizeOrigin('HTTP://LocalHost:80/'), 'http://localhost');
  assert.equal(normalizeOrigin('https://a.example:8443'), 'https://a.example:8443');
  assert.equal(normalizeOrigin('ws://a.example'), null);
  assert.equal(normalizeOrigin('http://a.example/path'), null);
  assert.equal(normalizeOrigin('null'), null);
  for (const bad of ['localhost:3000', 'http://a.example/app', 'ftp://a.example', '']) {
    assert.throws(() => parseAllowedOrigins([bad]), /is not an origin/, bad);
  }
  assert.deepEqual([...parseAllowedOrigins(['*', 'http://A.example:80'])], ['*', 'http://a.example']);
  assert.ok(
    isRebindingSafeHost('localhost') && isRebindingSafeHost('127.0.0.1') && isRebindingSafeHost('[::1]') && isRebindingSafeHost('10.0.0.7'),
  );
  assert.ok(!isRebindingSafeHost('evil.example') && !isRebindingSafeHost('localhost.evil.example'));
});

test('CLI: --allow-origin is checked at startup (exit 2); GYMWIRE_ALLOW_ORIGIN (comma-separated) works like it', async () => {
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--allow-origin', 'localhost:3000'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--allow-origin 'localhost:3000' is not an origin/);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, GYMWIRE_ALLOW_ORIGIN: 'http://a.example, http://b.example:8080' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening on ws:\/\/[^:]+:(\d+)/.exec(l);
        if (m) resolve(Number(m[1]));
      });
    });
    assert.equal((await status(port, { Origin: 'http://b.example:8080' })).status, 101);
    assert.equal((await status(port, { Origin: 'http://c.example' })).status, 403);
  } finally {
    child.kill('SIGTERM');
  }
});
