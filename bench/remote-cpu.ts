// node --import tsx bench/remote-cpu.ts --url ws://HOST:PORT [--env Pendulum-v1 --steps 5000 --rounds 3 --sizes 1,16,64,256 --seconds 1]
// The TypeScript clients' cost per step against a running server, as one JSON line: process CPU
// time (user + system) per step and steps/s of RemoteEnv (one request in flight), and per
// env-step of RemoteVectorEnv at each size. python/bench/speed.py prints these next to the
// Python clients' figures, measured against the same server.
import { parseArgs } from 'node:util';
import { RemoteEnv } from '../client/remote-env.ts';
import { RemoteVectorEnv } from '../client/remote-vector-env.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    env: { type: 'string', default: 'Pendulum-v1' },
    steps: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,16,64,256' },
    seconds: { type: 'string', default: '1' },
  },
});
if (!values.url) throw new Error('--url ws://HOST:PORT is required');
const url = values.url;
const envId = values.env!;
const steps = Number(values.steps);
const seconds = Number(values.seconds);

/** CPU µs (user + system) and wall seconds that `run` takes. */
async function measure(run: () => Promise<void>): Promise<{ cpuUs: number; wallS: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, wallS: (performance.now() - t0) / 1000 };
}

const single: { cpu_us_per_step: number; steps_per_s: number }[] = [];
const env = await RemoteEnv.connect(url, envId);
await env.reset({ seed: 0 });
const action = new Float32Array(env.actionSpace.type === 'Box' ? env.actionSpace.shape.reduce((a, b) => a * b, 1) : 1);
const stepMany = async (n: number) => {
  for (let i = 0; i < n; i++) {
    const r = await env.step(env.actionSpace.type === 'Box' ? action : 0);
    if (r.terminated || r.truncated) await env.reset();
  }
};
await stepMany(Math.min(2000, steps));
for (let r = 0; r < Number(values.rounds); r++) {
  const m = await measure(() => stepMany(steps));
  single.push({ cpu_us_per_step: m.cpuUs / steps, steps_per_s: steps / m.wallS });
}
await env.close();

const vector: Record<string, { cpu_us_per_env_step: number; env_steps_per_s: number }> = {};
for (const n of values.sizes!.split(',').map(Number)) {
  const venv = await RemoteVectorEnv.connect(url, envId, n);
  await venv.reset({ seed: 0 });
  const actions = new Float32Array(n * action.length);
  let count = 0;
  const run = async () => {
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      for (let k = 0; k < 10; k++) await venv.step(venv.singleActionSpace.type === 'Box' ? actions : new Int32Array(n));
      count += 10;
    }
  };
  for (let i = 0; i < 50; i++) await venv.step(venv.singleActionSpace.type === 'Box' ? actions : new Int32Array(n));
  const m = await measure(run);
  vector[n] = { cpu_us_per_env_step: m.cpuUs / (count * n), env_steps_per_s: (count * n) / m.wallS };
  await venv.close();
}
console.log(JSON.stringify({ single, vector }));
