// The registry as the classic-control envs use it: ids, specs, declared kwargs, make()'s checks
// and the wrappers gymnasium.make applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, register, registration, registrations, OrderEnforcing, TimeLimit, Wrapper, type Kwargs } from '../../envs/index.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { KwargSpec } from '../../protocol/schema/env-spec.ts';
import { PendulumEnv } from '../../envs/classic-control/index.ts';
import { throwsCode } from '../helpers.ts';

// Gymnasium 1.4's gymnasium/envs/__init__.py registrations and the kwargs each __init__ takes.
const EXPECTED = [
  { id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475, kwargs: { sutton_barto_reward: false } },
  { id: 'MountainCar-v0', maxEpisodeSteps: 200, rewardThreshold: -110, kwargs: { goal_velocity: 0 } },
  { id: 'MountainCarContinuous-v0', maxEpisodeSteps: 999, rewardThreshold: 90, kwargs: { goal_velocity: 0 } },
  { id: 'Pendulum-v1', maxEpisodeSteps: 200, rewardThreshold: null, kwargs: { g: 10.0 } },
  { id: 'Acrobot-v1', maxEpisodeSteps: 500, rewardThreshold: -100, kwargs: {} },
];

test('the five classic-control envs are registered with Gymnasium 1.4 specs and kwargs', () => {
  const ids = registrations().map((r) => r.id);
  for (const want of EXPECTED) {
    assert.ok(ids.includes(want.id), want.id);
    const reg = registration(want.id);
    assert.equal(reg.maxEpisodeSteps, want.maxEpisodeSteps, want.id);
    assert.equal(reg.rewardThreshold, want.rewardThreshold, want.id);
    const defaults = Object.fromEntries(Object.entries(reg.kwargs).map(([k, s]) => [k, s.default]));
    assert.deepEqual(defaults, want.kwargs, want.id);
    for (const [name, spec] of Object.entries(reg.kwargs)) {
      assert.ok(spec.description.length > 10, `${want.id}.${name} has a description`);
      assert.equal(spec.type, typeof spec.default === 'boolean' ? 'boolean' : 'number', `${want.id}.${name} type`);
    }
    const env = make(want.id);
    assert.deepEqual(env.spec, {
      id: want.id,
      max_episode_steps: want.maxEpisodeSteps,
      reward_threshold: want.rewardThreshold,
      nondeterministic: false,
      kwargs: want.kwargs,
    });
  }
});

test('make wraps like gymnasium.make: TimeLimit(OrderEnforcing(env))', () => {
  const env = make('Pendulum-v1');
  assert.ok(env instanceof TimeLimit);
  assert.equal((env as TimeLimit).maxEpisodeSteps, 200);
  assert.ok((env as Wrapper).env instanceof OrderEnforcing);
  assert.ok((env as Wrapper).unwrapped instanceof PendulumEnv);
  assert.equal((make('Pendulum-v1', { max_episode_steps: 7 }) as TimeLimit).maxEpisodeSteps, 7);
  // Each make() builds a fresh env.
  assert.notEqual((make('Pendulum-v1') as Wrapper).unwrapped, (env as Wrapper).unwrapped);
});

test('make refuses unknown ids and bad kwargs', () => {
  const makeError = (id: string, kwargs?: Record<string, unknown>): string => throwsCode(() => make(id, kwargs));
  for (const id of ['CartPole-v9', 'NoSuchEnv-v0']) assert.equal(makeError(id), 'unknown_env', id);
  const badKwargs: Array<[string, Record<string, unknown>]> = [
    ['Pendulum-v1', { gravity: 9.8 }],
    ['Pendulum-v1', { g: '9.8' }],
    ['Pendulum-v1', { g: Infinity }],
    ['CartPole-v1', { sutton_barto_reward: 1 }],
    ['MountainCar-v0', { goal_velocity: null }],
    ['Acrobot-v1', { render_fps: 15 }],
    ['CartPole-v1', { max_episode_steps: 0 }],
  ];
  for (const [id, kwargs] of badKwargs) assert.equal(makeError(id, kwargs), 'invalid_kwargs', `${id} ${JSON.stringify(kwargs)}`);
});

test('kwargs given to make reach the env', () => {
  const env = make('Pendulum-v1', { g: 3.7 });
  assert.equal(((env as Wrapper).unwrapped as PendulumEnv).g, 3.7);
  assert.deepEqual(env.spec?.kwargs, { g: 3.7 });
});

test('a range kwarg (1.4): make checks [low, high] and hands the env its own copy', () => {
  let given: Kwargs = {};
  register({
    id: 'RangeProbe-v0',
    factory: (kwargs) => {
      given = kwargs;
      return (make('Pendulum-v1') as Wrapper).unwrapped;
    },
    maxEpisodeSteps: 10,
    rewardThreshold: null,
    kwargs: { band: { type: 'range', default: [0.7, Infinity], description: 'a test range' } },
  });
  const value: [number, number] = [-Infinity, 2];
  const env = make('RangeProbe-v0', { band: value });
  assert.deepEqual(env.spec?.kwargs, { band: [-Infinity, 2] });
  assert.notEqual(given.band, value, 'a copy: the caller changing its array later does not reach the env');
  make('RangeProbe-v0', { band: [1, 1] });
  make('RangeProbe-v0');
  assert.deepEqual(given.band, [0.7, Infinity]);
  assert.notEqual(given.band, registration('RangeProbe-v0').kwargs.band.default, 'a copy of the default');
  const messages: string[] = [];
  for (const band of [[1], [1, 2, 3], 'x', 3, null, [1, '2'], [NaN, 1], [0, NaN], [2, 1], [Infinity, -Infinity], { 0: 1, 1: 2 }]) {
    assert.throws(
      () => make('RangeProbe-v0', { band }),
      (e: unknown) => e instanceof GymwireError && e.code === 'invalid_kwargs' && (messages.push(e.message), true),
      JSON.stringify(band),
    );
  }
  assert.match(messages[0], /band' must be a \[low, high\] pair of numbers, got an array of 1/);
  assert.match(messages[6], /must not hold NaN/);
  assert.match(messages[8], /must have low <= high, got \[2, 1\]/);
  // A registration whose range default is not one is refused (list_envs would send it as declared).
  const bad: KwargSpec = { type: 'range', default: [1, 0], description: 'reversed' };
  assert.throws(
    () => register({ id: 'BadRange-v0', factory: () => make('Pendulum-v1'), maxEpisodeSteps: 1, rewardThreshold: null, kwargs: { bad } }),
    /BadRange-v0: the default of range kwarg 'bad' must have low <= high/,
  );
});
