// The wrappers gymnasium.make applies: TimeLimit and OrderEnforcing.
import type { Env, Frame, ResetArgs, ResetResult, SpaceValue, StepResult } from '../protocol/env-api.ts';
import type { EnvSpec } from '../protocol/schema/env-spec.ts';
import { GymwireError } from '../protocol/errors.ts';

export class Wrapper<O = SpaceValue, A = SpaceValue> implements Env<O, A> {
  constructor(readonly env: Env<O, A>) {}
  get observationSpace() {
    return this.env.observationSpace;
  }
  get actionSpace() {
    return this.env.actionSpace;
  }
  get spec(): EnvSpec | null {
    return this.env.spec;
  }
  set spec(s: EnvSpec | null) {
    this.env.spec = s;
  }
  get freesMemoryOnClose(): boolean {
    return this.env.freesMemoryOnClose === true;
  }
  /** The innermost env, for code that needs the concrete class (tests, renderers). */
  get unwrapped(): Env<O, A> {
    return this.env instanceof Wrapper ? (this.env.unwrapped as Env<O, A>) : this.env;
  }
  reset(args?: ResetArgs): ResetResult<O> {
    return this.env.reset(args);
  }
  step(action: A): StepResult<O> {
    return this.env.step(action);
  }
  render(): Frame {
    return this.env.render();
  }
  close(): void {
    this.env.close();
  }
}

/** Truncates an episode after maxEpisodeSteps steps, as gymnasium.wrappers.TimeLimit. */
export class TimeLimit<O = SpaceValue, A = SpaceValue> extends Wrapper<O, A> {
  private elapsed = 0;
  constructor(
    env: Env<O, A>,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
  }
  override reset(args?: ResetArgs): ResetResult<O> {
    this.elapsed = 0;
    return this.env.reset(args);
  }
  override step(action: A): StepResult<O> {
    const result = this.env.step(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) result.truncated = true;
    return result;
  }
}

/** Refuses step() before the first reset(), as gymnasium.wrappers.OrderEnforcing. */
export class OrderEnforcing<O = SpaceValue, A = SpaceValue> extends Wrapper<O, A> {
  private hasReset = false;
  override reset(args?: ResetArgs): ResetResult<O> {
    // Set after the env's reset returns: a reset refused (e.g. for its options) is not a reset.
    const r = this.env.reset(args);
    this.hasReset = true;
    return r;
  }
  override step(action: A): StepResult<O> {
    if (!this.hasReset) throw new GymwireError('reset_needed', 'Cannot call step() before reset().');
    return this.env.step(action);
  }
}
