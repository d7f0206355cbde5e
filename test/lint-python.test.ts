// npm run lint's Python half (scripts/lint-python.ts) needs black and flake8, outside programs:
// without them it skips with the reason, except under CI=true, where it must fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/lint-python.ts');

/** Runs the script with a PATH that holds node and nothing else: no black, no flake8, no python3. */
function runWithoutTools(env: NodeJS.ProcessEnv) {
  const bin = mkdtempSync(join(tmpdir(), 'gymwire-lint-python-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { ...env, PATH: bin } });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

test('lint-python without black and flake8: skipped with the reason, exit 0', () => {
  const { CI: _ci, ...env } = process.env;
  const r = runWithoutTools(env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /lint-python: skipped, black and flake8 not found \(Debian: apt-get install black flake8\)/);
});

test('lint-python without black and flake8 under CI=true: a failure, exit 1', () => {
  const r = runWithoutTools({ ...process.env, CI: 'true' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /black and flake8 not found .*under CI=true the Python lint must run/);
});
