// EnvGroup (agents/env-group.ts) when one server of several is lost during a step: the others'
// results are kept and PartsLost names the lost parts; any other error is thrown as it is; the
// lost parts alone can be reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GymwireError } from '../../protocol/errors.ts';
import { box } from '../../protocol/spaces.ts';
import { EnvGroup, PartsLost, type BatchPart } from '../../agents/env-group.ts';

/** A part of `n` sub-envs whose obs are [base + t, base + t] per sub-env; `fail` decides each step's fate. */
function part(n: number, base: number, fail: () => Error | null = () => null): BatchPart & { resets: number[][] } {
  let t = 0;
  const resets: number[][] = [];
  const rows = () => Array.from({ length: n * 2 }, () => base + t);
  return {
    numEnvs: n,
    observationSpace: box(-1e3, 1e3, [2]),
    actionSpace: box(-1, 1, [1]),
    resets,
    async reset(seeds) {
      resets.push(seeds);
      t = 0;
      return rows();
    },
    async step() {
      const e = fail();
      if (e) throw e;
      t++;
      return { obs: rows(), rewards: Array(n).fill(base), terminated: Array(n).fill(0), truncated: Array(n).fill(0) };
    },
    async close() {},
  };
}

const lostError = () => new GymwireError('connection_lost', 'connection to ws://b closed (1006)');

test("a step where one part loses its connection keeps the others' results and names the lost part", async () => {
  let drop = false;
  const group = new EnvGroup([part(2, 100), part(1, 200, () => (drop ? lostError() : null)), part(1, 300)]);
  await group.reset([1, 2, 3, 4]);
  await group.step(new Float32Array(4));
  drop = true;
  await assert.rejects(group.step(new Float32Array(4)), (e: unknown) => {
    assert.ok(e instanceof PartsLost);
    assert.equal(e.code, 'connection_lost', 'handled as any lost connection');
    assert.deepEqual([e.parts, e.of, e.message], [[1], 3, 'connection to ws://b closed (1006)']);
    return true;
  });
  // Parts 0 and 2 stepped twice; part 1 (sub-env 2) keeps its values from the first step.
  assert.deepEqual([...group.obs], [102, 102, 102, 102, 201, 201, 302, 302]);
  assert.deepEqual(group.subEnvsOf(0), [0, 1]);
  assert.deepEqual(group.subEnvsOf(1), [2]);
  drop = false;
  await group.resetParts([1], [9, 8, 7, 6]);
  assert.deepEqual((group.parts[1] as ReturnType<typeof part>).resets.at(-1), [7], 'sub-env 2 gets its seed of the draw');
  assert.equal((group.parts[0] as ReturnType<typeof part>).resets.length, 1, 'the other parts are not reset');
  assert.deepEqual([...group.obs], [102, 102, 102, 102, 200, 200, 302, 302]);
});

test('an error other than a lost connection is thrown as it is, even when another part was lost', async () => {
  const bad = new GymwireError('invalid_action', 'action out of bounds');
  const group = new EnvGroup([part(1, 0, lostError), part(1, 0, () => bad)]);
  await group.reset([1, 2]);
  await assert.rejects(group.step(new Float32Array(2)), (e: unknown) => e === bad);
});

test('when every part is lost, PartsLost says all of them', async () => {
  const group = new EnvGroup([part(1, 0, lostError), part(2, 0, lostError)]);
  await group.reset([1, 2, 3]);
  await assert.rejects(group.step(new Float32Array(3)), (e: unknown) => e instanceof PartsLost && e.parts.length === 2 && e.of === 2);
});
