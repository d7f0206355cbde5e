// The env server dies mid-run (SIGKILL) and a new one starts on the same port: the trainer's
// connections reconnect and re-make their envs, the cut episodes are logged as interrupted,
// and training finishes all its steps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import { readCheckpoint } from '../../agents/checkpoints.ts';
import { train } from '../../agents/trainer.ts';
import { freePort } from '../helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];

before(async () => {
  await selectBackend('wasm');
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the env server on `port` and resolves once it listens. */
function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/listening on ws:\/\//.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (seen += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${seen}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('killing the env server mid-run and starting a new one on the same port: training survives and finishes', async () => {
  const port = await freePort();
  let server = await startServer(port);
  const dir = mkdtempSync(join(tmpdir(), 'ddpg-restart-'));
  const lines: string[] = [];
  const cfg = buildConfig(
    { url: [`ws://127.0.0.1:${port}`], 'num-envs': '2' },
    {
      env: 'Pendulum-v1',
      out: dir,
      ...shortRun({ steps: 1200, learningStarts: 200, batchSize: 32, hidden: [16, 16] }),
      checkpointEvery: 100,
      saveReplay: true,
    },
  );
  const run = train(cfg, { out: { write: (s: string) => lines.push(s) } });
  let failed: unknown = null;
  run.catch((e) => (failed = e));

  // Kill the server mid-episode: the checkpoint at step 500 is taken 50 steps into each sub-env's
  // second episode (vector step 251 of 2 x 200 + autoreset), 150 vector steps before they end.
  const deadline = Date.now() + 60_000;
  const stepNow = () => {
    try {
      return readCheckpoint(dir).state.step;
    } catch {
      return -1;
    }
  };
  while (stepNow() < 500) {
    if (failed) throw failed;
    assert.ok(Date.now() < deadline, 'no checkpoint at step 500 within 60 s');
    await sleep(10);
  }
  server.kill('SIGKILL');
  await new Promise((r) => server.once('exit', r));
  await sleep(300);
  server = await startServer(port);

  const r = await run;
  assert.equal(r.steps, 1200);
  assert.equal(r.interrupted, 2);
  assert.match(lines.join(''), /connection lost at step \d+/);
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const cut = rows.filter((x) => x.type === 'interrupted');
  assert.equal(cut.length, r.interrupted);
  assert.deepEqual(
    cut.map((x) => x.env),
    [0, 1],
  );
  for (const x of cut) assert.ok(x.interrupted === true && x.length >= 50 && x.length < 200, `cut at length ${x.length}`);
  // Episodes after the restart are whole (200 steps) and evaluation ran on the new server.
  const later = rows.filter((x) => x.type === 'episode' && x.step > cut[0].step);
  assert.ok(later.length > 0 && later.every((x) => x.length === 200));
  assert.equal(rows.filter((x) => x.type === 'eval').length, 1);
  const ck = readCheckpoint(dir).state;
  assert.equal(ck.step, 1200);
  assert.equal(ck.replay?.size, 1200, 'no transition lost to the restart');
  server.kill('SIGTERM');
});
