import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env, Frame, Info, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { batchLayout, allocBatch } from '../../protocol/vector-api.ts';
import { BaseEnv } from '../../envs/base-env.ts';
import { TimeLimit } from '../../envs/wrappers.ts';
import { SyncVectorEnv } from '../../envs/vector/sync-vector-env.ts';

/**
 * A short deterministic episode: obs [t, value], value drawn from the env's generator at
 * reset (so seeding is observable), each step adds the action to value; terminates after
 * `length` steps. Counts calls so tests can see which sub-env was stepped or reset.
 */
class CounterEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace: Space = box(-1e6, 1e6, [2]);
  readonly actionSpace: Space = box(-10, 10, [1]);
  t = 0;
  value = 0;
  stepCalls = 0;
  resetCalls = 0;
  lastAction: number | null = null;
  resetArgsSeen: (ResetArgs | undefined)[] = [];
  constructor(readonly length: number) {
    super();
  }
  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    this.resetCalls++;
    this.resetArgsSeen.push(args);
    this.t = 0;
    this.value = this.npRandom.integers(0, 1000);
    return { obs: Float32Array.of(this.t, this.value), info: { start: this.value } };
  }
  step(action: Float32Array): StepResult<Float32Array> {
    this.stepCalls++;
    this.lastAction = action[0];
    this.t += 1;
    this.value += action[0];
    const terminated = this.t >= this.length;
    const info: Info = terminated ? { t: this.t, ended: true } : { t: this.t };
    return { obs: Float32Array.of(this.t, this.value), reward: this.t * 10 + action[0], terminated, truncated: false, info };
  }
  render(): Frame {
    return { width: 1, height: 1, data: Uint8Array.of(this.t, 0, 0) };
  }
}

/** Discrete obs and actions: obs is the running sum of actions, ends at sum >= 4. */
class DiscreteSumEnv extends BaseEnv<number, number> {
  readonly observationSpace = discrete(100);
  readonly actionSpace = discrete(3);
  sum = 0;
  reset(args?: ResetArgs): ResetResult<number> {
    this.seed(args);
    this.sum = this.npRandom.integers(0, 2);
    return { obs: this.sum, info: {} };
  }
  step(action: number): StepResult<number> {
    if (!Number.isInteger(action) || action < 0 || action > 2) throw new GymwireError('invalid_action', `bad action ${action}`);
    this.sum += action;
    return { obs: this.sum, reward: action, terminated: this.sum >= 4, truncated: false, info: {} };
  }
  render(): Frame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const rows = (a: ArrayLike<number | bigint>, width: number): number[][] =>
  Array.from({ length: a.length / width }, (_, i) => Array.from(a, Number).slice(i * width, (i + 1) * width));

function counterVec(lengths: number[]): { vec: SyncVectorEnv; subs: CounterEnv[] } {
  const subs = lengths.map((l) => new CounterEnv(l));
  return { vec: new SyncVectorEnv(subs.map((s) => () => s)), subs };
}

test('reset(seed) gives sub-env i the seed seed+i, a list gives each its own, none leaves them unseeded', () => {
  const { vec, subs } = counterVec([3, 3, 3]);
  const { obs, info } = vec.reset({ seed: 42 });
  const expected = [42, 43, 44].map((s) => Array.from(new CounterEnv(3).reset({ seed: s }).obs));
  assert.deepEqual(rows(obs, 2), expected);
  assert.deepEqual(
    subs.map((s) => s.resetArgsSeen.at(-1)?.seed),
    [42, 43, 44],
  );
  // Infos batch as Gymnasium's dict of arrays with '_key' masks.
  assert.deepEqual(info.start, Float64Array.from(expected.map((r) => r[1])));
  assert.deepEqual(info._start, Uint8Array.of(1, 1, 1));

  const listed = vec.reset({ seed: [7, null, 9] });
  assert.deepEqual(rows(listed.obs, 2)[0], Array.from(new CounterEnv(3).reset({ seed: 7 }).obs));
  assert.deepEqual(rows(listed.obs, 2)[2], Array.from(new CounterEnv(3).reset({ seed: 9 }).obs));
  assert.deepEqual(
    subs.map((s) => s.resetArgsSeen.at(-1)?.seed),
    [7, undefined, 9],
  );
  // Sub-env 1 was not reseeded, so its stream continued from seed 43.
  const cont = new CounterEnv(3);
  cont.reset({ seed: 43 });
  assert.deepEqual(rows(listed.obs, 2)[1], Array.from(cont.reset().obs));

  vec.reset();
  assert.deepEqual(
    subs.map((s) => s.resetArgsSeen.at(-1)?.seed),
    [undefined, undefined, undefined],
  );
  assert.throws(
    () => vec.reset({ seed: [1, 2] }),
    (e: GymwireError) => e.code === 'bad_request',
  );
});

test('NEXT_STEP autoreset: the ending step returns the final obs, the next one resets and ignores the action', () => {
  const { vec, subs } = counterVec([2, 3]);
  const r0 = vec.reset({ seed: 0 });
  const start = rows(r0.obs, 2).map((r) => r[1]);

  // Step 1: both stepped.
  let s = vec.step(Float32Array.of(1, 2));
  assert.deepEqual(rows(s.obs, 2), [
    [1, start[0] + 1],
    [1, start[1] + 2],
  ]);
  assert.deepEqual(Array.from(s.rewards), [11, 12]);
  assert.deepEqual(Array.from(s.terminated), [0, 0]);

  // Step 2: sub-env 0 terminates; its obs is the true final obs, reward and info are the last step's.
  s = vec.step(Float32Array.of(3, 4));
  assert.deepEqual(rows(s.obs, 2), [
    [2, start[0] + 4],
    [2, start[1] + 6],
  ]);
  assert.deepEqual(Array.from(s.rewards), [23, 24]);
  assert.deepEqual(Array.from(s.terminated), [1, 0]);
  assert.deepEqual(Array.from(s.truncated), [0, 0]);
  assert.deepEqual(s.info.t, Float64Array.of(2, 2));
  assert.deepEqual(s.info.ended, Uint8Array.of(1, 0));
  assert.deepEqual(s.info._ended, Uint8Array.of(1, 0));

  // Step 3: sub-env 0 is reset (unseeded: its stream from seed 0 continues), action 0 ignored.
  const ref = new CounterEnv(2);
  ref.reset({ seed: 0 });
  const resetObs = Array.from(ref.reset().obs);
  const stepsBefore = subs[0].stepCalls;
  s = vec.step(Float32Array.of(99, 5));
  assert.equal(subs[0].stepCalls, stepsBefore, 'the autoreset sub-env is not stepped');
  assert.equal(subs[0].resetCalls, 2);
  assert.equal(subs[0].lastAction, 3, 'the ignored action never reached the sub-env');
  assert.equal(subs[0].resetArgsSeen.at(-1)?.seed, undefined);
  assert.deepEqual(rows(s.obs, 2), [resetObs, [3, start[1] + 11]]);
  assert.deepEqual(Array.from(s.rewards), [0, 35]);
  assert.deepEqual(Array.from(s.terminated), [0, 1]);
  // The reset's info for sub-env 0, the step's for sub-env 1, each masked.
  assert.deepEqual(s.info._start, Uint8Array.of(1, 0));
  assert.equal((s.info.start as Float64Array)[0], resetObs[1]);
  assert.deepEqual(s.info._t, Uint8Array.of(0, 1));

  // Step 4: sub-env 0 runs its new episode, sub-env 1 is reset.
  s = vec.step(Float32Array.of(1, 77));
  assert.deepEqual(rows(s.obs, 2)[0], [1, resetObs[1] + 1]);
  assert.deepEqual(Array.from(s.rewards), [11, 0]);
  assert.equal(subs[1].lastAction, 5);
  assert.deepEqual(Array.from(s.terminated), [0, 0]);
});

test('truncation (TimeLimit) autoresets the same way, and an explicit reset clears pending autoresets', () => {
  const subs = [new CounterEnv(100), new CounterEnv(100)];
  const vec = new SyncVectorEnv([() => new TimeLimit(subs[0], 1), () => new TimeLimit(subs[1], 3)]);
  vec.reset({ seed: 5 });
  let s = vec.step(Float32Array.of(1, 1));
  assert.deepEqual(Array.from(s.truncated), [1, 0]);
  assert.deepEqual(Array.from(s.terminated), [0, 0]);
  s = vec.step(Float32Array.of(1, 1));
  assert.deepEqual(Array.from(s.truncated), [0, 0]);
  assert.equal(s.rewards[0], 0);
  assert.equal(subs[0].resetCalls, 2);
  s = vec.step(Float32Array.of(1, 1));
  assert.deepEqual(Array.from(s.truncated), [1, 1]);
  // A full reset now: the next step steps every sub-env instead of resetting it.
  vec.reset({ seed: 5 });
  const stepCalls = subs.map((e) => e.stepCalls);
  s = vec.step(Float32Array.of(2, 2));
  assert.deepEqual(
    subs.map((e) => e.stepCalls),
    stepCalls.map((c) => c + 1),
  );
  assert.deepEqual(Array.from(s.rewards), [12, 12]);
});

test('equals N independent envs with manual resets after each episode end (random actions, mixed lengths)', () => {
  const lengths = [1, 2, 3, 5, 8];
  const limits = [null, null, 2, 4, null];
  const build = (i: number): Env => {
    const e = new CounterEnv(lengths[i]);
    return limits[i] === null ? e : new TimeLimit(e, limits[i] as number);
  };
  const n = lengths.length;
  const vec = new SyncVectorEnv(Array.from({ length: n }, (_, i) => () => build(i)));
  const singles = Array.from({ length: n }, (_, i) => build(i));

  const vr = vec.reset({ seed: 100 });
  const expectedObs = singles.map((e, i) => Array.from(e.reset({ seed: 100 + i }).obs as Float32Array));
  assert.deepEqual(rows(vr.obs, 2), expectedObs);

  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 20 - 10;
  const pending = new Array<boolean>(n).fill(false);
  let autoresets = 0;
  for (let t = 0; t < 60; t++) {
    const actions = Float32Array.from({ length: n }, rand);
    const s = vec.step(actions);
    for (let i = 0; i < n; i++) {
      let obs: number[], reward: number, term: boolean, trunc: boolean;
      if (pending[i]) {
        obs = Array.from(singles[i].reset().obs as Float32Array);
        [reward, term, trunc] = [0, false, false];
        autoresets++;
      } else {
        const r = singles[i].step(Float32Array.of(actions[i]));
        [obs, reward, term, trunc] = [Array.from(r.obs as Float32Array), r.reward, r.terminated, r.truncated];
      }
      pending[i] = term || trunc;
      assert.deepEqual(rows(s.obs, 2)[i], obs, `obs of sub-env ${i} at step ${t}`);
      assert.equal(s.rewards[i], reward, `reward of sub-env ${i} at step ${t}`);
      assert.equal(s.terminated[i], term ? 1 : 0);
      assert.equal(s.truncated[i], trunc ? 1 : 0);
    }
  }
  assert.ok(autoresets > 30, `exercised ${autoresets} autoresets`);
});

test('batched shapes and dtypes: Box obs/actions flat row-major, Discrete as Int32Array', () => {
  const { vec } = counterVec([3, 3, 3, 3]);
  const r = vec.reset({ seed: 1 });
  assert.ok(r.obs instanceof Float32Array);
  assert.equal(r.obs.length, 4 * 2);
  const s = vec.step([1, 2, 3, 4]);
  assert.ok(s.obs instanceof Float32Array && s.obs.length === 8);
  assert.ok(s.rewards instanceof Float64Array && s.rewards.length === 4);
  assert.ok(s.terminated instanceof Uint8Array && s.truncated instanceof Uint8Array);
  assert.deepEqual(Array.from(s.rewards), [11, 12, 13, 14]);
  assert.equal(vec.numEnvs, 4);
  assert.deepEqual(vec.singleObservationSpace, box(-1e6, 1e6, [2]));
  assert.equal(vec.autoresetMode, 'NextStep');
  assert.equal(vec.spec, null, 'bare factories carry no spec');
  assert.throws(
    () => vec.step(Float32Array.of(1, 2, 3)),
    (e: GymwireError) => e.code === 'invalid_action',
  );

  const dvec = new SyncVectorEnv<Int32Array>([0, 1, 2].map(() => () => new DiscreteSumEnv()));
  const d0 = dvec.reset({ seed: 3 });
  assert.ok(d0.obs instanceof Int32Array && d0.obs.length === 3);
  const singles = [3, 4, 5].map((sd) => {
    const e = new DiscreteSumEnv();
    return e.reset({ seed: sd }).obs;
  });
  assert.deepEqual(Array.from(d0.obs), singles);
  const d1 = dvec.step(Int32Array.of(2, 0, 1));
  assert.deepEqual(Array.from(d1.obs), [singles[0] + 2, singles[1], singles[2] + 1]);
  assert.deepEqual(Array.from(d1.rewards), [2, 0, 1]);
  // Per-action validation stays with the sub-env.
  assert.throws(
    () => dvec.step(Int32Array.of(7, 0, 0)),
    (e: GymwireError) => e.code === 'invalid_action',
  );

  assert.deepEqual(batchLayout(box(0, 1, [2, 3])), { dtype: 'float32', itemShape: [2, 3], itemSize: 6 });
  assert.ok(allocBatch(discrete(4), 5) instanceof Int32Array);
  assert.ok(allocBatch({ type: 'MultiBinary', shape: [3] }, 2) instanceof Int8Array);
  assert.equal(allocBatch(box(0, 1, [3], 'float64'), 2).length, 6);
});

test('copy: true returns fresh arrays each call; copy: false reuses the env buffers', () => {
  const mk = (copy: boolean) => new SyncVectorEnv([() => new CounterEnv(5), () => new CounterEnv(5)], { copy });
  const copying = mk(true);
  const a = copying.reset({ seed: 0 }).obs;
  const b = copying.step([1, 1]);
  const c = copying.step([1, 1]);
  assert.notEqual(a, b.obs);
  assert.notEqual(b.obs, c.obs);
  assert.notEqual(b.rewards, c.rewards);
  assert.equal(b.obs[0], 1, 'an earlier result is not overwritten');

  const shared = mk(false);
  const x = shared.reset({ seed: 0 }).obs;
  const y = shared.step([1, 1]);
  const z = shared.step([1, 1]);
  assert.equal(x, y.obs);
  assert.equal(y.obs, z.obs);
  assert.equal(y.rewards, z.rewards);
  assert.equal(y.obs[0], 2);
  // No allocation per step: the same result object, and a shared frozen info when nothing was reported.
  class Quiet extends CounterEnv {
    override step(action: Float32Array) {
      return { ...super.step(action), info: {} };
    }
  }
  const quiet = new SyncVectorEnv([() => new Quiet(5), () => new Quiet(5)], { copy: false });
  quiet.reset({ seed: 0 });
  const q1 = quiet.step([1, 1]);
  const q1Info = q1.info;
  const q2 = quiet.step([1, 1]);
  assert.equal(q1, q2);
  assert.equal(q1Info, q2.info);
  assert.ok(Object.isFrozen(q2.info) && Object.keys(q2.info).length === 0);
  // Reported info still arrives, in a fresh object.
  assert.deepEqual(z.info._t, Uint8Array.of(1, 1));
});

test('the action row handed to a sub-env is a copy: later edits to the batch do not reach it', () => {
  let seen: Float32Array | null = null;
  class Spy extends CounterEnv {
    override step(action: Float32Array) {
      seen = action;
      return super.step(action);
    }
  }
  const vec = new SyncVectorEnv([() => new Spy(9), () => new Spy(9)]);
  vec.reset({ seed: 0 });
  const actions = Float32Array.of(0.5, -0.25);
  vec.step(actions);
  actions[1] = 7;
  assert.deepEqual(Array.from(seen!), [-0.25]);
});

test('reset_mask resets only the marked sub-envs (Gymnasium 1.1+ option)', () => {
  const { vec, subs } = counterVec([10, 10, 10]);
  vec.reset({ seed: 0 });
  vec.step([1, 1, 1]);
  const { obs, info } = vec.reset({ seed: 50, options: { reset_mask: [false, true, false] } });
  assert.deepEqual(
    subs.map((s) => s.resetCalls),
    [1, 2, 1],
  );
  assert.equal(subs[1].resetArgsSeen.at(-1)?.seed, 51);
  assert.equal(subs[1].resetArgsSeen.at(-1)?.options, undefined, 'reset_mask is not passed on');
  assert.deepEqual(rows(obs, 2)[1], Array.from(new CounterEnv(1).reset({ seed: 51 }).obs));
  assert.equal(rows(obs, 2)[0][0], 1, 'unmasked rows keep their last obs');
  assert.deepEqual(info._start, Uint8Array.of(0, 1, 0));
  assert.throws(
    () => vec.reset({ options: { reset_mask: [false, false, false] } }),
    (e: GymwireError) => e.code === 'bad_request',
  );
  // Options other than reset_mask reach every reset sub-env.
  vec.reset({ options: { mode: 'x' } });
  assert.deepEqual(
    subs.map((s) => s.resetArgsSeen.at(-1)?.options),
    [{ mode: 'x' }, { mode: 'x' }, { mode: 'x' }],
  );
});

test('errors: unbatchable or unequal spaces, step before reset, use after close', () => {
  class TupleEnv extends CounterEnv {
    override readonly observationSpace: Space = { type: 'Tuple', spaces: [discrete(2), discrete(3)] } as Space;
  }
  assert.throws(
    () => new SyncVectorEnv([() => new TupleEnv(1)]),
    (e: GymwireError) => e.code === 'unsupported' && /Tuple/.test(e.message),
  );
  assert.throws(
    () => new SyncVectorEnv([() => new CounterEnv(1), () => new DiscreteSumEnv() as unknown as Env]),
    (e: GymwireError) => e.code === 'unsupported',
  );
  const { vec, subs } = counterVec([2, 2]);
  assert.throws(
    () => vec.step([0, 0]),
    (e: GymwireError) => e.code === 'reset_needed',
  );
  vec.reset();
  assert.equal(vec.render().length, 2);
  let closed = 0;
  subs.forEach((s) => (s.close = () => void closed++));
  vec.close();
  vec.close();
  assert.equal(closed, 2, 'close reaches each sub-env once');
  assert.throws(
    () => vec.step([0, 0]),
    (e: GymwireError) => e.code === 'env_broken',
  );
});
