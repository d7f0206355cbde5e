// The env checker, as Gymnasium's (gymnasium.utils.env_checker.check_env) for a registered id:
// make one instance with the default kwargs, check its two spaces are well formed, reset it
// with a seed and step it once with an action sampled from its action space, check what each
// returns against the Env API (protocol/env-api.ts) and the observation space, then close it.
// The server runs it on every env a plugin registers (server/plugins.ts), so a plugin's
// mistake stops the server at start, named, rather than failing every make() later.
//
// It runs the env in the caller's thread, as make() would: an env whose reset or step never
// returns hangs the check; loadPlugins skips a registration that says `skipCheck: true`.
import type { Env, Info, SpaceValue } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import { notInSpace, sample } from '../protocol/spaces.ts';
import { spaceProblem } from '../protocol/validators.ts';
import { NumpyGenerator } from '../protocol/random.ts';
import { preview, previewList } from '../protocol/preview.ts';
import { make } from './registry.ts';

/** The seed of the checker's reset and of the action it samples. */
export const CHECK_SEED = 0;

/** What the checker found wrong with env `envId`: the message is "ENV-ID: problem". */
export class EnvCheckError extends Error {
  constructor(
    readonly envId: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${envId}: ${problem}`, options);
    this.name = 'EnvCheckError';
  }
}

/** Checks the registered env `id` (see the header); throws EnvCheckError at the first problem. */
export function checkEnv(id: string): void {
  const env = makeWithDefaults(id);
  try {
    checkSpace(id, 'observation_space', env.observationSpace);
    checkSpace(id, 'action_space', env.actionSpace);
    checkReset(id, env);
    checkStep(id, env);
  } catch (e) {
    closeQuietly(env);
    throw e;
  }
  checkClose(id, env);
}

function threw(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : preview(e);
}

/** The thing a call returned, or EnvCheckError saying what threw. */
function attempt<T>(id: string, what: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw new EnvCheckError(id, `${what} threw ${threw(e)}`, { cause: e });
  }
}

function makeWithDefaults(id: string): Env {
  return attempt(id, `make(${JSON.stringify(id)}) with its default kwargs`, () => make(id));
}

function checkSpace(id: string, name: string, space: Space): void {
  const why = spaceProblem(space, name);
  if (why !== null) throw new EnvCheckError(id, why);
}

function checkReset(id: string, env: Env): void {
  const args = { seed: CHECK_SEED };
  const result: unknown = attempt(id, `reset({seed: ${CHECK_SEED}})`, () => env.reset(args));
  const { obs, info } = fields(id, "reset's result", result, ['obs', 'info']);
  checkObs(id, env.observationSpace, obs, "reset's obs");
  checkInfo(id, info, "reset's info");
}

function checkStep(id: string, env: Env): void {
  const action = sample(env.actionSpace, new NumpyGenerator(CHECK_SEED));
  const result: unknown = attempt(id, `step(${describe(action)}) (an action sampled from action_space)`, () => env.step(action));
  const r = fields(id, "step's result", result, ['obs', 'reward', 'terminated', 'truncated', 'info']);
  checkObs(id, env.observationSpace, r.obs, "step's obs");
  checkReward(id, r.reward);
  checkFlag(id, r.terminated, "step's terminated");
  checkFlag(id, r.truncated, "step's truncated");
  checkInfo(id, r.info, "step's info");
}

function checkClose(id: string, env: Env): void {
  attempt(id, 'close()', () => env.close());
}

function closeQuietly(env: Env): void {
  try {
    env.close();
  } catch {
    // the first problem found is the one reported
  }
}

/** `result`'s fields, which must all be there: reset and step return objects, not tuples as in Python. */
function fields(id: string, what: string, result: unknown, keys: string[]): Record<string, unknown> {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new EnvCheckError(id, `${what} is ${preview(result)}, not an object {${keys.join(', ')}}`);
  }
  const missing = keys.filter((k) => !(k in result));
  if (missing.length > 0) throw new EnvCheckError(id, `${what} lacks ${missing.join(', ')} (it must be an object {${keys.join(', ')}})`);
  return result as Record<string, unknown>;
}

function checkObs(id: string, space: Space, obs: unknown, what: string): void {
  const why = notInSpace(space, obs, what);
  if (why !== null) throw new EnvCheckError(id, `${why} (it must be in observation_space)`);
}

function checkReward(id: string, reward: unknown): void {
  if (typeof reward !== 'number') throw new EnvCheckError(id, `step's reward is ${preview(reward)}, not a number`);
  if (!Number.isFinite(reward)) throw new EnvCheckError(id, `step's reward is ${reward}, not a finite number`);
}

function checkFlag(id: string, flag: unknown, what: string): void {
  if (typeof flag !== 'boolean') throw new EnvCheckError(id, `${what} is ${preview(flag)}, not a boolean`);
}

function checkInfo(id: string, info: unknown, what: string): void {
  if (typeof info !== 'object' || info === null || Array.isArray(info) || ArrayBuffer.isView(info)) {
    throw new EnvCheckError(id, `${what} is ${preview(info)}, not a plain object`);
  }
  const bad = Object.entries(info as Info).find(([, v]) => typeof v === 'function' || typeof v === 'symbol');
  if (bad !== undefined) throw new EnvCheckError(id, `${what}.${bad[0]} is a ${typeof bad[1]}, which the protocol cannot carry`);
}

function describe(action: SpaceValue): string {
  if (typeof action === 'number') return String(action);
  return ArrayBuffer.isView(action) ? `${action.constructor.name} ${previewList(action as ArrayLike<number>)}` : preview(action);
}
