// npm run train -- [--algo ddpg|td3] --env Pendulum-v1 [--url ws://host:8765 ...] [--num-envs N] --steps 20000 --seed 0 --out runs/NAME
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { buildConfig, chosenEnvAndAlgo, defaultsFor, flagsHelp, parseArgsOptions, serverUrls, TUNED_ENVS, type TrainConfig } from './config.ts';
import { selectBackend } from './backend.ts';
import { readCheckpoint, train } from './trainer.ts';

/** The help text, with every flag's default for the env and algorithm chosen (by flags or the base ones). */
function help(defaults: TrainConfig): string {
  return `Train a DDPG or TD3 agent on a continuous-action env, in-process or through an env server.

Usage: npm run train -- [--algo ddpg|td3] [--env ID] [--url ws://HOST:PORT ...] [--num-envs N] [--steps N] [--seed S] [--out DIR] [flags]
       npm run train -- --resume DIR [--steps N]      continue a run from its checkpoint
       npm run train -- --algo td3 --env ID --help    the flags with that env's and algorithm's defaults

--num-envs N collects from N sub-envs per step: one vector env in-process, or with several
--url servers N spread over them. --url dns+ws://NAME:PORT (or dns+wss://) is a farm: the N
sub-envs spread over every address NAME resolves to, and follow it as servers join and leave
(give the fully qualified name: no search domains are applied). --steps counts transitions summed over the sub-envs, and
--updates-per-step applies per transition (N x that many updates per vector step).

Defaults below are ${defaults.algo.toUpperCase()}'s for ${defaults.env}${TUNED_ENVS.includes(defaults.env) ? '' : ' (no row of its own: the base ones)'}.

  --config FILE.json            hyperparameters as JSON (keys as in config.json); flags override it
  --resume DIR                  run or checkpoint directory to continue (its config is the base)
  --help                        this text
${flagsHelp(defaults)}

Envs with defaults of their own (see agents/README.md): ${TUNED_ENVS.join(', ')}.
Writes to --out: config.json, metrics.csv, metrics.jsonl, learning-curve.svg/.png, losses.svg/.png, checkpoint/.`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...parseArgsOptions(), config: { type: 'string' }, resume: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  let fileConfig: Partial<TrainConfig> = {};
  if (values.config) fileConfig = JSON.parse(readFileSync(values.config as string, 'utf8'));
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
  console.log(`training ${config.algo.toUpperCase()} on ${config.env}${envs}${where} for ${config.steps} steps, seed ${config.seed}, backend ${backend}, out ${config.out}`);
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
    console.log('\nSIGINT: finishing the step, writing a checkpoint');
  });
  const result = await train(config, { resume: values.resume as string | undefined, shouldStop: () => stop });
  const ev = result.lastEval;
  console.log(`done: ${result.steps} steps, ${result.episodes} episodes, ${result.updates} updates in ${result.wallSeconds.toFixed(1)} s` + (ev ? `; final eval ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)}` : ''));
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
