// --learner-threads: the trainer hands the thread count to the learner; a run with worker
// threads learns and is reproducible for a given seed and thread count (with the kernels, the
// same for any thread count); the default follows the machine.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../agents/backends/choice.ts';
import { availableParallelism } from 'node:os';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import { train } from '../../agents/trainer.ts';

before(async () => {
  await selectBackend('wasm');
});

const quiet = { write: () => true, isTTY: false };

async function run(threads: string, backend = 'auto') {
  const out = mkdtempSync(join(tmpdir(), 'ddpg-threads-'));
  const config = buildConfig(
    { 'learner-threads': threads, backend },
    {
      env: 'Pendulum-v1',
      out,
      ...shortRun({ steps: 600, learningStarts: 200, batchSize: 64, hidden: [32, 32] }),
      checkpointEvery: 0,
    },
  );
  const result = await train(config, { out: quiet });
  return { result, saved: JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) };
}

test('--learner-threads 2: the run updates, is recorded in config.json and repeats exactly', async () => {
  const a = await run('2');
  assert.equal(a.saved.learnerThreads, 2);
  assert.equal(a.result.steps, 600);
  assert.equal(a.result.updates, 401);
  const b = await run('2');
  assert.deepEqual(b.result.episodeReturns, a.result.episodeReturns);
  assert.deepEqual(b.result.lastEval, a.result.lastEval);
  // The kernels compute every number on one thread in the same order whatever the count.
  const one = await run('1');
  assert.equal(one.saved.learnerThreads, 1);
  assert.deepEqual(one.result.episodeReturns, a.result.episodeReturns);
  assert.deepEqual(one.result.lastEval, a.result.lastEval);
});

test('tfjs --learner-threads 2 repeats exactly; 1 thread is the same run up to summation order', async () => {
  const a = await run('2', 'wasm');
  const b = await run('2', 'wasm');
  assert.deepEqual(b.result.episodeReturns, a.result.episodeReturns);
  const one = await run('1', 'wasm');
  assert.equal(one.result.episodeReturns.length, a.result.episodeReturns.length);
});

test('the learner threads default to the machine (os.availableParallelism())', () => {
  assert.equal(buildConfig({}).learnerThreads, availableParallelism());
});

test('--learner-threads must be a positive integer', () => {
  assert.throws(() => buildConfig({ 'learner-threads': '0' }), /learnerThreads/);
  assert.throws(() => buildConfig({ 'learner-threads': 'two' }), /--learner-threads/);
});
