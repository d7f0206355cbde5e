// Records one episode of an environment as an animated GIF.
//
//   npm run rollout -- --env Pendulum-v1 --random --gif pendulum.gif --seed 0
//
// The env is made in-process unless --url points at a gymwire server. Actions come from a
// seeded sampler over the action space (--random) or from a trained DDPG or TD3 actor (--checkpoint).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { EnvLike, Frame, SpaceValue } from '../protocol/env-api.ts';
import type { KwargValue } from '../protocol/schema/env-spec.ts';
import { sample } from '../protocol/spaces.ts';
import { defaultRng } from '../protocol/random.ts';
import { GifWriter } from '../graphics/gif.ts';
import { ACTOR_AND_ENV_OPTIONS } from './cli-options.ts';
import { parseJson } from './json-text.ts';

/** Chooses an action from an observation. */
export type Policy = (obs: SpaceValue) => SpaceValue | Promise<SpaceValue>;

export interface RolloutOptions {
  env: EnvLike;
  policy: Policy;
  gifPath: string;
  seed?: number;
  /** Stop after this many steps even if the episode has not ended (the env's own TimeLimit still applies). */
  maxSteps?: number;
  fps?: number;
  /** Record every n-th frame only (the GIF's frame delay grows to match), to keep long episodes small. */
  every?: number;
  /** GIF loop count: 0 = forever. */
  loop?: number;
}

export interface RolloutResult {
  episodeReturn: number;
  steps: number;
  terminated: boolean;
  truncated: boolean;
  frames: number;
  width: number;
  height: number;
  bytes: number;
  gifPath: string;
}

/**
 * Gymnasium's metadata["render_fps"] for the envs we ship: GIFs play at the speed Gymnasium's
 * human mode would (others registered here: their declared render_fps, e.g. the MuJoCo envs').
 * Anything else plays at 30 fps unless --fps says otherwise.
 */
const RENDER_FPS: Record<string, number> = {
  'CartPole-v1': 50,
  'Pendulum-v1': 30,
  'MountainCar-v0': 30,
  'MountainCarContinuous-v0': 30,
  'Acrobot-v1': 15,
  'LunarLander-v3': 50,
  'LunarLanderContinuous-v3': 50,
  'BipedalWalker-v3': 50,
  'BipedalWalkerHardcore-v3': 50,
};

export function defaultFps(envId: string, registeredFps: number | null = null): number {
  return RENDER_FPS[envId] ?? registeredFps ?? 30;
}

/** The render_fps the local registry declares for envId (the MuJoCo envs' round(1 / dt)), if any. */
async function registeredFps(envId: string): Promise<number | null> {
  const { registrations } = await import('../envs/index.ts');
  return registrations().find((r) => r.id === envId)?.renderFps ?? null;
}

/** A policy drawing uniformly (Gymnasium's Space.sample) from the action space with its own seeded generator. */
export function randomPolicy(env: EnvLike, seed: number): Policy {
  const rng = defaultRng(seed);
  return () => sample(env.actionSpace, rng);
}

/** Runs one episode from reset({seed}), rendering after reset and after every step, and writes the GIF. */
export async function rollout(opts: RolloutOptions): Promise<RolloutResult> {
  const { env, policy } = opts;
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const fps = opts.fps ?? 30;
  if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  const maxSteps = opts.maxSteps ?? Infinity;
  let { obs } = await env.reset({ seed: opts.seed });
  const first = await env.render();
  const gif = new GifWriter(first.width, first.height, { delayMs: (1000 / fps) * every, loop: opts.loop ?? 0 });
  gif.addFrame(first);
  let episodeReturn = 0;
  let steps = 0;
  let terminated = false;
  let truncated = false;
  // A kept frame's render is sent at once and collected with the next step's answer: over a
  // network the two share a round trip (the server answers in order, so the frame is the state
  // before that step). Marked handled at once: a failure surfaces where it is awaited.
  let frame: Promise<Frame> | null = null;
  while (!terminated && !truncated && steps < maxSteps) {
    const action = await policy(obs);
    const [r, rendered] = await Promise.all([env.step(action), frame]);
    if (rendered !== null) gif.addFrame(rendered);
    frame = null;
    obs = r.obs;
    episodeReturn += r.reward;
    terminated = r.terminated;
    truncated = r.truncated;
    steps++;
    const last = terminated || truncated || steps >= maxSteps;
    // Always keep the final frame, so the GIF ends where the episode did.
    if (steps % every === 0 || last) {
      frame = Promise.resolve(env.render());
      frame.catch(() => {});
    }
  }
  if (frame !== null) gif.addFrame(await frame);
  const bytes = gif.finish();
  const gifPath = resolve(opts.gifPath);
  mkdirSync(dirname(gifPath), { recursive: true });
  writeFileSync(gifPath, bytes);
  return {
    episodeReturn,
    steps,
    terminated,
    truncated,
    frames: gif.frameCount,
    width: first.width,
    height: first.height,
    bytes: bytes.length,
    gifPath,
  };
}

// ---- command line ------------------------------------------------------------------------------

export const HELP = `Record one episode as an animated GIF.

Usage:
  npm run rollout -- --env ID --gif OUT.gif [options]
  npm run rollout -- --checkpoint DIR --gif OUT.gif [options]

Options:
  --env ID            environment id, e.g. Pendulum-v1, CartPole-v1, LunarLander-v3
                      (required unless --checkpoint is given: then default = the actor's env)
  --gif PATH          where to write the GIF (required)
  --random            act by sampling the action space (the default without --checkpoint)
  --checkpoint DIR    act with the trained actor (DDPG or TD3) in DIR (a run directory, its
                      checkpoint/, or a saveActor export); deterministic, no noise
  --url ws://HOST:PORT  run the env on a gymwire server instead of in this process
  --kwargs JSON       env kwargs, e.g. '{"g": 9.81}', '{"max_episode_steps": 300}' or
                      '{"healthy_z_range": [0.8, Infinity]}' (Infinity and -Infinity as Python's json writes them)
  --seed N            seed for reset() and the random policy (default 0)
  --max-steps N       stop after N steps (default: until the episode ends)
  --fps N             playback speed (default: the env's render_fps, else 30)
  --every N           keep every N-th frame only (default 1)
  --help              show this text
`;

export interface CliArgs {
  /** null: take the env the --checkpoint actor was trained on. */
  envId: string | null;
  gifPath: string;
  checkpoint: string | null;
  url: string | null;
  kwargs: Record<string, unknown>;
  seed: number;
  maxSteps: number | undefined;
  fps: number | undefined;
  every: number;
}

function intArg(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

export class UsageError extends Error {}

/** Parses argv (without node and script); returns null for --help. */
export function parseCli(argv: string[]): CliArgs | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...ACTOR_AND_ENV_OPTIONS,
      gif: { type: 'string' },
      random: { type: 'boolean' },
      kwargs: { type: 'string' },
      'max-steps': { type: 'string' },
      fps: { type: 'string' },
      every: { type: 'string' },
    },
  });
  if (values.help) return null;
  if (!values.env && !values.checkpoint) throw new UsageError('--env is required (or --checkpoint, whose actor names its env)');
  if (!values.gif) throw new UsageError('--gif is required');
  if (values.random && values.checkpoint) throw new UsageError('--random and --checkpoint are mutually exclusive');
  let kwargs: Record<string, unknown> = {};
  if (values.kwargs !== undefined) {
    try {
      kwargs = parseJson(values.kwargs) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--kwargs is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new UsageError('--kwargs must be a JSON object');
  }
  const fps = values.fps === undefined ? undefined : Number(values.fps);
  if (fps !== undefined && !(fps > 0 && fps <= 100)) throw new UsageError(`--fps must be in (0, 100], got '${values.fps}'`);
  return {
    envId: values.env ?? null,
    gifPath: values.gif,
    checkpoint: values.checkpoint ?? null,
    url: values.url ?? null,
    kwargs,
    seed: intArg('seed', values.seed, 0) ?? 0,
    maxSteps: intArg('max-steps', values['max-steps'], 1),
    fps,
    every: intArg('every', values.every, 1) ?? 1,
  };
}

async function openEnv(envId: string, args: CliArgs): Promise<EnvLike> {
  if (args.url) {
    const { RemoteEnv } = await import('../client/remote-env.ts');
    return RemoteEnv.connect(args.url, envId, args.kwargs as Record<string, KwargValue>);
  }
  // Loaded lazily so a remote rollout doesn't pay for (or need) the local physics.
  const { make, loadEnv } = await import('../envs/index.ts');
  await loadEnv(envId); // a MuJoCo env's module loads on first use
  return make(envId, args.kwargs);
}

/** The trained actor (DDPG or TD3) in `dir` (actor export, checkpoint or run directory) as a Policy for `env`. */
export async function checkpointPolicy(dir: string, env: EnvLike): Promise<Policy> {
  const { loadActor } = await import('./actor-io.ts');
  const actor = loadActor(dir);
  const space = env.observationSpace;
  const obsDim = space.type === 'Box' ? space.low.length : -1;
  if (obsDim !== actor.description.obsDim) {
    throw new Error(`the actor in ${dir} takes ${actor.description.obsDim} observation values; this env's observations have ${obsDim}`);
  }
  return (obs) => actor.act(obs as ArrayLike<number>);
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs | null;
  try {
    args = parseCli(argv);
  } catch (e) {
    console.error(`rollout: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!args) {
    console.log(HELP);
    return 0;
  }
  // npm run changes into the package root; resolve paths against where the user ran it.
  const base = process.env.INIT_CWD ?? process.cwd();
  const checkpoint = args.checkpoint === null ? null : resolve(base, args.checkpoint);
  let envId = args.envId;
  if (!envId && checkpoint) {
    const { loadActor } = await import('./actor-io.ts');
    envId = loadActor(checkpoint).description.envId;
  }
  if (!envId) throw new UsageError('no env id');
  const env = await openEnv(envId, args);
  try {
    const policy = checkpoint ? await checkpointPolicy(checkpoint, env) : randomPolicy(env, args.seed);
    const label = checkpoint ? `actor from ${checkpoint}` : 'random actions';
    const fps = args.fps ?? defaultFps(envId, await registeredFps(envId));
    const t0 = performance.now();
    const gifPath = resolve(base, args.gifPath);
    const r = await rollout({ env, policy, gifPath, seed: args.seed, maxSteps: args.maxSteps, fps, every: args.every });
    const secs = (performance.now() - t0) / 1000;
    const end = r.terminated ? 'terminated' : r.truncated ? 'truncated' : 'stopped at --max-steps';
    console.log(`${envId} (${args.url ?? 'local'}), ${label}, seed ${args.seed}`);
    console.log(`episode return ${r.episodeReturn.toFixed(3)} over ${r.steps} steps (${end})`);
    console.log(
      `wrote ${r.gifPath}: ${r.frames} frames ${r.width}x${r.height} at ${fps / args.every} fps, ` +
        `${(r.bytes / 1024).toFixed(1)} KiB in ${secs.toFixed(2)} s`,
    );
    return 0;
  } finally {
    await env.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`rollout: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
