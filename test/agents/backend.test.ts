// --backend: 'auto' takes the kernels where they run, else tfjs (node, wasm, cpu in that
// order), and logs what it chose and every fallback; a forced choice that cannot run fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveBackend, selectBackend } from '../../agents/backends/choice.ts';
import { Learner } from '../../agents/learner.ts';

test('auto: the kernels, logged', async () => {
  const log: string[] = [];
  assert.equal(await selectBackend('auto', (m) => log.push(m)), 'kernels');
  assert.deepEqual(log, ['learner backend: kernels (WebAssembly SIMD, shared-memory threads)']);
  assert.deepEqual(resolveBackend('auto').backend, 'kernels');
  const learner = new Learner({
    obsDim: 2,
    actDim: 1,
    actorHidden: [4],
    criticHidden: [4],
    gamma: 0.9,
    tau: 0.1,
    actorLr: 1e-3,
    criticLr: 1e-3,
    seed: 0,
    threads: 1,
  });
  assert.equal(learner.backend, 'kernels');
  assert.match(learner.describe(), /WebAssembly SIMD kernels, 1 thread/);
  learner.dispose();
});

test('auto without the kernels: falls back through tfjs node, wasm, logging why', async () => {
  const log: string[] = [];
  const got = await selectBackend(
    'auto',
    (m) => log.push(m),
    () => 'no SIMD here',
  );
  // tfjs-node is an optional dependency: it may or may not load on this machine.
  assert.ok(got === 'tensorflow' || got === 'wasm', got);
  assert.equal(log[0], 'learner backend kernels unavailable (no SIMD here); trying the next');
  if (got === 'wasm') assert.match(log[1], /^learner backend tensorflow unavailable \(/);
  assert.equal(log[log.length - 1], `learner backend: tfjs ${got}`);
});

test('a forced backend that cannot run is an error naming it', async () => {
  await assert.rejects(
    selectBackend(
      'kernels',
      () => {},
      () => 'no SIMD here',
    ),
    /backend 'kernels' could not be initialised: no SIMD here/,
  );
});

for (const choice of ['kernels', 'auto'] as const) {
  test(`a run on the kernels (--backend ${choice}) never loads TensorFlow.js`, () => {
    const script = fileURLToPath(new URL('./fixtures/kernels-run.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, choice], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { backend: string; updates: number; loaded: string[]; tfEngine: boolean };
    assert.equal(got.backend, 'kernels');
    assert.ok(got.updates > 0, 'it trained');
    assert.deepEqual(got.loaded, [], 'no @tensorflow module was loaded');
    assert.equal(got.tfEngine, false, "tfjs's engine was never created");
  });
}
