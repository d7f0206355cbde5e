// MuJoCo's WebAssembly module loads only when a MuJoCo env is made: a server that lists envs
// and serves others never loads it. Once made remotely (single, vector in the server's thread,
// vector in a worker thread), a MuJoCo env steps as the same env made in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadEnv, make, registration } from '../../envs/index.ts';
import { parseJson } from '../../agents/json-text.ts';

test('a server loads mujoco-js only on the first MuJoCo make, and serves the env like make() in-process', async () => {
  const script = fileURLToPath(new URL('./fixtures/mujoco-lazy-run.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = parseJson(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.ok((got.listed as string[]).includes('InvertedDoublePendulum-v5'), 'list_envs lists the MuJoCo envs');
  assert.deepEqual(got.beforeMujoco, [], 'listing envs and serving Pendulum loaded no mujoco-js module');
  assert.equal(
    got.makeBeforeLoad,
    "unsupported: InvertedPendulum-v5 runs on MuJoCo's WebAssembly module: await loadEnv('InvertedPendulum-v5') before make()",
  );
  assert.equal(got.afterMujoco, true, 'making a MuJoCo env loaded it');

  await loadEnv('InvertedDoublePendulum-v5');
  await loadEnv('Hopper-v5');
  const local = make('InvertedDoublePendulum-v5');
  assert.deepEqual(got.single, Array.from(local.reset({ seed: 7 }).obs as Float64Array));
  const stepped = Array.from(local.step(new Float32Array([0.3])).obs as Float64Array);
  assert.deepEqual(got.singleStep, stepped);
  assert.deepEqual(got.vector2, stepped, 'vector env in the server thread');
  assert.deepEqual(got.vector4, stepped, 'vector env in the worker thread');
  local.close();

  // Hopper-v5 with its range kwarg through the server: the default and a raised healthy_z_range.
  assert.deepEqual(got.listedHopper, {
    type: 'range',
    default: [0.7, Infinity],
    description: registration('Hopper-v5').kwargs.healthy_z_range.description,
  });
  for (const [key, zRange, terminated] of [
    ['hopper', [0.7, Infinity], false],
    ['hopperHigh', [1.3, Infinity], true],
  ] as const) {
    const remote = got[key] as { spec: unknown; obs: number[]; terminated: boolean; vectorObs: number[]; vectorTerminated: boolean[] };
    const hopper = make('Hopper-v5', key === 'hopper' ? {} : { healthy_z_range: [...zRange] });
    hopper.reset({ seed: 7 });
    const s = hopper.step(new Float32Array([0.1, -0.2, 0.3]));
    assert.deepEqual(remote.spec, zRange, `${key}: spec.kwargs echoes the range, Infinity included`);
    assert.deepEqual(remote.obs, Array.from(s.obs as Float64Array), key);
    assert.equal(s.terminated, terminated, `${key}: in-process termination`);
    assert.equal(remote.terminated, terminated, `${key}: the range reached the env through the server`);
    assert.deepEqual(remote.vectorObs, remote.obs, `${key}: vector env in the worker thread`);
    assert.deepEqual(remote.vectorTerminated, [terminated, terminated], `${key}: the range reached the worker thread`);
    hopper.close();
  }
  assert.equal(got.badRange, "invalid_kwargs: Hopper-v5: kwarg 'healthy_z_range' must have low <= high, got [2, 1]");
});
