// The agents' public surface (DDPG and TD3).
export { Learner, type Algo, type LearnerOptions, type Batch, type LearnerState, type Losses } from './learner.ts';
export { ReplayBuffer } from './replay-buffer.ts';
export { ActionNoise, type NoiseOptions, type NoiseKind } from './noise.ts';
export { selectBackend, type BackendChoice, type BackendName } from './backend.ts';
export { saveActor, loadActor, makePolicy, scaleAction, type Policy, type ActorDescription } from './actor-io.ts';
export { CheckpointError } from './checkpoint-io.ts';
export { train, evaluatePolicy, openEnv, type TrainOptions, type TrainResult, type EvalResult } from './trainer.ts';
export { buildConfig, defaultsFor, BASE_CONFIG, TUNED_ENVS, type TrainConfig } from './config.ts';
export { DDPG_DEFAULTS } from './ddpg.ts';
export { TD3_DEFAULTS, TD3_HYPERPARAMETERS } from './td3.ts';
