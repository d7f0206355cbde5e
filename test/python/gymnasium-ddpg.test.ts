// The TypeScript DDPG agent learns Gymnasium's own Pendulum-v1, served by `python3 -m gymwire
// serve` with the real Gymnasium 1.4.0 (../shared/vendor/gymnasium-1.4.0): Pendulum's defaults
// (64x64 nets, γ 0.98, 1000 random steps), seed 0, one learner thread, 10,000 steps; an eval
// (10 episodes, every 2000 steps) within them must reach ≥ −200 (an untrained actor scores about
// −1150); the run stops there. Within, not at the end: DDPG can learn and then lose it (seed 0 reaches about −150 at
// 4k-6k steps and collapses by 10k, as it does in-process on our own Pendulum), which is the
// algorithm's instability, not the server's (docs/measurements.md has the seeds' figures).
// Broken, it fails: with the actor's gradient sign flipped
//   GYMWIRE_LEARNING_TEST_FAULT=actor-gradient-sign node --import tsx --test test/python/gymnasium-ddpg.test.ts
// Skipped, with the reason, without python3 or the vendored Gymnasium; under CI=true that fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../agents/backends/choice.ts';
import type { TestFault } from '../../agents/backends/types.ts';
import { buildConfig } from '../../agents/config.ts';
import { train } from '../../agents/trainer.ts';
import { spawnServer } from '../../bench/server-process.ts';
import { GYMNASIUM, python, ROOT, skipGymnasium } from './find-python.ts';
import { requireOrSkip } from '../prerequisites.ts';

const FAULT = (process.env.GYMWIRE_LEARNING_TEST_FAULT || undefined) as TestFault | undefined;
const STEPS = 10_000;
const SEED = 0;
const EVAL_EVERY = 2000;

test(`DDPG learns Gymnasium's Pendulum-v1 through python3 -m gymwire serve: an eval ≥ −200 within ${STEPS} steps${FAULT ? ` (with test fault ${FAULT}: must fail)` : ''}`, async (t) => {
  if (requireOrSkip(t, skipGymnasium)) return;
  await selectBackend('kernels');
  const server = await spawnServer(python, ['-m', 'gymwire', 'serve', 'Pendulum-v1', '--port', '0'], {
    name: 'python3 -m gymwire serve',
    env: { PYTHONPATH: `${GYMNASIUM}:${join(ROOT, 'python')}`, GYMWIRE_TOKEN: '' },
    timeoutMs: 30_000,
  });
  const out = mkdtempSync(join(tmpdir(), 'ddpg-gymnasium-'));
  try {
    const c = buildConfig(
      {},
      {
        env: 'Pendulum-v1',
        url: server.url,
        seed: SEED,
        steps: STEPS,
        learnerThreads: 1,
        evalEvery: EVAL_EVERY,
        evalEpisodes: 10,
        checkpointEvery: 0,
        statsEvery: 0,
        out,
      },
    );
    assert.deepEqual(
      [c.actorHidden, c.criticHidden],
      [
        [64, 64],
        [64, 64],
      ],
    );
    const started = Date.now();
    // The run stops at the first eval that reaches the bar: the later ones could not change the outcome.
    let reached = false;
    const r = await train(c, {
      out: { write: () => true },
      testFault: FAULT,
      listeners: [{ record: (m) => void (reached ||= m.type === 'eval' && m.mean >= -200) }],
      shouldStop: () => reached,
    });
    const evals = r.evals.map((e) => `${e.step}: ${e.mean.toFixed(1)}`).join(', ');
    t.diagnostic(`evals ${evals} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    assert.ok(r.steps <= STEPS && r.steps % EVAL_EVERY === 0, `stopped at ${r.steps}`);
    const best = Math.max(...r.evals.map((e) => e.mean));
    assert.ok(best >= -200, `evals within ${STEPS} steps: ${evals} (one needs ≥ −200)`);
  } finally {
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
});
