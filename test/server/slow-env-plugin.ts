// A server plugin for the fairness and timeout tests (server/cli.ts --plugin): envs whose cost
// is wall-clock time, so a test's load does not depend on the machine's speed.
//   Slow-v0    each step and reset busy-waits `ms` (kwarg, default 1) on the event loop;
//   Frozen-v0  resets at once; a step with action 1 never returns (a frozen server).
import { BaseEnv, register, registrations } from '../../envs/index.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning: the point is to hold the event loop
  }
}

class SlowEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = box(-1, 1, [1]);
  readonly actionSpace = discrete(2);
  constructor(private readonly ms: number) {
    super();
  }
  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    busyWait(this.ms);
    return { obs: new Float32Array([0]), info: {} };
  }
  step(action: number): StepResult<Float32Array> {
    busyWait(this.ms);
    return { obs: new Float32Array([action]), reward: 1, terminated: false, truncated: false, info: {} };
  }
  render(): Frame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

class FrozenEnv extends SlowEnv {
  override step(action: number): StepResult<Float32Array> {
    // A deliberate hang: the test that uses it kills the server.
    if (action === 1) for (;;) busyWait(1000);
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
    id: 'Frozen-v0',
    factory: () => new FrozenEnv(0),
    maxEpisodeSteps: null,
    rewardThreshold: null,
    memoryBytes: 1024,
    kwargs: {},
  });
}
