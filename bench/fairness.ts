// npm run bench:fairness [-- --num-envs 1024 --env BipedalWalkerHardcore-v3 --depth 4 --seconds 10 --url ws://...]
// Fair service under load: one "heavy" connection makes a vector env of --num-envs sub-envs,
// resets it and then steps it as fast as it can, --depth vector steps in flight (pipelined);
// meanwhile a "bystander" connection steps one CartPole-v1 one request at a time. Prints the
// bystander's wait per request (p50/p99/max) during the heavy reset and during the heavy
// stepping, and the heavy client's env-steps/s (num_envs x vector steps/s).
// The server runs in another process (server/cli.ts, with --server-arg flags), or at --url.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Connection, RemoteEnv } from '../client/remote-env.ts';
import { RemoteVectorEnv } from '../client/remote-vector-env.ts';
import { sample } from '../protocol/spaces.ts';
import { defaultRng } from '../protocol/random.ts';
import { batchLayout } from '../protocol/vector-api.ts';
import { spawnServer } from './server-process.ts';
import { ATTACKS } from './attacks.ts';

const HELP = `Usage: npm run bench:fairness -- [options]
  --env ID            the heavy client's env (default BipedalWalkerHardcore-v3)
  --num-envs N        its sub-envs (default 1024)
  --depth D           vector steps it keeps in flight (default 4)
  --seconds S         how long it steps (default 10)
  --runs R            repeat the whole measurement R times (default 1)
  --url URL           an env server already running (default: start server/cli.ts)
  --server-arg ARG    an extra argument for the started server; repeatable
                      (e.g. --server-arg=--memory-budget=2GiB)
  --server-dir DIR    start the server of another checkout (e.g. the main branch's, to
                      compare before and after), default this one
  --attacks all|N,... instead: issue 32's volume attacks (bench/attacks.ts), all or those
                      numbered, each against a fresh server with default flags, with
                      --seconds S of attack (default here 5); one table row each`;

const { values } = parseArgs({
  options: {
    env: { type: 'string', default: 'BipedalWalkerHardcore-v3' },
    'num-envs': { type: 'string', default: '1024' },
    depth: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    url: { type: 'string' },
    'server-arg': { type: 'string', multiple: true, default: [] },
    'server-dir': { type: 'string' },
    attacks: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const envId = values.env!;
const numEnvs = Number(values['num-envs']);
const depth = Number(values.depth);
const seconds = Number(values.seconds);
const runs = Number(values.runs);

/** The bystander: one CartPole, one request at a time; each request's start time and wait (ms). */
class Bystander {
  readonly starts: number[] = [];
  readonly waits: number[] = [];
  private running = true;
  private readonly done: Promise<void>;

  private constructor(private readonly env: RemoteEnv) {
    this.done = this.loop();
  }

  static async start(url: string, token?: string): Promise<Bystander> {
    return new Bystander(await RemoteEnv.connect(url, 'CartPole-v1', {}, { reconnect: false, token }));
  }

  private async timed<T>(p: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const r = await p();
    this.starts.push(t);
    this.waits.push(performance.now() - t);
    return r;
  }

  private async loop(): Promise<void> {
    const rng = defaultRng(1);
    await this.timed(() => this.env.reset({ seed: 0 }));
    while (this.running) {
      const r = await this.timed(() => this.env.step(rng.integers(2)));
      if (r.terminated || r.truncated) await this.timed(() => this.env.reset());
    }
  }

  /** The waits of the requests sent in [from, to). */
  between(from: number, to: number): number[] {
    return this.waits.filter((_, i) => this.starts[i] >= from && this.starts[i] < to);
  }

  /** Stops after the request in flight is answered. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    await this.env.close();
  }
}

function summary(waits: number[]): string {
  if (waits.length === 0) return 'no request answered';
  const s = Float64Array.from(waits).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  return `${String(s.length).padStart(6)} requests, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${s[s.length - 1].toFixed(2)} ms`;
}

/** CPU seconds (user + system) the process `pid` has used, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the file, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function once(url: string, serverPid: number | undefined): Promise<void> {
  const t0 = performance.now();
  const bystander = await Bystander.start(url);
  await new Promise((r) => setTimeout(r, 500));

  const conn = await Connection.open(url, { reconnect: false });
  const t1 = performance.now();
  const heavy = await RemoteVectorEnv.make(conn, envId, numEnvs);
  await heavy.reset({ seed: 0 });
  const t2 = performance.now();

  const space = heavy.singleActionSpace;
  const rng = defaultRng(2);
  const { itemSize } = batchLayout(space);
  const batches = Array.from({ length: 8 }, () => {
    const out = space.type === 'Discrete' ? new Int32Array(numEnvs) : new Float32Array(numEnvs * itemSize);
    for (let i = 0; i < numEnvs; i++) {
      const a = sample(space, rng);
      if (typeof a === 'number') out[i] = a;
      else out.set(a as Float32Array, i * itemSize);
    }
    return out;
  });
  let vectorSteps = 0;
  const end = t2 + seconds * 1000;
  const cpu0 = cpuSeconds(serverPid);
  const lane = async (k: number) => {
    for (let i = k; performance.now() < end; i += depth) {
      await heavy.step(batches[i % batches.length]);
      vectorSteps++;
    }
  };
  await Promise.all(Array.from({ length: depth }, (_, k) => lane(k)));
  const t3 = performance.now();
  const cpu1 = cpuSeconds(serverPid);
  await bystander.stop();
  console.log(`bystander alone:           ${summary(bystander.between(t0, t1))}`);
  console.log(`during heavy make + reset: ${summary(bystander.between(t1, t2))}  (make + reset took ${((t2 - t1) / 1000).toFixed(1)} s)`);
  console.log(`during heavy stepping:     ${summary(bystander.between(t2, t3))}`);
  const stepping = (t3 - t2) / 1000;
  const envSteps = vectorSteps * numEnvs;
  console.log(
    `heavy client: ${vectorSteps} vector steps of ${numEnvs} in ${stepping.toFixed(1)} s = ` +
      `${Math.round(envSteps / stepping).toLocaleString('en-US')} env-steps/s (depth ${depth})`,
  );
  if (cpu0 !== null && cpu1 !== null && vectorSteps > 0) {
    // CPU time is what the server spent, whatever else the machine ran meanwhile.
    const cpu = cpu1 - cpu0;
    console.log(
      `server CPU while stepping: ${cpu.toFixed(1)} s of ${stepping.toFixed(1)} s wall = ` +
        `${Math.round((cpu * 1e6) / envSteps)} µs per env-step (bystander included)`,
    );
  }
  await heavy.close();
  await conn.close();
}

/** Resident memory of process `pid` (bytes, from /proc; 0 elsewhere). */
function rssBytes(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs attack `n` in a process of its own (bench/attacks.ts); resolves with the outcome it prints. */
function runAttack(n: number, url: string, token: string, secs: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/attacks.ts', String(n), url, token, String(secs)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve(code === 0 ? out.trim().split('\n').at(-1)! : `exited ${code}`)));
}

/** Issue 32's attacks, one fresh server each: the bystander's waits during each, and what the attack saw. */
async function attacks(which: string): Promise<void> {
  const picked = which === 'all' ? ATTACKS.map((_, i) => i) : which.split(',').map((n) => Number(n) - 1);
  const token = 'bench-attacks-token-0123456789';
  const attackSeconds = values.seconds === '10' ? 5 : seconds;
  console.log(
    `attacks: server ${values['server-dir'] ?? 'this checkout'}, default flags; ${attackSeconds} s each; node ${process.version}`,
  );
  console.log('| # | attack | bystander requests | p50 ms | p99 ms | max ms | server CPU s | peak RSS MiB | outcome |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const i of picked) {
    const attack = ATTACKS[i];
    const args = [
      '--import',
      'tsx',
      'server/cli.ts',
      '--port',
      '0',
      ...(attack.needsToken ? ['--token', token] : []),
      ...values['server-arg']!,
    ];
    const server = await spawnServer(process.execPath, args, { cwd: values['server-dir'], timeoutMs: 120_000 });
    try {
      const bystander = await Bystander.start(server.url, attack.needsToken ? token : undefined);
      await new Promise((r) => setTimeout(r, 300));
      const cpu0 = cpuSeconds(server.child.pid);
      let peakRss = 0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(server.child.pid))), 50);
      const t0 = performance.now();
      const outcome = await runAttack(i + 1, server.url, attack.needsToken ? token : '-', attackSeconds);
      const t1 = performance.now();
      clearInterval(sampler);
      const cpu1 = cpuSeconds(server.child.pid);
      await bystander.stop();
      const waits = Float64Array.from(bystander.between(t0, t1)).sort();
      const q = (p: number) => (waits.length === 0 ? '-' : waits[Math.min(waits.length - 1, Math.floor(p * waits.length))].toFixed(1));
      const cpu = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0).toFixed(1) : '-';
      const rss = (peakRss / 2 ** 20).toFixed(0);
      console.log(`| ${i + 1} | ${attack.name} | ${waits.length} | ${q(0.5)} | ${q(0.99)} | ${q(1)} | ${cpu} | ${rss} | ${outcome} |`);
    } catch (e) {
      console.log(`| ${i + 1} | ${attack.name} | - | - | - | - | - | - | failed: ${(e as Error).message.slice(0, 120)} |`);
    } finally {
      server.child.kill('SIGKILL');
    }
  }
}

if (values.attacks !== undefined) {
  await attacks(values.attacks);
  process.exit(0);
}

const server = values.url
  ? { url: values.url, child: undefined, stop: async () => {} }
  : await spawnServer(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', ...values['server-arg']!], {
      cwd: values['server-dir'],
    });
try {
  console.log(
    `fairness: ${envId} x${numEnvs}, depth ${depth}, ${seconds} s, against CartPole-v1 one request at a time; ` +
      `server ${values['server-dir'] ?? 'this checkout'}; node ${process.version}`,
  );
  for (let r = 0; r < runs; r++) {
    if (runs > 1) console.log(`-- run ${r + 1}/${runs}`);
    await once(server.url, server.child?.pid);
  }
} finally {
  await server.stop();
}
