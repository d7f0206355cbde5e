// Helpers several test files share.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
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

/** A self-signed certificate for 127.0.0.1 and localhost, valid a day, written by openssl into `dir` (cert.pem, key.pem). */
export function selfSignedCert(dir: string): { cert: Buffer; key: Buffer; certPath: string } {
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certPath), key: readFileSync(join(dir, 'key.pem')), certPath };
}
