// Steps/s of every registered env, in process, through make() (so with TimeLimit and
// OrderEnforcing, as gymnasium.make's envs are measured), with random actions drawn up front
// from a fixed seed so sampling is not timed. Resets when an episode ends; reset time counts.
//
//   npm run bench:envs                      every env, ~2 s each
//   npm run bench:envs -- --seconds=5 Pendulum-v1 CartPole-v1
import { make, registrations } from '../envs/index.ts';
import type { SpaceValue } from '../protocol/env-api.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';

// Gymnasium 1.4 (Python) on this machine, same loop: steps/s.
const GYMNASIUM_REFERENCE: Record<string, number> = {
  'LunarLanderContinuous-v3': 22_800,
  'Pendulum-v1': 42_000,
  'MountainCarContinuous-v0': 176_000,
};

const ACTION_POOL = 4096; // a power of two, so the index wraps with a mask
const CHECK_EVERY = 256; // steps between clock reads

interface Result {
  id: string;
  steps: number;
  episodes: number;
  seconds: number;
}

function bench(id: string, seconds: number): Result {
  const env = make(id);
  const rng = defaultRng(12345);
  const actions: SpaceValue[] = Array.from({ length: ACTION_POOL }, () => sample(env.actionSpace, rng));
  env.reset({ seed: 0 });

  const run = (budgetMs: number): Result => {
    let steps = 0;
    let episodes = 0;
    const start = performance.now();
    let now = start;
    while (now - start < budgetMs) {
      for (let i = 0; i < CHECK_EVERY; i++) {
        const r = env.step(actions[steps & (ACTION_POOL - 1)]);
        steps++;
        if (r.terminated || r.truncated) {
          env.reset();
          episodes++;
        }
      }
      now = performance.now();
    }
    return { id, steps, episodes, seconds: (now - start) / 1000 };
  };

  // Warm-up: the JIT settles on the Box2D envs only after a second or so of stepping.
  run(Math.min(1500, seconds * 500));
  const result = run(seconds * 1000);
  env.close();
  return result;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

const args = process.argv.slice(2);
const secondsArg = args.find((a) => a.startsWith('--seconds='));
const seconds = secondsArg ? Number(secondsArg.slice('--seconds='.length)) : 2;
const only = args.filter((a) => !a.startsWith('--'));
const ids = registrations()
  .map((r) => r.id)
  .filter((id) => only.length === 0 || only.includes(id));

console.log(`bench:envs: ${ids.length} envs, ~${seconds} s each, node ${process.version}\n`);
const header = ['env', 'steps/s', 'episodes', 'Gymnasium (Python)', 'speed-up'];
const rows: string[][] = [];
for (const id of ids) {
  const r = bench(id, seconds);
  const rate = r.steps / r.seconds;
  const ref = GYMNASIUM_REFERENCE[id];
  rows.push([id, fmt(rate), String(r.episodes), ref ? fmt(ref) : '', ref ? `${(rate / ref).toFixed(1)}x` : '']);
  console.log(`  ${id}: ${fmt(rate)} steps/s`);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log('\n' + line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
