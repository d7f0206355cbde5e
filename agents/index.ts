// The agents' public surface (DDPG, TD3 and SAC).
export { Learner, type LearnerOptions, type Batch, type LearnerState, type Losses } from './learner.ts';
export { ReplayBuffer } from './replay-buffer.ts';
export { ActionNoise, type NoiseOptions, type NoiseKind } from './noise.ts';
export { selectBackend } from './backends/choice.ts';
export type { BackendChoice, BackendName } from './backends/types.ts';
export { saveActor, loadActor, makePolicy, scaleAction, type Policy, type ActorDescription } from './actor-io.ts';
export { CheckpointError } from './checkpoint-io.ts';
export { train, type TrainOptions, type TrainResult } from './trainer.ts';
export { evaluatePolicy } from './evaluation.ts';
export { openEnv } from './run-envs.ts';
export type { EvalResult } from './checkpoints.ts';
export { buildConfig } from './config.ts';
export type { Algo, TrainConfig } from './train-config.ts';
export {
  defaultsFor,
  BASE_CONFIG,
  TUNED_ENVS,
  DDPG_DEFAULTS,
  TD3_DEFAULTS,
  TD3_HYPERPARAMETERS,
  SAC_DEFAULTS,
  SAC_HYPERPARAMETERS,
} from './defaults.ts';
