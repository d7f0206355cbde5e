// One connection's state: whether it said hello, and the envs it owns.
import type { Env } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import { GymwireError } from '../protocol/errors.ts';
import type { ResolvedOptions } from './options.ts';

export interface EnvSlot {
  readonly handle: number;
  readonly env: Env;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Set when the env threw something other than a GymwireError: its state is unknown now. */
  broken: string | null;
}

export class Session {
  ready = false;
  private readonly envs = new Map<number, EnvSlot>();
  private nextHandle = 1;

  constructor(readonly opts: ResolvedOptions) {}

  open(env: Env): EnvSlot {
    if (this.envs.size >= this.opts.maxEnvsPerConnection) {
      env.close();
      throw new GymwireError('limit_exceeded', `at most ${this.opts.maxEnvsPerConnection} envs may be open on one connection`, {
        max_envs: this.opts.maxEnvsPerConnection,
      });
    }
    const slot: EnvSlot = {
      handle: this.nextHandle++,
      env,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      broken: null,
    };
    this.envs.set(slot.handle, slot);
    return slot;
  }

  get(handle: number): EnvSlot {
    const slot = this.envs.get(handle);
    if (!slot) throw new GymwireError('unknown_handle', `no open env has handle ${handle} on this connection`, { handle });
    return slot;
  }

  /** Usable for reset/step/render: open and not broken. */
  usable(handle: number): EnvSlot {
    const slot = this.get(handle);
    if (slot.broken !== null) {
      throw new GymwireError('env_broken', `env ${handle} failed earlier (${slot.broken}); close it and make a new one`, { handle });
    }
    return slot;
  }

  close(handle: number): void {
    const slot = this.get(handle);
    this.envs.delete(handle);
    slot.env.close();
  }

  /** On disconnect: close every env, whatever each close() throws. */
  closeAll(): void {
    for (const slot of this.envs.values()) {
      try {
        slot.env.close();
      } catch (e) {
        this.opts.log(`closing env ${slot.handle}: ${(e as Error).message}`);
      }
    }
    this.envs.clear();
  }

  get openEnvs(): number {
    return this.envs.size;
  }
}
