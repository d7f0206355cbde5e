// The envs library: import this to get make() with every built-in env registered.
import './classic-control/index.ts';
import './box2d/index.ts';
import './mujoco/index.ts';

export { make, register, registration, registrations, loadEnv, pendingLoad, type Registration, type Kwargs } from './registry.ts';
export { BaseEnv } from './base-env.ts';
export { TimeLimit, OrderEnforcing, Wrapper } from './wrappers.ts';
export { SyncVectorEnv, makeVec, type SyncVectorEnvOptions } from './vector/index.ts';
