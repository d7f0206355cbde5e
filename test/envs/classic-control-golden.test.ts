// Golden parity: every recorded Gymnasium 1.4 trajectory of the classic-control envs is
// replayed through make(id) and must agree at every step, exactly: the recordings hold the
// float32 observations as exact doubles, and ours are the same float32 values. Rewards are
// Python floats; Pendulum's cost is summed in another order than numpy's (last bits only:
// measured <= 1.1e-13 relative), every other env's reward is the same double.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../envs/index.ts';
import type { SpaceValue } from '../../protocol/env-api.ts';
import { assertSpace, goldenFiles, loadGolden } from './golden.ts';

const CLASSIC_IDS = ['Pendulum-v1', 'MountainCarContinuous-v0', 'CartPole-v1', 'MountainCar-v0', 'Acrobot-v1'];

/** Where two observations differ at all, or null. */
function obsDiff(got: ArrayLike<number>, want: number[]): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) return `obs[${i}] = ${got[i]}, Gymnasium ${want[i]} (got ${Array.from(got)}, want ${want})`;
  }
  return null;
}

/** Rewards: the same double, or (Pendulum) within 1e-12 relative. */
function sameReward(envId: string, got: number, want: number): boolean {
  if (envId !== 'Pendulum-v1') return Object.is(got, want);
  return Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want));
}

const files = goldenFiles().filter((f) => CLASSIC_IDS.includes(f.envId));

test('golden files exist for every classic-control id, 3 seeds each', () => {
  for (const id of CLASSIC_IDS) assert.equal(files.filter((f) => f.envId === id).length, 3, id);
});

for (const { envId, seed, file } of files) {
  test(`golden parity: ${file}`, () => {
    const golden = loadGolden(envId, seed);
    const env = make(envId);
    assert.equal(env.spec?.max_episode_steps, golden.max_episode_steps, 'max_episode_steps');
    assertSpace(env.observationSpace, golden.observation_space, 'observation_space');
    assertSpace(env.actionSpace, golden.action_space, 'action_space');

    const reset = env.reset({ seed });
    assert.ok(reset.obs instanceof Float32Array, 'obs is a Float32Array');
    const resetDiff = obsDiff(reset.obs as Float32Array, golden.reset_obs);
    assert.equal(resetDiff, null, `${file}: reset obs diverges: ${resetDiff}`);

    golden.steps.forEach((want, i) => {
      const action: SpaceValue = typeof want.action === 'number' ? want.action : Float32Array.from(want.action);
      const got = env.step(action);
      const where = `${file}: first divergence at step ${i} (action ${JSON.stringify(want.action)})`;
      const d = obsDiff(got.obs as Float32Array, want.obs);
      assert.equal(d, null, `${where}: ${d}`);
      assert.ok(sameReward(envId, got.reward, want.reward), `${where}: reward ${got.reward}, Gymnasium ${want.reward}`);
      assert.equal(got.terminated, want.terminated, `${where}: terminated`);
      assert.equal(got.truncated, want.truncated, `${where}: truncated`);
    });

    const second = env.reset();
    const secondDiff = obsDiff(second.obs as Float32Array, golden.second_reset_obs);
    assert.equal(secondDiff, null, `${file}: unseeded second reset diverges: ${secondDiff}`);
  });
}
