// Vector envs: many sub-envs behind one batched API (protocol/vector-api.ts).
export { SyncVectorEnv, makeVec, type SyncVectorEnvOptions } from './sync-vector-env.ts';
export { addInfo } from './batched-info.ts';
