// Behaviour of the classic-control envs beyond the golden trajectories: kwargs, reset options
// (checked against the values Gymnasium's own docstrings print), action handling, episode
// limits, stepping past termination and rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, Wrapper } from '../../envs/index.ts';
import { AcrobotEnv, CartPoleEnv, ContinuousMountainCarEnv, MountainCarEnv, PendulumEnv } from '../../envs/classic-control/index.ts';
import type { Env, Frame, SpaceValue } from '../../protocol/env-api.ts';
import { throwsCode } from '../helpers.ts';

const IDS = ['Pendulum-v1', 'MountainCarContinuous-v0', 'CartPole-v1', 'MountainCar-v0', 'Acrobot-v1'];

function obs(env: Env, action: SpaceValue): number[] {
  return Array.from(env.step(action).obs as Float32Array);
}

function approx(got: ArrayLike<number>, want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `[${i}] ${got[i]} vs ${want[i]}`);
}

test('Pendulum g kwarg changes the dynamics, and g=0 leaves only the torque term', () => {
  const a = make('Pendulum-v1');
  const b = make('Pendulum-v1', { g: 9.81 });
  const c = make('Pendulum-v1', { g: 0 });
  assert.equal(b.spec?.kwargs.g, 9.81);
  const r0 = Array.from(a.reset({ seed: 7 }).obs as Float32Array);
  assert.deepEqual(Array.from(b.reset({ seed: 7 }).obs as Float32Array), r0, 'same seed, same start');
  c.reset({ seed: 7 });
  const oa = obs(a, [0.5]);
  const ob = obs(b, [0.5]);
  assert.notDeepEqual(oa, ob);
  // newthdot = thdot + (3g/2l sin(th) + 3u) dt with g = 0: the velocity changes by 3 * 0.5 * 0.05.
  const oc = obs(c, [0.5]);
  assert.ok(Math.abs(oc[2] - (r0[2] + 0.075)) < 1e-6, `${oc[2]} vs ${r0[2] + 0.075}`);
});

test('Box actions: typed or plain arrays alike, clipped to the bounds, bad shapes refused', () => {
  const a = make('Pendulum-v1');
  const b = make('Pendulum-v1');
  a.reset({ seed: 1 });
  b.reset({ seed: 1 });
  // Torque is clipped to [-2, 2], so 5 acts as 2; and the cost uses the clipped torque.
  const sa = a.step(Float32Array.of(5));
  const sb = b.step([2]);
  assert.deepEqual(Array.from(sa.obs as Float32Array), Array.from(sb.obs as Float32Array));
  assert.equal(sa.reward, sb.reward);
  assert.equal(
    throwsCode(() => a.step([1, 2])),
    'invalid_action',
  );
  assert.equal(
    throwsCode(() => a.step([])),
    'invalid_action',
  );
  assert.equal(
    throwsCode(() => a.step([NaN])),
    'invalid_action',
  );
  assert.equal(
    throwsCode(() => a.step(1 as unknown as SpaceValue)),
    'invalid_action',
  );
});

test('MountainCarContinuous penalises the unclipped action but pushes with the clipped one', () => {
  const a = make('MountainCarContinuous-v0');
  const b = make('MountainCarContinuous-v0');
  a.reset({ seed: 3 });
  b.reset({ seed: 3 });
  const sa = a.step([1.5]);
  const sb = b.step([1.0]);
  assert.deepEqual(Array.from(sa.obs as Float32Array), Array.from(sb.obs as Float32Array));
  assert.ok(Math.abs(sa.reward - -0.225) < 1e-12, `${sa.reward}`);
  assert.ok(Math.abs(sb.reward - -0.1) < 1e-12, `${sb.reward}`);
});

test('goal_velocity: reaching the flag terminates only fast enough', () => {
  for (const [id, push, goal, low] of [
    ['MountainCar-v0', 2, 0.5, 0.4995],
    ['MountainCarContinuous-v0', [1], 0.45, 0.4495],
  ] as const) {
    const easy = make(id);
    const hard = make(id, { goal_velocity: 0.07 });
    easy.reset({ seed: 0, options: { low, high: goal } });
    hard.reset({ seed: 0, options: { low, high: goal } });
    const e = easy.step(push as SpaceValue);
    const h = hard.step(push as SpaceValue);
    assert.equal(e.terminated, true, `${id} reaches the flag`);
    assert.equal(h.terminated, false, `${id} is too slow for goal_velocity 0.07`);
    if (id === 'MountainCarContinuous-v0') assert.ok(Math.abs(e.reward - 99.9) < 1e-12, `${e.reward}`);
  }
});

test('reset options reproduce the values in Gymnasium docstrings', () => {
  // CartPole: env.reset(seed=123, options={"low": -0.1, "high": 0.1}) and {"low": 0, "high": 1}
  approx(
    make('CartPole-v1').reset({ seed: 123, options: { low: -0.1, high: 0.1 } }).obs as Float32Array,
    [0.03647037, -0.0892358, -0.05592803, -0.06312564],
  );
  approx(
    make('CartPole-v1').reset({ seed: 123, options: { low: 0, high: 1 } }).obs as Float32Array,
    [0.6823519, 0.05382102, 0.22035988, 0.18437181],
  );
  // MountainCarContinuous: reset(seed=123, options={"low": -0.7, "high": -0.5})
  approx(make('MountainCarContinuous-v0').reset({ seed: 123, options: { low: -0.7, high: -0.5 } }).obs as Float32Array, [-0.5635296, 0]);
  // Acrobot: reset(seed=123, options={"low": -0.2, "high": 0.2})
  approx(
    make('Acrobot-v1').reset({ seed: 123, options: { low: -0.2, high: 0.2 } }).obs as Float32Array,
    [0.997341, 0.07287608, 0.9841162, -0.17752565, -0.11185605, -0.12625128],
  );
});

test('reset options: Pendulum x_init/y_init bound the start; bad bounds are refused', () => {
  const env = make('Pendulum-v1');
  for (let seed = 0; seed < 20; seed++) {
    const o = env.reset({ seed, options: { x_init: 0.1, y_init: 0.01 } }).obs as Float32Array;
    // theta in [-0.1, 0.1] means cos(theta) >= cos(0.1); |theta_dot| <= 0.01.
    assert.ok(o[0] >= Math.cos(0.1) - 1e-7 && Math.abs(o[2]) <= 0.01 + 1e-7, `seed ${seed}: ${o}`);
  }
  // Only x_init given: y keeps its default bound of 1.
  const o = env.reset({ seed: 5, options: { x_init: 0 } }).obs as Float32Array;
  assert.equal(o[0], 1);
  assert.equal(
    throwsCode(() => make('CartPole-v1').reset({ options: { low: 1, high: 0 } })),
    'bad_request',
  );
  assert.equal(
    throwsCode(() => make('MountainCar-v0').reset({ options: { low: 'left' } })),
    'bad_request',
  );
  assert.equal(
    throwsCode(() => env.reset({ options: { x_init: {} } })),
    'bad_request',
  );
});

test('seeded resets repeat; unseeded resets continue the stream', () => {
  for (const id of IDS) {
    const env = make(id);
    const a = Array.from(env.reset({ seed: 42 }).obs as Float32Array);
    const a2 = Array.from(env.reset().obs as Float32Array);
    const b = Array.from(env.reset({ seed: 42 }).obs as Float32Array);
    const b2 = Array.from(env.reset().obs as Float32Array);
    assert.deepEqual(a, b, id);
    assert.deepEqual(a2, b2, id);
    assert.notDeepEqual(a, a2, id);
  }
});

test('invalid discrete actions are refused with invalid_action', () => {
  for (const [id, n] of [
    ['CartPole-v1', 2],
    ['MountainCar-v0', 3],
    ['Acrobot-v1', 3],
  ] as const) {
    const env = make(id);
    env.reset({ seed: 0 });
    for (const bad of [n, -1, 0.5, NaN, '1', [0], Float32Array.of(0)]) {
      assert.equal(
        throwsCode(() => env.step(bad as SpaceValue)),
        'invalid_action',
        `${id} ${String(bad)}`,
      );
    }
    env.step(n - 1); // the largest valid action works
  }
});

test('step before reset fails with reset_needed', () => {
  for (const id of IDS) {
    const env = make(id);
    const action = id === 'Pendulum-v1' || id === 'MountainCarContinuous-v0' ? [0] : 0;
    assert.equal(
      throwsCode(() => env.step(action)),
      'reset_needed',
      id,
    );
  }
});

test('TimeLimit truncates at max_episode_steps, as gymnasium.make does', () => {
  for (const [id, steps] of [
    ['Pendulum-v1', 200],
    ['MountainCar-v0', 200],
    ['MountainCarContinuous-v0', 999],
  ] as const) {
    const env = make(id);
    env.reset({ seed: 0 });
    const action: SpaceValue = id === 'MountainCar-v0' ? 1 : [0];
    for (let i = 1; i <= steps; i++) {
      const r = env.step(action);
      assert.equal(r.terminated, false, `${id} step ${i}`);
      assert.equal(r.truncated, i === steps, `${id} step ${i}`);
    }
    // A reset starts the count again.
    env.reset();
    assert.equal(env.step(action).truncated, false);
  }
  const short = make('CartPole-v1', { max_episode_steps: 3 });
  short.reset({ seed: 0 });
  assert.deepEqual(
    [1, 0, 1].map((a) => short.step(a).truncated),
    [false, false, true],
  );
});

test('CartPole past termination: reward 0 (or -1 with sutton_barto_reward), and a warning', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  for (const sb of [false, true]) {
    const env = make('CartPole-v1', { sutton_barto_reward: sb });
    env.reset({ seed: 0 });
    const rewards: number[] = [];
    let r;
    do {
      r = env.step(1);
      rewards.push(r.reward);
    } while (!r.terminated);
    assert.ok(rewards.length > 1 && rewards.length < 100);
    const alive = rewards.slice(0, -1);
    assert.ok(
      alive.every((x) => x === (sb ? 0 : 1)),
      `${alive}`,
    );
    assert.equal(rewards.at(-1), sb ? -1 : 1, 'terminating step');
    const after = [env.step(1), env.step(1)];
    assert.deepEqual(
      after.map((s) => [s.reward, s.terminated]),
      [
        [sb ? -1 : 0, true],
        [sb ? -1 : 0, true],
      ],
    );
    // A reset clears it.
    env.reset({ seed: 0 });
    assert.equal(env.step(1).reward, sb ? 0 : 1);
  }
  assert.equal(warn.mock.callCount(), 2, 'warns once per episode stepped past termination');
});

test("Acrobot's book/nips dynamics differ; torque noise draws from the env's generator", () => {
  const acrobot = (env: Env) => (env as Wrapper).unwrapped as AcrobotEnv;
  const run = (setup: (a: AcrobotEnv) => void): number[][] => {
    const env = make('Acrobot-v1');
    setup(acrobot(env));
    env.reset({ seed: 0 });
    return Array.from({ length: 5 }, () => obs(env, 2));
  };
  const book = run(() => {});
  assert.notDeepEqual(
    run((a) => (a.bookOrNips = 'nips')),
    book,
  );
  const noisy = run((a) => (a.torqueNoiseMax = 0.5));
  assert.notDeepEqual(noisy, book);
  assert.deepEqual(
    run((a) => (a.torqueNoiseMax = 0.5)),
    noisy,
    'noise is reproducible from the seed',
  );
  assert.equal(
    throwsCode(() => make('Acrobot-v1', { book_or_nips: 'nips' })),
    'invalid_kwargs',
    'Acrobot-v1 takes no kwargs, as in Gymnasium',
  );
});

test('spaces and specs match Gymnasium', () => {
  const p = new PendulumEnv();
  assert.deepEqual(p.actionSpace, { type: 'Box', shape: [1], dtype: 'float32', low: [-2], high: [2] });
  const c = new CartPoleEnv();
  assert.deepEqual(c.actionSpace, { type: 'Discrete', n: 2, start: 0 });
  assert.equal(new MountainCarEnv().goalPosition, 0.5);
  assert.equal(new ContinuousMountainCarEnv().goalPosition, 0.45);
  assert.equal(make('CartPole-v1').spec?.reward_threshold, 475);
  assert.equal(make('Pendulum-v1').spec?.reward_threshold, null);
  assert.equal(make('Acrobot-v1').spec?.max_episode_steps, 500);
});

function checkFrame(frame: Frame, width: number, height: number, colours: string[], what: string): void {
  assert.equal(frame.width, width, what);
  assert.equal(frame.height, height, what);
  assert.equal(frame.data.length, width * height * 3, what);
  let nonWhite = 0;
  const seen = new Set<string>();
  for (let i = 0; i < frame.data.length; i += 3) {
    const [r, g, b] = [frame.data[i], frame.data[i + 1], frame.data[i + 2]];
    if (r !== 255 || g !== 255 || b !== 255) nonWhite++;
    seen.add(`${r},${g},${b}`);
  }
  assert.ok(nonWhite > 500, `${what}: only ${nonWhite} drawn pixels`);
  assert.ok(nonWhite < (width * height) / 2, `${what}: mostly not background`);
  for (const c of colours) assert.ok(seen.has(c), `${what}: no pixel of colour ${c}`);
}

test('render() draws a frame of Gymnasium size with the scene in it', () => {
  // Colours as 'r,g,b': pixels of each that the frame must hold.
  const cases: Array<[string, number, number, SpaceValue, string[]]> = [
    ['Pendulum-v1', 500, 500, [1.5], ['204,77,77', '0,0,0']],
    ['MountainCarContinuous-v0', 600, 400, [1], ['0,0,0', '128,128,128', '204,204,0']],
    ['CartPole-v1', 600, 400, 1, ['0,0,0', '202,152,101', '129,132,203']],
    ['MountainCar-v0', 600, 400, 2, ['0,0,0', '128,128,128', '204,204,0']],
    ['Acrobot-v1', 500, 500, 2, ['0,204,204', '204,204,0', '0,0,0']],
  ];
  for (const [id, w, h, action, colours] of cases) {
    const env = make(id);
    env.reset({ seed: 0 });
    const first = env.render();
    checkFrame(first, w, h, colours, id);
    for (let i = 0; i < 5; i++) env.step(action);
    const later = env.render();
    checkFrame(later, w, h, colours, id);
    assert.notDeepEqual(later.data, first.data, `${id}: the picture follows the state`);
  }
});
