import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requestCheck, checkEnvelope, resultCheck, issues } from '../../protocol/validators.ts';
import { protocolJsonSchemaText } from '../../protocol/schema/json-schema.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { box } from '../../protocol/spaces.ts';

const action = encodeArray(new Float32Array([0.5]));

test('valid requests pass their compiled check', () => {
  const good: Record<string, unknown> = {
    hello: { id: 0, op: 'hello', protocol_version: '1.0', client_name: 't', client_version: '0' },
    list_envs: { id: 1, op: 'list_envs' },
    make: { id: 2, op: 'make', env_id: 'Pendulum-v1', kwargs: { g: 9.81 }, num_envs: 1 },
    reset: { id: 3, op: 'reset', handle: 0, seed: 42, options: null },
    step: { id: 4, op: 'step', handle: 0, action },
    render: { id: 5, op: 'render', handle: 0 },
    close: { id: 6, op: 'close', handle: 0 },
  };
  for (const [op, msg] of Object.entries(good)) {
    assert.ok(checkEnvelope.Check(msg), op);
    assert.ok(requestCheck(op)!.Check(msg), `${op}: ${JSON.stringify(issues(requestCheck(op)!, msg))}`);
  }
  assert.ok(requestCheck('step')!.Check({ id: 1, op: 'step', handle: 0, action: 2 }), 'discrete action');
  assert.ok(requestCheck('list_envs')!.Check({ id: 1, op: 'list_envs', from_a_newer_minor: true }), 'unknown fields are ignored');
  // 1.4: an array is a range kwarg's value; make checks it against the KwargSpec (invalid_kwargs), not the schema.
  for (const a of [[0.7, Infinity], [1], ['x', 2]])
    assert.ok(requestCheck('make')!.Check({ id: 2, op: 'make', env_id: 'X', kwargs: { a } }));
});

test('bad requests fail with a reason', () => {
  const bad: [string, unknown][] = [
    ['hello', { id: 0, op: 'hello', protocol_version: 'one', client_name: 't', client_version: '0' }],
    ['hello', { id: 0, op: 'hello', protocol_version: '1.0' }],
    ['make', { id: 2, op: 'make' }],
    ['make', { id: 2, op: 'make', env_id: 'X', num_envs: 0 }],
    ['make', { id: 2, op: 'make', env_id: 'X', kwargs: { a: { b: 1 } } }],
    ['reset', { id: 3, op: 'reset', handle: -1 }],
    ['reset', { id: 3, op: 'reset', handle: 0, seed: 1.5 }],
    ['step', { id: 4, op: 'step', handle: 0 }],
    ['step', { id: 4, op: 'step', handle: 0, action: { dtype: 'float16', shape: [1], data: new Uint8Array(2) } }],
    ['step', { id: 4, op: 'step', handle: 0, action: { dtype: 'float32', shape: [1], data: 'abcd' } }],
    ['step', { id: 4, op: 'step', handle: '0', action }],
    ['render', { id: 5, op: 'render' }],
  ];
  for (const [op, msg] of bad) {
    const check = requestCheck(op)!;
    assert.ok(!check.Check(msg), `${op} accepted ${JSON.stringify(msg)}`);
    assert.ok(issues(check, msg).length > 0);
  }
  assert.ok(!checkEnvelope.Check({ op: 'step' }), 'no id');
  assert.ok(!checkEnvelope.Check({ id: -1, op: 'step' }), 'negative id');
  assert.ok(!checkEnvelope.Check({ id: 1.5, op: 'step' }), 'fractional id');
  assert.ok(!checkEnvelope.Check([1, 'step']), 'not a map');
  assert.equal(requestCheck('teleport'), undefined);
});

test('results match their schema', () => {
  assert.ok(resultCheck('step').Check({ obs: action, reward: -1, terminated: false, truncated: true, info: {} }));
  assert.ok(!resultCheck('step').Check({ obs: action, reward: -1, terminated: 0, truncated: true, info: {} }));
  assert.ok(
    resultCheck('step').Check({ obs: action, reward: NaN, terminated: false, truncated: true, info: {} }),
    'msgpack floats carry NaN',
  );
  assert.ok(
    resultCheck('make').Check({
      handle: 0,
      observation_space: box(-Infinity, Infinity, [3]),
      action_space: { type: 'Discrete', n: 2, start: 0 },
      spec: { id: 'X', max_episode_steps: null, reward_threshold: null, nondeterministic: false, kwargs: {} },
      num_envs: 1,
    }),
  );
});

test('protocol/schema.json is up to date (run `npm run schema` after changing a schema)', () => {
  const committed = readFileSync(new URL('../../protocol/schema.json', import.meta.url), 'utf8');
  assert.equal(committed, protocolJsonSchemaText());
});
