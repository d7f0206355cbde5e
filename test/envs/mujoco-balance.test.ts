// InvertedPendulum-v5 and InvertedDoublePendulum-v5 against Gymnasium 1.4's definitions:
// registration, spaces, reset noise, observation layout (clipping included), reward terms and
// termination, each recomputed here from MuJoCo's state rather than taken from the env.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco } from '../../envs/mujoco/runtime.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import {
  assertRegisteredLikeGymnasium,
  assertResetNoise,
  assertSpaces,
  clip,
  close,
  makeMujoco,
  rollout,
  sumOf,
} from './mujoco-helpers.ts';

before(() => loadMujoco());

test("InvertedPendulum-v5: registration, spaces and reset noise are Gymnasium's", async () => {
  assertRegisteredLikeGymnasium('InvertedPendulum-v5');
  const env = await makeMujoco<MujocoEnv>('InvertedPendulum-v5');
  assertSpaces('InvertedPendulum-v5', env);
  assert.equal(env.dt, 0.04);
  assertResetNoise('InvertedPendulum-v5', env);
  assert.deepEqual(Array.from(env.reset({ seed: 3 }).obs), Array.from(env.stateVector()));
  env.close();
});

test('InvertedPendulum-v5: obs is [qpos, qvel]; +1 while the pole is within 0.2 rad, terminated beyond', async () => {
  const env = await makeMujoco<MujocoEnv>('InvertedPendulum-v5');
  let ended = 0;
  rollout(env, 300, 1, ({ qpos, qvel, result }) => {
    assert.deepEqual(Array.from(result.obs), [...qpos, ...qvel]);
    const fallen = Math.abs(qpos[1]) > 0.2;
    assert.equal(result.terminated, fallen);
    assert.equal(result.reward, fallen ? 0 : 1);
    assert.deepEqual(result.info, { reward_survive: result.reward });
    ended += fallen ? 1 : 0;
  });
  assert.ok(ended > 3, 'episodes ended by the pole falling');
  env.close();
});

/** Gymnasium's IDP observation, from MuJoCo's state. */
function idpObs(env: MujocoEnv): number[] {
  const q = env.data.qpos as Float64Array;
  const v = env.data.qvel as Float64Array;
  const f = env.data.qfrc_constraint as Float64Array;
  return [
    q[0],
    Math.sin(q[1]),
    Math.sin(q[2]),
    Math.cos(q[1]),
    Math.cos(q[2]),
    ...[...v].map((x) => clip(x, -10, 10)),
    clip(f[0], -10, 10),
  ];
}

test("InvertedDoublePendulum-v5: registration, spaces and reset noise are Gymnasium's", async () => {
  assertRegisteredLikeGymnasium('InvertedDoublePendulum-v5');
  const env = await makeMujoco<MujocoEnv>('InvertedDoublePendulum-v5');
  assertSpaces('InvertedDoublePendulum-v5', env);
  assert.equal(env.dt, 0.05);
  assertResetNoise('InvertedDoublePendulum-v5', env);
  assert.deepEqual(Array.from(env.reset({ seed: 3 }).obs), idpObs(env));
  env.close();
});

for (const healthyReward of [10, 3.5]) {
  test(`InvertedDoublePendulum-v5 (healthy_reward ${healthyReward}): clipped obs, penalties on the tip and hinge speeds, ends at y <= 1`, async () => {
    const env = await makeMujoco<MujocoEnv>('InvertedDoublePendulum-v5', healthyReward === 10 ? {} : { healthy_reward: healthyReward });
    let clipped = 0;
    let ended = 0;
    rollout(env, 400, 2, ({ qvel, result }, e) => {
      const obs = idpObs(e);
      assert.deepEqual(Array.from(result.obs), obs);
      clipped += qvel.some((v) => Math.abs(v) > 10) || Math.abs((e.data.qfrc_constraint as Float64Array)[0]) > 10 ? 1 : 0;
      const tip = e.data.site_xpos as Float64Array;
      const [x, y] = [tip[0], tip[2]];
      assert.equal(result.terminated, y <= 1);
      ended += y <= 1 ? 1 : 0;
      const { info } = result;
      assert.equal(info.reward_survive, y <= 1 ? 0 : healthyReward);
      close(info.distance_penalty as number, -(0.01 * x * x + (y - 2) ** 2), 'distance_penalty');
      close(info.velocity_penalty as number, -(1e-3 * qvel[1] ** 2 + 5e-3 * qvel[2] ** 2), 'velocity_penalty');
      close(result.reward, sumOf(info, ['reward_survive', 'distance_penalty', 'velocity_penalty']), 'reward = sum of its terms');
      assert.deepEqual(Object.keys(info).sort(), ['distance_penalty', 'reward_survive', 'velocity_penalty']);
    });
    assert.ok(ended > 3, 'episodes ended by the tip dropping');
    // Stepping on past the end: the poles swing and the cart hits its rails.
    rollout(
      env,
      300,
      3,
      ({ qvel, result }, e) => {
        assert.deepEqual(Array.from(result.obs), idpObs(e));
        clipped += qvel.some((v) => Math.abs(v) > 10) || Math.abs((e.data.qfrc_constraint as Float64Array)[0]) > 10 ? 1 : 0;
      },
      true,
    );
    assert.ok(clipped > 0, 'some observation was clipped');
    env.close();
  });
}
