// Training configuration: base defaults, the algorithm's per-env defaults (defaults.ts;
// documented with their sources in README.md here), a JSON config file, and command-line flags,
// applied in that order.
import { ALGOS, EVAL_ACTORS, LR_SCHEDULES, type Algo, type LrSchedule, type TrainConfig } from './train-config.ts';
import { BASE_CONFIG, defaultsFor } from './defaults.ts';
import { BACKEND_CHOICES } from './backends/types.ts';
import { isFarmUrl } from '../client/discovery.ts';
import { parseJson } from './json-text.ts';

/**
 * The learning rates' factor for an update made at env step `step` of a run of `steps`:
 * 1 (constant), or SB3's progress remaining, 1 − step/steps (linear; 0 at the end).
 */
export function lrScaleAt(schedule: LrSchedule, step: number, steps: number): number {
  return schedule === 'linear' ? Math.min(1, Math.max(0, 1 - step / steps)) : 1;
}

export { isFarmUrl };

type Kind = 'int' | 'number' | 'string' | 'bool' | 'list' | 'json' | 'urls';

/** Every TrainConfig key, its flag, its kind and its help text. */
export const FLAGS: {
  key: keyof TrainConfig;
  flag: string;
  kind: Kind;
  help: string;
  /** What --help says the default is, where the value itself would mislead (computed at run time). */ shownDefault?: string;
}[] = [
  { key: 'algo', flag: 'algo', kind: 'string', help: 'algorithm: ddpg | td3 | sac' },
  { key: 'env', flag: 'env', kind: 'string', help: 'environment id (e.g. Pendulum-v1)' },
  {
    key: 'envKwargs',
    flag: 'env-kwargs',
    kind: 'json',
    help: 'env kwargs as a JSON object, e.g. \'{"g": 9.81}\' or \'{"healthy_z_range": [0.8, Infinity]}\'',
  },
  {
    key: 'url',
    flag: 'url',
    kind: 'urls',
    help:
      'env server URL (ws://host:port), repeatable; or one farm, dns+ws://NAME:PORT: every address NAME resolves to, ' +
      'followed as servers join and leave; omit to run the envs in-process',
  },
  { key: 'numEnvs', flag: 'num-envs', kind: 'int', help: 'sub-envs collecting in parallel, spread over the --url servers' },
  {
    key: 'reconnectAttempts',
    flag: 'reconnect-attempts',
    kind: 'int',
    help: 'times to re-open unreachable envs after a dropped connection (0 = fail at once)',
  },
  { key: 'reconnectDelay', flag: 'reconnect-delay', kind: 'number', help: 'seconds before the first re-open attempt (doubles, at most 8)' },
  {
    key: 'requestTimeout',
    flag: 'request-timeout',
    kind: 'number',
    help: 'seconds an env server has to answer a request before the connection counts as lost (0 = forever)',
  },
  { key: 'steps', flag: 'steps', kind: 'int', help: 'total environment steps (transitions, summed over sub-envs)' },
  { key: 'seed', flag: 'seed', kind: 'int', help: 'seed for weights, replay sampling, noise and env resets' },
  { key: 'out', flag: 'out', kind: 'string', help: 'output directory', shownDefault: 'runs/<env>-<algo>-s<seed>' },
  {
    key: 'backend',
    flag: 'backend',
    kind: 'string',
    help:
      'what computes the updates: auto (kernels, else tfjs node, wasm, cpu) | ' +
      `${BACKEND_CHOICES.filter((b) => b !== 'auto').join(' | ')} (tensorflow = node)`,
  },
  {
    key: 'learnerThreads',
    flag: 'learner-threads',
    kind: 'int',
    help: 'threads computing each update',
    shownDefault: "this machine's cores (os.availableParallelism())",
  },
  { key: 'actorHidden', flag: 'actor-hidden', kind: 'list', help: 'actor hidden layer sizes, comma-separated' },
  { key: 'criticHidden', flag: 'critic-hidden', kind: 'list', help: 'critic hidden layer sizes, comma-separated' },
  {
    key: 'criticLayerNorm',
    flag: 'critic-layer-norm',
    kind: 'bool',
    help:
      'layer normalisation (no gain or bias) before each critic hidden ReLU, as DroQ/CrossQ for many updates per step ' +
      '(kernels backend only)',
  },
  { key: 'actorLr', flag: 'actor-lr', kind: 'number', help: 'actor Adam learning rate' },
  { key: 'actorLr', flag: 'policy-lr', kind: 'number', help: "the same as --actor-lr (CleanRL's name, for SAC)" },
  { key: 'criticLr', flag: 'critic-lr', kind: 'number', help: "critic Adam learning rate (SAC: α's too)" },
  { key: 'criticLr', flag: 'q-lr', kind: 'number', help: "the same as --critic-lr (CleanRL's name, for SAC)" },
  {
    key: 'lrSchedule',
    flag: 'lr-schedule',
    kind: 'string',
    help: 'constant | linear: both learning rates decay linearly to 0 at --steps (RL-Zoo lin_, SB3 progress_remaining)',
  },
  { key: 'gamma', flag: 'gamma', kind: 'number', help: 'discount factor' },
  { key: 'tau', flag: 'tau', kind: 'number', help: 'Polyak coefficient for the target networks' },
  { key: 'batchSize', flag: 'batch-size', kind: 'int', help: 'minibatch size' },
  { key: 'bufferSize', flag: 'buffer-size', kind: 'int', help: 'replay buffer capacity (transitions)' },
  { key: 'learningStarts', flag: 'learning-starts', kind: 'int', help: 'uniform-random warm-up steps before learning' },
  {
    key: 'nStep',
    flag: 'n-step',
    kind: 'int',
    help: 'n-step returns: rewards summed (discounted) over n steps before the critic bootstraps with γ^n (1 = one-step TD)',
  },
  { key: 'updatesPerStep', flag: 'updates-per-step', kind: 'int', help: 'gradient updates per env step (N per vector step of N envs)' },
  { key: 'noise', flag: 'noise', kind: 'string', help: 'exploration noise: gaussian | ou | none' },
  { key: 'noiseSigma', flag: 'noise-sigma', kind: 'number', help: 'noise σ, in units of half the action range' },
  { key: 'noiseSigmaFinal', flag: 'noise-sigma-final', kind: 'number', help: 'σ at the end of the linear decay' },
  { key: 'noiseDecaySteps', flag: 'noise-decay-steps', kind: 'int', help: 'steps over which σ decays (0 = constant)' },
  { key: 'ouTheta', flag: 'ou-theta', kind: 'number', help: 'Ornstein-Uhlenbeck θ' },
  { key: 'ouDt', flag: 'ou-dt', kind: 'number', help: 'Ornstein-Uhlenbeck dt' },
  {
    key: 'policyNoise',
    flag: 'policy-noise',
    kind: 'number',
    help: 'TD3: σ of the target policy smoothing noise (units of half the action range)',
  },
  { key: 'noiseClip', flag: 'noise-clip', kind: 'number', help: 'TD3: the smoothing noise is clipped to ±this' },
  { key: 'policyDelay', flag: 'policy-delay', kind: 'int', help: 'TD3: critic updates per actor and target update' },
  {
    key: 'policyFrequency',
    flag: 'policy-frequency',
    kind: 'int',
    help: "SAC: the actor updates every N-th update, N times (CleanRL's policy_frequency; 1 = once every update, as SB3)",
  },
  {
    key: 'autotune',
    flag: 'autotune',
    kind: 'bool',
    help: 'SAC: learn the entropy coefficient α (from 1) towards --target-entropy; --no-autotune keeps --alpha',
  },
  { key: 'alpha', flag: 'alpha', kind: 'number', help: 'SAC: the entropy coefficient α with --no-autotune' },
  {
    key: 'targetEntropy',
    flag: 'target-entropy',
    kind: 'number',
    help: 'SAC: the entropy the tuned α aims at',
    shownDefault: "−(action dimensions), SB3's and CleanRL's",
  },
  {
    key: 'statsEvery',
    flag: 'stats-every',
    kind: 'int',
    help: 'updates between learning-statistics records (losses, mean Q, rates; 0 = none)',
  },
  { key: 'evalEvery', flag: 'eval-every', kind: 'int', help: 'steps between deterministic evaluations (0 = never)' },
  { key: 'evalEpisodes', flag: 'eval-episodes', kind: 'int', help: 'episodes per evaluation' },
  { key: 'evalSeed', flag: 'eval-seed', kind: 'int', help: 'first eval episode seed (episode i uses eval-seed + i)' },
  {
    key: 'evalActor',
    flag: 'eval-actor',
    kind: 'string',
    help:
      'the actor evaluations play and checkpoints export (actor.bin: what evaluate and rollout load): ' +
      'online | target (the target actor, its Polyak average)',
  },
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
    if (!xs.every((u) => /^(dns\+)?wss?:\/\/\S+$/i.test(u))) fail();
    if (xs.length > 1 && xs.some(isFarmUrl))
      throw new Error(`--${flag}: a farm (dns+ws:// or dns+wss://) is given alone: it stands for all its servers`);
    return xs.length === 1 ? xs[0] : xs.length === 0 ? '' : xs;
  }
  if (Array.isArray(raw)) return fail();
  if (kind === 'bool')
    return raw === true || raw === 'true' || raw === '1' ? true : raw === false || raw === 'false' || raw === '0' ? false : fail();
  const s = String(raw);
  if (kind === 'string') return s;
  if (kind === 'int') return /^-?\d+(e\d+)?$/i.test(s) && Number.isInteger(Number(s)) ? Number(s) : fail();
  if (kind === 'number') return Number.isFinite(Number(s)) && s.trim() !== '' ? Number(s) : fail();
  if (kind === 'list') {
    const xs = s.split(',').map((x) => Number(x.trim()));
    return xs.length > 0 && xs.every((x) => Number.isInteger(x) && x > 0) ? xs : fail();
  }
  try {
    const v = parseJson(s);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail();
    return v;
  } catch {
    return fail();
  }
}

/** Checks a finished config; throws with a message naming the bad field. */
function validateConfig(c: TrainConfig): void {
  const bad = (k: string, why: string) => {
    throw new Error(`config ${k}: ${why}`);
  };
  for (const k of ['steps', 'batchSize', 'bufferSize', 'updatesPerStep', 'nStep', 'evalEpisodes', 'numEnvs', 'learnerThreads'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) bad(k, 'must be a positive integer');
  }
  if (!ALGOS.includes(c.algo)) bad('algo', `must be one of ${ALGOS.join(', ')}`);
  for (const k of ['policyDelay', 'policyFrequency'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) bad(k, 'must be a positive integer');
  }
  if (!(c.policyNoise >= 0)) bad('policyNoise', 'must be a non-negative number');
  if (!(c.noiseClip >= 0)) bad('noiseClip', 'must be a non-negative number');
  for (const k of ['learningStarts', 'evalEvery', 'checkpointEvery', 'noiseDecaySteps', 'reconnectAttempts', 'statsEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) bad(k, 'must be a non-negative integer');
  }
  if (!(c.reconnectDelay >= 0)) bad('reconnectDelay', 'must be a non-negative number of seconds');
  if (!(c.requestTimeout >= 0)) bad('requestTimeout', 'must be a non-negative number of seconds (0 = no timeout)');
  if (!(c.gamma >= 0 && c.gamma <= 1)) bad('gamma', 'must be in [0, 1]');
  if (!(c.tau > 0 && c.tau <= 1)) bad('tau', 'must be in (0, 1]');
  if (!['gaussian', 'ou', 'none'].includes(c.noise)) bad('noise', 'must be gaussian, ou or none');
  if (!EVAL_ACTORS.includes(c.evalActor)) bad('evalActor', `must be ${EVAL_ACTORS.join(' or ')}`);
  if (!LR_SCHEDULES.includes(c.lrSchedule)) bad('lr-schedule', `must be ${LR_SCHEDULES.join(' or ')}`);
  if (!(BACKEND_CHOICES as readonly string[]).includes(c.backend))
    bad('backend', `must be ${BACKEND_CHOICES.join(', ')}; got ${JSON.stringify(c.backend)}`);
  if (!(c.alpha >= 0)) bad('alpha', 'must be a non-negative number');
  if (c.targetEntropy !== null && !Number.isFinite(c.targetEntropy)) bad('targetEntropy', 'must be a number (or null: −action dimensions)');
  if (c.algo !== 'ddpg' && !['auto', 'kernels'].includes(c.backend))
    bad('backend', `${c.algo.toUpperCase()} runs on the WebAssembly kernels only (auto or kernels), not ${c.backend}`);
  if (c.algo === 'sac' && c.noise !== 'none')
    bad('noise', `SAC explores by sampling its policy: it takes no added noise (--noise none), not ${c.noise}`);
  if (c.algo === 'sac' && c.evalActor !== 'online')
    bad('evalActor', 'SAC has no target actor: its evaluations play the online policy (--eval-actor online)');
  if (c.criticLayerNorm && !['auto', 'kernels'].includes(c.backend))
    bad(
      'backend',
      `the critic's layer normalisation runs on the WebAssembly kernels only (auto or kernels), not ${c.backend}; ` +
        'turn it off with --no-critic-layer-norm',
    );
  const urls = serverUrls(c);
  if (urls.length > 1 && urls.some(isFarmUrl)) bad('url', 'a farm (dns+ws:// or dns+wss://) is given alone: it stands for all its servers');
  if (urls.length > c.numEnvs)
    bad('numEnvs', `${c.numEnvs} is fewer than the ${urls.length} servers given; every server needs at least one env`);
}

/** The env servers of a config: [] means the envs run in this process; one farm URL stands for many. */
export function serverUrls(c: Pick<TrainConfig, 'url'>): string[] {
  return (Array.isArray(c.url) ? c.url : [c.url]).filter((u) => u !== '');
}

/** The env id and algorithm a set of flags and config file ask for (flag over file over base): they select the defaults. */
export function chosenEnvAndAlgo(flags: Record<string, unknown>, fileConfig: Partial<TrainConfig> = {}): { env: string; algo: Algo } {
  const env = (flags.env as string | undefined) ?? fileConfig.env ?? BASE_CONFIG.env;
  const algo = ((flags.algo as string | undefined) ?? fileConfig.algo ?? BASE_CONFIG.algo) as Algo;
  if (!ALGOS.includes(algo)) throw new Error(`--algo: ${JSON.stringify(algo)} is not one of ${ALGOS.join(', ')}`);
  return { env, algo };
}

/**
 * Builds the config: defaults for the env and algorithm, then the JSON file, then flags. The
 * env id and algorithm are resolved first (flag over file) because they select the defaults.
 */
export function buildConfig(
  flags: Record<string, string | boolean | string[] | undefined>,
  fileConfig: Partial<TrainConfig> = {},
): TrainConfig {
  const { env, algo } = chosenEnvAndAlgo(flags, fileConfig);
  const c: TrainConfig = { ...defaultsFor(env, algo), ...fileConfig, env, algo };
  for (const f of FLAGS) {
    if (f.flag !== FLAGS.find((g) => g.key === f.key)!.flag && flags[f.flag] !== undefined)
      for (const g of FLAGS)
        if (g.key === f.key && g !== f && flags[g.flag] !== undefined)
          throw new Error(`--${g.flag} and --${f.flag} are the same setting: give one`);
    // A default that is on (a bool in an env's row) can be turned off: --no-FLAG.
    const raw = f.kind === 'bool' && flags[`no-${f.flag}`] === true ? false : flags[f.flag];
    if (raw === undefined) continue;
    (c as unknown as Record<string, unknown>)[f.key] = parseValue(f.kind, f.flag, raw);
  }
  // Without an explicit final σ, a decay would go nowhere; default it to the starting σ.
  if (flags['noise-sigma'] !== undefined && flags['noise-sigma-final'] === undefined && fileConfig.noiseSigmaFinal === undefined) {
    c.noiseSigmaFinal = c.noiseSigma;
  }
  if (!c.out) c.out = `runs/${c.env}-${c.algo}-s${c.seed}`;
  validateConfig(c);
  return c;
}

/** parseArgs options for all config flags plus the CLI's own. */
export function parseArgsOptions(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const opts: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const f of FLAGS)
    opts[f.flag] = f.kind === 'urls' ? { type: 'string', multiple: true } : { type: f.kind === 'bool' ? 'boolean' : 'string' };
  for (const f of FLAGS) if (f.kind === 'bool') opts[`no-${f.flag}`] = { type: 'boolean' };
  return opts;
}

/** One line per flag, with its default for this env and algorithm (defaultsFor). */
export function flagsHelp(defaults: TrainConfig = BASE_CONFIG): string {
  const shown = (f: (typeof FLAGS)[number]) => f.shownDefault ?? JSON.stringify(defaults[f.key]);
  const name = (f: (typeof FLAGS)[number]) =>
    f.kind === 'bool' ? `[no-]${f.flag}` : f.flag + (f.kind === 'urls' ? ' URL' : ' ' + f.kind.toUpperCase());
  return FLAGS.map((f) => `  --${name(f).padEnd(28)} ${f.help} (default ${shown(f)})`).join('\n');
}
