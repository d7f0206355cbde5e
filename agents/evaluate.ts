// npm run evaluate -- --checkpoint DIR [--env ID] [--url ws://...] [--episodes N] [--seed S] [--actor online|target]
// Runs the saved actor without noise and prints mean ± std of the episode returns. By default
// it plays the same episodes as training's evaluations (the run's eval seed and episode
// count), so the two numbers can be compared.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadActor } from './actor-io.ts';
import { evaluatePolicy } from './evaluation.ts';
import { openEnv } from './run-envs.ts';
import { defaultsFor } from './defaults.ts';
import { EVAL_ACTORS, type EvalActor, type TrainConfig } from './train-config.ts';
import { parseValue } from './config.ts';
import { readCheckpoint } from './checkpoints.ts';
import { ACTOR_AND_ENV_OPTIONS } from './cli-options.ts';
import { parseJson } from './json-text.ts';

const HELP = `Evaluate a trained DDPG, TD3 or SAC actor (deterministic, no exploration noise).

Usage: npm run evaluate -- --checkpoint DIR [--env ID] [--url ws://HOST:PORT] [--episodes N] [--seed S]
                           [--actor online|target] [--env-kwargs JSON]
  --checkpoint DIR   run directory (read as --resume reads it), its checkpoint/, or a saveActor directory
  --actor WHICH      online | target: that actor of a training checkpoint (default: the exported
                     one, actor.bin, which the run's evaluations played: see --eval-actor)
  --env ID           env id (default: the one the actor was trained on)
  --env-kwargs JSON  the env's kwargs (default: the run's, from its config.json, when it is the run's env)
  --url URL          env server; omit to run the env in-process
  --episodes N       episodes (default: the run's eval-episodes, else the env's default)
  --seed S           episode i is reset with seed S + i (default: the run's eval-seed, else
                     the training default, so the episodes are those of training's evals)
  --request-timeout S  seconds the env server has to answer a request (default 120; 0 = forever)
  --no-record        do not append the result to RUN/final-evals.jsonl (written by default when the
                     checkpoint is a run's, i.e. has a config.json next to or above it; npm run
                     runs-table reads it)
  --verbose          print every episode's return`;

/**
 * Training's eval seed and episode count for a checkpoint, and its env's kwargs when `envId` is
 * the run's env (an env made with other kwargs is another task): from the run's config.json
 * (next to or above the checkpoint directory) if there is one, else the defaults for the env.
 */
export function trainingEvalSettings(checkpoint: string, envId: string): Pick<TrainConfig, 'evalSeed' | 'evalEpisodes' | 'envKwargs'> {
  const defaults = defaultsFor(envId);
  for (const dir of [resolve(checkpoint), dirname(resolve(checkpoint))]) {
    const file = join(dir, 'config.json');
    if (!existsSync(file)) continue;
    const c = parseJson(readFileSync(file, 'utf8')) as Partial<TrainConfig>;
    return {
      evalSeed: c.evalSeed ?? defaults.evalSeed,
      evalEpisodes: c.evalEpisodes ?? defaults.evalEpisodes,
      envKwargs: c.env === envId ? (c.envKwargs ?? {}) : {},
    };
  }
  return { evalSeed: defaults.evalSeed, evalEpisodes: defaults.evalEpisodes, envKwargs: {} };
}

/** The run directory a checkpoint belongs to (the one with config.json, the checkpoint's or its parent), or null. */
export function runDirOf(checkpoint: string): string | null {
  for (const dir of [resolve(checkpoint), dirname(resolve(checkpoint))]) if (existsSync(join(dir, 'config.json'))) return dir;
  return null;
}

/** One line of RUN/final-evals.jsonl: an npm run evaluate of the run's checkpoint. */
export interface FinalEval {
  /** The training step the evaluated checkpoint is at (null when it could not be read). */
  step: number | null;
  episodes: number;
  seed: number;
  /** online | target, or exported: the actor.bin the run's evals played. */
  actor: EvalActor | 'exported';
  mean: number;
  std: number;
  returns: number[];
  date: string;
}

/** The step of a run's checkpoint: its state.json, else the last record of the run's metrics.jsonl. */
export function checkpointStep(checkpoint: string, runDir: string): number | null {
  try {
    return readCheckpoint(checkpoint).state.step;
  } catch {
    const file = join(runDir, 'metrics.jsonl');
    if (!existsSync(file)) return null;
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    return lines.length ? ((JSON.parse(lines[lines.length - 1]) as { step?: number }).step ?? null) : null;
  }
}

export function recordFinalEval(runDir: string, e: FinalEval): void {
  appendFileSync(join(runDir, 'final-evals.jsonl'), `${JSON.stringify(e)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...ACTOR_AND_ENV_OPTIONS,
      episodes: { type: 'string' },
      actor: { type: 'string' },
      'env-kwargs': { type: 'string' },
      'request-timeout': { type: 'string' },
      verbose: { type: 'boolean' },
      'no-record': { type: 'boolean' },
    },
  });
  if (values.help || !values.checkpoint) {
    console.log(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const which = values.actor as EvalActor | undefined;
  if (which !== undefined && !EVAL_ACTORS.includes(which))
    throw new Error(`--actor must be ${EVAL_ACTORS.join(' or ')}, got ${JSON.stringify(which)}`);
  const policy = loadActor(values.checkpoint, which);
  const envId = values.env ?? policy.description.envId;
  const training = trainingEvalSettings(values.checkpoint, envId);
  const episodes = values.episodes ? (parseValue('int', 'episodes', values.episodes) as number) : training.evalEpisodes;
  const seed = values.seed ? (parseValue('int', 'seed', values.seed) as number) : training.evalSeed;
  const envKwargs = values['env-kwargs'] ? (parseValue('json', 'env-kwargs', values['env-kwargs']) as never) : training.envKwargs;
  const defaults = defaultsFor(envId);
  const requestTimeout = values['request-timeout']
    ? (parseValue('number', 'request-timeout', values['request-timeout']) as number)
    : defaults.requestTimeout;
  if (!(requestTimeout >= 0))
    throw new Error(`--request-timeout must be a non-negative number of seconds, got ${values['request-timeout']}`);
  const env = await openEnv({ ...defaults, url: values.url ?? '', envKwargs, requestTimeout });
  try {
    const space = env.observationSpace;
    const obsDim = space.type === 'Box' ? space.low.length : -1;
    if (obsDim !== policy.description.obsDim)
      throw new Error(`${envId} observations have ${obsDim} values; the actor expects ${policy.description.obsDim}`);
    const t0 = performance.now();
    const r = await evaluatePolicy(env, (o) => policy.act(o), episodes, seed, obsDim);
    if (values.verbose) r.returns.forEach((x, i) => console.log(`episode ${i} (seed ${seed + i}): ${x.toFixed(2)}`));
    console.log(
      `${envId}: mean return ${r.mean.toFixed(2)} ± ${r.std.toFixed(2)} over ${episodes} episodes, ` +
        `seeds ${seed}..${seed + episodes - 1} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const runDir = runDirOf(values.checkpoint);
    if (runDir && !values['no-record']) {
      const step = checkpointStep(values.checkpoint, runDir);
      const date = new Date().toISOString();
      recordFinalEval(runDir, { step, episodes, seed, actor: which ?? 'exported', mean: r.mean, std: r.std, returns: r.returns, date });
      console.log(`recorded in ${join(runDir, 'final-evals.jsonl')} (step ${step}; --no-record to not)`);
    }
  } finally {
    await env.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
