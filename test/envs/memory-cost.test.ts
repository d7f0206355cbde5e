// The memory each env declares at registration (Registration.memoryBytes) is what the server's
// memory budget charges per instance: every built-in env declares it, and the declared figure
// covers what an instance really holds (measured as npm run bench:env-memory does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registrations } from '../../envs/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every built-in env declares its memory cost', () => {
  for (const r of registrations()) {
    assert.ok(Number.isInteger(r.memoryBytes) && r.memoryBytes! > 0, `${r.id} declares memoryBytes`);
  }
});

test('the declared cost covers the measured heap per instance (the cheapest and the costliest env)', () => {
  for (const [id, instances] of [
    ['CartPole-v1', 2000],
    ['BipedalWalkerHardcore-v3', 20],
  ] as const) {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'bench/env-memory.ts', '--one', id, '--instances', String(instances), '--steps', '20'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { heapPerInstance: number; declared: number };
    assert.ok(
      m.heapPerInstance <= m.declared,
      `${id}: ${(m.heapPerInstance / 1024).toFixed(1)} KiB measured, ${(m.declared / 1024).toFixed(1)} KiB declared`,
    );
    assert.ok(
      m.heapPerInstance > m.declared / 4,
      `${id}: the declared ${m.declared} bytes are not far above the measured ${m.heapPerInstance.toFixed(0)}`,
    );
  }
});
