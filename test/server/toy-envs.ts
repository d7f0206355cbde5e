// Tiny envs registered by the server tests, so they do not depend on the real envs.
import { BaseEnv, register, registrations } from '../../envs/index.ts';
import type { Frame, ResetArgs, ResetResult, StepResult } from '../../protocol/env-api.ts';
import { box, discrete } from '../../protocol/spaces.ts';

/** A point on a line pushed by a continuous force; obs [x, v], reward -x^2. */
export class ToyContinuous extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = box(-10, 10, [2]);
  readonly actionSpace = box(-1, 1, [1]);
  private x = 0;
  private v = 0;

  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    this.x = this.npRandom.uniform(-1, 1);
    this.v = 0;
    return { obs: new Float32Array([this.x, this.v]), info: { start: this.x } };
  }

  step(action: Float32Array): StepResult<Float32Array> {
    const u = Math.min(1, Math.max(-1, action[0]));
    if (Math.abs(action[0] - 0.123) < 1e-6) throw new Error('toy physics exploded');
    this.v += 0.1 * u;
    this.x += 0.1 * this.v;
    const terminated = Math.abs(this.x) > 5;
    return { obs: new Float32Array([this.x, this.v]), reward: -this.x * this.x, terminated, truncated: false, info: {} };
  }

  render(): Frame {
    const data = new Uint8Array(4 * 2 * 3).fill(200);
    return { width: 4, height: 2, data };
  }

  static closed = 0;
  override close(): void {
    ToyContinuous.closed++;
  }
}

/** A counter you move left/right with Discrete(3, start=-1) actions. */
export class ToyDiscrete extends BaseEnv<Float32Array, number> {
  readonly observationSpace = box(-100, 100, [1]);
  readonly actionSpace = discrete(3, -1);
  private pos = 0;
  reset(args?: ResetArgs): ResetResult<Float32Array> {
    this.seed(args);
    this.pos = this.npRandom.integers(5);
    return { obs: new Float32Array([this.pos]), info: {} };
  }
  step(action: number): StepResult<Float32Array> {
    this.pos += action;
    return { obs: new Float32Array([this.pos]), reward: 1, terminated: this.pos === 0, truncated: false, info: { pos: this.pos } };
  }
  render(): Frame {
    throw new Error('no renderer');
  }
}

if (!registrations().some((r) => r.id === 'Toy-v0')) {
  register({
    id: 'Toy-v0',
    factory: () => new ToyContinuous(),
    maxEpisodeSteps: 50,
    rewardThreshold: -1,
    kwargs: {},
  });
  register({
    id: 'ToyDiscrete-v0',
    factory: () => new ToyDiscrete(),
    maxEpisodeSteps: null,
    rewardThreshold: null,
    kwargs: { unused: { type: 'number', default: 1, description: 'accepted, ignored' } },
  });
}
