// npm run runs-table -- [--at 50000,100000,150000] RUN_DIR...
// A markdown table of training runs from their metrics.jsonl: algorithm, env, seed, the hidden
// layers of actor and critic (LN: a layer-normalised critic), γ, the learning rates (and
// schedule), n-step, updates per step, τ, the minibatch size and the exploration σ (what runs of
// one env have differed in), the eval (mean ± std) at the given steps, the best eval and the wall
// seconds to the last record.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TrainConfig } from '../agents/train-config.ts';

const USAGE = `Usage: npm run runs-table -- [--at STEP,STEP,...] RUN_DIR...
  --at   the steps whose evals make the columns (default 50000,100000,150000)`;

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

export function runRow(dir: string, at: number[]): string {
  for (const f of ['config.json', 'metrics.jsonl'])
    if (!existsSync(join(dir, f))) throw new NotARunError(`${dir}: not a run directory (no ${f})`);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
  const evals = rows.filter((r) => r.type === 'eval');
  const fmt = (r: Row | undefined) => (r ? `${r.mean!.toFixed(1)} ± ${r.std!.toFixed(1)}` : '—');
  const best = evals.reduce<Row | undefined>((b, r) => (!b || r.mean! > b.mean! ? r : b), undefined);
  const last = rows[rows.length - 1];
  const done = existsSync(join(dir, 'done')) || evals.some((r) => r.step === config.steps);
  const nets = `${config.actorHidden.join('x')} / ${config.criticHidden.join('x')}${config.criticLayerNorm ? ' LN' : ''}`;
  const lr = config.actorLr === config.criticLr ? `${config.actorLr}` : `${config.actorLr} / ${config.criticLr}`;
  const rates = `${lr}${config.lrSchedule === 'linear' ? ' → 0' : ''}`;
  const wall = last ? `${last.wallSeconds.toFixed(0)}${done ? '' : ` (at step ${last.step}, running)`}` : '—';
  return tableRow([
    (config.algo ?? 'ddpg').toUpperCase(),
    config.env,
    config.seed,
    nets,
    config.gamma,
    rates,
    config.nStep ?? 1,
    config.updatesPerStep ?? 1,
    config.tau ?? '—',
    config.batchSize ?? '—',
    noiseColumn(config),
    ...at.map((s) => fmt(evals.find((r) => r.step === s))),
    `${fmt(best)}${best ? ` at ${best.step}` : ''}`,
    wall,
  ]);
}

/** A markdown table row: "| a | b | c |". */
function tableRow(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let parsed;
  try {
    parsed = parseArgs({
      options: { at: { type: 'string', default: '50000,100000,150000' }, help: { type: 'boolean', short: 'h' } },
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
}
