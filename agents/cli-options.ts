// The command-line options that `evaluate` and `rollout` share: which actor, against which env,
// served where, from which seed.
export const ACTOR_AND_ENV_OPTIONS = {
  checkpoint: { type: 'string' },
  env: { type: 'string' },
  url: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
