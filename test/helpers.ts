// Helpers several test files share.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { GymwireError } from '../protocol/errors.ts';

/** Runs `fn`, asserting that it throws a GymwireError; returns its code. */
export function throwsCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GymwireError, `expected a GymwireError, got ${e}`);
    return e.code;
  }
  assert.fail('expected an error');
}

/** Awaits `p`, asserting that it rejects with a GymwireError of `code`; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<GymwireError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GymwireError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected a ${code} rejection`);
}

/** A loopback port that was free a moment ago (for servers restarted on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
