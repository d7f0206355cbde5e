// Ant-v5 against Gymnasium 1.4's definition: defaults, spaces, reset noise, observation layout
// (clipped contact forces included), reward terms, health (closed z range) and termination,
// each recomputed here from MuJoCo's state. Made through the registry (its kwarg checks
// included), but for main_body given as a name: Gymnasium takes one, the registration an index.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco } from '../../envs/mujoco/runtime.ts';
import { box } from '../../protocol/spaces.ts';
import { AntEnv, ANT_DEFAULTS } from '../../envs/mujoco/ant.ts';
import {
  assertRegisteredLikeGymnasium,
  assertResetNoise,
  assertSpaces,
  clip,
  close,
  dtOf,
  gymDefaults,
  makeLoaded,
  rollout,
  sumOf,
  type StepView,
} from './mujoco-helpers.ts';

before(() => loadMujoco());

const sumSq = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x * x, 0);

test("Ant-v5: defaults, spaces and reset noise are Gymnasium's", () => {
  assert.deepEqual({ ...ANT_DEFAULTS }, gymDefaults('Ant-v5'));
  assertRegisteredLikeGymnasium('Ant-v5');
  const env = makeLoaded<AntEnv>('Ant-v5');
  assertSpaces('Ant-v5', env);
  assert.equal(env.model.nbody, 14);
  assert.deepEqual(env.observationSpace, box(-Infinity, Infinity, [105], 'float64'));
  assert.deepEqual(env.actionSpace.type === 'Box' && [env.actionSpace.shape, env.actionSpace.dtype], [[8], 'float32']);
  assert.equal(env.dt, dtOf(env, 5));
  assertResetNoise('Ant-v5', env);
  const { obs, info } = env.reset({ seed: 3 });
  const q = env.data.qpos as Float64Array;
  // After a reset MuJoCo has computed no contact forces yet: the observation ends in zeros.
  assert.deepEqual(Array.from(obs), [...q.subarray(2), ...(env.data.qvel as Float64Array), ...new Array(78).fill(0)]);
  assert.deepEqual(info, { x_position: q[0], y_position: q[1], distance_from_origin: Math.sqrt(q[0] * q[0] + q[1] * q[1]) });
  env.close();
});

const variants: Record<string, unknown>[] = [
  {},
  {
    forward_reward_weight: 2,
    ctrl_cost_weight: 0.1,
    contact_cost_weight: 0.01,
    healthy_reward: 3,
    healthy_z_range: [0.4, 0.9],
    contact_force_range: [-0.5, 2],
    main_body: 'torso',
  },
  {
    terminate_when_unhealthy: false,
    exclude_current_positions_from_observation: false,
    include_cfrc_ext_in_observation: false,
    frame_skip: 3,
  },
  { healthy_z_range: [0.3, 0.8], contact_force_range: [-2, 0.5], main_body: 1 },
];

for (const kwargs of variants) {
  test(`Ant-v5 ${JSON.stringify(kwargs)}: obs with clipped contact forces, reward terms, health and termination`, () => {
    const k = { ...gymDefaults('Ant-v5'), ...kwargs } as Record<string, unknown>;
    const [zLo, zHi] = k.healthy_z_range as number[];
    const [fLo, fHi] = k.contact_force_range as number[];
    const env = typeof kwargs.main_body === 'string' ? new AntEnv(kwargs) : makeLoaded<AntEnv>('Ant-v5', kwargs);
    const dt = dtOf(env, k.frame_skip as number);
    const seen = { healthy: 0, unhealthy: 0, contact: 0, clipped: 0 };
    const check = ({ before, qpos, qvel, action, result }: StepView) => {
      const cfrc = Array.from(env.data.cfrc_ext as Float64Array);
      const forces = cfrc.map((f) => clip(f, fLo, fHi));
      seen.contact += cfrc.some((f) => f !== 0) ? 1 : 0;
      seen.clipped += cfrc.some((f) => f < fLo || f > fHi) ? 1 : 0;
      const position = qpos.subarray(k.exclude_current_positions_from_observation ? 2 : 0);
      const expected = [...position, ...qvel, ...(k.include_cfrc_ext_in_observation ? forces.slice(6) : [])];
      assert.deepEqual(Array.from(result.obs), expected);
      const healthy = [...qpos, ...qvel].every(Number.isFinite) && zLo <= qpos[2] && qpos[2] <= zHi;
      seen[healthy ? 'healthy' : 'unhealthy']++;
      assert.equal(result.terminated, !healthy && (k.terminate_when_unhealthy as boolean));
      const { info } = result;
      assert.deepEqual(Object.keys(info).sort(), [
        'distance_from_origin',
        'reward_contact',
        'reward_ctrl',
        'reward_forward',
        'reward_survive',
        'x_position',
        'x_velocity',
        'y_position',
        'y_velocity',
      ]);
      // The main body is the torso, body 1; its data.xpos is from MuJoCo's last forward pass,
      // one physics step behind qpos, as Gymnasium reads it.
      const xpos = env.data.xpos as Float64Array;
      close(info.x_velocity as number, (xpos[3] - before.xpos[3]) / dt, 'x_velocity');
      close(info.y_velocity as number, (xpos[4] - before.xpos[4]) / dt, 'y_velocity');
      assert.equal(info.x_position, qpos[0]);
      assert.equal(info.y_position, qpos[1]);
      close(info.reward_forward as number, (info.x_velocity as number) * (k.forward_reward_weight as number), 'reward_forward');
      close(info.reward_ctrl as number, -(k.ctrl_cost_weight as number) * sumSq(action), 'reward_ctrl');
      close(info.reward_contact as number, -(k.contact_cost_weight as number) * sumSq(forces), 'reward_contact');
      assert.equal(info.reward_survive, healthy ? k.healthy_reward : 0);
      close(result.reward, sumOf(info, ['reward_forward', 'reward_survive', 'reward_ctrl', 'reward_contact']), 'reward = sum of its terms');
    };
    rollout(env, 150, 7, check);
    rollout(env, 100, 8, check, true);
    assert.ok(seen.healthy > 0 && seen.unhealthy > 0, `both healthy and unhealthy steps: ${JSON.stringify(seen)}`);
    assert.ok(seen.contact > 0 && seen.clipped > 0, `contact forces, some past the clip: ${JSON.stringify(seen)}`);
    env.close();
  });
}
