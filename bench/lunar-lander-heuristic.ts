// How sensitive Gymnasium's discrete LunarLander heuristic is, on seeds 0..49: the returns'
// statistics as Gymnasium records them (test/fixtures/gymnasium/heuristic-scores.json), ours, and ours
// under perturbations as small as the differences between Box2D (float32) and planck
// (float64), to tell controller sensitivity from a physics difference.
//
//   node --import tsx bench/lunar-lander-heuristic.ts [--reps=10]
//
// Variants: "observation noise": N(0, 1e-3) added to s[0..5] before the controller sees them
// (the contact flags stay 0/1); "touchdown kick": once, when a leg first touches, every
// body's position, angle and velocities moved by up to 3e-4 (the size the golden replays
// drift apart by after touchdown); "float32 state": every body's state rounded to float32
// after each step. A crash is an episode ended by the hull touching the ground (-100).
import { readFileSync } from 'node:fs';
import { lunarLanderHeuristic } from '../envs/box2d/heuristics.ts';
import { LunarLander } from '../envs/box2d/lunar-lander.ts';
import { NumpyGenerator } from '../protocol/random.ts';

const SEEDS = 50;

interface Episode {
  ret: number;
  crashed: boolean;
}

type Perturb = (env: LunarLander, obs: Float64Array, touched: boolean, rng: NumpyGenerator) => void;

function episode(env: LunarLander, seed: number, perturb: Perturb | null, rng: NumpyGenerator): Episode {
  const obs = Float64Array.from(env.reset({ seed }).obs as Float32Array);
  let ret = 0;
  let touched = false;
  for (let t = 0; t < 1000; t++) {
    perturb?.(env, obs, touched, rng);
    touched ||= obs[6] === 1 || obs[7] === 1;
    const r = env.step(lunarLanderHeuristic(obs, false));
    ret += r.reward;
    obs.set(r.obs as Float32Array);
    if (r.terminated) return { ret, crashed: r.reward === -100 };
  }
  return { ret, crashed: false };
}

function stats(episodes: Episode[]): { mean: number; std: number; min: number; share: number; crashes: number } {
  const r = episodes.map((e) => e.ret);
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length);
  return {
    mean,
    std,
    min: Math.min(...r),
    share: r.filter((x) => x > 200).length / r.length,
    crashes: episodes.filter((e) => e.crashed).length,
  };
}

const fmt = (s: ReturnType<typeof stats>) =>
  `mean ${s.mean.toFixed(1)} std ${s.std.toFixed(1)} min ${s.min.toFixed(1)} share>200 ${s.share.toFixed(2)} crashes ${s.crashes}`;

const observationNoise: Perturb = (_env, obs, _touched, rng) => {
  for (let i = 0; i < 6; i++) obs[i] += rng.normal(0, 1e-3);
};

let kicked = false;
const touchdownKick: Perturb = (env, _obs, touched, rng) => {
  if (!touched) {
    kicked = false;
    return;
  }
  if (kicked) return;
  kicked = true;
  for (let b = env.world.getBodyList(); b; b = b.getNext()) {
    if (!b.isDynamic()) continue;
    const p = b.getPosition();
    const v = b.getLinearVelocity();
    const e = () => 3e-4 * rng.uniform(-1, 1);
    b.setTransform({ x: p.x + e(), y: p.y + e() }, b.getAngle() + e());
    b.setLinearVelocity({ x: v.x + e(), y: v.y + e() });
    b.setAngularVelocity(b.getAngularVelocity() + e());
  }
};

const float32State: Perturb = (env) => {
  const f = Math.fround;
  for (let b = env.world.getBodyList(); b; b = b.getNext()) {
    if (!b.isDynamic()) continue;
    const p = b.getPosition();
    const v = b.getLinearVelocity();
    b.setTransform({ x: f(p.x), y: f(p.y) }, f(b.getAngle()));
    b.setLinearVelocity({ x: f(v.x), y: f(v.y) });
    b.setAngularVelocity(f(b.getAngularVelocity()));
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 10);
  const recorded = (
    JSON.parse(readFileSync(new URL('../test/fixtures/gymnasium/heuristic-scores.json', import.meta.url), 'utf8')) as Record<
      string,
      { mean: number; std: number; min: number; share_over_200: number }
    >
  )['LunarLander-v3'];
  console.log(
    `Gymnasium (recorded)   mean ${recorded.mean.toFixed(1)} std ${recorded.std.toFixed(1)} min ${recorded.min.toFixed(1)} ` +
      `share>200 ${recorded.share_over_200.toFixed(2)}`,
  );
  const env = new LunarLander();
  const rng = new NumpyGenerator(0);
  const plain = Array.from({ length: SEEDS }, (_, seed) => episode(env, seed, null, rng));
  console.log(`ours                   ${fmt(stats(plain))}  crashed: ${plain.flatMap((e, s) => (e.crashed ? [s] : [])).join(' ')}`);
  for (const [name, perturb] of [
    ['float32 state', float32State],
    ['observation noise', observationNoise],
    ['touchdown kick', touchdownKick],
  ] as const) {
    const runs: ReturnType<typeof stats>[] = [];
    const crashesBySeed = new Array<number>(SEEDS).fill(0);
    const n = name === 'float32 state' ? 1 : reps;
    for (let k = 0; k < n; k++) {
      const rngK = new NumpyGenerator(1000 + k);
      const eps = Array.from({ length: SEEDS }, (_, seed) => episode(env, seed, perturb, rngK));
      eps.forEach((e, s) => (crashesBySeed[s] += e.crashed ? 1 : 0));
      runs.push(stats(eps));
    }
    const avg = (key: 'mean' | 'std' | 'min' | 'share' | 'crashes') => runs.reduce((a, s) => a + s[key], 0) / runs.length;
    const noCrash = runs.filter((s) => s.crashes === 0).length;
    const means = runs.map((s) => s.mean);
    const meanRange = `${Math.min(...means).toFixed(1)}..${Math.max(...means).toFixed(1)}`;
    const bySeed = crashesBySeed.flatMap((c, s) => (c ? [`${s}:${c}/${n}`] : [])).join(' ');
    console.log(
      `${name.padEnd(22)} ${n} runs: mean ${avg('mean').toFixed(1)} (runs ${meanRange}) ` +
        `std ${avg('std').toFixed(1)} min ${avg('min').toFixed(1)} share>200 ${avg('share').toFixed(2)} ` +
        `crashes ${avg('crashes').toFixed(2)}/run, ${noCrash} of ${n} runs without one; crashes by seed: ${bySeed}`,
    );
  }
}
