// The base every environment extends: Gymnasium's Env, with its seeding rule.
import type { Env, Frame, ResetArgs, ResetResult, SpaceValue, StepResult } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvSpec } from '../protocol/schema/env-spec.ts';
import { NumpyGenerator, entropySeed } from '../protocol/random.ts';

export abstract class BaseEnv<O = SpaceValue, A = SpaceValue> implements Env<O, A> {
  abstract readonly observationSpace: Space;
  abstract readonly actionSpace: Space;
  spec: EnvSpec | null = null;
  private rng: NumpyGenerator | null = null;

  /**
   * The env's generator. As in Gymnasium, reset({seed}) replaces it with
   * default_rng(seed); a reset without a seed keeps drawing from the same stream;
   * an env never seeded draws its seed from the OS.
   */
  get npRandom(): NumpyGenerator {
    if (this.rng === null) this.rng = new NumpyGenerator(entropySeed());
    return this.rng;
  }

  /** Subclasses call this first in reset(), like Gymnasium's `super().reset(seed=seed)`. */
  protected seed(args?: ResetArgs): void {
    if (args?.seed !== undefined && args.seed !== null) this.rng = new NumpyGenerator(args.seed);
  }

  abstract reset(args?: ResetArgs): ResetResult<O>;
  abstract step(action: A): StepResult<O>;
  abstract render(): Frame;
  close(): void {}
}
