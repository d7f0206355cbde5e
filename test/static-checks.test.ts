// npm test's static checks, the package's own scripts run as they are (npm run typecheck,
// format:check, lint): test files like the others, so that the runner schedules them beside the
// tests rather than before them (each is mostly one process on one core). A failure carries the
// tool's output. The Python half of lint skips, saying why, without black and flake8, except
// under CI=true (scripts/lint-python.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Runs `npm run -s <script>` to its end (bounded) and returns its exit code and output. */
function npmRun(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', script], { cwd: ROOT, timeout: 600_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}` });
    });
  });
}

for (const [script, what] of [
  ['typecheck', 'tsc: the project, and the env page against the browser APIs only'],
  ['format:check', 'prettier: the TypeScript and JavaScript are formatted'],
  ['lint', 'eslint (line length included) and the Python package with black and flake8'],
]) {
  test(`npm run ${script}: ${what}`, async (t) => {
    const { code, output } = await npmRun(script);
    assert.equal(code, 0, `npm run ${script} failed:\n${output}`);
    for (const line of output.split('\n').filter((l) => /skipped/.test(l))) t.diagnostic(line);
  });
}
