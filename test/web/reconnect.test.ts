// The page's reconnect after a drop (web/reconnect.ts), on a fake clock: the waits double up to
// the cap, a try that succeeds ends it, the last failure is reported, and Connect cancels it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_RECONNECT, Reconnect, type Timers } from '../../web/reconnect.ts';
import { backoffDelay } from '../../protocol/backoff.ts';

/** Timers that fire only when the test says, each remembered with its delay. */
class FakeTimers implements Timers {
  readonly pending = new Map<number, { run: () => void; ms: number }>();
  private next = 1;
  set(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { run, ms });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires the one pending timer; returns its delay. */
  fire(): number {
    assert.equal(this.pending.size, 1, 'one wait at a time');
    const [id, { run, ms }] = [...this.pending][0];
    this.pending.delete(id);
    run();
    return ms;
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('the waits go 0.5, 1, 2, 4, 8, 8 s: six tries in about 24 s, as the trainer reconnects', () => {
  const delays = Array.from({ length: PAGE_RECONNECT.attempts }, (_, i) => backoffDelay(PAGE_RECONNECT, i));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 8000]);
});

test('it tries after each wait until a try succeeds, telling the page which try comes and why the last failed', async () => {
  const timers = new FakeTimers();
  const told: string[] = [];
  let tries = 0;
  const reconnect = new Reconnect(
    PAGE_RECONNECT,
    async () => {
      tries++;
      if (tries < 3) throw new Error(`refused ${tries}`);
    },
    (ms, k, n, last) => told.push(`${ms} ${k}/${n} ${last?.message ?? '-'}`),
    timers,
  );
  const outcome = reconnect.run();
  const waited: number[] = [];
  for (let i = 0; i < 3; i++) {
    await turn();
    waited.push(timers.fire());
  }
  assert.deepEqual(await outcome, { ok: true });
  assert.equal(tries, 3);
  assert.deepEqual(waited, [500, 1000, 2000]);
  assert.deepEqual(told, ['500 1/6 -', '1000 2/6 refused 1', '2000 3/6 refused 2']);
  assert.equal(timers.pending.size, 0);
});

test("after the last try fails it gives up with that try's error", async () => {
  const timers = new FakeTimers();
  let tries = 0;
  const plan = { attempts: 3, baseDelayMs: 100, maxDelayMs: 150 };
  const reconnect = new Reconnect(
    plan,
    async () => {
      throw new Error(`down ${++tries}`);
    },
    () => {},
    timers,
  );
  const outcome = reconnect.run();
  const waited: number[] = [];
  for (let i = 0; i < 3; i++) {
    await turn();
    waited.push(timers.fire());
  }
  const result = await outcome;
  assert.deepEqual(waited, [100, 150, 150]);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && !result.cancelled && result.error?.message === 'down 3');
});

test('cancel() (the user pressed Connect) ends the wait at once and tries nothing more', async () => {
  const timers = new FakeTimers();
  let tries = 0;
  const reconnect = new Reconnect(
    PAGE_RECONNECT,
    async () => {
      tries++;
      throw new Error('no');
    },
    () => {},
    timers,
  );
  const outcome = reconnect.run();
  await turn();
  timers.fire();
  await turn();
  reconnect.cancel();
  const result = await outcome;
  assert.equal(tries, 1);
  assert.ok(!result.ok && result.cancelled);
  assert.equal(timers.pending.size, 0, 'the pending wait was cleared');
});
