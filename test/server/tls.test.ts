// TLS: --tls-cert/--tls-key serve wss://, the client trusts a self-signed cert through `ca`
// (or rejectUnauthorized: false), and refuses it otherwise. The cert is made at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import './toy-envs.ts';
import { make } from '../../envs/index.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { selfSignedCert } from '../helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let cert: Buffer;
let key: Buffer;
let server: RunningServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gymwire-tls-'));
  ({ cert, key } = selfSignedCert(dir));
  server = await startServer({ port: 0, tls: { cert, key } });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('serves wss://; a client trusting the cert steps like the local env', async () => {
  assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
  const env = await RemoteEnv.connect(server.url, 'Toy-v0', {}, { ca: cert });
  const local = make('Toy-v0');
  assert.deepEqual(await env.reset({ seed: 5 }), local.reset({ seed: 5 }));
  for (let t = 0; t < 10; t++) assert.deepEqual(await env.step(new Float32Array([0.1 * t])), local.step(new Float32Array([0.1 * t])));
  await env.close();
});

test('an untrusted self-signed cert is refused unless rejectUnauthorized: false', async () => {
  await assert.rejects(
    Connection.open(server.url, { reconnect: false }),
    (e: unknown) => e instanceof GymwireError && e.code === 'connection_lost' && /self[- ]signed/i.test(e.message),
  );
  const conn = await Connection.open(server.url, { rejectUnauthorized: false });
  await conn.close();
});

test('plain ws:// to a TLS port does not connect', async () => {
  await assert.rejects(
    Connection.open(server.url.replace('wss:', 'ws:'), { connectTimeoutMs: 3000 }),
    (e: unknown) => e instanceof GymwireError && e.code === 'connection_lost',
  );
});

test('TLS and a token together; reconnecting over wss:// after a restart', async () => {
  const guarded = await startServer({ port: 0, tls: { cert, key }, token: 'tls-token-0123456789' });
  await assert.rejects(Connection.open(guarded.url, { ca: cert }), (e: unknown) => e instanceof GymwireError && e.code === 'unauthorized');
  const env = await RemoteEnv.connect(
    guarded.url,
    'Toy-v0',
    {},
    { ca: cert, token: 'tls-token-0123456789', reconnect: { attempts: 40, baseDelayMs: 20, maxDelayMs: 100 } },
  );
  await env.reset({ seed: 0 });
  const port = guarded.port;
  await guarded.close();
  const again = await startServer({ port, tls: { cert, key }, token: 'tls-token-0123456789' });
  await new Promise((r) => env.connection.onReconnect(r));
  assert.deepEqual(await env.reset({ seed: 2 }), make('Toy-v0').reset({ seed: 2 }));
  await env.close();
  await again.close();
});

test('CLI: --tls-cert/--tls-key print a wss:// URL; one without the other exits 2', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening on (wss:\/\/\S+)$/.exec(l);
        if (m) resolve(m[1]);
      });
    });
    const env = await RemoteEnv.connect(url, 'CartPole-v1', {}, { ca: cert });
    await env.reset({ seed: 0 });
    await env.close();
  } finally {
    child.kill('SIGTERM');
  }
  const half = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--tls-cert', join(dir, 'cert.pem')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  half.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise((r) => half.once('exit', r));
  assert.equal(code, 2);
  assert.match(stderr, /--tls-cert and --tls-key go together/);
});
