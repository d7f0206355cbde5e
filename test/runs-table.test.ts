// scripts/runs-table.ts: the row of a run reads its evals at the asked steps, the best, and the wall time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotARunError, runRow, summaryTable } from '../scripts/runs-table.ts';

test('runs-table: evals at the asked steps, the nets, γ, the learning rates (→ 0: linear schedule), n-step and updates per step (1 when a config predates them), τ, batch size and exploration σ (— when absent), LN for a layer-normalised critic, the best eval, wall seconds, and whether the run is still going', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runs-table-'));
  writeFileSync(
    join(dir, 'config.json'),
    // The run, its nets, its learner, its exploration.
    JSON.stringify({
      ...{ algo: 'td3', env: 'LunarLanderContinuous-v3', seed: 2, steps: 150000 },
      ...{ actorHidden: [400, 300], criticHidden: [256, 256], criticLayerNorm: true },
      ...{ gamma: 0.98, actorLr: 0.001, criticLr: 0.001, nStep: 3, tau: 0.005, batchSize: 512 },
      ...{ noise: 'gaussian', noiseSigma: 0.2, noiseSigmaFinal: 0.02, noiseDecaySteps: 150000 },
    }),
  );
  const rows = [
    { type: 'eval', step: 50000, mean: -12.34, std: 5, returns: [], wallSeconds: 100 },
    { type: 'episode', step: 60000, episode: 3, return: 1, length: 2, wallSeconds: 120 },
    { type: 'eval', step: 100000, mean: 210.04, std: 20.5, returns: [], wallSeconds: 200 },
    {
      type: 'stats',
      step: 110000,
      updates: 100000,
      criticLoss: 1,
      actorLoss: 1,
      q: 1,
      updatesPerSec: 1,
      stepsPerSec: 1,
      wallSeconds: 230.4,
    },
  ];
  writeFileSync(join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.equal(
    runRow(dir, [50000, 100000, 150000]),
    '| TD3 | LunarLanderContinuous-v3 | 2 | 400x300 / 256x256 LN | 0.98 | 0.001 | 3 | 1 | 0.005 | 512 | 0.2 → 0.02 | -12.3 ± 5.0 | 210.0 ± 20.5 | — | 210.0 ± 20.5 at 100000 | 230 (at step 110000, running) |',
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      env: 'Pendulum-v1',
      seed: 0,
      steps: 150000,
      actorHidden: [64],
      criticHidden: [64],
      gamma: 0.98,
      actorLr: 0.0003,
      criticLr: 0.001,
      lrSchedule: 'linear',
    }),
  );
  assert.match(
    runRow(dir, [100000]),
    /^\| DDPG \| Pendulum-v1 \| 0 \| 64 \/ 64 \| 0\.98 \| 0\.0003 \/ 0\.001 → 0 \| 1 \| 1 \| — \| — \| — \|/,
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      env: 'MountainCarContinuous-v0',
      seed: 0,
      steps: 150000,
      actorHidden: [64],
      criticHidden: [64],
      gamma: 0.99,
      actorLr: 0.001,
      criticLr: 0.001,
      noise: 'ou',
      noiseSigma: 0.5,
      noiseSigmaFinal: 0.5,
      noiseDecaySteps: 0,
    }),
  );
  assert.match(
    runRow(dir, [100000]),
    /^\| DDPG \| MountainCarContinuous-v0 \| 0 \| 64 \/ 64 \| 0\.99 \| 0\.001 \| 1 \| 1 \| — \| — \| OU 0\.5 \|/,
  );
  writeFileSync(join(dir, 'done'), '');
  assert.match(runRow(dir, [100000]), /\| 210\.0 ± 20\.5 at 100000 \| 230 \|$/);
});

test('runs-table: a path that is not a run directory (a log file, a run that never wrote its config) is named as such', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runs-table-'));
  writeFileSync(join(dir, 'run.log'), 'x');
  assert.throws(
    () => runRow(join(dir, 'run.log'), [50000]),
    (e: unknown) => e instanceof NotARunError && /run\.log: not a run directory \(no config\.json\)/.test((e as Error).message),
  );
  writeFileSync(join(dir, 'config.json'), '{}');
  assert.throws(() => runRow(dir, [50000]), /not a run directory \(no metrics\.jsonl\)/);
});

test("runs-table summary: runs grouped by all but the seed; tuning and fresh seeds apart; the final eval (>= 100 episodes, at the step) else the run's eval (*); IQM, CI and worst seed", () => {
  const root = mkdtempSync(join(tmpdir(), 'runs-table-'));
  const base = {
    algo: 'td3',
    env: 'Pendulum-v1',
    steps: 2000,
    actorHidden: [64],
    criticHidden: [64],
    gamma: 0.98,
    actorLr: 0.001,
    criticLr: 0.001,
  };
  const dirs: string[] = [];
  const evalAt = (step: number, mean: number) => JSON.stringify({ type: 'eval', step, mean, std: 1, returns: [], wallSeconds: 1 });
  for (const [seed, mean] of [
    [0, -100],
    [1, -110],
    [2, -120],
    [3, -130],
    [4, -140],
    [5, -150],
    [6, -160],
    [7, -170],
  ]) {
    const dir = join(root, `s${seed}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, seed }));
    writeFileSync(join(dir, 'metrics.jsonl'), `${evalAt(1000, -900)}\n${evalAt(2000, mean)}\n`);
    dirs.push(dir);
  }
  const final = (step: number, episodes: number, mean: number) =>
    JSON.stringify({ step, episodes, seed: 5000000, actor: 'exported', mean, std: 1, returns: [], date: '' });
  // Seed 7's 100-episode final eval replaces its -170; a 10-episode one and one at another step do not count.
  writeFileSync(join(root, 's7', 'final-evals.jsonl'), `${final(2000, 100, -900)}\n${final(2000, 10, 0)}\n${final(1000, 100, 0)}\n`);
  const other = join(root, 'ddpg');
  mkdirSync(other);
  writeFileSync(join(other, 'config.json'), JSON.stringify({ ...base, algo: 'ddpg', seed: 0 }));
  writeFileSync(join(other, 'metrics.jsonl'), `${evalAt(2000, -500)}\n`);
  const lines = summaryTable([...dirs, other], [0, 1, 2]);
  assert.equal(lines.length, 4);
  const td3 = lines.find((l) => l.startsWith('| TD3'))!;
  const cells = td3.split(' | ');
  assert.equal(cells[10], '2000');
  assert.equal(cells[11], '0: -100.0*, 1: -110.0*, 2: -120.0*');
  assert.equal(cells[12], '3: -130.0*, 4: -140.0*, 5: -150.0*, 6: -160.0*, 7: -900.0');
  assert.equal(cells[13], '5');
  // fresh: -900, -160, -150, -140, -130 → cut one each side → mean of -160, -150, -140
  assert.match(cells[14], /^-150\.0 \[/);
  assert.equal(cells[15], '-900.0 (seed 7)');
  assert.equal(cells[16], '8');
  // all 8: cut 2 each side → mean of -120, -130, -140, -150
  assert.match(cells[17], /^-135\.0 \[/);
  const [lo, hi] = /\[(-?[\d.]+), (-?[\d.]+)\]/.exec(cells[14])!.slice(1).map(Number);
  assert.ok(lo <= -150 && -150 <= hi, cells[14]);
  assert.match(
    lines.find((l) => l.startsWith('| DDPG'))!,
    /\| 0: -500\.0\* \| — \| 0 \| — \| — \| 1 \| -500\.0 \[-500\.0, -500\.0\] \| -500\.0 \(seed 0\) \|$/,
  );
  // --summary-at 1000: the runs' evals there, and seed 7's 100-episode final eval at step 1000.
  assert.match(summaryTable(dirs, [], 1000)[2], /\| 1000 \| — \| 0: -900\.0\*, .*, 6: -900\.0\*, 7: 0\.0 \| 8 \| -900\.0 \[/);
});
