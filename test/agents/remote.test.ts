// Smoke: DDPG and TD3 train through the env server in another process, and match the in-process run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import { train } from '../../agents/trainer.ts';
import { startServerProcess, type ServerProcess } from '../../bench/server-process.ts';

let server: ServerProcess;
before(async () => {
  await selectBackend('wasm');
  server = await startServerProcess();
});
after(async () => {
  await server?.stop();
});

for (const algo of ['ddpg', 'td3', 'sac'] as const)
  test(`${algo}: a few hundred Pendulum-v1 steps through the server equal the in-process run`, async () => {
    const quiet = { write: () => true, isTTY: false };
    const cfg = (url: string) =>
      buildConfig(
        {},
        {
          algo,
          env: 'Pendulum-v1',
          url,
          out: mkdtempSync(join(tmpdir(), 'ddpg-remote-')),
          ...shortRun({ steps: 400, learningStarts: 200, batchSize: 64, hidden: [32, 32] }),
        },
      );
    const remote = await train(cfg(server.url), { out: quiet });
    const local = await train(cfg(''), { out: quiet });
    assert.equal(remote.steps, 400);
    assert.equal(remote.episodes, 2);
    assert.deepEqual(remote.episodeReturns, local.episodeReturns);
    assert.equal(remote.lastEval!.mean, local.lastEval!.mean);
  });
