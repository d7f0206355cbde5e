// Swimmer-v5, Reacher-v5 and Pusher-v5 against Gymnasium 1.4's definitions: registration,
// spaces, reset noise (Reacher's target and Pusher's cylinder included), observation layout,
// reward terms and the info dict, each recomputed here from MuJoCo's state.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco, type MainModule } from '../../envs/mujoco/runtime.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import {
  assertRegisteredLikeGymnasium,
  assertResetNoise,
  assertSpaces,
  close,
  dtOf,
  gymDefaults,
  makeMujoco,
  rollout,
  sumOf,
} from './mujoco-helpers.ts';

let mj: MainModule;
before(async () => {
  mj = await loadMujoco();
});

const sumSq = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x * x, 0);
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** data.xpos of the body named `name`, found by MuJoCo's own name lookup. */
function bodyXpos(env: MujocoEnv, name: string): number[] {
  const id = mj.mj_name2id(env.model, mj.mjtObj.mjOBJ_BODY.value, name);
  assert.ok(id >= 0, name);
  return Array.from((env.data.xpos as Float64Array).subarray(3 * id, 3 * id + 3));
}

for (const id of ['Swimmer-v5', 'Reacher-v5', 'Pusher-v5']) {
  test(`${id}: registration, spaces and reset noise are Gymnasium's`, async () => {
    assertRegisteredLikeGymnasium(id);
    const env = await makeMujoco<MujocoEnv>(id);
    assertSpaces(id, env);
    assertResetNoise(id, env);
    env.close();
  });
}

for (const kwargs of [
  {},
  { forward_reward_weight: 2.5, ctrl_cost_weight: 0.3, exclude_current_positions_from_observation: false, frame_skip: 3 },
]) {
  test(`Swimmer-v5 ${JSON.stringify(kwargs)}: obs, speed reward, control cost, position info; never terminates`, async () => {
    const k = { ...gymDefaults('Swimmer-v5'), ...kwargs } as Record<string, number | boolean>;
    const env = await makeMujoco<MujocoEnv>('Swimmer-v5', kwargs);
    const dt = dtOf(env, k.frame_skip as number);
    const skip = k.exclude_current_positions_from_observation ? 2 : 0;
    const { obs, info } = env.reset({ seed: 3 });
    const q = env.data.qpos as Float64Array;
    assert.deepEqual(Array.from(obs), [...q.subarray(skip), ...(env.data.qvel as Float64Array)]);
    // numpy's norm is sqrt(x . x).
    assert.deepEqual(info, { x_position: q[0], y_position: q[1], distance_from_origin: Math.sqrt(q[0] * q[0] + q[1] * q[1]) });
    rollout(env, 200, 4, ({ before, qpos, qvel, action, result }) => {
      assert.deepEqual(Array.from(result.obs), [...qpos.subarray(skip), ...qvel]);
      const { info } = result;
      assert.deepEqual(Object.keys(info).sort(), [
        'distance_from_origin',
        'reward_ctrl',
        'reward_forward',
        'x_position',
        'x_velocity',
        'y_position',
        'y_velocity',
      ]);
      assert.equal(info.x_position, qpos[0]);
      assert.equal(info.y_position, qpos[1]);
      close(info.distance_from_origin as number, Math.hypot(qpos[0], qpos[1]), 'distance_from_origin');
      close(info.x_velocity as number, (qpos[0] - before.qpos[0]) / dt, 'x_velocity');
      close(info.y_velocity as number, (qpos[1] - before.qpos[1]) / dt, 'y_velocity');
      close(info.reward_forward as number, (k.forward_reward_weight as number) * (info.x_velocity as number), 'reward_forward');
      close(info.reward_ctrl as number, -(k.ctrl_cost_weight as number) * sumSq(action), 'reward_ctrl');
      close(result.reward, sumOf(info, ['reward_forward', 'reward_ctrl']), 'reward = sum of its terms');
      assert.equal(result.terminated, false);
    });
    env.close();
  });
}

for (const kwargs of [{}, { reward_dist_weight: 2.5, reward_control_weight: 0.3 }]) {
  test(`Reacher-v5 ${JSON.stringify(kwargs)}: target inside the reach, obs, distance and control terms`, async () => {
    const k = { ...gymDefaults('Reacher-v5'), ...kwargs } as Record<string, number>;
    const env = await makeMujoco<MujocoEnv>('Reacher-v5', kwargs);
    const obsOf = (e: MujocoEnv) => {
      const q = e.data.qpos as Float64Array;
      const v = e.data.qvel as Float64Array;
      const tip = bodyXpos(e, 'fingertip');
      const target = bodyXpos(e, 'target');
      return [
        Math.cos(q[0]),
        Math.cos(q[1]),
        Math.sin(q[0]),
        Math.sin(q[1]),
        q[2],
        q[3],
        v[0],
        v[1],
        tip[0] - target[0],
        tip[1] - target[1],
      ];
    };
    for (let seed = 0; seed < 20; seed++) {
      const { obs } = env.reset({ seed });
      assert.deepEqual(Array.from(obs), obsOf(env));
      const q = env.data.qpos as Float64Array;
      assert.ok(Math.hypot(q[2], q[3]) < 0.2, 'the target is inside the reach');
      assert.deepEqual(Array.from((env.data.qvel as Float64Array).subarray(2)), [0, 0], 'the target is at rest');
    }
    rollout(env, 200, 5, ({ action, result }, e) => {
      assert.deepEqual(Array.from(result.obs), obsOf(e));
      const tip = bodyXpos(e, 'fingertip');
      const target = bodyXpos(e, 'target');
      const { info } = result;
      assert.deepEqual(Object.keys(info).sort(), ['reward_ctrl', 'reward_dist']);
      close(info.reward_dist as number, -norm(tip.map((t, i) => t - target[i])) * k.reward_dist_weight, 'reward_dist');
      close(info.reward_ctrl as number, -sumSq(action) * k.reward_control_weight, 'reward_ctrl');
      close(result.reward, sumOf(info, ['reward_dist', 'reward_ctrl']), 'reward = sum of its terms');
      assert.equal(result.terminated, false);
    });
    env.close();
  });
}

for (const kwargs of [{}, { reward_near_weight: 1.5, reward_dist_weight: 0.5, reward_control_weight: 0.7 }]) {
  test(`Pusher-v5 ${JSON.stringify(kwargs)}: cylinder away from the goal, obs, near, distance and control terms`, async () => {
    const k = { ...gymDefaults('Pusher-v5'), ...kwargs } as Record<string, number>;
    const env = await makeMujoco<MujocoEnv>('Pusher-v5', kwargs);
    const obsOf = (e: MujocoEnv) => [
      ...(e.data.qpos as Float64Array).subarray(0, 7),
      ...(e.data.qvel as Float64Array).subarray(0, 7),
      ...bodyXpos(e, 'tips_arm'),
      ...bodyXpos(e, 'object'),
      ...bodyXpos(e, 'goal'),
    ];
    const qpos0 = Array.from(env.model.qpos0 as Float64Array);
    for (let seed = 0; seed < 20; seed++) {
      const { obs } = env.reset({ seed });
      assert.deepEqual(Array.from(obs), obsOf(env));
      const q = Array.from(env.data.qpos as Float64Array);
      assert.deepEqual(q.slice(0, 7), qpos0.slice(0, 7), 'the arm starts at qpos0');
      assert.ok(Math.hypot(q[7], q[8]) > 0.17, 'the cylinder starts away from the goal');
      assert.deepEqual(q.slice(9), [0, 0], 'the goal is at the origin');
      assert.deepEqual(Array.from((env.data.qvel as Float64Array).subarray(7)), [0, 0, 0, 0], 'cylinder and goal at rest');
    }
    rollout(env, 150, 6, ({ action, result }, e) => {
      assert.deepEqual(Array.from(result.obs), obsOf(e));
      const object = bodyXpos(e, 'object');
      const tip = bodyXpos(e, 'tips_arm');
      const goal = bodyXpos(e, 'goal');
      const { info } = result;
      assert.deepEqual(Object.keys(info).sort(), ['reward_ctrl', 'reward_dist', 'reward_near']);
      close(info.reward_near as number, -norm(object.map((o, i) => o - tip[i])) * k.reward_near_weight, 'reward_near');
      close(info.reward_dist as number, -norm(object.map((o, i) => o - goal[i])) * k.reward_dist_weight, 'reward_dist');
      close(info.reward_ctrl as number, -sumSq(action) * k.reward_control_weight, 'reward_ctrl');
      close(result.reward, sumOf(info, ['reward_near', 'reward_dist', 'reward_ctrl']), 'reward = sum of its terms');
      assert.equal(result.terminated, false);
    });
    env.close();
  });
}
