// Trains DDPG on Pendulum-v1 through an env server in another process, for several seeds, and
// reports env steps and wall seconds until the deterministic eval mean reaches ≥ -200, plus
// the eval mean at the end (20k steps). Long: run it in the background.
// Usage: npm run bench:pendulum [-- --seeds 0,1,2 --steps 20000 --eval-every 1000 --backend auto --out runs/bench-pendulum]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { buildConfig } from '../agents/config.ts';
import { selectBackend } from '../agents/backends/choice.ts';
import { train } from '../agents/trainer.ts';
import { startServerProcess } from './server-process.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string', default: '20000' },
    'eval-every': { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'runs/bench-pendulum' },
    threshold: { type: 'string', default: '-200' },
  },
});
const THRESHOLD = Number(values.threshold);
const backend = await selectBackend(values.backend as never);
const server = await startServerProcess();
console.log(
  `Pendulum-v1 DDPG via ${server.url} (server in another process), backend ${backend}, ${cpus().length} cores, load avg ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (shared machine: timings are noisy)`,
);

interface Row {
  seed: number;
  solvedStep: number | null;
  solvedSeconds: number | null;
  finalEval: number;
  finalStd: number;
  wall: number;
}
const rows: Row[] = [];
try {
  for (const seed of values.seeds!.split(',').map(Number)) {
    const config = buildConfig(
      {
        env: 'Pendulum-v1',
        url: server.url,
        steps: values.steps,
        seed: String(seed),
        'eval-every': values['eval-every'],
        out: join(values.out!, `s${seed}`),
        backend: values.backend,
      },
      {},
    );
    const log = { isTTY: false, write: (s: string) => (s.startsWith('eval') ? process.stdout.write(`  [seed ${seed}] ${s}`) : true) };
    const r = await train(config, { out: log });
    const solved = r.evals.find((e) => e.mean >= THRESHOLD) ?? null;
    rows.push({
      seed,
      solvedStep: solved?.step ?? null,
      solvedSeconds: solved?.wallSeconds ?? null,
      finalEval: r.lastEval!.mean,
      finalStd: r.lastEval!.std,
      wall: r.wallSeconds,
    });
    const row = rows[rows.length - 1];
    console.log(
      `seed ${seed}: eval ≥ ${THRESHOLD} at ${row.solvedStep ?? 'never'} steps (${row.solvedSeconds?.toFixed(1) ?? '—'} s); ` +
        `eval at ${r.steps} steps ${row.finalEval.toFixed(1)} ± ${row.finalStd.toFixed(1)}; total ${row.wall.toFixed(1)} s`,
    );
  }
} finally {
  await server.stop();
}
console.log('\nseed | steps to eval ≥ -200 | seconds | eval at end');
for (const r of rows) {
  const cells = [
    String(r.seed).padStart(4),
    String(r.solvedStep ?? 'never').padStart(20),
    (r.solvedSeconds?.toFixed(1) ?? '—').padStart(7),
    r.finalEval.toFixed(1),
  ];
  console.log(cells.join(' | '));
}
const all = rows.every((r) => r.solvedStep !== null && r.finalEval >= THRESHOLD);
console.log(all ? `all ${rows.length} seeds reach ≥ ${THRESHOLD} within ${values.steps} steps` : 'goal NOT met for every seed');
