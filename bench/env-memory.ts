// npm run bench:env-memory [-- --env ID]... [--plugin MODULE]... [--instances N] [--steps S]
// What one instance of each registered env costs in memory, the figure the server's memory
// budget charges per env instance (Registration.memoryBytes, server/memory-budget.ts).
// Each env id is measured in a fresh child process (node --expose-gc): N instances are made,
// reset (seeded) and stepped S random steps each (resetting ended episodes, so the lazily
// built parts exist: Box2D terrain, particles), then the heap after a full GC is compared with
// the heap before. Printed per instance: V8 heap + external memory, and RSS (which also holds
// the allocator's slack), next to the figure declared at registration.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HELP = `Usage: npm run bench:env-memory -- [--env ID]... [--plugin MODULE]... [--instances N] [--steps S]
  --env ID         measure this env id (repeatable; default: every registered env)
  --plugin MODULE  load a server plugin first (as env-server --plugin), to measure its envs
  --instances N    instances per env (default: 2000 for envs under 16 KiB, else 200)
  --steps S        random steps per instance after its reset (default 100)`;

const { values } = parseArgs({
  options: {
    env: { type: 'string', multiple: true },
    instances: { type: 'string' },
    steps: { type: 'string', default: '100' },
    one: { type: 'string' },
    plugin: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

interface Measured {
  id: string;
  instances: number;
  heapPerInstance: number;
  rssPerInstance: number;
  declared: number | null;
}

/** In the child: measure one env id and print its figures as JSON. */
async function measureOne(id: string, steps: number, instancesFlag: string | undefined, plugins: string[]): Promise<void> {
  const { make, registration, loadEnv } = await import('../envs/index.ts');
  const { loadPlugins } = await import('../server/plugins.ts');
  await loadPlugins(plugins, userCwd);
  await loadEnv(id); // a MuJoCo env's module loads on first use: before the baseline
  const { sample } = await import('../protocol/spaces.ts');
  const { defaultRng } = await import('../protocol/random.ts');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const rng = defaultRng(0);
  const usage = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed + m.external, rss: m.rss };
  };
  const exercise = (env: ReturnType<typeof make>, seed: number) => {
    env.reset({ seed });
    for (let t = 0; t < steps; t++) {
      const r = env.step(sample(env.actionSpace, rng) as never);
      if (r.terminated || r.truncated) env.reset();
    }
  };
  // One instance first, so code, JIT and shared tables are in the baseline, not in the figure.
  const first = make(id);
  exercise(first, 0);
  first.close();
  const declared = registration(id).memoryBytes ?? null;
  const instances = instancesFlag !== undefined ? Number(instancesFlag) : declared !== null && declared < 16 * 1024 ? 2000 : 200;
  const before = usage();
  const envs = [];
  for (let i = 0; i < instances; i++) {
    const env = make(id);
    exercise(env, i + 1);
    envs.push(env);
  }
  const after = usage();
  const out: Measured = {
    id,
    instances,
    heapPerInstance: (after.heap - before.heap) / instances,
    rssPerInstance: (after.rss - before.rss) / instances,
    declared,
  };
  console.log(JSON.stringify(out));
  for (const env of envs) env.close();
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
// npm runs scripts from the package root; INIT_CWD is where the user typed the command.
const userCwd = process.env.INIT_CWD ?? process.cwd();

if (values.one !== undefined) {
  await measureOne(values.one, Number(values.steps), values.instances, values.plugin!);
} else {
  const { registrations } = await import('../envs/index.ts');
  const { loadPlugins } = await import('../server/plugins.ts');
  await loadPlugins(values.plugin!, userCwd);
  const ids = values.env ?? registrations().map((r) => r.id);
  const self = fileURLToPath(import.meta.url);
  console.log(
    `memory per env instance after reset + ${values.steps} random steps ` +
      `(heap = V8 heap + external, after a full GC); node ${process.version}`,
  );
  // A table row: the env id left-aligned, then the four figures right-aligned.
  const widths = [10, 14, 14, 14];
  const row = (id: string, ...figures: string[]) => id.padEnd(28) + figures.map((f, i) => f.padStart(widths[i])).join('');
  console.log(row('env', 'instances', 'heap', 'rss', 'declared'));
  let low = false;
  for (const id of ids) {
    const args = ['--expose-gc', '--import', 'tsx', self, '--one', id, '--steps', values.steps!];
    if (values.instances !== undefined) args.push('--instances', values.instances);
    for (const p of values.plugin!) args.push('--plugin', p);
    const r = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, INIT_CWD: userCwd },
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      console.log(`${id.padEnd(28)}failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    const m = JSON.parse(line) as Measured;
    const flag = m.declared !== null && m.heapPerInstance > m.declared ? '  < measured heap is above the declared figure' : '';
    low ||= flag !== '';
    const declared = m.declared === null ? 'none' : kib(m.declared);
    console.log(row(m.id, String(m.instances), kib(m.heapPerInstance), kib(m.rssPerInstance), declared) + flag);
  }
  if (low) process.exitCode = 1;
}
