// --num-envs over several servers: each hosts its share as one RemoteVectorEnv, and the run is
// the same as with one SyncVectorEnv of all the sub-envs in this process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import { train } from '../../agents/trainer.ts';
import { startServerProcess, type ServerProcess } from '../../bench/server-process.ts';

let servers: ServerProcess[] = [];
before(async () => {
  await selectBackend('wasm');
  servers = await Promise.all([startServerProcess(), startServerProcess()]);
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

test('3 Pendulum-v1 sub-envs spread over two servers (2 + 1) train exactly like 3 in-process', async () => {
  const quiet = { write: () => true, isTTY: false };
  const cfg = (url: string[]) =>
    buildConfig(
      { 'num-envs': '3', ...(url.length ? { url } : {}) },
      {
        env: 'Pendulum-v1',
        out: mkdtempSync(join(tmpdir(), 'ddpg-vec-remote-')),
        ...shortRun({ steps: 660, learningStarts: 150, batchSize: 32, hidden: [16, 16] }),
        checkpointEvery: 0,
      },
    );
  const remoteCfg = cfg(servers.map((s) => s.url));
  const remote = await train(remoteCfg, { out: quiet });
  const local = await train(cfg([]), { out: quiet });
  assert.equal(remote.steps, 660);
  // 220 transitions per sub-env: one 200-step episode each.
  assert.equal(remote.episodes, 3);
  assert.deepEqual(remote.episodeReturns, local.episodeReturns);
  assert.equal(new Set(remote.episodeReturns).size, 3);
  assert.equal(remote.updates, local.updates);
  assert.equal(remote.lastEval!.mean, local.lastEval!.mean);
  const rows = readFileSync(join(remoteCfg.out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.filter((r) => r.type === 'episode').map((r) => r.env),
    [0, 1, 2],
  );
});
