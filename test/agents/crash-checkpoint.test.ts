// What a crash can leave on disk, and how resume treats it: damaged files are refused with a
// message naming them; a save killed part-way leaves the previous checkpoint readable.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import type { TrainConfig } from '../../agents/train-config.ts';
import { loadActor } from '../../agents/actor-io.ts';
import { readCheckpoint } from '../../agents/checkpoints.ts';
import { train } from '../../agents/trainer.ts';
import { CheckpointError } from '../../agents/checkpoint-io.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const quiet = { write: () => true, isTTY: false };

before(async () => {
  await selectBackend('wasm');
});

function config(out: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return buildConfig(
    {},
    {
      env: 'Pendulum-v1',
      out,
      steps: 300,
      seed: 2,
      actorHidden: [8],
      criticHidden: [8],
      batchSize: 16,
      learningStarts: 50,
      evalEvery: 0,
      checkpointEvery: 100,
      saveReplay: true,
      ...extra,
    },
  );
}

let pristine: string;
/** A fresh copy of one finished 300-step run. */
function runCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ddpg-ckpt-')), 'run');
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

before(async () => {
  pristine = join(mkdtempSync(join(tmpdir(), 'ddpg-ckpt-')), 'run');
  await train(config(pristine), { out: quiet });
});

const resume = (dir: string, steps = 400) => train(config(dir, { steps }), { resume: dir, out: quiet });
const damaged = (pattern: RegExp) => (e: Error) => e instanceof CheckpointError && pattern.test(e.message);

test('a truncated file, a flipped byte, a torn manifest or a missing manifest: resume refuses, naming the problem', async () => {
  let dir = runCopy();
  const replay = join(dir, 'checkpoint', 'replay_obs.bin');
  truncateSync(replay, readFileSync(replay).length - 6);
  await assert.rejects(resume(dir), damaged(/replay_obs\.bin is damaged/));

  dir = runCopy();
  const adam = join(dir, 'checkpoint', 'adam_v.bin');
  const bytes = readFileSync(adam);
  bytes[7] ^= 0x01;
  writeFileSync(adam, bytes);
  await assert.rejects(resume(dir), damaged(/adam_v\.bin is damaged/));

  dir = runCopy();
  const manifest = join(dir, 'checkpoint', 'manifest.json');
  truncateSync(manifest, 40);
  await assert.rejects(resume(dir), damaged(/manifest\.json is damaged/));

  dir = runCopy();
  writeFileSync(join(dir, 'checkpoint', 'manifest.json'), '');
  await assert.rejects(resume(dir), damaged(/manifest\.json is damaged/));

  dir = runCopy();
  renameSync(join(dir, 'checkpoint', 'manifest.json'), join(dir, 'checkpoint', 'manifest.bak'));
  await assert.rejects(resume(dir), damaged(/not a checkpoint: manifest\.json is missing/));

  // The CLI says so and exits 1 before doing anything else.
  dir = runCopy();
  truncateSync(join(dir, 'checkpoint', 'state.json'), 10);
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'agents/train.ts', '--resume', dir], { cwd: root, encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /^error: checkpoint file \S+state\.json is damaged/m);
});

test('a save killed while filling its temp dir leaves the previous checkpoint in use; the next save clears the leftover', async () => {
  const dir = runCopy();
  const leftover = join(dir, '.checkpoint.tmp-99999-1-0');
  mkdirSync(leftover);
  writeFileSync(join(leftover, 'params.bin'), new Uint8Array(12));
  const before = readCheckpoint(dir);
  assert.equal(before.dir, join(dir, 'checkpoint'));
  assert.equal(before.state.step, 300);
  const r = await resume(dir);
  assert.equal(r.steps, 400);
  assert.equal(readCheckpoint(dir).state.step, 400);
  assert.ok(!existsSync(leftover), 'leftover temp dir removed');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.checkpoint')),
    [],
  );
});

test('a save killed between its two renames: the previous checkpoint, moved aside, is found and resumed from', async () => {
  const dir = runCopy();
  const aside = join(dir, '.checkpoint.old-99999-5-0');
  renameSync(join(dir, 'checkpoint'), aside);
  // The new snapshot's temp dir, complete or not, is never read: only a renamed-in checkpoint counts.
  mkdirSync(join(dir, '.checkpoint.tmp-99999-5-1'));
  const found = readCheckpoint(dir);
  assert.equal(found.dir, aside);
  assert.equal(found.state.step, 300);
  const log: string[] = [];
  const r = await train(config(dir, { steps: 400 }), { resume: dir, out: { write: (s: string) => log.push(s) } });
  assert.equal(r.steps, 400);
  assert.match(log.join(''), /resumed from \S+\.checkpoint\.old-99999-5-0 at step 300 \(\d+ episodes, replay 300 transitions\)/);
  assert.equal(readCheckpoint(dir).dir, join(dir, 'checkpoint'));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.checkpoint')),
    [],
  );
});

test('evaluate --checkpoint RUN_DIR reads a run killed between the renames as --resume does: the previous checkpoint, moved aside', async () => {
  const dir = runCopy();
  const expected = loadActor(dir).act([0.3, -0.2, 0.1]);
  renameSync(join(dir, 'checkpoint'), join(dir, '.checkpoint.old-99999-5-0'));
  mkdirSync(join(dir, '.checkpoint.tmp-99999-5-1'));
  assert.deepEqual(loadActor(dir).act([0.3, -0.2, 0.1]), expected);
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'agents/evaluate.ts', '--checkpoint', dir, '--episodes', '2'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /^Pendulum-v1: mean return -?\d+\.\d+ ± \d+\.\d+ over 2 episodes/m);
});

test('a metrics line torn by the kill does not stop the resume', async () => {
  const dir = runCopy();
  appendFileSync(join(dir, 'metrics.jsonl'), '{"type":"episode","step":31');
  const r = await resume(dir);
  assert.equal(r.steps, 400);
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(rows.length > 0);
});
