// Dropped connections, simulated: a call rejects with connection_lost (as RemoteEnv's does when
// the socket closes; after a reconnect the env is re-made and must be reset). The trainer cuts
// the running episodes, logs them as interrupted, keeps the replay buffer and carries on — or,
// when the env stays unreachable, writes a checkpoint and fails saying how to resume.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvLike, ResetArgs } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { box } from '../../protocol/spaces.ts';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { tinyToyRun } from './short-run.ts';
import type { TrainConfig } from '../../agents/train-config.ts';
import { readCheckpoint } from '../../agents/checkpoints.ts';
import { train } from '../../agents/trainer.ts';

before(async () => {
  await selectBackend('wasm');
});

/** Episodes of `len` steps, reward 1 per step. Its `dropAt`-th step call loses the connection. */
class FlakyEnv implements EnvLike {
  readonly observationSpace = box(-100, 100, [2]);
  readonly actionSpace = box(-1, 1, [1]);
  readonly spec = null;
  private t = -1; // -1: needs a reset (a re-made env knows nothing of the old episode)
  private calls = 0;
  private lost = false;
  resets = 0;
  /** Resets with a seed: the trainer's full resets, not the autoresets (unseeded). */
  seeded = 0;
  constructor(
    readonly id: number,
    readonly len: number,
    readonly dropAt: number | null,
    readonly neverBack = false,
  ) {}
  private drop(what: string): never {
    throw new GymwireError('connection_lost', `connection to ws://test closed (1006); ${what} got no answer`);
  }
  async reset(args: ResetArgs = {}) {
    if (this.lost && this.neverBack) this.drop('reset');
    this.resets++;
    if (args.seed !== undefined && args.seed !== null) this.seeded++;
    this.t = 0;
    return { obs: Float32Array.of(this.id, 0), info: {} };
  }
  async step(_action: unknown) {
    if (this.lost && this.neverBack) this.drop('step');
    if (++this.calls === this.dropAt) {
      this.lost = true;
      this.t = -1;
      this.drop('step');
    }
    if (this.t < 0) throw new GymwireError('reset_needed', 'step before reset');
    this.t++;
    return { obs: Float32Array.of(this.id, this.t), reward: 1, terminated: false, truncated: this.t === this.len, info: {} };
  }
  render(): never {
    throw new Error('no render');
  }
  close() {}
}

const quiet = { write: () => true, isTTY: false };
function config(out: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return buildConfig(
    {},
    {
      env: 'Flaky',
      out,
      numEnvs: 2,
      ...tinyToyRun(),
      checkpointEvery: 50,
      saveReplay: true,
      ...extra,
    },
  );
}

test("a dropped connection cuts the episode it ran (logged as interrupted), the other servers' sub-envs play on, the replay buffer is kept, and training finishes", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpg-reconnect-'));
  // Sub-env 0 (episodes of 10) drops on its 27th step call; sub-env 1 is on another connection.
  const envs = [new FlakyEnv(0, 10, 27), new FlakyEnv(1, 7, null)];
  let k = 0;
  const lines: string[] = [];
  const r = await train(config(dir), { envFactory: async () => envs[k++], out: { write: (s: string) => lines.push(s) } });
  assert.equal(r.steps, 120);
  assert.equal(r.interrupted, 1);
  assert.match(
    lines.join(''),
    /connection lost at step \d+ \(connection to ws:\/\/test closed \(1006\); step got no answer\); fresh episodes on the 1 of 2 sub-envs it served/,
  );
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const cut = rows.filter((x) => x.type === 'interrupted');
  // Vector step 29 failed for sub-env 0: it had played 10, autoreset, 10, autoreset, 6 (26 transitions,
  // its third episode 6 steps in). Sub-env 1 answered that step: three times 7 + autoreset, then 5
  // (26 transitions), so the cut is logged at step 52.
  assert.deepEqual(
    cut.map((x) => [x.env, x.length, x.return, x.step, x.interrupted]),
    [[0, 6, 6, 52, true]],
  );
  // Nothing stored was lost: the buffer holds every transition of the run.
  assert.equal(readCheckpoint(dir).state.replay?.size, 120);
  // Only the lost sub-env was reset again, with a seed (initial reset + one after the drop).
  assert.deepEqual(
    envs.map((e) => e.seeded),
    [2, 1],
  );
  // Every complete episode has full length: sub-env 0's after the drop start from a reset, and
  // sub-env 1's episode under way at the drop went on to its end.
  const episodes = rows.filter((x) => x.type === 'episode');
  assert.ok(
    episodes.every((x) => x.length === (x.env === 0 ? 10 : 7)),
    JSON.stringify(episodes.map((x) => [x.env, x.length])),
  );
  // Sub-env 1 was 5 steps into an episode of 7: it ends two vector steps (of 2 env steps) later.
  assert.ok(
    episodes.some((x) => x.env === 1 && x.step === 56),
    'sub-env 1 finished the episode it was playing at the drop',
  );
  assert.ok(
    episodes.some((x) => x.env === 0 && x.step > 52),
    'sub-env 0 played again',
  );
  assert.equal(episodes.length, r.episodes);
  // The CSV has the interrupted rows too, in the existing columns.
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(
    csv.filter((l) => l.startsWith('interrupted,')).map((l) => l.split(',').slice(0, 5).join(',')),
    ['interrupted,52,,6,6'],
  );
});

test('envs whose client does not come back are opened again (with backoff) and training goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpg-reconnect-'));
  const made: FlakyEnv[] = [];
  let refused = 0;
  const factory = async () => {
    // The first two are the original envs; then the "server" refuses one connection before it is back.
    if (made.length === 2 && refused++ === 0) throw new GymwireError('connection_lost', 'cannot connect to ws://test: ECONNREFUSED');
    const env = made.length === 0 ? new FlakyEnv(0, 10, 40, true) : new FlakyEnv(made.length % 2, made.length % 2 ? 7 : 10, null);
    made.push(env);
    return env;
  };
  const lines: string[] = [];
  const r = await train(config(dir, { reconnectDelay: 0.01 }), { envFactory: factory, out: { write: (s: string) => lines.push(s) } });
  assert.equal(r.steps, 120);
  assert.equal(r.interrupted, 2);
  assert.equal(made.length, 4, 'both sub-envs opened again');
  assert.match(lines.join(''), /opening the training envs again in 0\.0 s \(attempt 2\/6\)/);
  assert.equal(readCheckpoint(dir).state.replay?.size, 120);
});

test('an env that stays unreachable: a checkpoint is written and the error says how to resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpg-reconnect-'));
  const envs = [new FlakyEnv(0, 10, 40, true), new FlakyEnv(1, 7, null)];
  let k = 0;
  const factory = async () => {
    if (k < 2) return envs[k++];
    throw new GymwireError('connection_lost', 'cannot connect to ws://test: ECONNREFUSED');
  };
  await assert.rejects(
    train(config(dir, { reconnectAttempts: 3, reconnectDelay: 0.01 }), { envFactory: factory, out: quiet }),
    (e: Error) =>
      /lost the env server and could not get it back after 3 attempts \(cannot connect to ws:\/\/test: ECONNREFUSED\); wrote a checkpoint at step (\d+) to \S+checkpoint — continue with: npm run train -- --resume/.test(
        e.message,
      ),
  );
  const ck = readCheckpoint(dir).state;
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const cut = rows.filter((x) => x.type === 'interrupted');
  assert.equal(cut.length, 2);
  // The checkpoint is from the moment of failure, not the last periodic one (at 50).
  assert.equal(ck.step, cut[0].step);
  assert.ok(ck.step > 50);
  assert.equal(ck.replay?.size, ck.step);
});
