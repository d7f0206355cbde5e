import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EnvLike, ResetArgs } from '../../protocol/env-api.ts';
import { box } from '../../protocol/spaces.ts';
import { defaultRng, type NumpyGenerator } from '../../protocol/random.ts';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import type { TrainConfig } from '../../agents/train-config.ts';
import { evaluatePolicy } from '../../agents/evaluation.ts';
import { train } from '../../agents/trainer.ts';
import { loadActor, saveActor, CheckpointError } from '../../agents/index.ts';
import { floatsOf } from '../../agents/checkpoint-io.ts';
import { parseJson } from '../../agents/json-text.ts';

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
    return {
      obs: Float32Array.of(this.x, this.t / 40),
      reward: -this.x * this.x,
      terminated: Math.abs(this.x) > 2,
      truncated: this.t >= 40,
      info: {},
    };
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
    {
      env: 'Point',
      out,
      ...shortRun({ steps: 600, learningStarts: 100, batchSize: 32, hidden: [32, 32], evalEvery: 200, evalEpisodes: 2 }),
      seed: 3,
      checkpointEvery: 300,
      ...extra,
    },
  );
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ddpg-test-'));
const factory = async () => new PointEnv();

test("--lr-schedule linear: every update's rates are × (1 − step/steps), recorded with the stats; the run learns differently from constant rates", async () => {
  const run = async (lrSchedule: 'constant' | 'linear') => {
    const dir = tmp();
    const r = await train(config(dir, { statsEvery: 100, lrSchedule }), { envFactory: factory, out: quiet });
    return {
      r,
      stats: readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === 'stats'),
    };
  };
  const [linear, constant] = [await run('linear'), await run('constant')];
  assert.deepEqual(
    linear.stats.map((s) => s.lrScale),
    linear.stats.map((s) => 1 - s.step / 600),
  );
  assert.ok(constant.stats.every((s) => s.lrScale === undefined));
  assert.deepEqual(linear.r.episodeReturns.slice(0, 1), constant.r.episodeReturns.slice(0, 1), 'the same warm-up');
  assert.notDeepEqual(
    linear.r.evals.map((e) => e.mean),
    constant.r.evals.map((e) => e.mean),
  );
});

test('two runs with the same seed give identical returns (2k steps), a different seed does not', async () => {
  const run = (seed: number) => train(config(tmp(), { steps: 2000, seed, evalEvery: 1000 }), { envFactory: factory, out: quiet });
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.equal(a.steps, 2000);
  assert.ok(a.updates > 1800);
  assert.deepEqual(a.episodeReturns, b.episodeReturns);
  assert.deepEqual(
    a.evals.map((e) => e.mean),
    b.evals.map((e) => e.mean),
  );
  assert.notDeepEqual(a.episodeReturns, c.episodeReturns);
});

for (const algo of ['ddpg', 'td3', 'sac'] as const)
  test(`${algo}: writes config, metrics (episodes, evals, learning statistics every N updates), both plots and a checkpoint; no tensors leak`, async () => {
    const dir = tmp();
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await train(config(dir, { algo, statsEvery: 100 }), {
      envFactory: factory,
      out: { write: (s: string) => lines.push(s), isTTY: false },
    });
    assert.equal(tf.memory().numTensors, before);
    for (const f of [
      'config.json',
      'metrics.csv',
      'metrics.jsonl',
      'learning-curve.svg',
      'learning-curve.png',
      'losses.svg',
      'losses.png',
      'checkpoint/manifest.json',
      'checkpoint/actor.bin',
    ]) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.filter((l) => l.type === 'episode').length, r.episodes);
    assert.deepEqual(
      rows.filter((l) => l.type === 'eval').map((l) => l.step),
      [200, 400, 600],
    );
    // 501 updates (one after each of steps 100..600): a record at updates 100, 200, ..., 500, each with finite losses and Q.
    const stats = rows.filter((l) => l.type === 'stats');
    assert.equal(r.updates, 501);
    assert.deepEqual(
      stats.map((l) => l.updates),
      [100, 200, 300, 400, 500],
    );
    assert.deepEqual(
      stats.map((l) => l.step),
      [199, 299, 399, 499, 599],
    );
    for (const s of stats) {
      for (const k of ['criticLoss', 'actorLoss', 'q', 'updatesPerSec', 'stepsPerSec']) assert.ok(Number.isFinite(s[k]), `${k} ${s[k]}`);
      assert.equal(s.q2 !== undefined, algo !== 'ddpg', 'TD3 and SAC record their second critic');
      assert.equal(Number.isFinite(s.alpha) && Number.isFinite(s.logPi), algo === 'sac', 'SAC records α and mean log π');
    }
    // Rates over each interval: after the warm-up, one update per env step.
    assert.ok(
      stats.slice(1).every((s) => s.updatesPerSec > 0 && Math.abs(s.stepsPerSec / s.updatesPerSec - 1) < 0.05),
      'one update per step',
    );
    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    assert.equal(
      csv[0],
      'type,step,episode,return,length,eval_mean,eval_std,wall_seconds,updates,critic_loss,actor_loss,q1,q2,updates_per_s,steps_per_s,lr_scale',
    );
    assert.equal(csv.length, 1 + rows.length);
    const statsRow = csv.find((l) => l.startsWith('stats,'))!.split(',');
    assert.equal(statsRow.length, 16);
    assert.ok(
      csv.every((l) => l.split(',').length === 16),
      "every row has the header's columns",
    );
    assert.equal(statsRow[15], '', 'constant learning rates: no lr_scale');
    assert.equal(Number(statsRow[10]), stats[0].actorLoss);
    for (const f of ['learning-curve.png', 'losses.png'])
      assert.deepEqual([...readFileSync(join(dir, f)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.match(readFileSync(join(dir, 'learning-curve.svg'), 'utf8'), /<polyline/);
    const losses = readFileSync(join(dir, 'losses.svg'), 'utf8');
    assert.equal(
      (losses.match(/<polyline/g) ?? []).length,
      algo === 'ddpg' ? 3 : 4,
      'critic loss, Q (TD3, SAC: Q1 and Q2) and the actor objective',
    );
    // The progress line shows the latest statistics.
    assert.match(
      lines.join(''),
      new RegExp(
        `step 600/600 \\| \\d+ steps/s \\d+ upd/s \\| ep \\d+ last \\S+ mean20 \\S+ \\| critic \\S+ actor \\S+ Q \\S+${algo === 'ddpg' ? '' : '/\\S+'} \\| eval`,
      ),
    );
    assert.match(
      lines[0],
      {
        td3: /^learner: TD3 \(policy delay 2, target noise 0.2 clipped at 0.5\) on WebAssembly SIMD kernels/,
        sac: /^learner: SAC \(policy frequency 2, α tuned towards entropy -1\) on WebAssembly SIMD kernels/,
        ddpg: /^learner: DDPG on WebAssembly SIMD kernels/,
      }[algo],
    );
  });

test('resume continues from the checkpoint; a damaged checkpoint is refused with a clear error', async () => {
  const dir = tmp();
  await train(config(dir, { steps: 400, saveReplay: true }), { envFactory: factory, out: quiet });
  const resumed = await train(config(dir, { steps: 700, saveReplay: true }), { envFactory: factory, out: quiet, resume: dir });
  assert.equal(resumed.steps, 700);
  const jsonl = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
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
  await assert.rejects(
    train(config(dir, { steps: 800 }), { envFactory: factory, out: quiet, resume: dir }),
    (e: Error) => e instanceof CheckpointError && /params\.bin is damaged/.test(e.message),
  );
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

test('--eval-actor target: the evaluations play the target actor and the checkpoint exports it; evaluate --actor picks either', async () => {
  const dir = tmp();
  const c = config(dir, { steps: 300, evalEvery: 300, evalEpisodes: 3, evalActor: 'target' });
  const r = await train(c, { envFactory: factory, out: quiet });
  const ck = join(dir, 'checkpoint');
  const target = loadActor(dir, 'target');
  const online = loadActor(dir, 'online');
  const exportedParams = floatsOf(readFileSync(join(ck, 'actor.bin')));
  assert.deepEqual(
    exportedParams,
    floatsOf(readFileSync(join(ck, 'target.bin'))).slice(0, exportedParams.length),
    'actor.bin is the target actor',
  );
  const obs = [0.7, 0.1];
  assert.notDeepEqual(target.act(obs), online.act(obs), '200 updates at τ 0.005 leave the target actor behind the online one');
  assert.deepEqual(loadActor(dir).act(obs), target.act(obs));
  // The run's last evaluation is the target actor's, episode for episode.
  const replay = await evaluatePolicy(new PointEnv(), (o) => target.act(o), 3, c.evalSeed, 2);
  assert.deepEqual(r.lastEval?.returns, replay.returns);
  const onlineReturns = (await evaluatePolicy(new PointEnv(), (o) => online.act(o), 3, c.evalSeed, 2)).returns;
  assert.notDeepEqual(onlineReturns, replay.returns);
  assert.throws(() => loadActor(join(dir, 'no-such')), CheckpointError);
  const exported = join(tmp(), 'actor');
  saveActor(exported, target.description, exportedParams);
  assert.throws(
    () => loadActor(exported, 'online'),
    (e: Error) => e instanceof CheckpointError && /exported actor/.test(e.message),
  );
});

test('smoke: a few hundred steps of Pendulum-v1 in-process', async () => {
  const dir = tmp();
  const r = await train(
    buildConfig(
      {},
      {
        env: 'Pendulum-v1',
        out: dir,
        ...shortRun({ steps: 400, learningStarts: 200, hidden: [32, 32] }),
      },
    ),
    { out: quiet },
  );
  assert.equal(r.episodes, 2);
  assert.ok(r.lastEval && r.lastEval.mean < 0 && r.lastEval.mean > -2000);
});

test('smoke: Hopper-v5 (MuJoCo, loaded on first use) in-process with a range kwarg; config.json keeps its Infinity', async () => {
  const dir = tmp();
  const envKwargs = { healthy_z_range: [0.8, Infinity] as [number, number] };
  const r = await train(
    buildConfig(
      {},
      { env: 'Hopper-v5', out: dir, envKwargs, ...shortRun({ steps: 200, learningStarts: 100, batchSize: 16, hidden: [8] }) },
    ),
    { out: quiet },
  );
  assert.ok(r.episodes > 0 && r.lastEval !== null);
  assert.deepEqual((parseJson(readFileSync(join(dir, 'config.json'), 'utf8')) as { envKwargs: unknown }).envKwargs, envKwargs);
});
