import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RemoteEnv } from '../../client/remote-env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'server/cli.ts'];

test('--help prints usage and exits 0; a bad flag exits 2', () => {
  const help = spawnSync(process.execPath, [...CLI, '--help'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--host HOST/);
  assert.match(help.stdout, /GYMWIRE_PORT/);
  const bad = spawnSync(process.execPath, [...CLI, '--port', 'eighty'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port/);
});

test('GYMWIRE_PORT picks the port; it prints its URL, serves, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, CLI, {
    cwd: ROOT,
    env: { ...process.env, GYMWIRE_PORT: '0', GYMWIRE_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error('server exited early')));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (ws:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  assert.notEqual(url, 'ws://127.0.0.1:8765', 'GYMWIRE_PORT=0 gives an ephemeral port, not the default');
  const env = await RemoteEnv.connect(url, 'CartPole-v1');
  await env.reset({ seed: 0 });
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  await env.close();
});
