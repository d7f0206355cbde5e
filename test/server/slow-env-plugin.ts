// A server plugin for the fairness, worker and timeout tests (server/cli.ts --plugin, or
// startServer's pluginModules): envs whose cost is wall-clock time, so a test's load does not
// depend on the machine's speed.
//   Slow-v0     each step and reset busy-waits `ms` (kwarg, default 1) on its thread;
//   SlowBig-v0  the same, declared at 1 MiB, so 16 or more of them make a vector env big
//               enough for a worker thread (server/vector-workers.ts); making one spins
//               `make_ms` (kwarg, default 0);
//   Where-v0    observes which thread it runs in (0: the server's main thread, 1: a worker),
//               declared at 1 MiB; action 2 throws, action 3 ends the thread (process.exit:
//               use it only in a worker);
//   Frozen-v0   resets at once; a step with action 1 never returns (a frozen server).
// Slow-v0 and SlowBig-v0 pass the env checker loadPlugins runs (their defaults spin 1 ms and 0 ms);
// Where-v0 and Frozen-v0 say skipCheck, as a random action may throw, exit or hang.
import { isMainThread } from 'node:worker_threads';
import { BaseEnv, register, registrations } from '../../envs/index.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';

/** Busy waits (a Slow env's step, reset or make) begun in this thread so far. */
let busyWaits = 0;

/**
 * Units of slow work done in this thread (each busy-waits `ms`): what a test counts instead of
 * timing. A unit spins at least its `ms` of wall-clock time, so a piece of work stopped at a
 * deadline (a slice of server/scheduler.ts) holds a bounded number of them, however loaded the
 * machine is.
 */
export function slowUnitsDone(): number {
  return busyWaits;
}

/**
 * The BroadcastChannel on which a busy wait of 10 ms or more says it begins (what: make, reset or step), from
 * whichever thread of the process runs it (a worker's too): a test waits for that event instead
 * of sleeping for as long as it hopes the work takes to start.
 */
export const SLOW_WORK_CHANNEL = 'gymwire-test-slow-work';
export type SlowWork = 'make' | 'reset' | 'step';
let channel: BroadcastChannel | null = null;

function busyWait(ms: number, what: SlowWork): void {
  if (ms > 0) busyWaits++;
  if (ms >= 10) {
    if (channel === null) {
      channel = new BroadcastChannel(SLOW_WORK_CHANNEL);
      (channel as unknown as { unref(): void }).unref();
    }
    channel.postMessage(what);
  }
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning: the point is to hold the event loop
  }
}

class SlowEnv extends BaseEnv<Float32Array, number> {
  // It observes its last action (0..3).
  readonly observationSpace = box(0, 3, [1]);
  readonly actionSpace = discrete(4);
  constructor(private readonly ms: number) {
    super();
  }
  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    busyWait(this.ms, 'reset');
    return { obs: new Float32Array([0]), info: {} };
  }
  step(action: number): StepResult<Float32Array> {
    busyWait(this.ms, 'step');
    return { obs: new Float32Array([action]), reward: 1, terminated: false, truncated: false, info: {} };
  }
  render(): Frame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

class WhereEnv extends SlowEnv {
  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    return { obs: new Float32Array([isMainThread ? 0 : 1]), info: {} };
  }
  override step(action: number): StepResult<Float32Array> {
    if (action === 2) throw new Error('Where-v0 was told to throw');
    if (action === 3) process.exit(3);
    return { obs: new Float32Array([isMainThread ? 0 : 1]), reward: action, terminated: false, truncated: false, info: {} };
  }
}

class FrozenEnv extends SlowEnv {
  override step(action: number): StepResult<Float32Array> {
    // A deliberate hang: the test that uses it kills the server.
    if (action === 1) for (;;) busyWait(1000, 'step');
    return super.step(action);
  }
}

if (!registrations().some((r) => r.id === 'Slow-v0')) {
  register({
    id: 'Slow-v0',
    factory: (kw) => new SlowEnv(kw.ms as number),
    maxEpisodeSteps: null,
    rewardThreshold: null,
    memoryBytes: 1024,
    kwargs: { ms: { type: 'number', default: 1, description: 'milliseconds each step and reset spins' } },
  });
  register({
    id: 'SlowBig-v0',
    factory: (kw) => {
      busyWait(kw.make_ms as number, 'make');
      return new SlowEnv(kw.ms as number);
    },
    maxEpisodeSteps: null,
    rewardThreshold: null,
    memoryBytes: 1024 * 1024,
    kwargs: {
      ms: { type: 'number', default: 1, description: 'milliseconds each step and reset spins' },
      make_ms: { type: 'number', default: 0, description: 'milliseconds making one spins' },
    },
  });
  register({
    id: 'Where-v0',
    skipCheck: true,
    factory: () => new WhereEnv(0),
    maxEpisodeSteps: null,
    rewardThreshold: null,
    memoryBytes: 1024 * 1024,
    kwargs: {},
  });
  register({
    id: 'Frozen-v0',
    skipCheck: true,
    factory: () => new FrozenEnv(0),
    maxEpisodeSteps: null,
    rewardThreshold: null,
    memoryBytes: 1024,
    kwargs: {},
  });
}
