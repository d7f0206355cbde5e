// The README's "Using a remote env" example is what a newcomer copies first: it must
// type-check under the project's strict settings and run against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../server/server.ts';
import { make, registrations } from '../envs/index.ts';
import type { Space } from '../protocol/schema/spaces.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// Written beside the README so its './client/...' imports resolve as they would for a reader.
const EXAMPLE = join(ROOT, `.readme-example-${process.pid}.ts`);

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README.md has no ```ts example');
  return m[1];
}

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(async () => {
  rmSync(EXAMPLE, { force: true });
  await server?.close();
});

test('the README example type-checks and runs against a server', async () => {
  const source = readmeExample();
  assert.match(source, /ws:\/\/127\.0\.0\.1:8765/, 'the example connects to the default server URL');
  writeFileSync(EXAMPLE, source.replaceAll('ws://127.0.0.1:8765', server.url));

  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--allowImportingTsExtensions',
      '--skipLibCheck',
      '--types',
      'node',
      EXAMPLE,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, `tsc:\n${tsc.stdout}${tsc.stderr}`);

  // Asynchronously: the server runs in this process and must keep answering.
  const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', EXAMPLE], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const m = /^return (-?\d+\.\d)$/m.exec(run.stdout);
  assert.ok(m, `no return printed:\n${run.stdout}`);
  // Pendulum's reward is in [-16.27, 0] per step.
  assert.ok(Number(m[1]) <= 0 && Number(m[1]) >= -16.28 * 200, run.stdout);
});

test("README's env table has a line for every built-in env, with its registered spaces, limits and render fps", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Envs'), readme.indexOf('## Using a remote env'));
  const lines = new Map(
    section
      .split('\n')
      .filter((l) => /^\| [A-Z]\w+-v\d+ \|/.test(l))
      .map((l) => [
        l.split('|')[1].trim(),
        l
          .split('|')
          .slice(2, -1)
          .map((c) => c.trim()),
      ]),
  );
  const shown = (s: Space) => (s.type === 'Box' ? `Box(${s.shape.join('x')})` : s.type === 'Discrete' ? `Discrete(${s.n})` : s.type);
  const value = (v: number | null | undefined) => (v === null || v === undefined ? '—' : String(v));
  for (const r of registrations()) {
    const row = lines.get(r.id);
    assert.ok(row, `README's env table lacks ${r.id}`);
    let spaces = r.spaces;
    if (!spaces) {
      const env = make(r.id);
      spaces = { observation: env.observationSpace, action: env.actionSpace };
      env.close();
    }
    assert.deepEqual(
      row.slice(1),
      [shown(spaces.observation), shown(spaces.action), value(r.maxEpisodeSteps), value(r.rewardThreshold), value(r.renderFps)],
      r.id,
    );
  }
  assert.equal(lines.size, registrations().length, 'a line for an env that is not registered');
});
