// What the MuJoCo env tests share: Gymnasium's recorded registrations and reset noise
// (test/fixtures/mujoco/gymnasium-v5.json, written by scripts/record-mujoco-resets.py), a
// seeded rollout, and reads of MuJoCo's own state, independent of the envs' code paths.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { make, loadEnv, registration, type Kwargs, Wrapper } from '../../envs/index.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import type { StepResult } from '../../protocol/env-api.ts';
import { defaultRng } from '../../protocol/random.ts';

interface RecordedEnv {
  max_episode_steps: number;
  reward_threshold: number | null;
  nq: number;
  nv: number;
  kwargs: Record<string, unknown>;
  reset_noise: Record<string, { qpos: number[]; qvel: number[] }>;
}

export const RECORDED = JSON.parse(readFileSync(new URL('../fixtures/mujoco/gymnasium-v5.json', import.meta.url), 'utf8')) as {
  seeds: number[];
  envs: Record<string, RecordedEnv>;
};

/** A recorded kwarg default as a number: JSON holds infinities as strings. */
export function num(v: unknown): number {
  return v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : (v as number);
}

/** A recorded range kwarg. */
export function range(v: unknown): [number, number] {
  const [lo, hi] = v as unknown[];
  return [num(lo), num(hi)];
}

/** Gymnasium's default kwargs of `id` as recorded, infinities as numbers. */
export function gymDefaults(id: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(RECORDED.envs[id].kwargs)) out[k] = Array.isArray(v) ? range(v) : num(v);
  return out;
}

export async function makeMujoco<E extends MujocoEnv>(id: string, kwargs: Kwargs = {}): Promise<E> {
  await loadEnv(id);
  return (make(id, kwargs) as Wrapper).unwrapped as unknown as E;
}

/** make(id, kwargs) through the registry (its kwarg checks included), unwrapped; the module must be loaded already. */
export function makeLoaded<E extends MujocoEnv = MujocoEnv>(id: string, kwargs: Kwargs = {}): E {
  return (make(id, kwargs) as Wrapper).unwrapped as unknown as E;
}

/** The registration matches Gymnasium's: id's max_episode_steps, reward_threshold, every recorded kwarg's default. */
export function assertRegisteredLikeGymnasium(id: string, except: string[] = []): void {
  const rec = RECORDED.envs[id];
  const reg = registration(id);
  assert.equal(reg.maxEpisodeSteps, rec.max_episode_steps, `${id} max_episode_steps`);
  assert.equal(reg.rewardThreshold, rec.reward_threshold, `${id} reward_threshold`);
  const declared = Object.fromEntries(Object.entries(reg.kwargs).map(([k, s]) => [k, s.default]));
  const expected = Object.fromEntries(Object.entries(gymDefaults(id)).filter(([k]) => !except.includes(k)));
  assert.deepEqual(declared, expected, `${id} kwargs and their defaults`);
}

/** Spaces as declared for list_envs equal the made env's, and observations are float64. */
export function assertSpaces(id: string, env: MujocoEnv): void {
  const declared = registration(id).spaces!;
  assert.deepEqual(env.observationSpace, declared.observation, `${id} observation space`);
  assert.deepEqual(env.actionSpace, declared.action, `${id} action space`);
  assert.equal(env.observationSpace.type === 'Box' && env.observationSpace.dtype, 'float64');
}

/**
 * Entries of qpos that reset_model() sets to a drawn value instead of adding noise to qpos0
 * (Reacher's target position; Pusher's cylinder and goal).
 */
const SET_NOT_ADDED: Record<string, number[]> = { 'Reacher-v5': [2, 3], 'Pusher-v5': [7, 8, 9, 10] };

/** reset(seed) sets MuJoCo's qpos0 / qvel0 plus exactly the noise Gymnasium draws for that seed. */
export function assertResetNoise(id: string, env: MujocoEnv): void {
  const rec = RECORDED.envs[id];
  assert.equal(env.model.nq, rec.nq, `${id} nq`);
  assert.equal(env.model.nv, rec.nv, `${id} nv`);
  const qpos0 = Array.from(env.model.qpos0 as Float64Array);
  const set = SET_NOT_ADDED[id] ?? [];
  for (const seed of RECORDED.seeds) {
    env.reset({ seed });
    const noise = rec.reset_noise[String(seed)];
    const expected = qpos0.map((q, i) => (set.includes(i) ? noise.qpos[i] : q + noise.qpos[i]));
    assert.deepEqual(Array.from(env.data.qpos as Float64Array), expected, `${id} qpos seed ${seed}`);
    assert.deepEqual(
      Array.from(env.data.qvel as Float64Array),
      noise.qvel.map((v) => 0 + v),
      `${id} qvel seed ${seed}`,
    );
  }
}

export interface StepView {
  /** qpos, qvel and the body positions (data.xpos, xipos: from MuJoCo's last forward pass) before the step. */
  before: { qpos: Float64Array; qvel: Float64Array; xpos: Float64Array; xipos: Float64Array };
  qpos: Float64Array;
  qvel: Float64Array;
  action: Float32Array;
  result: StepResult<Float64Array>;
}

/**
 * `steps` steps of seeded uniform actions drawn from 1.2x the action bounds (so MuJoCo's
 * ctrlrange clamping is exercised), reset when an episode ends (unless `keepGoing`: Gymnasium's
 * envs step on past termination, which reaches the states the clipping is for); `check` sees each one.
 */
export function rollout(
  env: MujocoEnv,
  steps: number,
  seed: number,
  check: (s: StepView, env: MujocoEnv) => void,
  keepGoing = false,
): void {
  const rng = defaultRng(seed);
  const space = env.actionSpace;
  assert.equal(space.type, 'Box');
  if (space.type !== 'Box') return;
  env.reset({ seed });
  for (let t = 0; t < steps; t++) {
    const action = Float32Array.from(space.low, (lo, i) => rng.uniform(1.2 * lo, 1.2 * space.high[i]));
    const before = {
      qpos: Float64Array.from(env.data.qpos as Float64Array),
      qvel: Float64Array.from(env.data.qvel as Float64Array),
      xpos: Float64Array.from(env.data.xpos as Float64Array),
      xipos: Float64Array.from(env.data.xipos as Float64Array),
    };
    const result = env.step(action);
    check(
      {
        before,
        qpos: Float64Array.from(env.data.qpos as Float64Array),
        qvel: Float64Array.from(env.data.qvel as Float64Array),
        action,
        result,
      },
      env,
    );
    if (result.terminated && !keepGoing) env.reset();
  }
}

/** numpy's clip. */
export function clip(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** The model's timestep times frame_skip, read from MuJoCo. */
export function dtOf(env: MujocoEnv, frameSkip: number): number {
  const opt = env.model.opt;
  const dt = opt.timestep * frameSkip;
  opt.delete();
  return dt;
}

/** The sum of the info entries named `terms`. */
export function sumOf(info: Record<string, unknown>, terms: string[]): number {
  return terms.reduce((s, k) => s + (info[k] as number), 0);
}

/** a ~ b to a relative 1e-12 (sums taken in another order). */
export function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}
