// The TypeScript client on Gymnasium itself: `python3 -m gymwire serve` hosts the real
// Gymnasium 1.4.0 (../shared/vendor/gymnasium-1.4.0) and RemoteEnv replays Gymnasium's own
// recordings (test/fixtures/gymnasium/) for the classic-control ids exactly: the float32
// observations as recorded, the same reward doubles, the same terminated/truncated. Two toy-text
// ids, Blackjack-v1 (a Tuple observation) and FrozenLake-v1 (Discrete), are replayed against
// trajectories Gymnasium computes here (a small Python program, the recordings' action rule).
// Skipped, with the reason, without python3 or the vendored Gymnasium; under CI=true that fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '../../client/connection.ts';
import { RemoteEnv } from '../../client/remote-env.ts';
import type { SpaceValue } from '../../protocol/env-api.ts';
import { spawnServer, type ServerProcess } from '../../bench/server-process.ts';
import { assertSpace, goldenFiles, loadGolden } from '../envs/golden.ts';
import { GYMNASIUM, python, ROOT, skipGymnasium } from './find-python.ts';
import { requireOrSkip } from '../prerequisites.ts';

const CLASSIC_IDS = ['CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'Acrobot-v1'];
const TOY_IDS = ['Blackjack-v1', 'FrozenLake-v1'];
const PYTHON_ENV: NodeJS.ProcessEnv = { PYTHONPATH: `${GYMNASIUM}:${join(ROOT, 'python')}`, GYMWIRE_TOKEN: '' };

let server: ServerProcess | undefined;
let connection: Connection | undefined;

before(async () => {
  if (skipGymnasium) return;
  server = await spawnServer(python, ['-m', 'gymwire', 'serve', ...CLASSIC_IDS, ...TOY_IDS, '--port', '0'], {
    name: 'python3 -m gymwire serve',
    env: PYTHON_ENV,
    timeoutMs: 30_000,
  });
  connection = await Connection.open(server.url);
});
after(async () => {
  await connection?.close();
  await server?.stop();
});

/** Where two observations differ at all (Object.is on every value), or null. */
function obsDiff(got: unknown, want: number[]): string | null {
  if (!(got instanceof Float32Array)) return `obs is a ${Object.prototype.toString.call(got)}, not a Float32Array`;
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) return `obs[${i}] = ${got[i]}, Gymnasium ${want[i]} (got ${Array.from(got)}, want ${want})`;
  }
  return null;
}

const files = goldenFiles().filter((f) => CLASSIC_IDS.includes(f.envId));

test('python3 -m gymwire serve replays every classic-control recording (3 seeds each) exactly through the TypeScript RemoteEnv', async (t) => {
  if (requireOrSkip(t, skipGymnasium)) return;
  for (const id of CLASSIC_IDS) assert.equal(files.filter((f) => f.envId === id).length, 3, `recordings of ${id}`);
  for (const { envId, seed, file } of files) {
    await t.test(file, async () => {
      const golden = loadGolden(envId, seed);
      const env = await RemoteEnv.make(connection!, envId);
      try {
        assert.equal(env.spec.max_episode_steps, golden.max_episode_steps, 'max_episode_steps');
        assertSpace(env.observationSpace, golden.observation_space, 'observation_space');
        assertSpace(env.actionSpace, golden.action_space, 'action_space');
        const reset = await env.reset({ seed });
        assert.equal(obsDiff(reset.obs, golden.reset_obs), null, `${file}: reset obs`);
        for (const [i, want] of golden.steps.entries()) {
          const action: SpaceValue = typeof want.action === 'number' ? want.action : Float32Array.from(want.action);
          const got = await env.step(action);
          const where = `${file}: step ${i} (action ${JSON.stringify(want.action)})`;
          assert.equal(obsDiff(got.obs, want.obs), null, `${where}: obs`);
          assert.ok(Object.is(got.reward, want.reward), `${where}: reward ${got.reward}, Gymnasium ${want.reward}`);
          assert.equal(got.terminated, want.terminated, `${where}: terminated`);
          assert.equal(got.truncated, want.truncated, `${where}: truncated`);
        }
        const second = await env.reset();
        assert.equal(obsDiff(second.obs, golden.second_reset_obs), null, `${file}: unseeded second reset`);
      } finally {
        await env.close();
      }
    });
  }
});

interface ToyTrajectory {
  env_id: string;
  seed: number;
  reset_obs: number | number[];
  steps: { action: number; obs: number | number[]; reward: number; terminated: boolean; truncated: boolean }[];
  second_reset_obs: number | number[];
}

/**
 * Gymnasium's own trajectories of `ids`, seeds 0-9, computed here: reset(seed), then actions
 * start + default_rng(10_000 + seed).integers(n) until the episode ends (at most 200 steps),
 * then an unseeded reset; observations as JSON (a Tuple as a list of ints).
 */
function toyTrajectories(ids: string[]): ToyTrajectory[] {
  const program = `
import json, sys
import gymnasium as gym
import numpy as np

def plain(o):
    return [int(x) for x in o] if isinstance(o, tuple) else int(o)

out = []
for env_id in sys.argv[1:]:
    for seed in range(10):
        env = gym.make(env_id)
        rng = np.random.default_rng(10_000 + seed)
        obs, _ = env.reset(seed=seed)
        rec = {"env_id": env_id, "seed": seed, "reset_obs": plain(obs), "steps": []}
        for _ in range(200):
            a = int(env.action_space.start + rng.integers(env.action_space.n))
            obs, r, term, trunc, _ = env.step(a)
            rec["steps"].append({"action": a, "obs": plain(obs), "reward": float(r), "terminated": bool(term), "truncated": bool(trunc)})
            if term or trunc:
                break
        rec["second_reset_obs"] = plain(env.reset()[0])
        out.append(rec)
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(python, ['-c', program, ...ids], { encoding: 'utf8', env: { ...process.env, ...PYTHON_ENV } }));
}

test("toy text through the TypeScript RemoteEnv: Blackjack-v1 (Tuple observation) and FrozenLake-v1 (Discrete) replay Gymnasium's trajectories", async (t) => {
  if (requireOrSkip(t, skipGymnasium)) return;
  const trajectories = toyTrajectories(TOY_IDS);
  assert.equal(trajectories.length, TOY_IDS.length * 10);
  for (const traj of trajectories) {
    await t.test(`${traj.env_id} seed ${traj.seed} (${traj.steps.length} steps)`, async () => {
      const env = await RemoteEnv.make(connection!, traj.env_id);
      try {
        if (traj.env_id === 'Blackjack-v1') {
          assert.deepEqual(env.observationSpace, {
            type: 'Tuple',
            spaces: [32, 11, 2].map((n) => ({ type: 'Discrete', n, start: 0 })),
          });
        } else assert.deepEqual(env.observationSpace, { type: 'Discrete', n: 16, start: 0 });
        assert.deepEqual((await env.reset({ seed: traj.seed })).obs, traj.reset_obs, 'reset obs');
        for (const [i, want] of traj.steps.entries()) {
          const got = await env.step(want.action);
          const where = `step ${i} (action ${want.action})`;
          assert.deepEqual(got.obs, want.obs, `${where}: obs`);
          assert.ok(Object.is(got.reward, want.reward), `${where}: reward ${got.reward}, Gymnasium ${want.reward}`);
          assert.equal(got.terminated, want.terminated, `${where}: terminated`);
          assert.equal(got.truncated, want.truncated, `${where}: truncated`);
        }
        assert.deepEqual((await env.reset()).obs, traj.second_reset_obs, 'unseeded second reset');
      } finally {
        await env.close();
      }
    });
  }
});
