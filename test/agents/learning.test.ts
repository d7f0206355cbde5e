// Does the agent learn? DDPG, TD3 and SAC on Pendulum-v1 (64x64 nets, the env's defaults, seed 0,
// one learner thread, in-process; SAC with minibatches of 128, half its default, to halve its
// cost) must beat their own untrained actor by a wide margin after a few thousand steps: intact
// they reach about −150 from about −1150 (~5-9 s of CPU each). Broken, they do not: with the
// actor's gradient sign flipped DDPG ends at −1610, TD3 at −1620 and SAC at −1382; without
// target networks (y computed from the online networks) DDPG ends at −909, TD3 at −1147 and SAC
// at −1128 (measured on this seed). To see it fail:
//   GYMWIRE_LEARNING_TEST_FAULT=actor-gradient-sign node --import tsx --test test/agents/learning.test.ts
//   GYMWIRE_LEARNING_TEST_FAULT=no-target-network   node --import tsx --test test/agents/learning.test.ts
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { Learner } from '../../agents/learner.ts';
import type { TestFault } from '../../agents/backends/types.ts';
import { learnerOptions } from '../../agents/learner.ts';
import { train } from '../../agents/trainer.ts';
import { evaluatePolicy } from '../../agents/evaluation.ts';
import { scaleAction } from '../../agents/actor-io.ts';
import { make } from '../../envs/index.ts';

before(async () => {
  await selectBackend('kernels');
});

const FAULT = (process.env.GYMWIRE_LEARNING_TEST_FAULT || undefined) as TestFault | undefined;
/** Improvement over the untrained actor that counts as learning (intact: ~1000; broken: under 250). */
const MARGIN = 700;

for (const [algo, steps, batch] of [
  ['ddpg', 5000, {}],
  ['td3', 6000, {}],
  ['sac', 6000, { batchSize: 128 }],
] as const) {
  test(`${algo.toUpperCase()} learns Pendulum-v1 in ${steps} steps: its eval beats the untrained actor's by ${MARGIN}${FAULT ? ` (with test fault ${FAULT}: must fail)` : ''}`, async () => {
    const c = buildConfig(
      {},
      {
        algo,
        env: 'Pendulum-v1',
        seed: 0,
        steps,
        learnerThreads: 1,
        evalEvery: steps,
        evalEpisodes: 10,
        checkpointEvery: 0,
        statsEvery: 0,
        ...batch,
        out: mkdtempSync(join(tmpdir(), `learning-${algo}-`)),
      },
    );
    assert.deepEqual(c.actorHidden, [64, 64]);

    // The untrained actor of this seed (the weights the run starts from), on the same eval episodes.
    const env = make('Pendulum-v1');
    const space = env.actionSpace as { low: number[]; high: number[] };
    const untrained = new Learner(learnerOptions(c, 3, 1));
    const before = await evaluatePolicy(env, (o) => scaleAction(untrained.act(o), space.low, space.high), c.evalEpisodes, c.evalSeed, 3);
    untrained.dispose();
    env.close();

    const r = await train(c, { out: { write: () => true }, testFault: FAULT });
    const after = r.lastEval!.mean;
    assert.ok(
      after - before.mean >= MARGIN,
      `${algo}: eval ${after.toFixed(1)} after ${steps} steps vs ${before.mean.toFixed(1)} untrained (needs +${MARGIN})`,
    );
  });
}
