// npm run soak [-- --clients 100 --steps 10000 --waves 5 --env Pendulum-v1]
// Soak: many clients stepping concurrently, coming and going in waves, against a server in a
// child process. Prints throughput, step latency percentiles, and the server's RSS and heap
// (after a forced GC) before and after each wave: with clients coming and going these must
// stay flat — a growing number is a leak (sessions, envs or buffers kept after a disconnect).
import { fork, type ChildProcess } from 'node:child_process';
import { benchArgs } from './cli-args.ts';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { SpaceValue } from '../protocol/env-api.ts';

const USAGE = `
npm run soak -- [flags]
  --clients N    concurrent clients (default 100)
  --steps N      steps per client, over all waves (default 10000)
  --waves N      times every client disconnects and comes back (default 5)
  --env ID       a Box or Discrete env (default Pendulum-v1)
  -h, --help     this text`;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  connections: number;
}

// ---- server mode: the child ------------------------------------------------------------------

if (process.argv.includes('--serve')) {
  const { startServer } = await import('../server/server.ts');
  const server = await startServer({ port: 0, maxConnections: 1024 });
  process.on('message', (msg: string) => {
    if (msg === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      process.send!({
        rss: m.rss,
        heapUsed: m.heapUsed,
        external: m.external + m.arrayBuffers,
        connections: server.connections(),
      } satisfies Memory);
    } else if (msg === 'stop') {
      server.close().then(() => process.exit(0));
    }
  });
  process.send!({ url: server.url });
} else {
  await main();
}

// ---- driver mode ------------------------------------------------------------------------------

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    clients: { type: 'string', default: '100' },
    steps: { type: 'string', default: '10000' },
    waves: { type: 'string', default: '5' },
    env: { type: 'string', default: 'Pendulum-v1' },
  });
  const clients = Number(values.clients);
  const steps = Number(values.steps);
  const waves = Number(values.waves);
  const envId = values.env!;
  const perWave = Math.ceil(steps / waves);
  const { RemoteEnv } = await import('../client/remote-env.ts');
  const { make } = await import('../envs/index.ts');

  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Whatever happens here, the server child goes too.
  process.once('exit', () => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const memory = () =>
    new Promise<Memory>((resolve) => {
      child.once('message', (m: Memory) => resolve(m));
      child.send('memory');
    });
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  const memoryLine = (m: Memory) =>
    `rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} MB, external ${mb(m.external)} MB, connections ${m.connections}`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // Sample actions from the local env's space, so any Box/Discrete env id works.
  const probe = make(envId);
  const space = probe.actionSpace;
  const action = (t: number): SpaceValue => {
    if (space.type === 'Discrete') return space.start + (t % space.n);
    if (space.type === 'Box') return Float32Array.from(space.low, (lo, i) => Math.max(lo, Math.min(space.high[i], Math.sin(t * 0.1 + i))));
    throw new Error(`soak drives Box or Discrete envs, ${envId} has ${space.type}`);
  };

  /** One client's visit: connect, make, step n times (resetting at episode ends), leave. */
  const visit = async (client: number, wave: number, n: number, lat: Float64Array, offset: number): Promise<void> => {
    await sleep(Math.random() * 200); // arrivals spread over 200 ms
    const env = await RemoteEnv.connect(url, envId, {}, { reconnect: false });
    await env.reset({ seed: client * 1000 + wave + 1 });
    for (let t = 0; t < n; t++) {
      const t0 = performance.now();
      const r = await env.step(action(t));
      lat[offset + t] = performance.now() - t0;
      if (r.terminated || r.truncated) await env.reset();
    }
    await env.close();
  };

  console.log(`soak: ${clients} clients x ${steps} steps of ${envId}, in ${waves} waves of ${perWave} steps per client (server ${url})`);
  // Warm-up wave (JIT, list caches), not measured.
  await Promise.all(Array.from({ length: clients }, (_, c) => visit(c, -1, 50, new Float64Array(50), 0)));
  await sleep(500);
  const before = await memory();
  console.log(`server before:     ${memoryLine(before)}`);

  const all: Float64Array[] = [];
  let stepped = 0;
  let stepWall = 0;
  const after: Memory[] = [];
  for (let w = 0; w < waves; w++) {
    const lat = new Float64Array(clients * perWave);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clients }, (_, c) => visit(c, w, perWave, lat, c * perWave)));
    const dt = (performance.now() - t0) / 1000;
    stepWall += dt;
    stepped += clients * perWave;
    all.push(lat);
    await sleep(300);
    const m = await memory();
    after.push(m);
    const sorted = Float64Array.from(lat).sort();
    const quantile = (q: number) => sorted[Math.floor(sorted.length * q)].toFixed(2);
    console.log(
      `wave ${w + 1}/${waves}: ${((clients * perWave) / dt).toFixed(0)} steps/s, p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms | ` +
        `server after: ${memoryLine(m)}`,
    );
  }
  const lat = new Float64Array(stepped);
  let o = 0;
  for (const a of all) {
    lat.set(a, o);
    o += a.length;
  }
  lat.sort();
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(2);
  const last = after[after.length - 1];
  console.log(`total: ${stepped} steps in ${stepWall.toFixed(1)} s = ${(stepped / stepWall).toFixed(0)} steps/s (incl. connects/resets)`);
  console.log(`step latency: p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, p99 ${pct(0.99)} ms, max ${lat[lat.length - 1].toFixed(2)} ms`);
  console.log(
    `server RSS: before ${mb(before.rss)} MB, after wave 1 ${mb(after[0].rss)} MB, after wave ${waves} ${mb(last.rss)} MB; ` +
      `heap ${mb(before.heapUsed)} -> ${mb(after[0].heapUsed)} -> ${mb(last.heapUsed)} MB; open connections at the end ${last.connections}`,
  );
  const growth = last.heapUsed - after[0].heapUsed;
  console.log(
    growth > 4 * 2 ** 20
      ? `WARNING: heap grew ${mb(growth)} MB between wave 1 and wave ${waves}`
      : `heap flat across waves (${mb(growth)} MB change after wave 1)`,
  );
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
}
