// Checkpoints alone (checkpoints.ts) and through train(): everything a run needs to continue is
// written and put back exactly (DDPG and TD3: networks, targets, Adam, TD3's actor steps and
// noise stream, RNG, noise clocks, replay), the algorithm is recorded, and resuming as another
// algorithm or env is refused with a message saying so.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import type { TrainConfig } from '../../agents/train-config.ts';
import { Learner } from '../../agents/learner.ts';
import type { Algo } from '../../agents/train-config.ts';
import { ActionNoise } from '../../agents/noise.ts';
import { ReplayBuffer } from '../../agents/replay-buffer.ts';
import { CheckpointError } from '../../agents/checkpoint-io.ts';
import { loadActor } from '../../agents/actor-io.ts';
import { checkResumable, readCheckpoint, restoreCheckpoint, writeCheckpoint } from '../../agents/checkpoints.ts';
import { train } from '../../agents/trainer.ts';
import { defaultRng } from '../../protocol/random.ts';
import { randomBatch } from './learner-reference.ts';

before(async () => {
  await selectBackend('kernels');
});

const tmp = () => mkdtempSync(join(tmpdir(), 'ckpt-parts-'));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function parts(algo: Algo, seed: number) {
  const learner = new Learner({
    algo,
    obsDim: 3,
    actDim: 1,
    actorHidden: [8],
    criticHidden: [8],
    gamma: 0.9,
    tau: 0.05,
    actorLr: 1e-3,
    criticLr: 1e-3,
    seed,
    threads: 1,
  });
  const noises = [0, 1].map(() => new ActionNoise(1, { kind: 'ou', sigma: 0.3, sigmaFinal: 0.1, sigmaDecaySteps: 50 }));
  return { learner, rng: defaultRng(seed), noises, replay: new ReplayBuffer(64, 3, 1) };
}

for (const algo of ['ddpg', 'td3', 'sac'] as const)
  test(`${algo}: writeCheckpoint / readCheckpoint / restoreCheckpoint put every part back exactly`, () => {
    const a = parts(algo, 1);
    for (let i = 0; i < 7; i++) a.learner.update(randomBatch(16, i, 3, 1));
    for (let i = 0; i < 20; i++) {
      a.noises[i % 2].sample(a.rng);
      a.replay.add(Float32Array.of(i, 0, 0), Float32Array.of(0.1), i, Float32Array.of(i + 1, 0, 0), i % 5 === 0);
    }
    const config = buildConfig({}, { algo, env: 'Pendulum-v1', out: tmp() });
    const counters = {
      step: 20,
      episodes: 2,
      updates: 7,
      resets: 3,
      wallSeconds: 1.5,
      lastEval: { mean: -1, std: 0.5, returns: [-1.5, -0.5] },
    };
    const dir = join(config.out, 'checkpoint');
    writeCheckpoint(dir, {
      config,
      counters,
      learner: a.learner,
      rng: a.rng,
      noises: a.noises,
      replay: a.replay,
      actor: { envId: 'Pendulum-v1', algo, obsDim: 3, actDim: 1, hidden: [8], low: [-2], high: [2] },
    });
    const ck = readCheckpoint(config.out);
    assert.equal(ck.state.config.algo, algo);
    assert.equal(ck.state.td3 !== undefined, algo === 'td3');
    assert.equal(ck.state.sac !== undefined, algo === 'sac');

    const b = parts(algo, 99);
    assert.deepEqual(restoreCheckpoint(ck, b), counters);
    assert.deepEqual(b.learner.getState(), a.learner.getState());
    assert.deepEqual(b.rng.getState(), a.rng.getState());
    assert.deepEqual(
      b.noises.map((n) => n.getState().t),
      a.noises.map((n) => n.getState().t),
    );
    assert.ok(
      b.noises.every((n) => n.getState().x.every((x) => x === 0)),
      'every sub-env starts a fresh episode: OU state from zero',
    );
    assert.deepEqual(b.replay.snapshot(), a.replay.snapshot());
    // Both continue identically.
    const batch = randomBatch(16, 50, 3, 1);
    assert.deepEqual(b.learner.update(batch, true), a.learner.update(batch, true));
    assert.deepEqual(b.learner.getState(), a.learner.getState());
    // Restored into a different number of sub-envs, the noise clocks are spread evenly.
    const c = parts(algo, 5);
    c.noises.push(new ActionNoise(1, { kind: 'gaussian', sigma: 0.1 }), new ActionNoise(1, { kind: 'gaussian', sigma: 0.1 }));
    restoreCheckpoint(ck, c);
    assert.deepEqual(
      c.noises.map((n) => n.getState().t),
      Array(4).fill(5),
    );
    for (const l of [a, b, c]) l.learner.dispose();
  });

test('checkResumable: another algorithm, env or critic normalisation is refused by name; checkpoints from before TD3 are DDPG', () => {
  const dir = tmp();
  const a = parts('ddpg', 1);
  const config = buildConfig({}, { env: 'Pendulum-v1', out: dir });
  writeCheckpoint(join(dir, 'checkpoint'), {
    config,
    counters: { step: 0, episodes: 0, updates: 0, resets: 1, wallSeconds: 0, lastEval: null },
    learner: a.learner,
    rng: a.rng,
    noises: a.noises,
    replay: null,
    actor: { envId: 'Pendulum-v1', obsDim: 3, actDim: 1, hidden: [8], low: [-2], high: [2] },
  });
  a.learner.dispose();
  const ck = readCheckpoint(dir);
  const as = (extra: Partial<TrainConfig>) => buildConfig({}, { env: 'Pendulum-v1', out: dir, ...extra });
  checkResumable(ck, as({}));
  assert.throws(
    () => checkResumable(ck, as({ algo: 'td3' })),
    (e: Error) => e instanceof CheckpointError && /is from a DDPG run and cannot continue as TD3/.test(e.message),
  );
  assert.throws(
    () => checkResumable(ck, as({ env: 'MountainCarContinuous-v0' })),
    /checkpoint is for Pendulum-v1, not MountainCarContinuous-v0/,
  );
  assert.throws(
    () => checkResumable(ck, as({ criticLayerNorm: true })),
    (e: Error) => e instanceof CheckpointError && /trained without --critic-layer-norm and cannot continue with it/.test(e.message),
  );
  // Checkpoints from before the flag have no normalisation.
  delete (ck.state.config as Partial<TrainConfig>).criticLayerNorm;
  checkResumable(ck, as({}));
  assert.throws(() => checkResumable(ck, as({ criticLayerNorm: true })), /without --critic-layer-norm/);
  ck.state.config.criticLayerNorm = true;
  assert.throws(() => checkResumable(ck, as({})), /trained with --critic-layer-norm and cannot continue without it/);
  checkResumable(ck, as({ criticLayerNorm: true }));
  ck.state.config.criticLayerNorm = false;
  delete (ck.state.config as Partial<TrainConfig>).algo;
  checkResumable(ck, as({}));
  assert.throws(() => checkResumable(ck, as({ algo: 'td3' })), /from a DDPG run/);
});

test('through train() and the CLI: a TD3 run resumes exactly; resuming it as DDPG is refused, by the CLI too', async () => {
  const dir = tmp();
  const c = (extra: Partial<TrainConfig> = {}) =>
    buildConfig(
      {},
      {
        algo: 'td3',
        env: 'Pendulum-v1',
        out: dir,
        steps: 300,
        learningStarts: 100,
        batchSize: 32,
        actorHidden: [16],
        criticHidden: [16],
        evalEvery: 0,
        checkpointEvery: 0,
        saveReplay: true,
        learnerThreads: 1,
        ...extra,
      },
    );
  await train(c(), { out: { write: () => true } });
  const first = readCheckpoint(dir);
  assert.equal(first.state.td3!.actorSteps, Math.floor(first.state.adamStep / 2));
  // Resume and stop at once: the final checkpoint is the one it started from.
  const copy = join(tmp(), 'run');
  await train({ ...c(), out: copy }, { resume: dir, out: { write: () => true }, shouldStop: () => true });
  const again = readCheckpoint(copy);
  for (const f of ['params.bin', 'target.bin', 'adam_m.bin', 'adam_v.bin', 'replay_obs.bin', 'actor.bin'])
    assert.ok(Buffer.from(again.files.get(f)!).equals(Buffer.from(first.files.get(f)!)), f);
  assert.deepEqual(again.state.td3, first.state.td3);
  assert.deepEqual(again.state.rng, first.state.rng);
  await assert.rejects(
    train(c({ algo: 'ddpg' }), { resume: dir, out: { write: () => true } }),
    /is from a TD3 run and cannot continue as DDPG/,
  );
  // The CLI: the checkpoint's config is the base, so plain --resume continues as TD3; --algo ddpg is refused.
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'agents/train.ts', '--resume', dir, '--algo', 'ddpg'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(cli.status, 1, cli.stdout + cli.stderr);
  assert.match(cli.stderr, /error: checkpoint \S+ is from a TD3 run and cannot continue as DDPG/);
  // The exported actor says which algorithm trained it, and loads like DDPG's (evaluate, rollout).
  assert.equal(JSON.parse(readFileSync(join(dir, 'checkpoint', 'actor.json'), 'utf8')).algo, 'td3');
  const policy = loadActor(dir);
  assert.equal(policy.description.algo, 'td3');
  assert.equal(policy.act([1, 0, 0]).length, 1);
});

test('through train(): a SAC run resumes exactly; its exported actor is the mean head (what evaluate and rollout load); it has no target actor', async () => {
  const dir = tmp();
  const c = buildConfig(
    {},
    {
      algo: 'sac',
      env: 'Pendulum-v1',
      out: dir,
      steps: 300,
      learningStarts: 100,
      batchSize: 32,
      actorHidden: [16],
      criticHidden: [16],
      evalEvery: 0,
      checkpointEvery: 0,
      saveReplay: true,
      learnerThreads: 1,
    },
  );
  await train(c, { out: { write: () => true } });
  const first = readCheckpoint(dir);
  assert.equal(first.state.sac!.actorSteps, 2 * Math.floor(first.state.adamStep / 2), 'two actor steps every second update');
  assert.ok(first.state.sac!.logAlpha !== 0, 'α was tuned');
  const copy = join(tmp(), 'run');
  await train({ ...c, out: copy }, { resume: dir, out: { write: () => true }, shouldStop: () => true });
  const again = readCheckpoint(copy);
  for (const f of ['params.bin', 'target.bin', 'adam_m.bin', 'adam_v.bin', 'replay_obs.bin', 'actor.bin'])
    assert.ok(Buffer.from(again.files.get(f)!).equals(Buffer.from(first.files.get(f)!)), f);
  assert.deepEqual(again.state.sac, first.state.sac);
  await assert.rejects(
    train({ ...c, algo: 'td3' }, { resume: dir, out: { write: () => true } }),
    /is from a SAC run and cannot continue as TD3/,
  );
  // The exported actor: obs → 16 → 1 with tanh, like DDPG's; the online actor picked from the checkpoint is the same policy.
  const policy = loadActor(dir);
  assert.equal(policy.description.algo, 'sac');
  assert.equal(readCheckpoint(dir).files.get('actor.bin')!.byteLength, 4 * (3 * 16 + 16 + 16 + 1));
  const online = loadActor(dir, 'online');
  for (const obs of [
    [1, 0, 0],
    [0.3, -0.9, 2],
  ])
    assert.deepEqual(online.act(obs), policy.act(obs));
  assert.throws(() => loadActor(dir, 'target'), /SAC has no target actor/);
});
