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

/** Starts the server CLI with `env` added; resolves once it prints its URL. */
async function startCli(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, GYMWIRE_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: performance.now() })),
  );
  let pageLine: (line: string) => void = () => {};
  const page = new Promise<string>((resolve) => (pageLine = resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`server exited early: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (ws:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      if (m) resolve(m[1]);
      if (line.startsWith('env page: ')) pageLine(line);
    });
  });
  return { child, url, exited, page, stderr: () => stderr };
}

test("GYMWIRE_PORT picks the port; it prints its URL and the env page's, serves, and exits 0 on SIGTERM", async () => {
  const { child, url, exited, page } = await startCli({ GYMWIRE_PORT: '0', GYMWIRE_DRAIN_GRACE: '0' });
  try {
    assert.notEqual(url, 'ws://127.0.0.1:8765', 'GYMWIRE_PORT=0 gives an ephemeral port, not the default');
    // The env page's address is printed too, and answers.
    const pageUrl = `${url.replace('ws://', 'http://')}/`;
    const noLine = new Promise<string>((resolve) => setTimeout(() => resolve('no env page line within 10 s'), 10_000).unref());
    assert.equal(await Promise.race([page, noLine]), `env page: ${pageUrl}`);
    assert.equal((await fetch(pageUrl)).status, 200);
    const env = await RemoteEnv.connect(url, 'CartPole-v1');
    await env.reset({ seed: 0 });
    child.kill('SIGTERM');
    assert.equal((await exited).code, 0);
    await env.close();
  } finally {
    child.kill('SIGKILL');
  }
});

test('SIGTERM drains: /readyz 503 and new connections refused at once, the open session steps through --drain-grace, then 1001 and exit 0', async () => {
  const grace = 1.5;
  const { child, url, exited, stderr } = await startCli({ GYMWIRE_PORT: '0' }, ['--drain-grace', String(grace)]);
  const http = url.replace('ws://', 'http://');
  const env = await RemoteEnv.connect(url, 'Pendulum-v1', {}, { reconnect: false });
  try {
    await env.reset({ seed: 0 });
    assert.equal((await fetch(`${http}/readyz`)).status, 200);
    const closed = new Promise<{ message: string; at: number }>((resolve) =>
      env.connection.onClose((e) => resolve({ message: e.message, at: performance.now() })),
    );
    const t0 = performance.now();
    child.kill('SIGTERM');
    // The signal is handled asynchronously: once the server says it drains, it is not ready.
    while (!/SIGTERM: draining/.test(stderr())) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await fetch(`${http}/readyz`)).status, 503);
    await assert.rejects(RemoteEnv.connect(url, 'Pendulum-v1', {}, { reconnect: false }), /503/);
    await env.step(new Float32Array([0]));
    await env.step(new Float32Array([0]));
    const { message, at } = await closed;
    assert.match(message, /\(1001 server shutting down \(drain\)/);
    const { code, at: exitAt } = await exited;
    assert.equal(code, 0, stderr());
    assert.ok(at - t0 >= grace * 1000 - 50, `closed ${(at - t0).toFixed(0)} ms after SIGTERM, grace ${grace} s`);
    assert.ok(exitAt >= at, 'exited after the session was closed');
  } finally {
    child.kill('SIGKILL');
    await env.close().catch(() => {});
  }
});

test('a second signal during a drain exits at once; a bad --drain-grace exits 2', { timeout: 30_000 }, async () => {
  const { child, url, exited, stderr } = await startCli({ GYMWIRE_PORT: '0', GYMWIRE_DRAIN_GRACE: '60' });
  const env = await RemoteEnv.connect(url, 'Pendulum-v1', {}, { reconnect: false });
  try {
    child.kill('SIGTERM');
    while (!/draining/.test(stderr())) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    // The grace is 60 s, over the test's timeout: only an exit that does not wait for it passes.
    const { code } = await exited;
    assert.equal(code, 1);
    assert.match(stderr(), /SIGINT again: exiting now/);
  } finally {
    child.kill('SIGKILL');
    await env.close().catch(() => {});
  }
  const bad = spawnSync(process.execPath, [...CLI, '--drain-grace', 'soon'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--drain-grace must be a number of seconds/);
});
