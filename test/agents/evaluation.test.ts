// Evaluation alone (evaluation.ts): seeded episodes, mean ± std, and the restart when a dropped
// connection cuts an evaluation (re-opening the env from the second try, giving up after three).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvLike, ResetArgs } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { box } from '../../protocol/spaces.ts';
import { evaluatePolicy, evaluateWithRetry } from '../../agents/evaluation.ts';

/** Episode return = its reset seed (one step of reward seed); fails its first `drops` step calls with a lost connection. */
class SeedEnv implements EnvLike {
  readonly observationSpace = box(-1, 1, [1]);
  readonly actionSpace = box(-1, 1, [1]);
  readonly spec = null;
  seeds: number[] = [];
  private seed = 0;
  constructor(
    private drops = 0,
    private readonly error: 'connection_lost' | 'internal' = 'connection_lost',
  ) {}
  async reset(args: ResetArgs = {}) {
    this.seed = args.seed ?? -1;
    this.seeds.push(this.seed);
    return { obs: Float32Array.of(0), info: {} };
  }
  async step() {
    if (this.drops > 0) {
      this.drops--;
      throw new GymwireError(this.error, 'connection to ws://test closed (1006)');
    }
    return { obs: Float32Array.of(0), reward: this.seed, terminated: true, truncated: false, info: {} };
  }
  render(): never {
    throw new Error('no render');
  }
  close() {}
}

const act = () => Float32Array.of(0);
/** evaluateWithRetry's options for one seed-0 episode, the log dropped. */
const oneEpisode = { act, episodes: 1, seed: 0, obsDim: 1, log: () => {} };

test('evaluatePolicy plays episodes seeded seed0 + i and returns mean and population std', async () => {
  const env = new SeedEnv();
  const r = await evaluatePolicy(env, act, 4, 10, 1);
  assert.deepEqual(env.seeds, [10, 11, 12, 13]);
  assert.deepEqual(r.returns, [10, 11, 12, 13]);
  assert.equal(r.mean, 11.5);
  assert.equal(r.std, Math.sqrt(1.25));
});

test('evaluateWithRetry: a cut evaluation starts again (same episodes); from the second try the env is re-opened first; after three it gives up', async () => {
  const run = async (drops: number) => {
    let env = new SeedEnv(drops);
    const log: string[] = [];
    let reopened = 0;
    const r = await evaluateWithRetry({
      env: () => env,
      reopen: async () => {
        reopened++;
        env = new SeedEnv(0);
      },
      act,
      episodes: 3,
      seed: 5,
      obsDim: 1,
      log: (s) => log.push(s),
      giveUp: (e) => new Error(`gave up: ${e.message}`),
    });
    return { r, log, reopened };
  };
  const once = await run(1);
  assert.deepEqual(once.r.returns, [5, 6, 7]);
  assert.equal(once.reopened, 0, 'the first restart trusts the client to have reconnected');
  assert.match(once.log[0], /evaluation interrupted \(connection to ws:\/\/test closed \(1006\)\); starting it again/);
  const twice = await run(2);
  assert.deepEqual(twice.r.returns, [5, 6, 7]);
  assert.equal(twice.reopened, 1, 'cut twice: the env is opened again and the third try uses it');
  // An env that drops every evaluation: given up after the third try.
  let reopened = 0;
  await assert.rejects(
    evaluateWithRetry({
      env: () => new SeedEnv(1),
      reopen: async () => void reopened++,
      ...oneEpisode,
      giveUp: (e) => new Error(`gave up: ${e.message}`),
    }),
    /gave up: connection to ws:\/\/test closed/,
  );
  assert.equal(reopened, 1);
});

test('evaluateWithRetry: other errors pass through at once; a failed re-open gives up', async () => {
  await assert.rejects(
    evaluateWithRetry({
      env: () => new SeedEnv(1, 'internal'),
      reopen: async () => assert.fail('no reopen'),
      ...oneEpisode,
      giveUp: () => new Error('no'),
    }),
    (e: GymwireError) => e.code === 'internal',
  );
  await assert.rejects(
    evaluateWithRetry({
      env: () => new SeedEnv(5),
      reopen: async () => {
        throw new GymwireError('connection_lost', 'still down');
      },
      ...oneEpisode,
      giveUp: (e) => new Error(`gave up: ${e.message}`),
    }),
    /gave up: still down/,
  );
});
