// npm run lint's Python half: black (the formatter, in check mode) and flake8 (the linter) over the
// Python package, its tests and the scripts, with the line-length limit of the TypeScript (black's
// from [tool.black] in python/pyproject.toml, flake8's from .flake8).
//
//   tsx scripts/lint-python.ts            black --check (printing the diff it would make), flake8
//   tsx scripts/lint-python.ts --format   black rewrites the files (npm run format)
//
// black and flake8 are outside programs (Debian: apt-get install black flake8). Without them the
// check is skipped with the reason, as a test is, except under CI=true, where a missing tool fails.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PATHS = ['python', 'test/python', 'scripts'];
const BLACK_CONFIG = 'python/pyproject.toml';

/** How to run `tool`: its command on PATH, else `python3 -m tool` (a pip install without scripts on PATH), else null. */
function find(tool: string): string[] | null {
  for (const cmd of [[tool], ['python3', '-m', tool]]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), '--version'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return cmd;
  }
  return null;
}

function run(cmd: string[], args: string[]): boolean {
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status === 0;
}

const format = process.argv.includes('--format');
const black = find('black');
const flake8 = find('flake8');
const missing = [black ? null : 'black', format || flake8 ? null : 'flake8'].filter((t) => t !== null);
if (missing.length > 0) {
  const why = `${missing.join(' and ')} not found (Debian: apt-get install black flake8)`;
  if (process.env.CI === 'true') {
    console.error(`lint-python: ${why}; under CI=true the Python lint must run`);
    process.exit(1);
  }
  console.log(`lint-python: skipped, ${why}`);
  process.exit(0);
}

if (format) process.exit(run(black!, ['--config', BLACK_CONFIG, '--quiet', ...PATHS]) ? 0 : 1);
const problems = [
  run(black!, ['--config', BLACK_CONFIG, '--check', '--diff', '--quiet', ...PATHS]) ? null : 'black would reformat (npm run format)',
  run(flake8!, PATHS) ? null : 'flake8 found problems',
].filter((p) => p !== null);
if (problems.length > 0) {
  console.error(`lint-python: ${problems.join('; ')}`);
  process.exit(1);
}
