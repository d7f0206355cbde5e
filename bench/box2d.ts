// Box2D envs: a fixed workload per env (seeded resets, seeded random actions), timed in
// process CPU time as well as wall time (the machine is shared, so CPU time is the steadier
// figure), and a SHA-256 digest of every observation and reward bit, so a performance
// change can be checked to leave trajectories bit-identical.
//
//   npm run bench:box2d                        every Box2D env, 3 rounds
//   npm run bench:box2d -- --rounds=5 --steps=20000 BipedalWalker-v3
//   npm run bench:box2d -- --digest-only       digests of a shorter workload, no timing
//   node --cpu-prof --import tsx bench/box2d.ts BipedalWalker-v3   then bench/cpuprofile-top.ts
import { createHash } from 'node:crypto';
import { make } from '../envs/index.ts';
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
  const only = args.filter((a) => !a.startsWith('--'));
  const ids = only.length > 0 ? only : BOX2D_IDS;
  const rounds = digestOnly ? 1 : num('rounds', 3);
  for (const id of ids) {
    const bipedal = id.startsWith('Bipedal');
    const steps = num('steps', digestOnly ? 3000 : bipedal ? 10_000 : 40_000);
    if (!digestOnly) runWorkload(id, Math.floor(steps / 4)); // warm-up
    const runs: Run[] = [];
    for (let r = 0; r < rounds; r++) runs.push(runWorkload(id, steps));
    const digests = new Set(runs.map((r) => r.digest));
    const cpuRate = median(runs.map((r) => r.steps / r.cpuSeconds));
    const wallRate = median(runs.map((r) => r.steps / r.wallSeconds));
    console.log(
      digestOnly
        ? `${id.padEnd(26)} digest ${[...digests].join(',')}`
        : `${id.padEnd(26)} ${fmt(cpuRate).padStart(7)} steps/cpu-s  ${fmt(wallRate).padStart(7)} steps/s wall` +
            `  (${runs[0].episodes} episodes/run, rounds: ${runs.map((r) => fmt(r.steps / r.cpuSeconds)).join(' ')})  digest ${[...digests].join(',')}`,
    );
  }
}
