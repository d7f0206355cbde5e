// Training configuration: defaults, per-env overrides (documented in README.md here), a JSON
// config file, and command-line flags, applied in that order.
import { availableParallelism } from 'node:os';
import type { BackendChoice } from './backend.ts';
import type { NoiseKind } from './noise.ts';

export interface TrainConfig {
  env: string;
  /** Env constructor kwargs (JSON object), passed to make() or to the server. */
  envKwargs: Record<string, number | boolean | string | null>;
  /**
   * ws://host:port of an env server, or several (their sub-envs are spread over them, see
   * numEnvs); empty = run the envs in this process. Read it through serverUrls().
   */
  url: string | string[];
  /** Sub-envs collecting in parallel (one vector env in-process, or one per server). */
  numEnvs: number;
  /**
   * When envs are still unreachable after a dropped connection, the trainer opens them again
   * this many times (waits reconnectDelay s, doubling, at most 8 s) before it gives up.
   */
  reconnectAttempts: number;
  reconnectDelay: number;
  /**
   * Seconds an env server has to answer a request; past it the call fails as a dropped
   * connection (RequestTimeoutError, logged) and the client reconnects. 0 = wait forever.
   */
  requestTimeout: number;
  steps: number;
  seed: number;
  out: string;
  backend: BackendChoice;
  /**
   * Threads computing each update (default: the machine's, os.availableParallelism()). With
   * the kernels, results do not depend on it; with tfjs, only by float summation order.
   */
  learnerThreads: number;
  actorHidden: number[];
  criticHidden: number[];
  actorLr: number;
  criticLr: number;
  gamma: number;
  tau: number;
  batchSize: number;
  bufferSize: number;
  /** Uniform-random warm-up steps before the actor acts and learning starts. */
  learningStarts: number;
  updatesPerStep: number;
  noise: NoiseKind;
  noiseSigma: number;
  /** Final σ of the linear decay; equal to noiseSigma for no decay. */
  noiseSigmaFinal: number;
  noiseDecaySteps: number;
  ouTheta: number;
  ouDt: number;
  evalEvery: number;
  evalEpisodes: number;
  /** Eval episode i is reset with seed evalSeed + i, every time, so evals are comparable. */
  evalSeed: number;
  checkpointEvery: number;
  saveReplay: boolean;
  /** Seconds between progress lines when stdout is not a terminal. */
  logEvery: number;
}

export const BASE_CONFIG: TrainConfig = {
  env: 'Pendulum-v1',
  envKwargs: {},
  url: '',
  numEnvs: 1,
  reconnectAttempts: 6,
  reconnectDelay: 0.5,
  requestTimeout: 120,
  steps: 20_000,
  seed: 0,
  out: '',
  backend: 'auto',
  learnerThreads: availableParallelism(),
  actorHidden: [256, 256],
  criticHidden: [256, 256],
  actorLr: 1e-3,
  criticLr: 1e-3,
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  bufferSize: 1_000_000,
  learningStarts: 1000,
  updatesPerStep: 1,
  noise: 'gaussian',
  noiseSigma: 0.1,
  noiseSigmaFinal: 0.1,
  noiseDecaySteps: 0,
  ouTheta: 0.15,
  ouDt: 1e-2,
  evalEvery: 5000,
  evalEpisodes: 10,
  evalSeed: 1_000_000,
  checkpointEvery: 10_000,
  saveReplay: false,
  logEvery: 10,
};

/** Per-env defaults: keep in sync with the table in client/ddpg/README.md. */
export const ENV_DEFAULTS: Record<string, Partial<TrainConfig>> = {
  'Pendulum-v1': { steps: 20_000, actorHidden: [64, 64], criticHidden: [64, 64], learningStarts: 1000, noiseSigma: 0.1, noiseSigmaFinal: 0.1, gamma: 0.98, evalEvery: 1000, evalEpisodes: 10, checkpointEvery: 5000 },
  'MountainCarContinuous-v0': { steps: 50_000, actorHidden: [64, 64], criticHidden: [64, 64], noise: 'ou', noiseSigma: 0.5, noiseSigmaFinal: 0.5, ouTheta: 0.15, ouDt: 1, learningStarts: 1000, evalEvery: 5000, evalEpisodes: 5 },
  'LunarLanderContinuous-v3': { steps: 300_000, learningStarts: 10_000, noiseSigma: 0.1, noiseSigmaFinal: 0.1, evalEvery: 10_000, evalEpisodes: 10, checkpointEvery: 25_000 },
  'BipedalWalker-v3': { steps: 1_000_000, learningStarts: 10_000, noiseSigma: 0.1, noiseSigmaFinal: 0.1, evalEvery: 25_000, evalEpisodes: 5, checkpointEvery: 50_000 },
};

/** Config for an env id: base defaults, then that env's row of ENV_DEFAULTS. */
export function defaultsFor(env: string): TrainConfig {
  return { ...BASE_CONFIG, ...(ENV_DEFAULTS[env] ?? {}), env };
}

type Kind = 'int' | 'number' | 'string' | 'bool' | 'list' | 'json' | 'urls';

/** Every TrainConfig key, its flag, its kind and its help text. */
export const FLAGS: { key: keyof TrainConfig; flag: string; kind: Kind; help: string }[] = [
  { key: 'env', flag: 'env', kind: 'string', help: 'environment id (e.g. Pendulum-v1)' },
  { key: 'envKwargs', flag: 'env-kwargs', kind: 'json', help: 'env kwargs as a JSON object, e.g. \'{"g": 9.81}\'' },
  { key: 'url', flag: 'url', kind: 'urls', help: 'env server URL (ws://host:port), repeatable; omit to run the envs in-process' },
  { key: 'numEnvs', flag: 'num-envs', kind: 'int', help: 'sub-envs collecting in parallel, spread over the --url servers' },
  { key: 'reconnectAttempts', flag: 'reconnect-attempts', kind: 'int', help: 'times to re-open unreachable envs after a dropped connection (0 = fail at once)' },
  { key: 'reconnectDelay', flag: 'reconnect-delay', kind: 'number', help: 'seconds before the first re-open attempt (doubles, at most 8)' },
  { key: 'requestTimeout', flag: 'request-timeout', kind: 'number', help: 'seconds an env server has to answer a request before the connection counts as lost (0 = forever)' },
  { key: 'steps', flag: 'steps', kind: 'int', help: 'total environment steps (transitions, summed over sub-envs)' },
  { key: 'seed', flag: 'seed', kind: 'int', help: 'seed for weights, replay sampling, noise and env resets' },
  { key: 'out', flag: 'out', kind: 'string', help: 'output directory (default runs/<env>-s<seed>)' },
  { key: 'backend', flag: 'backend', kind: 'string', help: 'what computes the updates: auto (kernels, else tfjs node, wasm, cpu) | kernels | node | wasm | cpu' },
  { key: 'learnerThreads', flag: 'learner-threads', kind: 'int', help: 'threads computing each update (default: os.availableParallelism())' },
  { key: 'actorHidden', flag: 'actor-hidden', kind: 'list', help: 'actor hidden layer sizes, comma-separated' },
  { key: 'criticHidden', flag: 'critic-hidden', kind: 'list', help: 'critic hidden layer sizes, comma-separated' },
  { key: 'actorLr', flag: 'actor-lr', kind: 'number', help: 'actor Adam learning rate' },
  { key: 'criticLr', flag: 'critic-lr', kind: 'number', help: 'critic Adam learning rate' },
  { key: 'gamma', flag: 'gamma', kind: 'number', help: 'discount factor' },
  { key: 'tau', flag: 'tau', kind: 'number', help: 'Polyak coefficient for the target networks' },
  { key: 'batchSize', flag: 'batch-size', kind: 'int', help: 'minibatch size' },
  { key: 'bufferSize', flag: 'buffer-size', kind: 'int', help: 'replay buffer capacity (transitions)' },
  { key: 'learningStarts', flag: 'learning-starts', kind: 'int', help: 'uniform-random warm-up steps before learning' },
  { key: 'updatesPerStep', flag: 'updates-per-step', kind: 'int', help: 'gradient updates per env step (per transition: N per vector step of N envs)' },
  { key: 'noise', flag: 'noise', kind: 'string', help: 'exploration noise: gaussian | ou | none' },
  { key: 'noiseSigma', flag: 'noise-sigma', kind: 'number', help: 'noise σ, in units of half the action range' },
  { key: 'noiseSigmaFinal', flag: 'noise-sigma-final', kind: 'number', help: 'σ at the end of the linear decay' },
  { key: 'noiseDecaySteps', flag: 'noise-decay-steps', kind: 'int', help: 'steps over which σ decays (0 = constant)' },
  { key: 'ouTheta', flag: 'ou-theta', kind: 'number', help: 'Ornstein-Uhlenbeck θ' },
  { key: 'ouDt', flag: 'ou-dt', kind: 'number', help: 'Ornstein-Uhlenbeck dt' },
  { key: 'evalEvery', flag: 'eval-every', kind: 'int', help: 'steps between deterministic evaluations (0 = never)' },
  { key: 'evalEpisodes', flag: 'eval-episodes', kind: 'int', help: 'episodes per evaluation' },
  { key: 'evalSeed', flag: 'eval-seed', kind: 'int', help: 'first eval episode seed (episode i uses eval-seed + i)' },
  { key: 'checkpointEvery', flag: 'checkpoint-every', kind: 'int', help: 'steps between checkpoints (0 = only at the end)' },
  { key: 'saveReplay', flag: 'save-replay', kind: 'bool', help: 'include the replay buffer in checkpoints' },
  { key: 'logEvery', flag: 'log-every', kind: 'number', help: 'seconds between progress lines when not on a TTY' },
];

export function parseValue(kind: Kind, flag: string, raw: string | boolean | string[]): unknown {
  const fail = (): never => {
    throw new Error(`--${flag}: cannot parse ${JSON.stringify(raw)} as ${kind}`);
  };
  if (kind === 'urls') {
    const xs = (Array.isArray(raw) ? raw : [String(raw)]).filter((u) => u !== '');
    if (!xs.every((u) => /^wss?:\/\/\S+$/.test(u))) fail();
    return xs.length === 1 ? xs[0] : xs.length === 0 ? '' : xs;
  }
  if (Array.isArray(raw)) return fail();
  if (kind === 'bool') return raw === true || raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : fail();
  const s = String(raw);
  if (kind === 'string') return s;
  if (kind === 'int') return /^-?\d+(e\d+)?$/i.test(s) && Number.isInteger(Number(s)) ? Number(s) : fail();
  if (kind === 'number') return Number.isFinite(Number(s)) && s.trim() !== '' ? Number(s) : fail();
  if (kind === 'list') {
    const xs = s.split(',').map((x) => Number(x.trim()));
    return xs.length > 0 && xs.every((x) => Number.isInteger(x) && x > 0) ? xs : fail();
  }
  try {
    const v = JSON.parse(s);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail();
    return v;
  } catch {
    return fail();
  }
}

/** Checks a finished config; throws with a message naming the bad field. */
export function validateConfig(c: TrainConfig): void {
  const bad = (k: string, why: string) => {
    throw new Error(`config ${k}: ${why}`);
  };
  for (const k of ['steps', 'batchSize', 'bufferSize', 'updatesPerStep', 'evalEpisodes', 'numEnvs', 'learnerThreads'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) bad(k, 'must be a positive integer');
  }
  for (const k of ['learningStarts', 'evalEvery', 'checkpointEvery', 'noiseDecaySteps', 'reconnectAttempts'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) bad(k, 'must be a non-negative integer');
  }
  if (!(c.reconnectDelay >= 0)) bad('reconnectDelay', 'must be a non-negative number of seconds');
  if (!(c.requestTimeout >= 0)) bad('requestTimeout', 'must be a non-negative number of seconds (0 = no timeout)');
  if (!(c.gamma >= 0 && c.gamma <= 1)) bad('gamma', 'must be in [0, 1]');
  if (!(c.tau > 0 && c.tau <= 1)) bad('tau', 'must be in (0, 1]');
  if (!['gaussian', 'ou', 'none'].includes(c.noise)) bad('noise', 'must be gaussian, ou or none');
  if (!['auto', 'kernels', 'node', 'tensorflow', 'wasm', 'cpu'].includes(c.backend)) bad('backend', 'must be auto, kernels, node, wasm or cpu');
  const urls = serverUrls(c);
  if (urls.length > c.numEnvs) bad('numEnvs', `${c.numEnvs} is fewer than the ${urls.length} servers given; every server needs at least one env`);
}

/** The env servers of a config: [] means the envs run in this process. */
export function serverUrls(c: Pick<TrainConfig, 'url'>): string[] {
  return (Array.isArray(c.url) ? c.url : [c.url]).filter((u) => u !== '');
}

/**
 * Builds the config: defaults for the env, then the JSON file, then flags. The env id is
 * resolved first (flag over file) because it selects the defaults.
 */
export function buildConfig(flags: Record<string, string | boolean | string[] | undefined>, fileConfig: Partial<TrainConfig> = {}): TrainConfig {
  const env = (flags.env as string | undefined) ?? fileConfig.env ?? BASE_CONFIG.env;
  const c: TrainConfig = { ...defaultsFor(env), ...fileConfig, env };
  for (const f of FLAGS) {
    const raw = flags[f.flag];
    if (raw === undefined) continue;
    (c as unknown as Record<string, unknown>)[f.key] = parseValue(f.kind, f.flag, raw);
  }
  // Without an explicit final σ, a decay would go nowhere; default it to the starting σ.
  if (flags['noise-sigma'] !== undefined && flags['noise-sigma-final'] === undefined && fileConfig.noiseSigmaFinal === undefined) {
    c.noiseSigmaFinal = c.noiseSigma;
  }
  if (!c.out) c.out = `runs/${c.env}-s${c.seed}`;
  validateConfig(c);
  return c;
}

/** parseArgs options for all config flags plus the CLI's own. */
export function parseArgsOptions(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const opts: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const f of FLAGS) opts[f.flag] = f.kind === 'urls' ? { type: 'string', multiple: true } : { type: f.kind === 'bool' ? 'boolean' : 'string' };
  return opts;
}

export function flagsHelp(): string {
  return FLAGS.map((f) => `  --${(f.flag + (f.kind === 'bool' ? '' : f.kind === 'urls' ? ' URL' : ' ' + f.kind.toUpperCase())).padEnd(28)} ${f.help} (default ${JSON.stringify(BASE_CONFIG[f.key])})`).join('\n');
}
