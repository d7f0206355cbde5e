// HalfCheetah-v5, Hopper-v5 and Walker2d-v5 against Gymnasium 1.4's definitions: defaults,
// spaces, reset noise, observation layout (velocity clipping included), reward terms, health
// and termination, each recomputed here from MuJoCo's state rather than taken from the env.
// Hopper and Walker2d are made through the registry, so their range kwargs pass make()'s checks.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco } from '../../envs/mujoco/runtime.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { HOPPER_DEFAULTS } from '../../envs/mujoco/hopper.ts';
import { WALKER2D_DEFAULTS } from '../../envs/mujoco/walker2d.ts';
import {
  assertRegisteredLikeGymnasium,
  assertResetNoise,
  assertSpaces,
  clip,
  close,
  dtOf,
  gymDefaults,
  makeLoaded,
  makeMujoco,
  RECORDED,
  rollout,
  sumOf,
  type StepView,
} from './mujoco-helpers.ts';

before(() => loadMujoco());

const sumSq = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x * x, 0);

test("HalfCheetah-v5: registration, spaces and reset noise are Gymnasium's", async () => {
  assertRegisteredLikeGymnasium('HalfCheetah-v5');
  const env = await makeMujoco<MujocoEnv>('HalfCheetah-v5');
  assertSpaces('HalfCheetah-v5', env);
  assert.equal(env.dt, dtOf(env, 5));
  assertResetNoise('HalfCheetah-v5', env);
  const { obs, info } = env.reset({ seed: 3 });
  const q = env.data.qpos as Float64Array;
  assert.deepEqual(Array.from(obs), [...q.subarray(1), ...(env.data.qvel as Float64Array)]);
  assert.deepEqual(info, { x_position: q[0] });
  env.close();
});

for (const kwargs of [{}, { forward_reward_weight: 2.5, ctrl_cost_weight: 0.7, exclude_current_positions_from_observation: false }]) {
  test(`HalfCheetah-v5 ${JSON.stringify(kwargs)}: obs, forward reward and control cost; never terminates`, async () => {
    const k = { ...gymDefaults('HalfCheetah-v5'), ...kwargs } as Record<string, number | boolean>;
    const env = await makeMujoco<MujocoEnv>('HalfCheetah-v5', kwargs);
    const dt = dtOf(env, k.frame_skip as number);
    rollout(env, 200, 4, ({ before, qpos, qvel, action, result }) => {
      assert.deepEqual(Array.from(result.obs), [...qpos.subarray(k.exclude_current_positions_from_observation ? 1 : 0), ...qvel]);
      const xVelocity = (qpos[0] - before.qpos[0]) / dt;
      const { info } = result;
      assert.deepEqual(Object.keys(info).sort(), ['reward_ctrl', 'reward_forward', 'x_position', 'x_velocity']);
      assert.equal(info.x_position, qpos[0]);
      close(info.x_velocity as number, xVelocity, 'x_velocity');
      close(info.reward_forward as number, (k.forward_reward_weight as number) * xVelocity, 'reward_forward');
      close(info.reward_ctrl as number, -(k.ctrl_cost_weight as number) * sumSq(action), 'reward_ctrl');
      close(result.reward, sumOf(info, ['reward_forward', 'reward_ctrl']), 'reward = sum of its terms');
      assert.equal(result.terminated, false);
    });
    env.close();
  });
}

interface WalkerCase {
  id: 'Hopper-v5' | 'Walker2d-v5';
  build: (o: Record<string, unknown>) => MujocoEnv;
  defaults: object;
  /** Gymnasium's is_healthy, from the state after the step and the (recorded) kwargs. */
  healthy: (s: StepView, k: Record<string, unknown>) => boolean;
}

/** Steps whose velocities went past the observation clip, per env, over the rollouts. */
const clippedSteps = new Map<string, number>();

const inRange = (x: number, r: unknown) => (r as number[])[0] < x && x < (r as number[])[1];

const WALKERS: WalkerCase[] = [
  {
    id: 'Hopper-v5',
    build: (o) => makeLoaded('Hopper-v5', o),
    defaults: HOPPER_DEFAULTS,
    healthy: ({ qpos, qvel }, k) =>
      [...qpos.subarray(2), ...qvel].every((s) => inRange(s, k.healthy_state_range)) &&
      inRange(qpos[1], k.healthy_z_range) &&
      inRange(qpos[2], k.healthy_angle_range),
  },
  {
    id: 'Walker2d-v5',
    build: (o) => makeLoaded('Walker2d-v5', o),
    defaults: WALKER2D_DEFAULTS,
    healthy: ({ qpos }, k) => inRange(qpos[1], k.healthy_z_range) && inRange(qpos[2], k.healthy_angle_range),
  },
];

for (const c of WALKERS) {
  test(`${c.id}: defaults, spaces and reset noise are Gymnasium's`, () => {
    assert.deepEqual({ ...c.defaults }, gymDefaults(c.id));
    assertRegisteredLikeGymnasium(c.id);
    const env = c.build({});
    assertSpaces(c.id, env);
    const nq = RECORDED.envs[c.id].nq;
    assert.deepEqual(env.observationSpace, {
      type: 'Box',
      shape: [2 * nq - 1],
      dtype: 'float64',
      low: env.observationSpace.type === 'Box' && env.observationSpace.low,
      high: env.observationSpace.type === 'Box' && env.observationSpace.high,
    });
    assert.equal(env.dt, dtOf(env, 4));
    assertResetNoise(c.id, env);
    const { obs, info } = env.reset({ seed: 3 });
    const q = env.data.qpos as Float64Array;
    assert.deepEqual(Array.from(obs), [...q.subarray(1), ...(env.data.qvel as Float64Array)]);
    assert.deepEqual(info, { x_position: q[0], z_distance_from_origin: q[1] - (env.model.qpos0 as Float64Array)[1] });
    env.close();
  });

  const variants: Record<string, unknown>[] = [
    {},
    {
      forward_reward_weight: 0.3,
      ctrl_cost_weight: 0.2,
      healthy_reward: 2.5,
      healthy_z_range: [1.1, 1.4],
      healthy_angle_range: [-0.1, 0.3],
    },
    { terminate_when_unhealthy: false, exclude_current_positions_from_observation: false, frame_skip: 3 },
  ];
  if (c.id === 'Hopper-v5') variants.push({ healthy_state_range: [-1.5, 1.5] });
  for (const kwargs of variants) {
    test(`${c.id} ${JSON.stringify(kwargs)}: clipped obs, reward terms, health and termination`, () => {
      const k = { ...gymDefaults(c.id), ...kwargs };
      const env = c.build(kwargs);
      const dt = dtOf(env, k.frame_skip as number);
      const qpos0 = Float64Array.from(env.model.qpos0 as Float64Array);
      const seen = { healthy: 0, unhealthy: 0, clipped: 0 };
      const check = (s: StepView) => {
        const { qpos, qvel, action, result } = s;
        const skip = k.exclude_current_positions_from_observation ? 1 : 0;
        assert.deepEqual(Array.from(result.obs), [...qpos.subarray(skip), ...[...qvel].map((v) => clip(v, -10, 10))]);
        seen.clipped += qvel.some((v) => Math.abs(v) > 10) ? 1 : 0;
        const healthy = c.healthy(s, k);
        seen[healthy ? 'healthy' : 'unhealthy']++;
        assert.equal(result.terminated, !healthy && (k.terminate_when_unhealthy as boolean), 'terminated');
        const xVelocity = (qpos[0] - s.before.qpos[0]) / dt;
        const { info } = result;
        assert.deepEqual(Object.keys(info).sort(), [
          'reward_ctrl',
          'reward_forward',
          'reward_survive',
          'x_position',
          'x_velocity',
          'z_distance_from_origin',
        ]);
        assert.equal(info.x_position, qpos[0]);
        assert.equal(info.z_distance_from_origin, qpos[1] - qpos0[1]);
        close(info.x_velocity as number, xVelocity, 'x_velocity');
        close(info.reward_forward as number, (k.forward_reward_weight as number) * xVelocity, 'reward_forward');
        close(info.reward_ctrl as number, -(k.ctrl_cost_weight as number) * sumSq(action), 'reward_ctrl');
        assert.equal(info.reward_survive, healthy ? k.healthy_reward : 0);
        close(result.reward, sumOf(info, ['reward_forward', 'reward_survive', 'reward_ctrl']), 'reward = sum of its terms');
      };
      rollout(env, 300, 5, check);
      rollout(env, 200, 6, check, true);
      assert.ok(seen.healthy > 0 && seen.unhealthy > 0, `both healthy and unhealthy steps: ${JSON.stringify(seen)}`);
      clippedSteps.set(c.id, (clippedSteps.get(c.id) ?? 0) + seen.clipped);
      env.close();
    });
  }

  test(`${c.id}: the rollouts above reached the velocity clip (so the clip is tested)`, () => {
    assert.ok((clippedSteps.get(c.id) ?? 0) > 0);
  });
}
