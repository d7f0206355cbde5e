// npm run train -- [--algo ddpg|td3|sac] --env Pendulum-v1 [--url ws://host:8765 ...] [--num-envs N] --steps 20000 --seed 0 --out runs/NAME
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { buildConfig, chosenEnvAndAlgo, flagsHelp, parseArgsOptions, serverUrls } from './config.ts';
import { defaultsFor, TUNED_ENVS } from './defaults.ts';
import type { TrainConfig } from './train-config.ts';
import { selectBackend } from './backends/choice.ts';
import { readCheckpoint } from './checkpoints.ts';
import { train } from './trainer.ts';
import type { Dashboard } from './dashboard/server.ts';
import { DASHBOARD_FLAGS, DASHBOARD_HELP, dashboardOptions, withDashboardPort } from './dashboard/flags.ts';
import { parseJson } from './json-text.ts';

/** The help text, with every flag's default for the env and algorithm chosen (by flags or the base ones). */
function help(defaults: TrainConfig): string {
  const tuned = TUNED_ENVS.includes(defaults.env) ? '' : ' (no row of its own: the base ones)';
  return `Train a DDPG, TD3 or SAC agent on a continuous-action env, in-process or through an env server.

Usage: npm run train -- [--algo ddpg|td3|sac] [--env ID] [--url ws://HOST:PORT ...] [--num-envs N] [--steps N] [--seed S] [--out DIR] [flags]
       npm run train -- --resume DIR [--steps N]      continue a run from its checkpoint
       npm run train -- --algo td3 --env ID --help    the flags with that env's and algorithm's defaults

--num-envs N collects from N sub-envs per step: one vector env in-process, or with several
--url servers N spread over them. --url dns+ws://NAME:PORT (or dns+wss://) is a farm: the N
sub-envs spread over every address NAME resolves to, and follow it as servers join and leave
(give the fully qualified name: no search domains are applied). --steps counts transitions
summed over the sub-envs, and --updates-per-step applies per transition (N x that many updates
per vector step).

Defaults below are ${defaults.algo.toUpperCase()}'s for ${defaults.env}${tuned}.

  --config FILE.json            hyperparameters as JSON (keys as in config.json); flags override it
  --resume DIR                  run or checkpoint directory to continue (its config is the base)
${DASHBOARD_HELP}
  --help                        this text
${flagsHelp(defaults)}

Envs with defaults of their own (see agents/README.md): ${TUNED_ENVS.join(', ')}.
Writes to --out: config.json, metrics.csv, metrics.jsonl, learning-curve.svg/.png, losses.svg/.png, checkpoint/.`;
}

/** The live dashboard on its port, when asked for; the URL is printed. */
async function openDashboard(values: Record<string, unknown>, config: TrainConfig): Promise<Dashboard | null> {
  const options = dashboardOptions(values);
  if (!options) return null;
  const { Dashboard } = await import('./dashboard/server.ts');
  const d = await Dashboard.start({ ...options, renderFps: await renderFps(config.env) });
  console.log(`dashboard: ${d.url}`);
  return d;
}

/** The env's render fps from this process's registry (the same ids as the servers'), or null. */
async function renderFps(env: string): Promise<number | null> {
  const { registrations } = await import('../envs/index.ts');
  return registrations().find((r) => r.id === env)?.renderFps ?? null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: withDashboardPort(process.argv.slice(2)),
    options: {
      ...parseArgsOptions(),
      config: { type: 'string' },
      resume: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...DASHBOARD_FLAGS,
    },
    strict: true,
  });
  let fileConfig: Partial<TrainConfig> = {};
  if (values.config) fileConfig = parseJson(readFileSync(values.config as string, 'utf8')) as Partial<TrainConfig>;
  if (values.help) {
    const { env, algo } = chosenEnvAndAlgo(values, fileConfig);
    console.log(help(defaultsFor(env, algo)));
    return;
  }
  if (values.resume) {
    // The checkpoint's own config is the base; flags (e.g. a larger --steps) apply on top.
    // Verified (checksums) before anything is trusted; a damaged checkpoint stops here with its own message.
    fileConfig = { ...readCheckpoint(values.resume as string).state.config, ...fileConfig };
  }
  const config = buildConfig(values as Record<string, string | boolean | string[] | undefined>, fileConfig);
  const backend = await selectBackend(config.backend, (m) => console.log(m));
  const urls = serverUrls(config);
  const where = urls.length ? ` via ${urls.join(', ')}` : ' (in-process)';
  const envs = config.numEnvs > 1 ? ` x${config.numEnvs} envs` : '';
  console.log(
    `training ${config.algo.toUpperCase()} on ${config.env}${envs}${where} for ${config.steps} steps, ` +
      `seed ${config.seed}, backend ${backend}, out ${config.out}`,
  );
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
    console.log('\nSIGINT: finishing the step, writing a checkpoint');
  });
  const dashboard = await openDashboard(values, config);
  let result;
  try {
    result = await train(config, {
      resume: values.resume as string | undefined,
      shouldStop: () => stop,
      listeners: dashboard ? [dashboard] : [],
    });
  } finally {
    await dashboard?.close();
  }
  const ev = result.lastEval;
  console.log(
    `done: ${result.steps} steps, ${result.episodes} episodes, ${result.updates} updates in ${result.wallSeconds.toFixed(1)} s` +
      (ev ? `; final eval ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)}` : ''),
  );
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
