// Default hyperparameters: the base values every run starts from, then the algorithm's row for
// the env (agents/README.md has the table and the sources). A run's configuration applies a
// JSON config file and flags on top (config.ts).
import { availableParallelism } from 'node:os';
import type { Algo, TrainConfig } from './train-config.ts';

// ---- TD3 -----------------------------------------------------------------------------------
// TD3's own (flags --policy-noise, --noise-clip, --policy-delay): the paper's, CleanRL's
// td3_continuous_action.py and SB3's defaults alike.
export const TD3_HYPERPARAMETERS = { policyNoise: 0.2, noiseClip: 0.5, policyDelay: 2 } as const;

// ---- SAC -----------------------------------------------------------------------------------
// SAC's own (flags --policy-frequency, --autotune, --alpha, --target-entropy): CleanRL's
// sac_continuous_action.py (policy_frequency 2, autotune on from α = 1 with target entropy −|A|,
// alpha 0.2 when not tuned), as SB3's SAC (ent_coef 'auto', target_entropy 'auto').
export const SAC_HYPERPARAMETERS = { policyFrequency: 2, autotune: true, alpha: 0.2, targetEntropy: null } as const;

// ---- DDPG ----------------------------------------------------------------------------------
// Base values (BASE_CONFIG below): lr 1e-3 (actor and critic), γ 0.99, τ 0.005, batch 256,
// 1 update per env step, Gaussian exploration σ 0.1 (in units of half the action range).
// Per env (agents/README.md has the table and the sources):
// - Pendulum-v1: 64x64 nets (as reliable as 256x256, and far cheaper:
//   docs/experiments/2026-12-01-pendulum-and-mountain-car-rows.md), γ 0.98 as RL-Zoo.
// - MountainCarContinuous-v0: Ornstein-Uhlenbeck σ 0.5 (RL-Zoo: the reward is found only by
//   exploring far; Gaussian noise at 0.1 never reaches the flag).
// - LunarLanderContinuous-v3, BipedalWalker-v3: RL-Zoo's ddpg.yml rows (γ 0.98, 200k replay,
//   10k random warm-up steps, Gaussian σ 0.1, lr 1e-3, as many updates as env steps), with
//   CleanRL's 256x256 nets instead of RL-Zoo's 400x300. LunarLanderContinuous also takes 3-step
//   returns and 2 updates per env step, the changes that helped
//   (docs/experiments/2026-12-02-lunar-lander-n-step-and-updates-per-step.md), normalises the
//   critic's hidden layers and decays σ 0.1 → 0.02 over 150k steps: the one setting tried that
//   put seeds 0–2 all at ≥ 200 at 150k
//   (docs/experiments/2026-12-03-lunar-lander-layer-norm-critic-sigma-decay.md).
export const DDPG_DEFAULTS: Record<string, Partial<TrainConfig>> = {
  'Pendulum-v1': {
    steps: 20_000,
    actorHidden: [64, 64],
    criticHidden: [64, 64],
    learningStarts: 1000,
    noiseSigma: 0.1,
    noiseSigmaFinal: 0.1,
    gamma: 0.98,
    evalEvery: 1000,
    evalEpisodes: 10,
    checkpointEvery: 5000,
  },
  'MountainCarContinuous-v0': {
    steps: 50_000,
    actorHidden: [64, 64],
    criticHidden: [64, 64],
    noise: 'ou',
    noiseSigma: 0.5,
    noiseSigmaFinal: 0.5,
    ouTheta: 0.15,
    ouDt: 1,
    learningStarts: 1000,
    evalEvery: 5000,
    evalEpisodes: 5,
  },
  'LunarLanderContinuous-v3': {
    steps: 300_000,
    gamma: 0.98,
    bufferSize: 200_000,
    learningStarts: 10_000,
    noiseSigma: 0.1,
    noiseSigmaFinal: 0.02,
    noiseDecaySteps: 150_000,
    criticLayerNorm: true,
    actorLr: 1e-3,
    criticLr: 1e-3,
    nStep: 3,
    updatesPerStep: 2,
    evalEvery: 10_000,
    evalEpisodes: 10,
    checkpointEvery: 25_000,
  },
  'BipedalWalker-v3': {
    steps: 1_000_000,
    gamma: 0.98,
    bufferSize: 200_000,
    learningStarts: 10_000,
    noiseSigma: 0.1,
    noiseSigmaFinal: 0.1,
    actorLr: 1e-3,
    criticLr: 1e-3,
    evalEvery: 25_000,
    evalEpisodes: 5,
    checkpointEvery: 50_000,
  },
};

// Per env, where they differ from DDPG's rows (agents/README.md has the table and the sources):
// RL-Zoo's td3.yml uses the same rows as its ddpg.yml for LunarLanderContinuous and
// BipedalWalker (γ 0.98, 200k replay, 10k warm-up, Gaussian σ 0.1, lr 1e-3), so TD3 takes
// DDPG's defaults there; only the run lengths are TD3's. On LunarLanderContinuous TD3 keeps
// DDPG's 3-step returns but 1 update per step, a plain critic and constant σ: 2 updates per step
// did worse with TD3, and the critic and σ changes were tried with DDPG only
// (docs/experiments/2026-12-02-lunar-lander-3-updates-and-td3-2-updates.md).
export const TD3_DEFAULTS: Record<string, Partial<TrainConfig>> = {
  'LunarLanderContinuous-v3': { steps: 300_000, updatesPerStep: 1, criticLayerNorm: false, noiseSigmaFinal: 0.1, noiseDecaySteps: 0 },
  'BipedalWalker-v3': { steps: 1_000_000 },
};

// SAC does not start from DDPG's rows: its base is CleanRL's (policy lr 3e-4, q lr 1e-3, 5000
// warm-up steps; γ 0.99, τ 0.005, batch 256, 256x256 as the base), collection samples the policy
// (no added noise), and its per-env rows are RL-Zoo's sac.yml (at 00128b5; the LunarLander row
// is named -v2 there) with 256x256 nets instead of 400x300 and without gSDE:
// - Pendulum-v1: lr 1e-3; 64x64 and 1000 warm-up steps as DDPG's row (cost).
// - LunarLanderContinuous-v3: lr 7.3e-4 decayed linearly (lin_7.3e-4), τ 0.01, 10k warm-up, 500k steps.
// - BipedalWalker-v3: lr 7.3e-4, γ 0.98, τ 0.02, 300k replay, 10k warm-up, 500k steps (RL-Zoo
//   also uses gSDE and 64 updates every 64 steps; here 1 update per step).
// - MountainCarContinuous-v0: not tuned for SAC (RL-Zoo's row relies on gSDE); the run length
//   and nets of DDPG's row.
// Untuned here: no runs yet measured these rows.
export const SAC_BASE: Partial<TrainConfig> = {
  actorLr: 3e-4,
  criticLr: 1e-3,
  learningStarts: 5000,
  noise: 'none',
  noiseSigma: 0,
  noiseSigmaFinal: 0,
};
export const SAC_DEFAULTS: Record<string, Partial<TrainConfig>> = {
  'Pendulum-v1': {
    steps: 20_000,
    actorHidden: [64, 64],
    criticHidden: [64, 64],
    actorLr: 1e-3,
    criticLr: 1e-3,
    learningStarts: 1000,
    evalEvery: 1000,
    evalEpisodes: 10,
    checkpointEvery: 5000,
  },
  'MountainCarContinuous-v0': { steps: 50_000, actorHidden: [64, 64], criticHidden: [64, 64], evalEvery: 5000, evalEpisodes: 5 },
  'LunarLanderContinuous-v3': {
    steps: 500_000,
    actorLr: 7.3e-4,
    criticLr: 7.3e-4,
    lrSchedule: 'linear',
    tau: 0.01,
    learningStarts: 10_000,
    evalEvery: 10_000,
    evalEpisodes: 10,
    checkpointEvery: 25_000,
  },
  'BipedalWalker-v3': {
    steps: 500_000,
    actorLr: 7.3e-4,
    criticLr: 7.3e-4,
    gamma: 0.98,
    tau: 0.02,
    bufferSize: 300_000,
    learningStarts: 10_000,
    evalEvery: 25_000,
    evalEpisodes: 5,
    checkpointEvery: 50_000,
  },
};

/** The base values (lr 1e-3, γ 0.99, τ 0.005, batch 256, Gaussian σ 0.1, ...). */
export const BASE_CONFIG: TrainConfig = {
  algo: 'ddpg',
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
  criticLayerNorm: false,
  actorLr: 1e-3,
  criticLr: 1e-3,
  lrSchedule: 'constant',
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  bufferSize: 1_000_000,
  learningStarts: 1000,
  updatesPerStep: 1,
  nStep: 1,
  noise: 'gaussian',
  noiseSigma: 0.1,
  noiseSigmaFinal: 0.1,
  noiseDecaySteps: 0,
  ouTheta: 0.15,
  ouDt: 1e-2,
  ...TD3_HYPERPARAMETERS,
  ...SAC_HYPERPARAMETERS,
  statsEvery: 1000,
  evalEvery: 5000,
  evalEpisodes: 10,
  evalSeed: 1_000_000,
  evalActor: 'online',
  checkpointEvery: 10_000,
  saveReplay: false,
  logEvery: 10,
};

/** The envs with defaults of their own (for some algorithm). */
export const TUNED_ENVS: readonly string[] = [
  ...new Set([...Object.keys(DDPG_DEFAULTS), ...Object.keys(TD3_DEFAULTS), ...Object.keys(SAC_DEFAULTS)]),
];

/**
 * Config for an env id and algorithm: base defaults, then the env's DDPG row, then for TD3 its
 * own row on top; SAC: base defaults, SAC's base, then its own row. Keep the README's tables in sync.
 */
export function defaultsFor(env: string, algo: Algo = 'ddpg'): TrainConfig {
  if (algo === 'sac') return { ...BASE_CONFIG, ...SAC_BASE, ...(SAC_DEFAULTS[env] ?? {}), env, algo };
  return { ...BASE_CONFIG, ...(DDPG_DEFAULTS[env] ?? {}), ...(algo === 'td3' ? (TD3_DEFAULTS[env] ?? {}) : {}), env, algo };
}
