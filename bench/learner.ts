// Learner updates per second (DDPG by default; --algo td3 or sac), Pendulum-sized (obs 3, act 1;
// --obs/--act for others, e.g. LunarLander 8/2, BipedalWalker 24/4), batch 256: the learner's
// kernels with 1 and 2 threads, optionally its tfjs backend, and with --torch PyTorch
// (../shared/bench/torch_update_rate.py, the same update) at 1 and 2 threads — interleaved in
// rounds, so every ratio compares figures taken under the same machine load.
// --cpu-time counts updates per CPU-second instead (our process's CPU time; torch's process
// time), the figure a quiet core would give: on a shared machine wall-clock rates mostly
// measure how much of a core each process got. Threads > 1 then show efficiency, not speed.
// Usage: npm run bench:learner [-- --torch --sizes 64x64,256x256 --rounds 3 --seconds 3
//                                  --threads 1,2 --torch-threads 1,2 --tfjs wasm,cpu --cpu-time
//                                  --algo ddpg|td3|sac --vs-algo ALGO --obs 3 --act 1 --critic-layer-norm]
// --critic-layer-norm adds kernel columns with the layer-normalised critic ("LN") next to the plain ones.
// --vs-algo adds kernel columns of another algorithm (e.g. --algo sac --vs-algo td3), in the same rounds.
// The torch script and the tfjs backend compute DDPG's update: with --algo td3 they are left out.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { selectBackend } from '../agents/backends/choice.ts';
import { ALGOS, type Algo } from '../agents/train-config.ts';
import { Learner, type Batch } from '../agents/learner.ts';
import { defaultRng } from '../protocol/random.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '256' },
    sizes: { type: 'string', default: '64x64,256x256' },
    threads: { type: 'string', default: '1,2' },
    torch: { type: 'boolean', default: false },
    'torch-threads': { type: 'string', default: '1,2' },
    python: { type: 'string', default: '/usr/bin/python3' },
    tfjs: { type: 'string', default: '' },
    'cpu-time': { type: 'boolean', default: false },
    'critic-layer-norm': { type: 'boolean', default: false },
    algo: { type: 'string', default: 'ddpg' },
    'vs-algo': { type: 'string', default: '' },
    obs: { type: 'string', default: '3' },
    act: { type: 'string', default: '1' },
  },
});
const ALGO = values.algo as Algo;
if (!ALGOS.includes(ALGO)) throw new Error(`--algo must be one of ${ALGOS.join(', ')}`);
const VS = (values['vs-algo'] || null) as Algo | null;
if (VS !== null && !ALGOS.includes(VS)) throw new Error(`--vs-algo must be one of ${ALGOS.join(', ')}`);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const B = Number(values.batch);
const SIZES = values.sizes!.split(',').map((s) => s.split('x').map(Number));
const THREADS = values.threads!.split(',').map(Number);
const TORCH_THREADS = values['torch-threads']!.split(',').map(Number);
const TFJS = values.tfjs && ALGO === 'ddpg' ? values.tfjs.split(',') : [];
const OBS = Number(values.obs);
const ACT = Number(values.act);
const TORCH_SCRIPT = new URL('../../shared/bench/torch_update_rate.py', import.meta.url).pathname;
const CPU_TIME = values['cpu-time']!;
/** Seconds of this process's CPU time (all threads), or wall-clock seconds. */
const clock = CPU_TIME
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    }
  : () => performance.now() / 1000;

function makeBatches(n: number): Batch[] {
  const rng = defaultRng(0);
  const f = (k: number) => Float32Array.from(rng.uniformArray(-1, 1, k));
  return Array.from({ length: n }, () => ({
    size: B,
    obs: f(B * OBS),
    actions: f(B * ACT),
    rewards: f(B),
    nextObs: f(B * OBS),
    terminated: Float32Array.from({ length: B }, () => (rng.random() < 0.01 ? 1 : 0)),
  }));
}
const batches = makeBatches(8);

/** Updates per second of our learner (kernels, or tfjs on the backend already selected). */
function ours(hidden: number[], threads: number, backend: 'kernels' | 'tfjs', criticLayerNorm = false, algo = ALGO): number {
  const learner = new Learner({
    algo,
    obsDim: OBS,
    actDim: ACT,
    actorHidden: hidden,
    criticHidden: hidden,
    gamma: 0.99,
    tau: 0.005,
    actorLr: 1e-3,
    criticLr: 1e-3,
    seed: 0,
    threads,
    backend,
    criticLayerNorm,
  });
  try {
    for (let i = 0; i < 10; i++) learner.update(batches[i % batches.length]);
    const t0 = performance.now();
    const c0 = clock();
    let n = 0;
    while (performance.now() - t0 < SECONDS * 1000) learner.update(batches[n++ % batches.length]);
    return n / (clock() - c0);
  } finally {
    learner.dispose();
  }
}

/** Why torch cannot run here, or null. */
function torchMissing(): string | null {
  if (!existsSync(TORCH_SCRIPT)) return `${TORCH_SCRIPT} not found`;
  const r = spawnSync(values.python!, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${values.python}: ${r.error.message}`;
  if (r.status !== 0) return `${values.python} cannot import torch (${r.stderr.trim().split('\n').pop()}); see ../shared/bench/README.md`;
  return null;
}

function torch(hidden: number[], threads: number): number {
  // With --cpu-time the script's timer is the process's CPU time (its loop reads perf_counter).
  const run = CPU_TIME
    ? [
        '-c',
        'import sys, time; time.perf_counter = time.process_time; sys.argv = sys.argv[1:]; exec(open(sys.argv[0]).read())',
        TORCH_SCRIPT,
      ]
    : [TORCH_SCRIPT];
  const r = spawnSync(
    values.python!,
    [
      ...run,
      '--hidden',
      hidden.join(','),
      '--batch',
      String(B),
      '--obs',
      String(OBS),
      '--act',
      String(ACT),
      '--threads',
      String(threads),
      '--seconds',
      String(SECONDS),
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const m = /torch updates\/s ([\d.]+)/.exec(r.stdout ?? '');
  if (!m) throw new Error(`torch script failed: ${r.stderr || r.error?.message}`);
  return Number(m[1]);
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(
  `${ALGO.toUpperCase()} learner updates per ${CPU_TIME ? 'CPU-second' : 'second'}: batch ${B}, obs ${OBS}, act ${ACT}, ` +
    `${SECONDS} s per figure, ${ROUNDS} rounds; ${cpus().length} cores, load avg ${load()}`,
);
const missing = !values.torch
  ? 'not asked for (--torch)'
  : ALGO !== 'ddpg'
    ? `the torch script computes DDPG's update, not ${ALGO.toUpperCase()}'s`
    : torchMissing();
if (missing) console.log(`torch column skipped: ${missing}`);

type Column = { label: string; run: (hidden: number[]) => number };
const columns: Column[] = THREADS.map((t) => ({ label: `kernels ${t}T`, run: (h: number[]) => ours(h, t, 'kernels') }));
if (values['critic-layer-norm'])
  columns.push(...THREADS.map((t) => ({ label: `kernels ${t}T LN`, run: (h: number[]) => ours(h, t, 'kernels', true) })));
if (VS) columns.push(...THREADS.map((t) => ({ label: `${VS} kernels ${t}T`, run: (h: number[]) => ours(h, t, 'kernels', false, VS) })));
if (!missing) columns.push(...TORCH_THREADS.map((t) => ({ label: `torch ${t}T`, run: (h: number[]) => torch(h, t) })));
for (const backend of TFJS) {
  await selectBackend(backend as never);
  columns.push({ label: `tfjs-${backend} 1T`, run: (h: number[]) => ours(h, 1, 'tfjs') });
}

const results = new Map<string, Map<string, number[]>>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const hidden of SIZES) {
    const size = hidden.join('x');
    const row = results.get(size) ?? new Map<string, number[]>();
    results.set(size, row);
    const line: string[] = [];
    const got = new Map<string, number>();
    for (const c of columns) {
      const rate = c.run(hidden);
      got.set(c.label, rate);
      row.set(c.label, [...(row.get(c.label) ?? []), rate]);
      line.push(`${c.label} ${rate.toFixed(0)}`);
    }
    const torchBest = Math.max(...TORCH_THREADS.map((t) => got.get(`torch ${t}T`) ?? NaN));
    const ratios = Number.isFinite(torchBest)
      ? THREADS.map((t) => `${t}T ${(got.get(`kernels ${t}T`)! / torchBest).toFixed(2)}x`).join(', ')
      : '';
    row.set('ratio', [
      ...(row.get('ratio') ?? []),
      Number.isFinite(torchBest) ? Math.max(...THREADS.map((t) => got.get(`kernels ${t}T`)!)) / torchBest : NaN,
    ]);
    console.log(`round ${round} ${size.padEnd(8)} ${line.join(' | ')}${ratios ? ` | vs torch best: ${ratios}` : ''} (load ${load()})`);
  }
}

console.log('\nsummary (min / median / max over rounds):');
const stat = (xs: number[], digits: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(digits)} / ${s[Math.floor(s.length / 2)].toFixed(digits)} / ${s[s.length - 1].toFixed(digits)}`;
};
for (const [size, row] of results) {
  for (const [label, xs] of row) {
    if (label === 'ratio' && xs.some(Number.isNaN)) continue;
    console.log(
      `  ${size.padEnd(8)} ${(label === 'ratio' ? 'best kernels / best torch' : label).padEnd(26)} ${stat(xs, label === 'ratio' ? 2 : 0)}`,
    );
  }
}
