// The one backoff (protocol/backoff.ts) the client, the trainer and the env page retry with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, retryWithBackoff } from '../../protocol/backoff.ts';

const plan = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

test('waits double from the base up to the cap; firstNow makes the first try immediate', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((k) => backoffDelay(plan, k)),
    [100, 200, 300, 300],
  );
  assert.deepEqual(
    [0, 1, 2].map((k) => backoffDelay({ ...plan, firstNow: true }, k)),
    [0, 200, 300],
  );
});

test('retries until a try succeeds, telling each wait and the failure before it', async () => {
  const waits: [number, number, unknown][] = [];
  const slept: number[] = [];
  const outcome = await retryWithBackoff(
    plan,
    async (k) => {
      if (k < 2) throw new Error(`no ${k}`);
      return 'yes';
    },
    { onWait: (ms, k, e) => waits.push([ms, k, (e as Error | undefined)?.message]), sleep: async (ms) => (slept.push(ms), true) },
  );
  assert.deepEqual(outcome, { ok: true, value: 'yes' });
  assert.deepEqual(waits, [
    [100, 0, undefined],
    [200, 1, 'no 0'],
    [300, 2, 'no 1'],
  ]);
  assert.deepEqual(slept, [100, 200, 300]);
});

test('gives up after plan.attempts tries with the last failure, at once on one not worth retrying, and when cancelled', async () => {
  const sleep = async () => true;
  let tries = 0;
  const failing = async (): Promise<never> => {
    tries++;
    throw new Error(`fail ${tries}`);
  };
  const all = await retryWithBackoff(plan, failing, { sleep });
  assert.equal(tries, 4);
  assert.equal(all.ok, false);
  assert.equal(!all.ok && (all.error as Error).message, 'fail 4');
  tries = 0;
  const fatal = await retryWithBackoff(plan, failing, { sleep, retryable: () => false });
  assert.equal(tries, 1);
  assert.deepEqual(fatal.ok ? null : [fatal.cancelled, (fatal.error as Error).message], [false, 'fail 1']);
  tries = 0;
  const cancelled = await retryWithBackoff(plan, failing, { sleep: async () => tries < 2 });
  assert.equal(tries, 2);
  assert.equal(!cancelled.ok && cancelled.cancelled, true);
  const none = await retryWithBackoff({ ...plan, attempts: 0 }, async () => 1, { sleep });
  assert.deepEqual(none, { ok: false, cancelled: false, error: undefined });
});
