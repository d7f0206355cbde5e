// Box2D envs: a fixed workload per env (seeded resets, seeded random actions), timed in
// process CPU time as well as wall time (the machine is shared, so CPU time is the steadier
// figure), and a SHA-256 digest of every observation and reward bit, so a performance
// change can be checked to leave trajectories bit-identical.
//
//   npm run bench:box2d                        every Box2D env, 3 rounds
//   npm run bench:box2d -- --rounds=5 --steps=20000 BipedalWalker-v3
//   npm run bench:box2d -- --digest-only       digests of a shorter workload, no timing
//   npm run bench:box2d -- --fast-paths        each planck-overlay fast path's gain: the
//                                              workload with all of them, none, and all but
//                                              one, interleaved round by round in one process
//   npm run bench:box2d -- --fast-paths=rayCast --rounds=15 BipedalWalker-v3   one of them
//   node --cpu-prof --import tsx bench/box2d.ts BipedalWalker-v3   then bench/cpuprofile-top.ts
import { createHash } from 'node:crypto';
import { make } from '../envs/index.ts';
import { ALL_FAST_PATHS, NO_FAST_PATHS, setDefaultFastPaths, type FastPaths } from '../envs/box2d/planck-overlay/world.ts';
import type { SpaceValue } from '../protocol/env-api.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';

export const BOX2D_IDS = ['LunarLander-v3', 'LunarLanderContinuous-v3', 'BipedalWalker-v3', 'BipedalWalkerHardcore-v3'];

const ACTION_POOL = 4096;

interface Run {
  steps: number;
  episodes: number;
  cpuSeconds: number;
  wallSeconds: number;
  digest: string;
}

/**
 * Runs `steps` steps of `id` with random actions (seeded), resetting with seeds 0, 1, 2, ...
 * when an episode ends; hashes every observation and reward.
 */
export function runWorkload(id: string, steps: number): Run {
  const env = make(id);
  const rng = defaultRng(12345);
  const actions: SpaceValue[] = Array.from({ length: ACTION_POOL }, () => sample(env.actionSpace, rng));
  const hash = createHash('sha256');
  const scalar = new Float64Array(1);
  let episodes = 0;
  const first = env.reset({ seed: 0 }).obs as Float32Array;
  hash.update(new Uint8Array(first.buffer, first.byteOffset, first.byteLength));
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const r = env.step(actions[t & (ACTION_POOL - 1)]);
    const o = r.obs as Float32Array;
    hash.update(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
    scalar[0] = r.reward;
    hash.update(new Uint8Array(scalar.buffer));
    if (r.terminated || r.truncated) {
      episodes++;
      const o2 = env.reset({ seed: episodes }).obs as Float32Array;
      hash.update(new Uint8Array(o2.buffer, o2.byteOffset, o2.byteLength));
    }
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  env.close();
  return { steps, episodes, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds, digest: hash.digest('hex').slice(0, 16) };
}

function fmt(n: number): string {
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const num = (name: string, dflt: number) => {
    const a = args.find((x) => x.startsWith(`--${name}=`));
    return a ? Number(a.slice(name.length + 3)) : dflt;
  };
  const digestOnly = args.includes('--digest-only');
  const fastPathsArg = args.find((a) => a === '--fast-paths' || a.startsWith('--fast-paths='));
  const fastPaths = fastPathsArg !== undefined;
  const fastPathNames = fastPathsArg?.includes('=') ? fastPathsArg.slice('--fast-paths='.length).split(',') : undefined;
  const only = args.filter((a) => !a.startsWith('--'));
  const ids = only.length > 0 ? only : BOX2D_IDS;
  const rounds = digestOnly ? 1 : num('rounds', 3);
  for (const id of fastPaths ? ids : [])
    compareFastPaths(id, num('rounds', 5), num('steps', id.startsWith('Bipedal') ? 5000 : 20_000), fastPathNames);
  for (const id of fastPaths ? [] : ids) {
    const bipedal = id.startsWith('Bipedal');
    const steps = num('steps', digestOnly ? 3000 : bipedal ? 10_000 : 40_000);
    if (!digestOnly) runWorkload(id, Math.floor(steps / 4)); // warm-up
    const runs: Run[] = [];
    for (let r = 0; r < rounds; r++) runs.push(runWorkload(id, steps));
    const digests = new Set(runs.map((r) => r.digest));
    const cpuRate = median(runs.map((r) => r.steps / r.cpuSeconds));
    const wallRate = median(runs.map((r) => r.steps / r.wallSeconds));
    const digest = [...digests].join(',');
    const roundRates = runs.map((r) => fmt(r.steps / r.cpuSeconds)).join(' ');
    console.log(
      digestOnly
        ? `${id.padEnd(26)} digest ${digest}`
        : `${id.padEnd(26)} ${fmt(cpuRate).padStart(7)} steps/cpu-s  ${fmt(wallRate).padStart(7)} steps/s wall` +
            `  (${runs[0].episodes} episodes/run, rounds: ${roundRates})  digest ${digest}`,
    );
  }
}

/**
 * Each fast path's gain: steps per CPU-second of the workload with every fast path, with
 * none, and with all but one, the variants taking turns within each round so that the
 * machine's load falls on all of them alike: the median rate, and the median over rounds of
 * the ratio "all" / this variant (for "all but X": what X buys). The digests must agree: a
 * fast path changes no bit.
 */
function compareFastPaths(id: string, rounds: number, steps: number, only?: string[]): void {
  const names = (Object.keys(ALL_FAST_PATHS) as (keyof FastPaths)[]).filter((n) => only === undefined || only.includes(n));
  const variants: [string, FastPaths][] = [
    ['all', { ...ALL_FAST_PATHS }],
    ...(only === undefined ? [['none', { ...NO_FAST_PATHS }] as [string, FastPaths]] : []),
    ...names.map((n): [string, FastPaths] => [`all but ${n}`, { ...ALL_FAST_PATHS, [n]: false }]),
  ];
  const rates = variants.map(() => [] as number[]);
  const digests = new Set<string>();
  setDefaultFastPaths(ALL_FAST_PATHS);
  runWorkload(id, Math.floor(steps / 4)); // warm-up
  for (let r = 0; r < rounds; r++) {
    variants.forEach(([, paths], i) => {
      setDefaultFastPaths(paths);
      const run = runWorkload(id, steps);
      rates[i].push(run.steps / run.cpuSeconds);
      digests.add(run.digest);
    });
  }
  setDefaultFastPaths(ALL_FAST_PATHS);
  console.log(`${id}: ${rounds} rounds of ${steps} steps per variant; digests ${[...digests].join(',')}`);
  variants.forEach(([name], i) => {
    // Ratios within a round, where the variants met the same load; then their median.
    const ratio = median(rates[i].map((rate, r) => rates[0][r] / rate));
    const rate = fmt(median(rates[i])).padStart(7);
    console.log(`  ${name.padEnd(22)} ${rate} steps/cpu-s   all / this ${ratio.toFixed(3)}   (${rates[i].map(fmt).join(' ')})`);
  });
}
