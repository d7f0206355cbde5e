// npm run evaluate plays, by default, the same episodes as training's evaluations (the run's
// eval seed and episode count), so its number and the run's last eval can be compared.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trainingEvalSettings } from '../../agents/evaluate.ts';
import { BASE_CONFIG, defaultsFor } from '../../agents/defaults.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import { train } from '../../agents/trainer.ts';

const dir = mkdtempSync(join(tmpdir(), 'gymwire-evaluate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const root = fileURLToPath(new URL('../../', import.meta.url));

test("trainingEvalSettings: the run config next to or above the checkpoint (its env's kwargs for its env only), else the training defaults", () => {
  const run = join(dir, 'run');
  mkdirSync(join(run, 'checkpoint'), { recursive: true });
  writeFileSync(join(run, 'config.json'), JSON.stringify({ env: 'Pendulum-v1', envKwargs: { g: 9.81 }, evalSeed: 4242, evalEpisodes: 3 }));
  const settings = { evalSeed: 4242, evalEpisodes: 3, envKwargs: { g: 9.81 } };
  assert.deepEqual(trainingEvalSettings(run, 'Pendulum-v1'), settings);
  assert.deepEqual(trainingEvalSettings(join(run, 'checkpoint'), 'Pendulum-v1'), settings);
  assert.deepEqual(trainingEvalSettings(run, 'MountainCarContinuous-v0').envKwargs, {}, "another env gets none of the run's kwargs");
  const bare = join(dir, 'bare');
  mkdirSync(bare);
  assert.deepEqual(trainingEvalSettings(bare, 'MountainCarContinuous-v0'), {
    evalSeed: BASE_CONFIG.evalSeed,
    evalEpisodes: defaultsFor('MountainCarContinuous-v0').evalEpisodes,
    envKwargs: {},
  });
});

test('npm run evaluate on a run reproduces its last eval (same episodes)', async () => {
  const out = join(dir, 'pendulum');
  const config = buildConfig(
    {},
    {
      env: 'Pendulum-v1',
      out,
      ...shortRun({ steps: 400, learningStarts: 200, batchSize: 32, hidden: [16, 16], evalEpisodes: 2 }),
      evalSeed: 77,
      checkpointEvery: 0,
      learnerThreads: 1,
    },
  );
  const result = await train(config, { out: { write: () => true, isTTY: false } });
  const ev = spawnSync(process.execPath, ['--import', 'tsx', 'agents/evaluate.ts', '--checkpoint', out], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(ev.status, 0, ev.stderr);
  const m = /mean return (-?[\d.]+) ± ([\d.]+) over 2 episodes, seeds 77\.\.78/.exec(ev.stdout);
  assert.ok(m, ev.stdout);
  // The exported policy runs in float64 JS, training's evals on the learner: equal to rounding.
  assert.ok(Math.abs(Number(m[1]) - result.lastEval!.mean) < 0.05, `evaluate ${m[1]} vs training's last eval ${result.lastEval!.mean}`);
  // Recorded in the run for npm run runs-table: the checkpoint's step, episodes, seed, actor, mean, std, returns, date.
  const lines = readFileSync(join(out, 'final-evals.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.deepEqual(
    { step: rec.step, episodes: rec.episodes, seed: rec.seed, actor: rec.actor, mean: (rec.mean as number).toFixed(2) },
    { step: 400, episodes: 2, seed: 77, actor: 'exported', mean: m[1] },
  );
  assert.equal((rec.returns as number[]).length, 2);
  assert.ok(!Number.isNaN(Date.parse(rec.date as string)));
  // --no-record leaves the file as it was.
  const again = spawnSync(process.execPath, ['--import', 'tsx', 'agents/evaluate.ts', '--checkpoint', out, '--no-record'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(readFileSync(join(out, 'final-evals.jsonl'), 'utf8').trim().split('\n').length, 1);
});
