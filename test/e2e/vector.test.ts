// Vector envs over the wire: make with num_envs, batched reset/step, against the in-process
// SyncVectorEnv step for step, through the raw protocol and through RemoteVectorEnv.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import '../server/toy-envs.ts';
import { BaseEnv, makeVec, register, registrations } from '../../envs/index.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { Connection, RemoteEnv } from '../../client/remote-env.ts';
import { decodeArray, encodeArray } from '../../protocol/ndarray.ts';
import { resultCheck, checkErrorResponse } from '../../protocol/validators.ts';
import { defaultRng, type NumpyGenerator } from '../../protocol/random.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import type { ResetArgs, TypedArray } from '../../protocol/env-api.ts';
import type { VectorEnvLike, VectorResetArgs, VectorStepResult } from '../../protocol/vector-api.ts';
import { RawClient } from '../server/raw-client.ts';
import { rejectsWith } from '../helpers.ts';
import { PROTOCOL_VERSION } from '../../protocol/handshake.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, maxNumEnvs: 16, maxEnvsPerConnection: 4 });
});
after(() => server.close());

/** numEnvs random actions from rng, batched as SyncVectorEnv takes them. */
function randomActions(space: Space, numEnvs: number, rng: NumpyGenerator): TypedArray {
  if (space.type === 'Discrete') return Int32Array.from({ length: numEnvs }, () => space.start + rng.integers(space.n));
  if (space.type === 'Box') {
    const size = space.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(numEnvs * size);
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(Math.max(space.low[i % size], -3), Math.min(space.high[i % size], 3));
    return out;
  }
  throw new Error(`no batched sampler for ${space.type}`);
}

/** The same rollout (resets, then `steps` batched steps) on any VectorEnvLike; returns every result. */
async function rollout(vec: VectorEnvLike, seed: VectorResetArgs['seed'], steps: number, rngSeed: number) {
  const rng = defaultRng(rngSeed);
  const out: unknown[] = [await vec.reset({ seed })];
  for (let t = 0; t < steps; t++) out.push(await vec.step(randomActions(vec.singleActionSpace, vec.numEnvs, rng)));
  return out as [unknown, ...VectorStepResult[]];
}

function expectError(res: any, code: string): any {
  assert.ok(checkErrorResponse.Check(res), `not an error response: ${JSON.stringify(res)}`);
  assert.equal(res.error.code, code, res.error.message);
  return res.error;
}

for (const [id, numEnvs, steps, seed] of [
  ['CartPole-v1', 8, 300, 0],
  ['Pendulum-v1', 4, 450, [10, 3, 99, 0]],
] as const) {
  test(`RemoteVectorEnv equals a local SyncVectorEnv step for step: ${id} x ${numEnvs}, autoresets included`, async () => {
    const local = makeVec(id, numEnvs);
    const remote = await RemoteVectorEnv.connect(server.url, id, numEnvs);
    assert.equal(remote.numEnvs, numEnvs);
    assert.deepEqual(remote.singleObservationSpace, local.singleObservationSpace);
    assert.deepEqual(remote.singleActionSpace, local.singleActionSpace);
    assert.deepEqual(remote.spec, local.spec);
    assert.equal(remote.autoresetMode, 'NextStep');
    const seedArg = typeof seed === 'number' ? seed : [...seed];
    const l = await rollout(local, seedArg, steps, 7);
    const r = await rollout(remote, seedArg, steps, 7);
    let ends = 0;
    let autoresets = 0;
    for (let t = 0; t < l.length; t++) {
      assert.deepStrictEqual(r[t], l[t], `result ${t}`);
      if (t > 0) {
        const s = l[t] as VectorStepResult;
        for (let i = 0; i < numEnvs; i++) {
          ends += s.terminated[i] | s.truncated[i];
          const prev = l[t - 1] as VectorStepResult;
          if (t > 1 && (prev.terminated[i] || prev.truncated[i])) {
            autoresets++;
            assert.equal(s.rewards[i], 0, 'an autoreset step has reward 0');
          }
        }
      }
    }
    assert.ok(ends >= numEnvs, `episodes ended during the test (${ends})`);
    assert.ok(autoresets > 0, 'sub-envs were autoreset');
    assert.equal(r[1].obs.constructor, Float32Array);
    assert.equal(r[1].rewards.constructor, Float64Array);
    assert.equal(r[1].terminated.constructor, Uint8Array);
    local.close();
    await remote.close();
  });
}

test('the wire form: one NDArray per batched field, single spaces in make, schema-valid results', async () => {
  const c = await RawClient.open(server.url);
  await c.hello();
  const made = await c.call({ op: 'make', env_id: 'Toy-v0', num_envs: 3 });
  assert.ok(resultCheck('make').Check(made.result), JSON.stringify(made));
  assert.equal(made.result.num_envs, 3);
  assert.equal(made.result.vector, true);
  assert.deepEqual(made.result.action_space.shape, [1], 'the single action space');
  assert.deepEqual(made.result.observation_space.shape, [2]);
  const handle = made.result.handle;
  const reset = await c.call({ op: 'reset', handle, seed: 5 });
  assert.ok(resultCheck('reset').Check(reset.result));
  assert.equal(reset.result.obs.dtype, 'float32');
  assert.deepEqual(reset.result.obs.shape, [3, 2]);
  // Toy-v0 reports {start} at reset: batched as a float64 column and a bool mask.
  assert.deepEqual(reset.result.info._start.dtype, 'bool');
  assert.deepEqual(decodeArray(reset.result.info._start), Uint8Array.of(1, 1, 1));
  assert.equal(reset.result.info.start.dtype, 'float64');
  assert.deepEqual(reset.result.info.start.shape, [3]);
  const step = await c.call({ op: 'step', handle, action: encodeArray(new Float32Array([0.5, -0.5, 1]), [3, 1]) });
  assert.ok(resultCheck('step').Check(step.result), JSON.stringify(step));
  const s = step.result;
  assert.deepEqual([s.obs.dtype, s.obs.shape], ['float32', [3, 2]]);
  assert.deepEqual([s.reward.dtype, s.reward.shape], ['float64', [3]]);
  assert.deepEqual([s.terminated.dtype, s.terminated.shape], ['bool', [3]]);
  assert.deepEqual([s.truncated.dtype, s.truncated.shape], ['bool', [3]]);
  assert.deepEqual(s.info, {});
  // The same numbers as the local vector env.
  const local = makeVec('Toy-v0', 3);
  local.reset({ seed: 5 });
  const l = local.step(new Float32Array([0.5, -0.5, 1]));
  assert.deepEqual(decodeArray(s.obs), l.obs);
  assert.deepEqual(decodeArray(s.reward), l.rewards);
  // vector: true makes a vector env of one.
  const one = await c.call({ op: 'make', env_id: 'ToyDiscrete-v0', num_envs: 1, vector: true });
  assert.equal(one.result.vector, true);
  await c.call({ op: 'reset', handle: one.result.handle, seed: [4] });
  const d = await c.call({ op: 'step', handle: one.result.handle, action: encodeArray(new Int32Array([1])) });
  assert.deepEqual([d.result.obs.dtype, d.result.obs.shape], ['float32', [1, 1]]);
  // ToyDiscrete reports {pos} each step; the batched info travels with its mask.
  assert.deepEqual(decodeArray(d.result.info._pos), Uint8Array.of(1));
  expectError(await c.call({ op: 'render', handle: one.result.handle }), 'unsupported');
  expectError(await c.call({ op: 'make', env_id: 'Toy-v0', num_envs: 2, vector: false }), 'bad_request');
  await c.close();
});

test('a bad batched action gets invalid_action and the vector env keeps stepping', async () => {
  const c = await RawClient.open(server.url);
  await c.hello();
  const handle = (await c.call({ op: 'make', env_id: 'Toy-v0', num_envs: 4 })).result.handle;
  expectError(await c.call({ op: 'step', handle, action: encodeArray(new Float32Array(4), [4, 1]) }), 'reset_needed');
  await c.call({ op: 'reset', handle, seed: 0 });
  const nan = new Float32Array([0, 0, NaN, 0]);
  const cases: [string, unknown, RegExp][] = [
    ['one env short', encodeArray(new Float32Array(3), [3, 1]), /shape \[3, 1\]/],
    ['no batch axis', encodeArray(new Float32Array(1), [1]), /shape/],
    ['flat batch', encodeArray(new Float32Array(4), [4]), /shape \[4\], wanted \[4, 1\]/],
    ['wrong dtype', encodeArray(new Float64Array(4), [4, 1]), /dtype float64/],
    ['NaN in sub-env 2', encodeArray(nan, [4, 1]), /action\[2\]/],
    ['a plain number', 0.5, /NDArray/],
    ['bytes not matching the shape', { dtype: 'float32', shape: [4, 1], data: new Uint8Array(15) }, /bytes/],
  ];
  for (const [name, action, message] of cases) {
    const err = expectError(await c.call({ op: 'step', handle, action }), 'invalid_action');
    assert.match(err.message, message, name);
  }
  assert.equal(expectError(await c.call({ op: 'step', handle, action: encodeArray(nan, [4, 1]) }), 'invalid_action').details.env_index, 2);
  const ok = await c.call({ op: 'step', handle, action: encodeArray(new Float32Array([0.1, 0.2, 0.3, 0.4]), [4, 1]) });
  assert.ok(resultCheck('step').Check(ok.result), JSON.stringify(ok));

  // Discrete: an int array of any integer dtype, or a plain array; each value in range.
  const disc = (await c.call({ op: 'make', env_id: 'ToyDiscrete-v0', num_envs: 3 })).result.handle;
  await c.call({ op: 'reset', handle: disc, seed: 1 });
  const err = expectError(await c.call({ op: 'step', handle: disc, action: encodeArray(new Int32Array([0, 1, 2])) }), 'invalid_action');
  assert.equal(err.details.env_index, 2);
  expectError(await c.call({ op: 'step', handle: disc, action: encodeArray(new Float32Array([0, 1, 0])) }), 'invalid_action');
  expectError(await c.call({ op: 'step', handle: disc, action: [0, 1] }), 'invalid_action');
  expectError(await c.call({ op: 'step', handle: disc, action: [0, 1, 0.5] }), 'invalid_action');
  for (const action of [
    encodeArray(new Int32Array([-1, 0, 1])),
    encodeArray(new Int8Array([-1, 0, 1])),
    encodeArray(new BigInt64Array([-1n, 0n, 1n])),
    [-1, 0, 1],
  ]) {
    const r = await c.call({ op: 'step', handle: disc, action });
    assert.ok(resultCheck('step').Check(r.result), JSON.stringify(r));
  }
  await c.close();
});

test('seeds: one seed gives sub-env i seed + i, a list one each; a list of the wrong length is bad_request', async () => {
  const remote = await RemoteVectorEnv.connect(server.url, 'Toy-v0', 3);
  const local = makeVec('Toy-v0', 3);
  assert.deepEqual(await remote.reset({ seed: 40 }), local.reset({ seed: 40 }));
  assert.deepEqual(await remote.reset({ seed: [42, 41, 40] }), local.reset({ seed: [42, 41, 40] }));
  const reversed = (await remote.reset({ seed: [42, 41, 40] })).obs;
  const forward = (await remote.reset({ seed: 40 })).obs;
  local.reset({ seed: 40 });
  assert.deepEqual(reversed.slice(0, 2), forward.slice(4, 6), 'sub-env 0 seeded 42 = sub-env 2 seeded 40 + 2');
  await rejectsWith(remote.reset({ seed: [1, 2] }), 'bad_request');
  // The reset_mask option resets only the marked sub-envs, as locally.
  assert.deepEqual(await remote.step(new Float32Array([1, 1, 1])), local.step(new Float32Array([1, 1, 1])));
  const masked = { options: { reset_mask: Uint8Array.of(0, 1, 0) } };
  assert.deepEqual(await remote.reset(masked), local.reset(masked));
  assert.deepEqual(
    await remote.reset({ options: { reset_mask: [true, false, false] } }),
    local.reset({ options: { reset_mask: [true, false, false] } }),
  );
  // A mask of another dtype is the client's mistake, as in Gymnasium (dtype=np.bool_ only).
  for (const [dtype, data] of [
    ['int64', new BigInt64Array([0n, 1n, 0n])],
    ['float32', Float32Array.of(0, 1, 0)],
  ] as const) {
    const wire = { dtype, shape: [3], data: new Uint8Array(data.buffer) };
    const e = await rejectsWith(
      remote.connection.request('reset', { op: 'reset', handle: remote.handle, options: { reset_mask: wire } }),
      'bad_request',
    );
    assert.match(e.message, new RegExp(`reset_mask must have dtype bool .*got ${dtype}`));
  }
  await remote.close();

  const single = await RemoteEnv.connect(server.url, 'Toy-v0');
  const c = single.connection;
  await rejectsWith(c.request('reset', { op: 'reset', handle: single.handle, seed: [1] }), 'bad_request');
  await single.close();
});

test('max_num_envs caps one vector env and the env instances of a connection; max_envs caps handles', async () => {
  const conn = await Connection.open(server.url);
  assert.equal(conn.server.limits.max_num_envs, 16);
  assert.equal(conn.server.protocol_version, PROTOCOL_VERSION);
  const tooBig = await rejectsWith(RemoteVectorEnv.make(conn, 'Toy-v0', 17), 'limit_exceeded');
  assert.equal((tooBig.details as { max_num_envs?: number }).max_num_envs, 16);
  const a = await RemoteVectorEnv.make(conn, 'Toy-v0', 10);
  const single = await RemoteEnv.make(conn, 'Toy-v0');
  await rejectsWith(RemoteVectorEnv.make(conn, 'Toy-v0', 6), 'limit_exceeded'); // 10 + 1 + 6 > 16
  const b = await RemoteVectorEnv.make(conn, 'Toy-v0', 5); // exactly 16
  await rejectsWith(RemoteEnv.make(conn, 'Toy-v0'), 'limit_exceeded');
  await a.close();
  const c = await RemoteVectorEnv.make(conn, 'Toy-v0', 2);
  const d = await RemoteEnv.make(conn, 'Toy-v0'); // 4 handles now
  await rejectsWith(RemoteEnv.make(conn, 'Toy-v0'), 'limit_exceeded');
  // Everything made still works.
  await b.reset({ seed: 0 });
  await c.reset({ seed: 0 });
  assert.equal((await c.step(new Float32Array([0, 0]))).rewards.length, 2);
  await Promise.all([single.close(), b.close(), c.close(), d.close()]);
  await conn.close();
});

test('a sub-env that throws breaks the vector env (internal, then env_broken); close still works', async () => {
  const remote = await RemoteVectorEnv.connect(server.url, 'Toy-v0', 3);
  await remote.reset({ seed: 0 });
  // Toy-v0 throws on the action 0.123.
  await rejectsWith(remote.step(new Float32Array([0, 0.123, 0])), 'internal');
  await rejectsWith(remote.step(new Float32Array([0, 0, 0])), 'env_broken');
  await rejectsWith(remote.reset(), 'env_broken');
  await remote.close();
  await rejectsWith(RemoteVectorEnv.connect(server.url, 'Nope-v3', 2), 'unknown_env');
});

test('RemoteVectorEnv converts actions of other array types; wrong lengths fail before sending', async () => {
  const remote = await RemoteVectorEnv.connect(server.url, 'Toy-v0', 2);
  const local = makeVec('Toy-v0', 2);
  assert.deepEqual(await remote.reset({ seed: 3 }), local.reset({ seed: 3 }));
  assert.deepEqual(await remote.step([0.25, -0.75]), local.step(new Float32Array([0.25, -0.75])));
  assert.deepEqual(await remote.step(new Float64Array([1, 1])), local.step(new Float32Array([1, 1])));
  await rejectsWith(remote.step(new Float32Array(3)), 'invalid_action');
  assert.equal((await remote.step(new Float32Array(2))).obs.length, 4);
  await remote.close();
});

test('batched step infos (dict of arrays with _key masks) arrive as the local vector env builds them', async () => {
  // ToyDiscrete reports {pos} on steps but nothing on (auto)resets, so masks vary per step.
  const local = makeVec('ToyDiscrete-v0', 5);
  const remote = await RemoteVectorEnv.connect(server.url, 'ToyDiscrete-v0', 5);
  const l = await rollout(local, 11, 60, 2);
  const r = await rollout(remote, 11, 60, 2);
  assert.deepStrictEqual(r, l);
  const partial = l.slice(1).some((s) => {
    const mask = (s as VectorStepResult).info._pos as Uint8Array | undefined;
    return mask !== undefined && mask.includes(0) && mask.includes(1);
  });
  assert.ok(partial, 'some step had infos from only some sub-envs');
  await remote.close();
});

/** Reports an info of every kind on odd steps only (so masks vary): bools, numbers, typed rows, nested maps, strings. */
class InfoEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = box(-1e6, 1e6, [1]);
  readonly actionSpace = discrete(2);
  private t = 0;
  reset(args?: ResetArgs) {
    this.seed(args);
    this.t = this.npRandom.integers(0, 3);
    return { obs: Float32Array.of(this.t), info: {} };
  }
  step(action: number) {
    this.t += 1 + action;
    const info =
      this.t % 2 === 1
        ? {
            flag: this.t % 4 === 1,
            row: Float32Array.of(this.t, -this.t, 0.5),
            one: Int32Array.of(this.t),
            nested: { x: this.t / 2 },
            label: `t${this.t}`,
          }
        : {};
    return { obs: Float32Array.of(this.t), reward: 1, terminated: this.t > 9, truncated: false, info };
  }
  render(): never {
    throw new Error('no');
  }
}
if (!registrations().some((r) => r.id === 'InfoToy-v0')) {
  register({ id: 'InfoToy-v0', factory: () => new InfoEnv(), maxEpisodeSteps: null, rewardThreshold: null, kwargs: {} });
}

test('info columns keep their kinds on the wire: bool, float64, [N, L] rows, nested maps, plain arrays', async () => {
  const local = makeVec('InfoToy-v0', 4);
  const remote = await RemoteVectorEnv.connect(server.url, 'InfoToy-v0', 4);
  assert.deepStrictEqual(await rollout(remote, 3, 30, 5), await rollout(local, 3, 30, 5));
  await remote.close();

  const c = await RawClient.open(server.url);
  await c.hello();
  const handle = (await c.call({ op: 'make', env_id: 'InfoToy-v0', num_envs: 4 })).result.handle;
  await c.call({ op: 'reset', handle, seed: [0, 0, 0, 0] });
  let info: any = {};
  for (let t = 0; t < 10 && !(info.flag && info._flag.data.includes(0) === false); t++) {
    info = (await c.call({ op: 'step', handle, action: encodeArray(new Int32Array([0, 0, 0, 0])) })).result.info;
  }
  assert.deepEqual([info.flag.dtype, info.flag.shape], ['bool', [4]]);
  assert.deepEqual([info._flag.dtype, info._flag.shape], ['bool', [4]]);
  assert.deepEqual([info.row.dtype, info.row.shape], ['float32', [4, 3]]);
  assert.deepEqual([info.one.dtype, info.one.shape], ['int32', [4, 1]]);
  assert.deepEqual([info.nested.x.dtype, info.nested.x.shape], ['float64', [4]]);
  assert.deepEqual([info.nested._x.dtype, info.nested._x.shape], ['bool', [4]]);
  assert.ok(Array.isArray(info.label) && info.label.length === 4 && typeof info.label[0] === 'string', JSON.stringify(info.label));
  await c.close();
});
