// npm run bench:protocol [-- --env Pendulum-v1 --steps 50000]
// Steps/s of one env in-process vs through RemoteEnv to an env server in another process
// (loopback, one request in flight at a time), with p50/p99 step latency.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { make } from '../envs/index.ts';
import { RemoteEnv } from '../client/remote-env.ts';
import { sample } from '../protocol/spaces.ts';
import { defaultRng } from '../protocol/random.ts';
import type { EnvLike, SpaceValue } from '../protocol/env-api.ts';

const { values } = parseArgs({
  options: {
    env: { type: 'string', default: 'Pendulum-v1' },
    steps: { type: 'string', default: '50000' },
    warmup: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    url: { type: 'string' },
  },
});
const envId = values.env!;
const steps = Number(values.steps);
const warmup = Number(values.warmup);
// Several rounds, each printed: on a shared machine one round can be slowed by other work.
const rounds = Number(values.rounds);

interface Figures {
  stepsPerSec: number;
  p50us: number;
  p99us: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Steps with pre-drawn actions (so action sampling is not timed), resetting at episode ends. */
async function run(env: EnvLike, n: number, actions: SpaceValue[]): Promise<Figures> {
  const lat = new Float64Array(n);
  await env.reset({ seed: 0 });
  const t0 = process.hrtime.bigint();
  let prev = t0;
  for (let i = 0; i < n; i++) {
    const r = await env.step(actions[i % actions.length]);
    if (r.terminated || r.truncated) await env.reset();
    const now = process.hrtime.bigint();
    lat[i] = Number(now - prev) / 1000;
    prev = now;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();
  return { stepsPerSec: n / seconds, p50us: percentile(lat, 0.5), p99us: percentile(lat, 0.99) };
}

async function spawnServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0'], {
    cwd: new URL('..', import.meta.url),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`env server exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /listening on (ws:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

const local = make(envId);
const rng = defaultRng(1);
const actions = Array.from({ length: 1024 }, () => sample(local.actionSpace, rng));

const rows: [string, Figures][] = [];
await run(local, warmup, actions);
rows.push(['in-process', await run(local, steps, actions)]);

const server = values.url ? { url: values.url, stop: () => {} } : await spawnServer();
try {
  const remote = await RemoteEnv.connect(server.url, envId);
  await run(remote, warmup, actions);
  const where = values.url ? server.url : 'server in another process';
  for (let r = 1; r <= rounds; r++) rows.push([`RemoteEnv (${where}), round ${r}`, await run(remote, steps, actions)]);
  await remote.close();
} finally {
  server.stop();
}

console.log(`\n${envId}, ${steps} steps each, one request in flight, node ${process.version}\n`);
const w = Math.max(...rows.map(([n]) => n.length));
console.log(`${'path'.padEnd(w)}  ${'steps/s'.padStart(10)}  ${'p50 µs'.padStart(8)}  ${'p99 µs'.padStart(8)}`);
for (const [name, f] of rows) {
  console.log(
    `${name.padEnd(w)}  ${Math.round(f.stepsPerSec).toString().padStart(10)}  ${f.p50us.toFixed(1).padStart(8)}  ${f.p99us.toFixed(1).padStart(8)}`,
  );
}
