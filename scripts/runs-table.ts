// npm run runs-table -- [--at 50000,100000,150000] RUN_DIR...
// A markdown table of training runs from their metrics.jsonl: algorithm, env, seed, the hidden
// layers of actor and critic (LN: a layer-normalised critic), γ, the learning rates (and
// schedule), n-step, updates per step, τ, the minibatch size and the exploration σ (what runs of
// one env have differed in), the eval (mean ± std) at the given steps, the best eval and the wall
// seconds to the last record.
// Then a summary, as rliable reports results: runs grouped by algorithm, env and every column above
// but the seed; per group the seeds (tuning seeds: --tuning-seeds; the rest are fresh), each seed's
// score at the step (--summary-at, default the runs' final step: the latest npm run evaluate of
// >= 100 episodes recorded in final-evals.jsonl at that step, else the run's own eval there, marked
// *), and over the fresh seeds and over all: the interquartile mean (scipy trim_mean 0.25: n < 4
// cuts none, so it is the mean), its 95% bootstrap CI over seeds, and the worst seed.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TrainConfig } from '../agents/train-config.ts';
import type { FinalEval } from '../agents/evaluate.ts';
import { summarize } from './iqm.ts';
import { parseJson } from '../agents/json-text.ts';

const USAGE = `Usage: npm run runs-table -- [--at STEP,STEP,...] [--tuning-seeds S,S,...] [--summary-at STEP] RUN_DIR...
  --at            the steps whose evals make the columns (default 50000,100000,150000)
  --tuning-seeds  the seeds the defaults were tuned on; the summary reports the others apart as fresh
  --summary-at    the step the summary is at (default: each group's final step, its config's steps)`;

/** Final evaluations count in the summary from this many episodes on. */
export const FINAL_EVAL_EPISODES = 100;

interface Row {
  type: string;
  step: number;
  mean?: number;
  std?: number;
  wallSeconds: number;
}

/** What every run's config.json holds; keys added later (algo, nStep, …) may be missing from older runs. */
type RunConfig = Pick<TrainConfig, 'env' | 'seed' | 'steps' | 'actorHidden' | 'criticHidden' | 'gamma' | 'actorLr' | 'criticLr'> &
  Partial<TrainConfig>;

/** σ of the exploration noise, "σ → final" when it decays, "OU σ" for Ornstein-Uhlenbeck; — when the config predates it. */
function noiseColumn(c: RunConfig): string {
  if (c.noise === 'none') return 'none';
  if (c.noiseSigma === undefined) return '—';
  const decays = c.noiseSigmaFinal !== undefined && c.noiseSigmaFinal !== c.noiseSigma && (c.noiseDecaySteps ?? 0) > 0;
  return `${c.noise === 'ou' ? 'OU ' : ''}${c.noiseSigma}${decays ? ` → ${c.noiseSigmaFinal}` : ''}`;
}

/** A path given that is not a training run's output directory (a shell glob also matches logs). */
export class NotARunError extends Error {}

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function readRun(dir: string): { config: RunConfig; rows: Row[] } {
  for (const f of ['config.json', 'metrics.jsonl'])
    if (!existsSync(join(dir, f))) throw new NotARunError(`${dir}: not a run directory (no ${f})`);
  const config = parseJson(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;
  return { config, rows: jsonLines<Row>(join(dir, 'metrics.jsonl')) };
}

/** The columns that describe a run's configuration but its seed: algo, env, nets, γ, lr, n-step, updates/step, τ, batch, σ. */
function configCells(config: RunConfig): { algo: string; env: string; rest: (string | number)[] } {
  const nets = `${config.actorHidden.join('x')} / ${config.criticHidden.join('x')}${config.criticLayerNorm ? ' LN' : ''}`;
  const lr = config.actorLr === config.criticLr ? `${config.actorLr}` : `${config.actorLr} / ${config.criticLr}`;
  const rates = `${lr}${config.lrSchedule === 'linear' ? ' → 0' : ''}`;
  return {
    algo: (config.algo ?? 'ddpg').toUpperCase(),
    env: config.env,
    rest: [
      nets,
      config.gamma,
      rates,
      config.nStep ?? 1,
      config.updatesPerStep ?? 1,
      config.tau ?? '—',
      config.batchSize ?? '—',
      noiseColumn(config),
    ],
  };
}

export function runRow(dir: string, at: number[]): string {
  const { config, rows } = readRun(dir);
  const evals = rows.filter((r) => r.type === 'eval');
  const fmt = (r: Row | undefined) => (r ? `${r.mean!.toFixed(1)} ± ${r.std!.toFixed(1)}` : '—');
  const best = evals.reduce<Row | undefined>((b, r) => (!b || r.mean! > b.mean! ? r : b), undefined);
  const last = rows[rows.length - 1];
  const done = existsSync(join(dir, 'done')) || evals.some((r) => r.step === config.steps);
  const cells = configCells(config);
  const wall = last ? `${last.wallSeconds.toFixed(0)}${done ? '' : ` (at step ${last.step}, running)`}` : '—';
  return tableRow([
    cells.algo,
    cells.env,
    config.seed,
    ...cells.rest,
    ...at.map((s) => fmt(evals.find((r) => r.step === s))),
    `${fmt(best)}${best ? ` at ${best.step}` : ''}`,
    wall,
  ]);
}

/** One seed's score in the summary; final: a recorded npm run evaluate of >= 100 episodes, else the run's own eval. */
interface SeedScore {
  seed: number;
  score: number;
  final: boolean;
}

/**
 * The summary table: one row per group of runs that differ only in their seed. Seeds in
 * `tuningSeeds` are listed apart and left out of the fresh statistics; `summaryAt` overrides the
 * step (default: the group's config steps). A run with no score at the step is listed as "seed —".
 */
export function summaryTable(dirs: string[], tuningSeeds: number[], summaryAt?: number): string[] {
  const groups = new Map<
    string,
    { cells: ReturnType<typeof configCells>; step: number; runs: { dir: string; config: RunConfig; rows: Row[] }[] }
  >();
  for (const dir of dirs) {
    const run = readRun(dir);
    const cells = configCells(run.config);
    const key = JSON.stringify(cells);
    const g = groups.get(key) ?? { cells, step: 0, runs: [] };
    g.step = Math.max(g.step, run.config.steps);
    g.runs.push({ dir, ...run });
    groups.set(key, g);
  }
  const fmtStats = (s: SeedScore[]) => {
    if (s.length === 0) return '— | —';
    const r = summarize(
      s.map((x) => x.seed),
      s.map((x) => x.score),
    );
    return `${r.iqm.toFixed(1)} [${r.low.toFixed(1)}, ${r.high.toFixed(1)}] | ${r.worst.toFixed(1)} (seed ${r.worstSeed})`;
  };
  const header = ['algo', 'env', 'actor / critic', 'γ', 'lr', 'n-step', 'updates/step', 'τ', 'batch', 'σ', 'step'];
  header.push(
    'tuning seeds: score',
    'fresh seeds: score',
    'fresh n',
    'fresh IQM [95% CI]',
    'fresh worst',
    'all n',
    'all IQM [95% CI]',
    'all worst',
  );
  const out = [tableRow(header), `|${header.map(() => '---|').join('')}`];
  for (const g of groups.values()) {
    const step = summaryAt ?? g.step;
    const scores: SeedScore[] = [];
    const missing: number[] = [];
    for (const run of [...g.runs].sort((a, b) => a.config.seed - b.config.seed)) {
      const finals = jsonLines<FinalEval>(join(run.dir, 'final-evals.jsonl')).filter(
        (e) => e.step === step && e.episodes >= FINAL_EVAL_EPISODES,
      );
      const ev = run.rows.find((r) => r.type === 'eval' && r.step === step);
      if (finals.length) scores.push({ seed: run.config.seed, score: finals[finals.length - 1].mean, final: true });
      else if (ev) scores.push({ seed: run.config.seed, score: ev.mean!, final: false });
      else missing.push(run.config.seed);
    }
    const list = (tuning: boolean) =>
      [
        ...scores
          .filter((s) => tuningSeeds.includes(s.seed) === tuning)
          .map((s) => `${s.seed}: ${s.score.toFixed(1)}${s.final ? '' : '*'}`),
        ...missing.filter((s) => tuningSeeds.includes(s) === tuning).map((s) => `${s}: —`),
      ].join(', ') || '—';
    const fresh = scores.filter((s) => !tuningSeeds.includes(s.seed));
    out.push(
      tableRow([
        g.cells.algo,
        g.cells.env,
        ...g.cells.rest,
        step,
        list(true),
        list(false),
        fresh.length,
        fmtStats(fresh),
        scores.length,
        fmtStats(scores),
      ]),
    );
  }
  return out;
}

/** A markdown table row: "| a | b | c |". */
function tableRow(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        at: { type: 'string', default: '50000,100000,150000' },
        'tuning-seeds': { type: 'string', default: '' },
        'summary-at': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    console.log(USAGE);
    process.exit(parsed.values.help ? 0 : 2);
  }
  const at = parsed.values.at!.split(',').map(Number);
  const header = [
    ...['algo', 'env', 'seed', 'actor / critic', 'γ', 'lr', 'n-step', 'updates/step', 'τ', 'batch', 'σ'],
    ...at.map((s) => `eval at ${s / 1000}k`),
    ...['best eval', 'wall s'],
  ];
  console.log(tableRow(header));
  console.log(`|${header.map(() => '---|').join('')}`);
  for (const dir of parsed.positionals) {
    try {
      console.log(runRow(dir, at));
    } catch (e) {
      if (!(e instanceof NotARunError)) throw e;
      console.error(`skipped ${e.message}`);
      process.exitCode = 1;
    }
  }
  const tuningSeeds = parsed.values['tuning-seeds']!.split(',')
    .filter((s) => s.trim())
    .map(Number);
  const summaryAt = parsed.values['summary-at'] === undefined ? undefined : Number(parsed.values['summary-at']);
  const runs = parsed.positionals.filter((d) => existsSync(join(d, 'config.json')) && existsSync(join(d, 'metrics.jsonl')));
  console.log(
    `\nSummary at ${summaryAt === undefined ? "each group's final step" : `step ${summaryAt}`}: ` +
      `per seed the ${FINAL_EVAL_EPISODES}+-episode ` +
      `npm run evaluate recorded in final-evals.jsonl at that step, else (*) the run's own eval there. ` +
      `Tuning seeds (--tuning-seeds): ${tuningSeeds.length ? tuningSeeds.join(', ') : 'none given, so every seed counts as fresh'}. ` +
      `IQM: the mean of the middle half (scipy trim_mean 0.25; under 4 seeds it cuts none: the mean); ` +
      `CI: 95% percentile bootstrap over seeds (2000 resamples, fixed RNG seed); worst: the lowest seed.\n`,
  );
  for (const line of summaryTable(runs, tuningSeeds, summaryAt)) console.log(line);
}
