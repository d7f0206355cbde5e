// Humanoid-v5 and HumanoidStandup-v5 against Gymnasium 1.4's definitions: defaults, spaces,
// reset noise, the observation (cinert, cvel, qfrc_actuator, cfrc_ext parts), reward terms and
// their clipping, health and termination, each recomputed here from MuJoCo's state. Made
// through the registry, so their range kwargs pass make()'s checks.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco } from '../../envs/mujoco/runtime.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { HUMANOID_DEFAULTS } from '../../envs/mujoco/humanoid.ts';
import { HUMANOID_STANDUP_DEFAULTS } from '../../envs/mujoco/humanoid-standup.ts';
import { box } from '../../protocol/spaces.ts';
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
const arr = (env: MujocoEnv, name: 'qpos' | 'qvel' | 'cinert' | 'cvel' | 'qfrc_actuator' | 'cfrc_ext') =>
  Array.from(env.data[name] as Float64Array);

/** Gymnasium's humanoid observation for these kwargs, from MuJoCo's arrays. */
function observation(env: MujocoEnv, k: Record<string, unknown>): number[] {
  return [
    ...arr(env, 'qpos').slice(k.exclude_current_positions_from_observation ? 2 : 0),
    ...arr(env, 'qvel'),
    ...(k.include_cinert_in_observation ? arr(env, 'cinert').slice(10) : []),
    ...(k.include_cvel_in_observation ? arr(env, 'cvel').slice(6) : []),
    ...(k.include_qfrc_actuator_in_observation ? arr(env, 'qfrc_actuator').slice(6) : []),
    ...(k.include_cfrc_ext_in_observation ? arr(env, 'cfrc_ext').slice(6) : []),
  ];
}

/** Gymnasium's mass_center (x, y), from body_mass and xipos. */
function massCenter(env: MujocoEnv, xipos: Float64Array): [number, number] {
  const mass = Array.from(env.model.body_mass as Float64Array);
  const total = mass.reduce((a, b) => a + b, 0);
  return [0, 1].map((j) => mass.reduce((s, m, b) => s + m * xipos[3 * b + j], 0) / total) as [number, number];
}

const CASES = [
  { id: 'Humanoid-v5', build: (o: Record<string, unknown>) => makeLoaded('Humanoid-v5', o), defaults: HUMANOID_DEFAULTS },
  {
    id: 'HumanoidStandup-v5',
    build: (o: Record<string, unknown>) => makeLoaded('HumanoidStandup-v5', o),
    defaults: HUMANOID_STANDUP_DEFAULTS,
  },
];

for (const c of CASES) {
  test(`${c.id}: defaults, spaces and reset noise are Gymnasium's`, () => {
    assert.deepEqual({ ...c.defaults }, gymDefaults(c.id));
    assertRegisteredLikeGymnasium(c.id);
    const env = c.build({});
    assertSpaces(c.id, env);
    assert.deepEqual(env.observationSpace, box(-Infinity, Infinity, [348], 'float64'));
    assert.deepEqual(env.actionSpace.type === 'Box' && env.actionSpace.shape, [17]);
    assert.equal(env.dt, dtOf(env, 5));
    assertResetNoise(c.id, env);
    const { obs } = env.reset({ seed: 3 });
    assert.deepEqual(Array.from(obs), observation(env, gymDefaults(c.id)));
    env.close();
  });
}

const PARTS_OFF = {
  exclude_current_positions_from_observation: false,
  include_cinert_in_observation: false,
  include_cvel_in_observation: false,
  include_qfrc_actuator_in_observation: false,
  frame_skip: 3,
};

const HUMANOID_VARIANTS: Record<string, unknown>[] = [
  {},
  { forward_reward_weight: 2, ctrl_cost_weight: 0.3, contact_cost_weight: 1e-3, contact_cost_range: [-Infinity, 0.05], healthy_reward: 2 },
  { ...PARTS_OFF, terminate_when_unhealthy: false, healthy_z_range: [1.2, 1.5] },
];
for (const kwargs of HUMANOID_VARIANTS) {
  test(`Humanoid-v5 ${JSON.stringify(kwargs)}: obs, mass-center speed, clipped contact cost, health and termination`, () => {
    const k = { ...gymDefaults('Humanoid-v5'), ...kwargs } as Record<string, unknown>;
    const [zLo, zHi] = k.healthy_z_range as number[];
    const [cLo, cHi] = k.contact_cost_range as number[];
    const env = makeLoaded('Humanoid-v5', kwargs);
    const dt = dtOf(env, k.frame_skip as number);
    const seen = { healthy: 0, unhealthy: 0, contactClipped: 0 };
    const check = ({ before, qpos, action, result }: StepView) => {
      assert.deepEqual(Array.from(result.obs), observation(env, k));
      const healthy = zLo < qpos[2] && qpos[2] < zHi;
      seen[healthy ? 'healthy' : 'unhealthy']++;
      assert.equal(result.terminated, !healthy && (k.terminate_when_unhealthy as boolean));
      const { info } = result;
      const [x0, y0] = massCenter(env, before.xipos);
      const [x1, y1] = massCenter(env, env.data.xipos as Float64Array);
      close(info.x_velocity as number, (x1 - x0) / dt, 'x_velocity');
      close(info.y_velocity as number, (y1 - y0) / dt, 'y_velocity');
      assert.deepEqual([info.x_position, info.y_position], [qpos[0], qpos[1]]);
      assert.deepEqual(Array.from(info.tendon_length as Float64Array), Array.from(env.data.ten_length as Float64Array));
      assert.deepEqual(Array.from(info.tendon_velocity as Float64Array), Array.from(env.data.ten_velocity as Float64Array));
      close(info.reward_forward as number, (k.forward_reward_weight as number) * (info.x_velocity as number), 'reward_forward');
      close(info.reward_ctrl as number, -(k.ctrl_cost_weight as number) * sumSq(action), 'reward_ctrl');
      const rawContact = (k.contact_cost_weight as number) * sumSq(arr(env, 'cfrc_ext'));
      seen.contactClipped += rawContact > cHi ? 1 : 0;
      close(info.reward_contact as number, -clip(rawContact, cLo, cHi), 'reward_contact');
      assert.equal(info.reward_survive, healthy ? k.healthy_reward : 0);
      close(result.reward, sumOf(info, ['reward_forward', 'reward_survive', 'reward_ctrl', 'reward_contact']), 'reward = sum of its terms');
    };
    rollout(env, 60, 9, check);
    assert.ok(seen.healthy > 0 && seen.unhealthy > 0, `both healthy and unhealthy steps: ${JSON.stringify(seen)}`);
    if (kwargs.contact_cost_range) assert.ok(seen.contactClipped > 0, 'the contact cost was clipped');
    env.close();
  });
}

const STANDUP_VARIANTS: Record<string, unknown>[] = [
  {},
  { ctrl_cost_weight: 0.3, impact_cost_weight: 1e-3, impact_cost_range: [-Infinity, 0.05], uph_cost_weight: 7 },
  PARTS_OFF,
];
for (const kwargs of STANDUP_VARIANTS) {
  test(`HumanoidStandup-v5 ${JSON.stringify(kwargs)}: obs, height reward, clipped impact cost, +1; never terminates`, () => {
    const k = { ...gymDefaults('HumanoidStandup-v5'), ...kwargs } as Record<string, unknown>;
    const [lo, hi] = k.impact_cost_range as number[];
    const env = makeLoaded('HumanoidStandup-v5', kwargs);
    const timestep = dtOf(env, 1);
    const qpos0 = Array.from(env.model.qpos0 as Float64Array);
    let impactClipped = 0;
    rollout(env, 60, 10, ({ qpos, action, result }) => {
      assert.deepEqual(Array.from(result.obs), observation(env, k));
      const { info } = result;
      assert.deepEqual([info.x_position, info.y_position, info.z_distance_from_origin], [qpos[0], qpos[1], qpos[2] - qpos0[2]]);
      close(info.reward_linup as number, qpos[2] / timestep, 'reward_linup (uph_cost_weight unused, as in Gymnasium)');
      close(info.reward_quadctrl as number, -(k.ctrl_cost_weight as number) * sumSq(action), 'reward_quadctrl');
      const raw = (k.impact_cost_weight as number) * sumSq(arr(env, 'cfrc_ext'));
      impactClipped += raw > hi ? 1 : 0;
      close(info.reward_impact as number, -clip(raw, lo, hi), 'reward_impact');
      close(result.reward, sumOf(info, ['reward_linup', 'reward_quadctrl', 'reward_impact']) + 1, 'reward = sum of its terms + 1');
      assert.equal(result.terminated, false);
    });
    if (kwargs.impact_cost_range) assert.ok(impactClipped > 0, 'the impact cost was clipped');
    env.close();
  });
}
