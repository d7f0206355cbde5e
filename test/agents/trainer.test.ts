import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EnvLike, ResetArgs } from '../../protocol/env-api.ts';
import { box } from '../../protocol/spaces.ts';
import { defaultRng, type NumpyGenerator } from '../../protocol/random.ts';
import { selectBackend } from '../../agents/backend.ts';
import { buildConfig, type TrainConfig } from '../../agents/config.ts';
import { train } from '../../agents/trainer.ts';
import { loadActor, saveActor, CheckpointError } from '../../agents/index.ts';
import { floatsOf } from '../../agents/checkpoint-io.ts';

before(async () => {
  await selectBackend('wasm');
});

/** A 1-D point pushed toward 0: reward −x², truncated after 40 steps, terminated when |x| > 2. Answers with promises. */
class PointEnv implements EnvLike {
  readonly observationSpace = box(-Infinity, Infinity, [2]);
  readonly actionSpace = box(-0.5, 0.5, [1]);
  readonly spec = null;
  private rng: NumpyGenerator = defaultRng(0);
  private x = 0;
  private t = 0;
  closed = false;
  async reset(args: ResetArgs = {}) {
    if (args.seed !== undefined) this.rng = defaultRng(args.seed);
    this.x = this.rng.uniform(-1, 1);
    this.t = 0;
    return { obs: Float32Array.of(this.x, 0), info: {} };
  }
  async step(action: unknown) {
    const a = (action as Float32Array)[0];
    assert.ok(a >= -0.5 && a <= 0.5, 'actions are rescaled into the Box bounds');
    this.x += 0.3 * a;
    this.t++;
    return { obs: Float32Array.of(this.x, this.t / 40), reward: -this.x * this.x, terminated: Math.abs(this.x) > 2, truncated: this.t >= 40, info: {} };
  }
  render(): never {
    throw new Error('no render');
  }
  close() {
    this.closed = true;
  }
}

const quiet = { write: () => true, isTTY: false };

function config(out: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return buildConfig(
    {},
    { env: 'Point', out, steps: 600, seed: 3, actorHidden: [32, 32], criticHidden: [32, 32], batchSize: 32, learningStarts: 100, evalEvery: 200, evalEpisodes: 2, checkpointEvery: 300, ...extra },
  );
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ddpg-test-'));
const factory = async () => new PointEnv();

test('two runs with the same seed give identical returns (2k steps), a different seed does not', async () => {
  const run = (seed: number) => train(config(tmp(), { steps: 2000, seed, evalEvery: 1000 }), { envFactory: factory, out: quiet });
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.equal(a.steps, 2000);
  assert.ok(a.updates > 1800);
  assert.deepEqual(a.episodeReturns, b.episodeReturns);
  assert.deepEqual(a.evals.map((e) => e.mean), b.evals.map((e) => e.mean));
  assert.notDeepEqual(a.episodeReturns, c.episodeReturns);
});

test('writes config, metrics, plots and a checkpoint; no tensors leak across a run', async () => {
  const dir = tmp();
  const before = tf.memory().numTensors;
  const r = await train(config(dir), { envFactory: factory, out: quiet });
  assert.equal(tf.memory().numTensors, before);
  for (const f of ['config.json', 'metrics.csv', 'metrics.jsonl', 'learning-curve.svg', 'learning-curve.png', 'checkpoint/manifest.json', 'checkpoint/actor.bin']) {
    assert.ok(existsSync(join(dir, f)), f);
  }
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.type === 'episode').length, r.episodes);
  assert.deepEqual(lines.filter((l) => l.type === 'eval').map((l) => l.step), [200, 400, 600]);
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'type,step,episode,return,length,eval_mean,eval_std,wall_seconds');
  assert.equal(csv.length, 1 + lines.length);
  const png = readFileSync(join(dir, 'learning-curve.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.match(readFileSync(join(dir, 'learning-curve.svg'), 'utf8'), /<polyline/);
});

test('resume continues from the checkpoint; a damaged checkpoint is refused with a clear error', async () => {
  const dir = tmp();
  await train(config(dir, { steps: 400, saveReplay: true }), { envFactory: factory, out: quiet });
  const resumed = await train(config(dir, { steps: 700, saveReplay: true }), { envFactory: factory, out: quiet, resume: dir });
  assert.equal(resumed.steps, 700);
  const jsonl = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const evalSteps = jsonl.filter((l) => l.type === 'eval').map((l) => l.step);
  assert.deepEqual(evalSteps, [200, 400, 600, 700]);
  const state = JSON.parse(readFileSync(join(dir, 'checkpoint', 'state.json'), 'utf8'));
  assert.equal(state.step, 700);
  assert.equal(state.replay.size, 700);
  // Flip one byte of the critic parameters.
  const p = join(dir, 'checkpoint', 'params.bin');
  const bytes = readFileSync(p);
  bytes[100] ^= 0xff;
  writeFileSync(p, bytes);
  await assert.rejects(train(config(dir, { steps: 800 }), { envFactory: factory, out: quiet, resume: dir }), (e: Error) => e instanceof CheckpointError && /params\.bin is damaged/.test(e.message));
});

test('loadActor reads a run directory and saveActor output; the policy acts within bounds', async () => {
  const dir = tmp();
  await train(config(dir, { steps: 300 }), { envFactory: factory, out: quiet });
  const policy = loadActor(dir);
  assert.equal(policy.description.obsDim, 2);
  const a = policy.act([0.5, 0]);
  assert.equal(a.length, 1);
  assert.ok(a[0] >= -0.5 && a[0] <= 0.5);
  const exported = join(tmp(), 'actor');
  saveActor(exported, policy.description, floatsOf(readFileSync(join(dir, 'checkpoint', 'actor.bin'))));
  assert.deepEqual(loadActor(exported).act([0.5, 0]), a);
});

test('smoke: a few hundred steps of Pendulum-v1 in-process', async () => {
  const dir = tmp();
  const r = await train(buildConfig({}, { env: 'Pendulum-v1', out: dir, steps: 400, learningStarts: 200, actorHidden: [32, 32], criticHidden: [32, 32], evalEvery: 400, evalEpisodes: 1 }), { out: quiet });
  assert.equal(r.episodes, 2);
  assert.ok(r.lastEval && r.lastEval.mean < 0 && r.lastEval.mean > -2000);
});
