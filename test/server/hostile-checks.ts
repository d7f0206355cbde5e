// What the hostile-frames tests of both servers (Node: test/server, Python: test/python) check
// the same way: an answer (a hang fails), and error answers that quote the client only in part.
import assert from 'node:assert/strict';
import { encodeMessage } from '../../protocol/codec.ts';
import type { RawClient } from './raw-client.ts';

/**
 * Per frame: not a speed bound (speed is bench:fairness's) but the point at which a frame that
 * pins the event loop (the 2^40-leaf DAG did, for hours) fails the test instead of hanging it,
 * far above what a 2-core machine shared with other work takes to answer.
 */
export const ANSWER_WITHIN_MS = 5000;

/** `p`, or a rejection naming `what` and whether the server process is still alive. */
export function within<T>(p: Promise<T>, ms: number, what: string, exited: () => string | null): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (server ${exited() ?? 'alive'})`)), ms)),
    ),
  ]);
}

/** Requests carrying a 1 MiB string or a 60,000-long list in each field a server may quote, for `handle` (a reset CartPole). */
export function quotingRequests(handle: number): Record<string, unknown>[] {
  const big = 'x'.repeat(1 << 20);
  const wide = Array.from({ length: 60_000 }, (_, i) => i);
  return [
    { op: big },
    { op: 'make', env_id: big },
    { op: 'make', env_id: 'CartPole-v1', kwargs: { [big]: 1 } },
    { op: 'make', env_id: 'CartPole-v1', kwargs: { sutton_barto_reward: big } },
    { op: 'reset', handle, options: { low: big } },
    { op: 'reset', handle, options: { low: wide } },
    { op: 'step', handle, action: big },
    { op: 'step', handle, action: { dtype: 'float32', shape: wide, data: new Uint8Array(4) } },
    { op: 'reset', handle: big },
    { op: 'make', env_id: 'CartPole-v1', [big]: { [big]: 1 }, num_envs: big },
  ];
}

/** Each request gets an error answer of under 2 KiB (a hang fails after ANSWER_WITHIN_MS). */
export async function assertQuotedInPart(
  client: RawClient,
  requests: Record<string, unknown>[],
  exited: () => string | null,
): Promise<void> {
  for (const r of requests) {
    const answer = await within(client.call(r), ANSWER_WITHIN_MS, Object.keys(r).join(','), exited);
    const size = encodeMessage(answer).length;
    assert.ok(answer.error, JSON.stringify(answer).slice(0, 300));
    assert.ok(size < 2048, `${answer.error.code} answer of ${size} bytes: ${JSON.stringify(answer).slice(0, 300)}`);
  }
}
