// Multi-env collection: episodes attributed to the right sub-env across NEXT_STEP autoresets,
// no autoreset transition in the replay buffer, steps and updates counted per transition.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env, ResetArgs } from '../../protocol/env-api.ts';
import { box } from '../../protocol/spaces.ts';
import { SyncVectorEnv } from '../../envs/vector/index.ts';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig, serverUrls } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import type { TrainConfig } from '../../agents/train-config.ts';
import { train } from '../../agents/trainer.ts';
import { spreadEnvs } from '../../agents/env-group.ts';
import { readSnapshot, floatsOf } from '../../agents/checkpoint-io.ts';
import { CHECKPOINT_FORMAT } from '../../agents/actor-io.ts';

before(async () => {
  await selectBackend('wasm');
});

/**
 * Sub-env `id` plays episodes of exactly `len` steps; the reward of step t (1-based) is
 * 100·(id+1) + t, so every return says which env played it. Even ids terminate, odd ids
 * truncate. obs = [id, t]; the reset obs has t = 0.
 */
class Ladder implements Env {
  readonly observationSpace = box(-1000, 1000, [2]);
  readonly actionSpace = box(-2, 2, [1]);
  readonly spec = null;
  private t = 0;
  constructor(
    readonly id: number,
    readonly len: number,
  ) {}
  reset(_args: ResetArgs = {}) {
    this.t = 0;
    return { obs: Float32Array.of(this.id, 0), info: {} };
  }
  step(action: unknown) {
    const a = (action as Float32Array)[0];
    assert.ok(a >= -2 && a <= 2, `action ${a} within bounds`);
    assert.ok(this.t < this.len, 'never stepped past the end of an episode');
    this.t++;
    const end = this.t === this.len;
    return {
      obs: Float32Array.of(this.id, this.t),
      reward: 100 * (this.id + 1) + this.t,
      terminated: end && this.id % 2 === 0,
      truncated: end && this.id % 2 === 1,
      info: {},
    };
  }
  render(): never {
    throw new Error('no render');
  }
  close() {}
}

const LENS = [3, 5, 8];
const quiet = { write: () => true, isTTY: false };
const tmp = () => mkdtempSync(join(tmpdir(), 'ddpg-vec-'));
/** The run's episode lines in metrics.jsonl. */
const episodeRows = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'episode');

function config(out: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return buildConfig(
    {},
    {
      env: 'Ladder',
      out,
      numEnvs: LENS.length,
      steps: 100,
      seed: 1,
      actorHidden: [8],
      criticHidden: [8],
      batchSize: 16,
      learningStarts: 20,
      updatesPerStep: 2,
      evalEvery: 0,
      checkpointEvery: 0,
      saveReplay: true,
      noise: 'ou',
      noiseSigma: 0.3,
      ...extra,
    },
  );
}

/** An independent model of NEXT_STEP collection: which transitions and episodes a run of `steps` yields. */
function groundTruth(steps: number, learningStarts: number, batchSize: number, updatesPerStep: number) {
  const episodes: { env: number; return: number; length: number; step: number }[] = [];
  const pos = LENS.map(() => 0); // 0..len-1: next step is a transition; len: next step is the autoreset
  const ret = LENS.map(() => 0);
  let step = 0;
  let updates = 0;
  while (step < steps) {
    let added = 0;
    LENS.forEach((len, i) => {
      if (pos[i] === len) {
        pos[i] = 0;
        ret[i] = 0;
        return;
      }
      if (step >= steps) return;
      pos[i]++;
      step++;
      added++;
      ret[i] += 100 * (i + 1) + pos[i];
      if (pos[i] === len) episodes.push({ env: i, return: ret[i], length: len, step });
    });
    if (step >= learningStarts && step >= batchSize) updates += added * updatesPerStep;
  }
  return { episodes, updates };
}

const makeGroup = () => new SyncVectorEnv(LENS.map((len, i) => () => new Ladder(i, len)));

test('episodes are attributed to their sub-env across autoresets; autoreset steps are neither stored nor counted', async () => {
  const dir = tmp();
  const r = await train(config(dir), { vectorEnvFactory: async () => [makeGroup()], out: quiet });
  const truth = groundTruth(100, 20, 16, 2);
  assert.equal(r.steps, 100);
  assert.equal(r.numEnvs, 3);
  assert.equal(r.updates, truth.updates);
  const rows = episodeRows(dir);
  assert.deepEqual(
    rows.map((e) => ({ env: e.env, return: e.return, length: e.length, step: e.step })),
    truth.episodes,
  );
  assert.deepEqual(
    rows.map((e) => e.episode),
    truth.episodes.map((_, k) => k + 1),
  );
  assert.equal(r.episodes, truth.episodes.length);

  // The replay buffer holds exactly the 100 transitions, each a real step: t → t+1 within one env's episode.
  const files = readSnapshot(join(dir, 'checkpoint'), CHECKPOINT_FORMAT);
  const state = JSON.parse(new TextDecoder().decode(files.get('state.json')));
  assert.equal(state.replay.size, 100);
  const obs = floatsOf(files.get('replay_obs.bin')!);
  const next = floatsOf(files.get('replay_next_obs.bin')!);
  const rewards = floatsOf(files.get('replay_rewards.bin')!);
  const terminated = floatsOf(files.get('replay_terminated.bin')!);
  const perEnv = LENS.map(() => 0);
  for (let k = 0; k < 100; k++) {
    const id = obs[2 * k];
    const t = obs[2 * k + 1];
    assert.equal(next[2 * k], id, `transition ${k} stays in one env`);
    assert.equal(next[2 * k + 1], t + 1, `transition ${k} is a step, not an autoreset (t ${t} → ${next[2 * k + 1]})`);
    assert.equal(rewards[k], 100 * (id + 1) + t + 1);
    const end = t + 1 === LENS[id];
    assert.equal(terminated[k], end && id % 2 === 0 ? 1 : 0, 'terminated stored, truncation not');
    perEnv[id]++;
  }
  // Round-robin collection: every env contributes in proportion to its share of non-reset steps.
  assert.ok(
    perEnv.every((n) => n > 20),
    `every sub-env contributed: ${perEnv}`,
  );
  // One OU state per sub-env.
  assert.equal(state.noise.length, 3);
});

test('N single envs (autoreset done by the trainer) train exactly like a SyncVectorEnv of them; same seed, same run', async () => {
  let made = 0;
  const single = await train(config(tmp()), { envFactory: async () => new Ladder(made, LENS[made++]), out: quiet });
  const vector = await train(config(tmp()), { vectorEnvFactory: async () => [makeGroup()], out: quiet });
  const again = await train(config(tmp()), { vectorEnvFactory: async () => [makeGroup()], out: quiet });
  assert.equal(made, 3);
  assert.deepEqual(single.episodeReturns, vector.episodeReturns);
  assert.equal(single.updates, vector.updates);
  assert.deepEqual(vector, { ...again, wallSeconds: vector.wallSeconds });
});

test('--num-envs 4 on Pendulum-v1 in-process: 1000 transitions, 4 episodes of 200, 4 x updates per vector step', async () => {
  const dir = tmp();
  const r = await train(
    buildConfig(
      { 'num-envs': '4' },
      {
        env: 'Pendulum-v1',
        out: dir,
        ...shortRun({ steps: 1000, learningStarts: 200, batchSize: 64, hidden: [16, 16] }),
        checkpointEvery: 0,
      },
    ),
    { out: quiet },
  );
  assert.equal(r.numEnvs, 4);
  assert.equal(r.steps, 1000);
  // Each sub-env: 200 steps, an autoreset step, then 50 more; four 200-step episodes end on vector step 200.
  assert.equal(r.episodes, 4);
  const rows = episodeRows(dir);
  assert.deepEqual(
    rows.map((e) => [e.env, e.length, e.step]),
    [
      [0, 200, 797],
      [1, 200, 798],
      [2, 200, 799],
      [3, 200, 800],
    ],
  );
  // Updates start on the vector step that reaches 200 stored transitions (197..200), one per transition.
  assert.equal(r.updates, 1000 - 196);
  assert.ok(r.lastEval && r.lastEval.mean < 0);
  // Distinct seeds per sub-env: the four first episodes differ.
  assert.equal(new Set(r.episodeReturns).size, 4);
});

test('--url may be repeated; sub-envs are spread evenly over the servers', () => {
  const c = buildConfig({ url: ['ws://a:1', 'ws://b:2'], 'num-envs': '5' });
  assert.deepEqual(serverUrls(c), ['ws://a:1', 'ws://b:2']);
  assert.deepEqual(spreadEnvs(5, 2), [3, 2]);
  assert.deepEqual(spreadEnvs(3, 3), [1, 1, 1]);
  assert.deepEqual(serverUrls(buildConfig({ url: ['ws://a:1'] })), ['ws://a:1']);
  assert.deepEqual(serverUrls(buildConfig({})), []);
  assert.throws(() => buildConfig({ url: ['ws://a:1', 'ws://b:2'] }), /numEnvs: 1 is fewer than the 2 servers/);
  assert.throws(() => buildConfig({ url: ['http://a:1'] }), /--url/);
  assert.throws(() => buildConfig({ 'num-envs': '0' }), /numEnvs/);
});
