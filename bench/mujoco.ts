// MuJoCo envs in process: env steps/s of each env (seeded resets, seeded random actions,
// timed in process CPU time and wall time), the physics steps/s that makes (env steps times
// frame_skip), and, in the same run, native MuJoCo's own `mujoco-testspeed` (Debian's
// libmujoco-samples, MuJoCo 2.2.2) on the same model file, as the reference the ratio is taken
// against. Prints `uptime` first: the machine is shared. The workloads differ: testspeed
// drives the model with small control noise (0.01), the envs with uniform random actions over
// the whole ctrlrange, which reach other contact states. Then, through an env server in another
// process (npm run env-server, on loopback), env steps/s in wall-clock time of one RemoteEnv
// (one request in flight) and of a RemoteVectorEnv of 64 sub-envs (sub-env steps/s; the server
// runs vectors this large in a worker thread).
//
//   npm run bench:mujoco                         every MuJoCo env
//   npm run bench:mujoco -- --steps=20000 HalfCheetah-v5
//   npm run bench:mujoco -- --no-remote          in process and native only
//
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadEnv, make } from '../envs/index.ts';
import type { MujocoEnv } from '../envs/mujoco/mujoco-env.ts';
import { loadMujoco } from '../envs/mujoco/runtime.ts';
import { RemoteEnv } from '../client/remote-env.ts';
import { RemoteVectorEnv } from '../client/remote-vector-env.ts';
import type { Env } from '../protocol/env-api.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';
import { startServerProcess } from './server-process.ts';

const ENVS: Record<string, { model: string; build: () => Env }> = {
  'InvertedPendulum-v5': { model: 'inverted_pendulum.xml', build: () => make('InvertedPendulum-v5') },
  'InvertedDoublePendulum-v5': { model: 'inverted_double_pendulum.xml', build: () => make('InvertedDoublePendulum-v5') },
  'HalfCheetah-v5': { model: 'half_cheetah.xml', build: () => make('HalfCheetah-v5') },
  'Hopper-v5': { model: 'hopper.xml', build: () => make('Hopper-v5') },
  'Walker2d-v5': { model: 'walker2d_v5.xml', build: () => make('Walker2d-v5') },
  'Swimmer-v5': { model: 'swimmer.xml', build: () => make('Swimmer-v5') },
  'Reacher-v5': { model: 'reacher.xml', build: () => make('Reacher-v5') },
  'Pusher-v5': { model: 'pusher_v5.xml', build: () => make('Pusher-v5') },
  'Ant-v5': { model: 'ant.xml', build: () => make('Ant-v5') },
  'Humanoid-v5': { model: 'humanoid.xml', build: () => make('Humanoid-v5') },
  'HumanoidStandup-v5': { model: 'humanoidstandup.xml', build: () => make('HumanoidStandup-v5') },
};

const ACTION_POOL = 4096;

interface Run {
  envSteps: number;
  frameSkip: number;
  cpuSeconds: number;
  wallSeconds: number;
}

function runEnv(id: string, steps: number): Run {
  const env = ENVS[id].build();
  const rng = defaultRng(12345);
  const actions = Array.from({ length: ACTION_POOL }, () => sample(env.actionSpace, rng));
  let seed = 0;
  env.reset({ seed: seed++ });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const r = env.step(actions[t % ACTION_POOL] as never);
    if (r.terminated || r.truncated) env.reset({ seed: seed++ });
  }
  const cpu = process.cpuUsage(cpu0);
  const wallSeconds = (performance.now() - wall0) / 1000;
  const unwrapped = ('unwrapped' in env ? (env as { unwrapped: unknown }).unwrapped : env) as MujocoEnv;
  const frameSkip = unwrapped.frameSkip;
  env.close();
  return { envSteps: steps, frameSkip, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds };
}

/**
 * mujoco-testspeed on the model: physics steps per CPU second (its steps over the CPU time
 * bash's `time` gives it, model load included, so comparable with ours on a shared machine),
 * and its own wall-clock figure; or why there is none.
 */
function testspeed(model: string, steps: number): { cpu: number; wall: number } | string {
  const path = fileURLToPath(new URL(`../envs/mujoco/assets/${model}`, import.meta.url));
  const script = `TIMEFORMAT='cpu %U %S'; time mujoco-testspeed "$0" ${steps} 1 0.01`;
  const r = spawnSync('bash', ['-c', script, path], { encoding: 'utf8', timeout: 300_000 });
  const wall = /Steps per second\s*:\s*([\d.]+)/.exec(r.stdout);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (!wall || !cpu) return `no figure from mujoco-testspeed (apt-get install libmujoco-samples): ${r.stderr.trim().split('\n').pop()}`;
  return { cpu: steps / (Number(cpu[1]) + Number(cpu[2])), wall: Number(wall[1]) };
}

/** One RemoteEnv through the server at `url`: env steps/s in wall-clock time (random actions, resets as episodes end). */
async function remoteSingle(url: string, id: string, steps: number): Promise<number> {
  const env = await RemoteEnv.connect(url, id);
  const rng = defaultRng(12345);
  const actions = Array.from({ length: ACTION_POOL }, () => sample(env.actionSpace, rng));
  let seed = 0;
  await env.reset({ seed: seed++ });
  const run = async (n: number) => {
    for (let t = 0; t < n; t++) {
      const r = await env.step(actions[t % ACTION_POOL] as never);
      if (r.terminated || r.truncated) await env.reset({ seed: seed++ });
    }
  };
  await run(Math.min(500, steps));
  const t0 = performance.now();
  await run(steps);
  const rate = steps / ((performance.now() - t0) / 1000);
  await env.close();
  return rate;
}

/** A RemoteVectorEnv of `n` through the server at `url`: sub-env steps/s in wall-clock time (the vector resets sub-envs itself). */
async function remoteVector(url: string, id: string, n: number, vectorSteps: number): Promise<number> {
  const venv = await RemoteVectorEnv.connect(url, id, n);
  const rng = defaultRng(12345);
  const width = sample(venv.singleActionSpace, rng) as Float32Array;
  const pool = Array.from({ length: 64 }, () => {
    const batch = new Float32Array(n * width.length);
    for (let k = 0; k < n; k++) batch.set(sample(venv.singleActionSpace, rng) as Float32Array, k * width.length);
    return batch;
  });
  await venv.reset({ seed: 0 });
  for (let t = 0; t < 10; t++) await venv.step(pool[t % pool.length]);
  const t0 = performance.now();
  for (let t = 0; t < vectorSteps; t++) await venv.step(pool[t % pool.length]);
  const rate = (vectorSteps * n) / ((performance.now() - t0) / 1000);
  await venv.close();
  return rate;
}

const { values, positionals } = parseArgs({
  options: { steps: { type: 'string', default: '10000' }, 'no-remote': { type: 'boolean', default: false } },
  allowPositionals: true,
});
const steps = Number(values.steps);
const ids = positionals.length > 0 ? positionals : Object.keys(ENVS);
await loadMujoco();
for (const id of ids) if (id in ENVS) await loadEnv(id);

console.log(`uptime: ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()}`);
console.log(`node ${process.version}; ${steps} env steps per env, random actions; physics = env steps x frame_skip`);
const row = (...cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(28) : c.padStart(14))).join('');
// Room for 64 of the largest (Humanoid's) in the budget's 3/4, and 64 envs per connection.
const server = values['no-remote'] ? null : await startServerProcess(['--memory-budget', '4GiB', '--max-envs', '256']);
console.log(row('env', 'env steps/s', 'physics/s', 'native/s', 'ratio', 'wall env/s', 'native wall/s', 'remote env/s', 'remote 64 /s'));
for (const id of ids) {
  if (!(id in ENVS)) {
    console.log(`${id}: not a MuJoCo env built so far (${Object.keys(ENVS).join(', ')})`);
    continue;
  }
  runEnv(id, Math.min(1000, steps)); // warm-up: JIT and the model's first compile
  const r = runEnv(id, steps);
  const envRate = r.envSteps / r.cpuSeconds;
  const physics = envRate * r.frameSkip;
  const native = testspeed(ENVS[id].model, steps * r.frameSkip);
  const n = typeof native === 'string' ? null : native;
  const cells = [envRate.toFixed(0), physics.toFixed(0), n ? n.cpu.toFixed(0) : '-', n ? (physics / n.cpu).toFixed(2) : '-'];
  const remote = server
    ? [(await remoteSingle(server.url, id, Math.min(steps, 5000))).toFixed(0), (await remoteVector(server.url, id, 64, 100)).toFixed(0)]
    : ['-', '-'];
  console.log(row(id, ...cells, (r.envSteps / r.wallSeconds).toFixed(0), n ? n.wall.toFixed(0) : '-', ...remote));
  if (typeof native === 'string') console.log(`  ${native}`);
}
await server?.stop();
console.log('per CPU second (ours: process CPU time; native: its CPU time incl. model load); ratio = physics / native');
console.log(
  'wall: wall-clock; remote: through an env server in another process on loopback, one request in flight (remote 64: sub-env steps/s)',
);
