// test/prerequisites.ts: a test missing something from outside the repository skips with the
// reason, except under CI, where it fails with it — checked on the helper itself and on a test
// file run by node's test runner with and without CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isCI, requireOrSkip } from './prerequisites.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const REASON = 'no moon here (apt-get install moon)';

function fakeContext() {
  const skipped: (string | undefined)[] = [];
  return { skipped, skip: (message?: string) => void skipped.push(message) };
}

test('isCI: CI set to anything but "", "0" or "false"', () => {
  assert.equal(isCI({}), false);
  for (const ci of ['', '0', 'false', 'FALSE']) assert.equal(isCI({ CI: ci }), false, `CI=${ci}`);
  for (const ci of ['true', '1', 'yes', 'True']) assert.equal(isCI({ CI: ci }), true, `CI=${ci}`);
});

test('requireOrSkip: nothing missing runs the test, CI or not', () => {
  for (const env of [{}, { CI: 'true' }]) {
    const t = fakeContext();
    for (const missing of [false, null, undefined, ''] as const) assert.equal(requireOrSkip(t, missing, env), false);
    assert.deepEqual(t.skipped, []);
  }
});

test('requireOrSkip: something missing skips with the reason when CI is unset', () => {
  for (const env of [{}, { CI: 'false' }]) {
    const t = fakeContext();
    assert.equal(requireOrSkip(t, REASON, env), true);
    assert.deepEqual(t.skipped, [REASON]);
  }
});

test('requireOrSkip: something missing fails with the reason under CI=true, never skips', () => {
  const t = fakeContext();
  assert.throws(
    () => requireOrSkip(t, REASON, { CI: 'true' }),
    (e: Error) => e.message.includes(REASON) && e.message.includes('CI=true'),
  );
  assert.deepEqual(t.skipped, []);
});

test('a test file using requireOrSkip, run by node --test: skipped with the reason, and a failure under CI=true', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gymwire-prerequisites-'));
  try {
    const file = join(dir, 'needs-moon.test.ts');
    writeFileSync(
      file,
      [
        "import { test } from 'node:test';",
        `import { requireOrSkip } from ${JSON.stringify(pathToFileURL(join(ROOT, 'test/prerequisites.ts')).href)};`,
        "test('needs the moon', (t) => {",
        `  if (requireOrSkip(t, ${JSON.stringify(REASON)})) return;`,
        "  throw new Error('ran without the moon');",
        '});',
        '',
      ].join('\n'),
    );
    const run = (ci: string | undefined) => {
      // NODE_TEST_CONTEXT would make the child report to this runner instead of printing TAP.
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      delete env.CI;
      if (ci !== undefined) env.CI = ci;
      return spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
    };
    const bare = run(undefined);
    assert.equal(bare.status, 0, `${bare.stdout}\n${bare.stderr}`);
    assert.ok(bare.stdout.includes(`# SKIP ${REASON}`), bare.stdout);
    assert.match(bare.stdout, /^# skipped 1$/m);
    const ci = run('true');
    assert.equal(ci.status, 1, `${ci.stdout}\n${ci.stderr}`);
    assert.match(ci.stdout, /^# fail 1$/m);
    assert.match(ci.stdout, /^# skipped 0$/m);
    assert.ok(ci.stdout.includes(`missing prerequisite: ${REASON}`), ci.stdout);
    t.diagnostic('CI unset: skipped with the reason; CI=true: failed with it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
