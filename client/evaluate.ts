// npm run evaluate -- --checkpoint DIR [--env ID] [--url ws://...] [--episodes 10] [--seed S]
// Runs the saved actor without noise and prints mean ± std of the episode returns.
import { parseArgs } from 'node:util';
import { loadActor } from './ddpg/actor-io.ts';
import { evaluatePolicy, openEnv } from './ddpg/trainer.ts';
import { defaultsFor, parseValue } from './ddpg/config.ts';

const HELP = `Evaluate a trained DDPG actor (deterministic, no exploration noise).

Usage: npm run evaluate -- --checkpoint DIR [--env ID] [--url ws://HOST:PORT] [--episodes N] [--seed S] [--env-kwargs JSON]
  --checkpoint DIR   run directory (read as --resume reads it), its checkpoint/, or a saveActor directory
  --env ID           env id (default: the one the actor was trained on)
  --url URL          env server; omit to run the env in-process
  --episodes N       episodes (default 10); episode i is reset with seed S + i
  --seed S           first episode seed (default 0)
  --request-timeout S  seconds the env server has to answer a request (default 120; 0 = forever)
  --verbose          print every episode's return`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: 'string' }, env: { type: 'string' }, url: { type: 'string' }, episodes: { type: 'string' },
      seed: { type: 'string' }, 'env-kwargs': { type: 'string' }, 'request-timeout': { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.checkpoint) {
    console.log(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const policy = loadActor(values.checkpoint);
  const envId = values.env ?? policy.description.envId;
  const episodes = values.episodes ? (parseValue('int', 'episodes', values.episodes) as number) : 10;
  const seed = values.seed ? (parseValue('int', 'seed', values.seed) as number) : 0;
  const envKwargs = values['env-kwargs'] ? (parseValue('json', 'env-kwargs', values['env-kwargs']) as never) : {};
  const defaults = defaultsFor(envId);
  const requestTimeout = values['request-timeout'] ? (parseValue('number', 'request-timeout', values['request-timeout']) as number) : defaults.requestTimeout;
  if (!(requestTimeout >= 0)) throw new Error(`--request-timeout must be a non-negative number of seconds, got ${values['request-timeout']}`);
  const env = await openEnv({ ...defaults, url: values.url ?? '', envKwargs, requestTimeout });
  try {
    const space = env.observationSpace;
    const obsDim = space.type === 'Box' ? space.low.length : -1;
    if (obsDim !== policy.description.obsDim) throw new Error(`${envId} observations have ${obsDim} values; the actor expects ${policy.description.obsDim}`);
    const t0 = performance.now();
    const r = await evaluatePolicy(env, (o) => policy.act(o), episodes, seed, obsDim);
    if (values.verbose) r.returns.forEach((x, i) => console.log(`episode ${i} (seed ${seed + i}): ${x.toFixed(2)}`));
    console.log(`${envId}: mean return ${r.mean.toFixed(2)} ± ${r.std.toFixed(2)} over ${episodes} episodes (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } finally {
    await env.close();
  }
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
