// Error answers cannot fail: whatever a handler throws, whatever its details hold, and
// whatever the log does, the client gets exactly one decodable error frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage } from '../../protocol/codec.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { errorFrame, thrownErrorFrame } from '../../server/error-frames.ts';

const decode = (b: Uint8Array) => decodeMessage(b) as { id: number | null; error: { code: string; message: string; details?: unknown } };

test('an error whose details msgpack cannot encode is answered without them', () => {
  const a = decode(errorFrame(3, { code: 'invalid_action', message: 'm', details: { x: 2n ** 70n } }));
  assert.deepEqual(a, { id: 3, error: { code: 'invalid_action', message: 'm' } });
});

test('anything thrown becomes one answer: GymwireErrors keep their code, the rest are internal and logged', () => {
  const logged: string[] = [];
  const log = (l: string) => logged.push(l);
  assert.equal(decode(thrownErrorFrame(1, 'step', new GymwireError('reset_needed', 'r'), log)).error.code, 'reset_needed');
  const hostile = new Proxy(
    {},
    {
      get: () => {
        throw new Error('trap');
      },
    },
  );
  const unprintable = {
    toString: () => {
      throw new Error('no');
    },
  };
  for (const thrown of [new Error('boom'), 'a string', null, undefined, hostile, unprintable, 'x'.repeat(1 << 20)]) {
    const a = decode(thrownErrorFrame(7, 'reset', thrown, log));
    assert.equal(a.id, 7);
    assert.equal(a.error.code, 'internal');
    assert.ok(a.error.message.length < 600, 'the message is bounded');
  }
  assert.equal(logged.length, 7);
  const a = decode(
    thrownErrorFrame(8, 'step', new Error('x'), () => {
      throw new Error('log failed');
    }),
  );
  assert.equal(a.error.code, 'internal');
});
