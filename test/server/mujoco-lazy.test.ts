// MuJoCo's WebAssembly module loads only when a MuJoCo env is made: a server that lists envs
// and serves others never loads it. Once made remotely (single, vector in the server's thread,
// vector in a worker thread), a MuJoCo env steps as the same env made in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadEnv, make } from '../../envs/index.ts';

test('a server loads mujoco-js only on the first MuJoCo make, and serves the env like make() in-process', async () => {
  const script = fileURLToPath(new URL('./fixtures/mujoco-lazy-run.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.ok((got.listed as string[]).includes('InvertedDoublePendulum-v5'), 'list_envs lists the MuJoCo envs');
  assert.deepEqual(got.beforeMujoco, [], 'listing envs and serving Pendulum loaded no mujoco-js module');
  assert.equal(
    got.makeBeforeLoad,
    "unsupported: InvertedPendulum-v5 runs on MuJoCo's WebAssembly module: await loadEnv('InvertedPendulum-v5') before make()",
  );
  assert.equal(got.afterMujoco, true, 'making a MuJoCo env loaded it');

  await loadEnv('InvertedDoublePendulum-v5');
  const local = make('InvertedDoublePendulum-v5');
  assert.deepEqual(got.single, Array.from(local.reset({ seed: 7 }).obs as Float64Array));
  const stepped = Array.from(local.step(new Float32Array([0.3])).obs as Float64Array);
  assert.deepEqual(got.singleStep, stepped);
  assert.deepEqual(got.vector2, stepped, 'vector env in the server thread');
  assert.deepEqual(got.vector4, stepped, 'vector env in the worker thread');
  local.close();
});
