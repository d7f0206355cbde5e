// Closing a MuJoCo env frees its MjModel and MjData: making and closing 10,000 of them leaves
// MuJoCo's WebAssembly memory (which grows when it must and never shrinks) the size it was, and a
// server's memory budget has the env's charge back at close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEnv, make, registration, Wrapper } from '../../envs/index.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { startServer } from '../../server/server.ts';
import { Connection } from '../../client/connection.ts';
import { RemoteEnv } from '../../client/remote-env.ts';

/** The size of MuJoCo's WebAssembly memory, seen through a view the env hands out. */
function wasmBytes(env: MujocoEnv): number {
  return (env.data.qpos as Float64Array).buffer.byteLength;
}

test('making, stepping and closing 10,000 MuJoCo envs keeps MuJoCo memory flat', async () => {
  await loadEnv('InvertedPendulum-v5');
  const cycle = (i: number) => {
    const env = make('InvertedPendulum-v5');
    env.reset({ seed: i });
    env.step(new Float32Array([0.1]));
    const bytes = wasmBytes((env as Wrapper).unwrapped as unknown as MujocoEnv);
    env.close();
    return bytes;
  };
  // Warm up: the allocator settles on its pools.
  for (let i = 0; i < 100; i++) cycle(i);
  const before = cycle(100);
  let after = before;
  for (let i = 0; i < 10_000; i++) after = cycle(i);
  assert.equal(after, before, `MuJoCo's memory grew from ${before} to ${after} bytes`);
  // A closed env refuses to run rather than touch freed memory.
  const env = make('InvertedPendulum-v5');
  env.reset({ seed: 1 });
  env.close();
  env.close();
  assert.throws(() => env.step(new Float32Array([0.1])), /closed/);
});

test("a server gives a closed MuJoCo env's memory charge back at close, not when the collector runs", async () => {
  const bytes = registration('HalfCheetah-v5').memoryBytes!;
  // Room under 3/4 of the budget (where makes stop) for two HalfCheetahs, not three.
  const server = await startServer({ port: 0, memoryBudget: Math.ceil((2.5 * bytes) / 0.75) });
  const conn = await Connection.open(server.url);
  try {
    for (let i = 0; i < 6; i++) {
      const env = await RemoteEnv.make(conn, 'HalfCheetah-v5');
      await env.close();
    }
  } finally {
    await conn.close();
    await server.close();
  }
});
