// register()/make(), like gymnasium.register and gymnasium.make.
import type { Env } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvSpec, KwargSpec, ResetOptionSpec } from '../protocol/schema/env-spec.ts';
import { preview } from '../protocol/preview.ts';
import { GymwireError } from '../protocol/errors.ts';
import { rangeProblem, toRange } from '../protocol/kwarg-range.ts';
import { OrderEnforcing, TimeLimit } from './wrappers.ts';

export type Kwargs = Record<string, unknown>;

export interface Registration {
  id: string;
  factory: (kwargs: Kwargs) => Env;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  nondeterministic?: boolean;
  /** Every kwarg the env accepts, with its type and default. */
  kwargs: Record<string, KwargSpec>;
  /** Every key the env's reset(options=...) reads (default: none). */
  resetOptions?: Record<string, ResetOptionSpec>;
  /** What render() returns: ['rgb_array'] (the default), or [] for an env that cannot render. */
  renderModes?: string[];
  /** Gymnasium's metadata['render_fps'] (default: null, unknown). */
  renderFps?: number | null;
  /**
   * Bytes of memory one instance holds once reset and stepped (V8 heap + external, measured
   * by `npm run bench:env-memory`). A server charges each instance this much against its memory
   * budget (server/memory-budget.ts); an env that does not say is charged as much as the
   * costliest built-in one.
   */
  memoryBytes?: number;
  /**
   * true: the server's plugin loader does not run the env checker (envs/env-checker.ts) on it,
   * for an env that must not be reset and stepped with a random action at load (default: false).
   */
  skipCheck?: boolean;
  /**
   * For an env whose code loads on first use (MuJoCo's WebAssembly module): `load()` loads it
   * (once; later calls get the same promise), `loaded()` says whether make() can run now.
   * make() of such an env before it is loaded throws; loadEnv(id) (the server awaits it
   * before making one) loads it.
   */
  lazy?: { load: () => Promise<unknown>; loaded: () => boolean };
  /**
   * The spaces at the default kwargs, for an env that list_envs should describe without
   * making it (a lazy one: listing must not load its module). Tests check them against make().
   */
  spaces?: { observation: Space; action: Space };
}

const registry = new Map<string, Registration>();

export function register(reg: Registration): void {
  if (registry.has(reg.id)) throw new GymwireError('invalid_kwargs', `env id ${reg.id} is already registered`);
  for (const [name, spec] of Object.entries(reg.kwargs)) {
    // list_envs sends the default as declared: a range's must be one (or null).
    const problem = spec.type === 'range' && spec.default !== null ? rangeProblem(spec.default) : null;
    if (problem !== null) throw new GymwireError('invalid_kwargs', `${reg.id}: the default of range kwarg '${name}' ${problem}`);
  }
  registry.set(reg.id, reg);
}

export function registrations(): Registration[] {
  return [...registry.values()];
}

export function registration(id: string): Registration {
  const reg = registry.get(id);
  if (!reg) {
    throw new GymwireError('unknown_env', `No env registered as ${preview(id)}. Known: ${[...registry.keys()].join(', ')}`);
  }
  return reg;
}

/** Loads what make(id) needs first (nothing, for an env that is not lazy). Throws unknown_env like make(). */
export async function loadEnv(id: string): Promise<void> {
  await registration(id).lazy?.load();
}

/** What make(id) is still waiting for: the loading promise of a lazy env not loaded yet, or null (unknown ids: null). */
export function pendingLoad(id: string): Promise<unknown> | null {
  const lazy = registry.get(id)?.lazy;
  return lazy && !lazy.loaded() ? lazy.load() : null;
}

/** `value` as make() passes it on for kwarg `name` (a range copied, so the env holds its own), or invalid_kwargs. */
function checkKwarg(id: string, name: string, spec: KwargSpec, value: unknown): unknown {
  if (spec.type === 'range' && !(value === null && spec.default === null)) {
    const problem = rangeProblem(value);
    if (problem !== null) throw new GymwireError('invalid_kwargs', `${id}: kwarg '${name}' ${problem}`);
    return toRange(value);
  }
  const ok =
    (spec.type === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
    (spec.type === 'integer' && Number.isInteger(value)) ||
    (spec.type === 'boolean' && typeof value === 'boolean') ||
    (spec.type === 'string' && typeof value === 'string') ||
    (value === null && spec.default === null);
  if (!ok) throw new GymwireError('invalid_kwargs', `${id}: kwarg '${name}' must be a ${spec.type}, got ${preview(value)}`);
  return value;
}

/**
 * Builds an env like gymnasium.make: checks kwargs against what the env declares,
 * fills defaults, and wraps it in OrderEnforcing and TimeLimit (max_episode_steps may be
 * overridden through the kwarg of that name, as gymnasium.make allows).
 */
export function make(id: string, kwargs: Kwargs = {}): Env {
  const reg = registration(id);
  const { max_episode_steps: maxOverride, ...envKwargs } = kwargs;
  const full: Kwargs = {};
  for (const [name, spec] of Object.entries(reg.kwargs)) full[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  for (const [name, value] of Object.entries(envKwargs)) {
    const spec = reg.kwargs[name];
    if (!spec) {
      const accepted = Object.keys(reg.kwargs);
      throw new GymwireError('invalid_kwargs', `${id} does not accept kwarg ${preview(name)} (accepted: ${accepted.join(', ') || 'none'})`);
    }
    full[name] = checkKwarg(id, name, spec, value);
  }
  if (maxOverride !== undefined && maxOverride !== null && !(Number.isInteger(maxOverride) && (maxOverride as number) > 0)) {
    throw new GymwireError('invalid_kwargs', `${id}: max_episode_steps must be a positive integer`);
  }
  const maxSteps = (maxOverride as number | undefined) ?? reg.maxEpisodeSteps;
  const spec: EnvSpec = {
    id,
    max_episode_steps: maxSteps,
    reward_threshold: reg.rewardThreshold,
    nondeterministic: reg.nondeterministic ?? false,
    kwargs: full,
  };
  const inner = reg.factory(full);
  inner.spec = spec;
  let env: Env = new OrderEnforcing(inner);
  if (maxSteps !== null) env = new TimeLimit(env, maxSteps);
  return env;
}
