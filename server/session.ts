// One connection's state: whether it said hello, and the envs it owns.
import type { Env } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import { GymwireError } from '../protocol/errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { VectorHost } from './vector-slot.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { VectorWorkers } from './vector-workers.ts';

interface SlotBase {
  readonly handle: number;
  /** The env id it was made with (metrics count open envs by it). */
  readonly envId: string;
  /** For a vector env, the single sub-env spaces. */
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Env instances this handle holds: 1, or a vector env's num_envs. */
  readonly numEnvs: number;
  /** What they are charged against the server's memory budget (bytes). */
  readonly memoryBytes: number;
  /** Set when the env threw something other than a GymwireError: its state is unknown now. */
  broken: string | null;
}
export interface SingleSlot extends SlotBase {
  readonly env: Env;
  readonly vector: null;
  /** Bytes of the last frame rendered (0 before the first): the next render is checked against the budget with it. */
  frameBytes: number;
}
export interface VectorSlot extends SlotBase {
  readonly env: null;
  /** In this thread or in a worker thread (server/vector-workers.ts). */
  readonly vector: VectorHost;
}
export type EnvSlot = SingleSlot | VectorSlot;

export class Session {
  ready = false;
  private readonly envs = new Map<number, EnvSlot>();
  private nextHandle = 1;
  /** Env instances open: single envs count 1, vector envs their num_envs. */
  private instances = 0;

  constructor(
    readonly opts: ResolvedOptions,
    readonly budget: MemoryBudget,
    /** Where vector envs are built (here or in worker threads); none: always here. */
    readonly vectors: VectorWorkers = new VectorWorkers(0, { pluginModules: [] }, opts.log),
  ) {}

  /**
   * Checks room for `numEnvs` instances of `envId` on this connection and charges them to the
   * memory budget (limit_exceeded if either says no). Returns the bytes charged: hand them
   * to open()/openVector(), or back to budget.release() if the env is not made after all.
   */
  reserve(envId: string, numEnvs: number): number {
    this.checkRoom(numEnvs);
    return this.budget.reserveEnvs(envId, numEnvs);
  }

  /** Throws limit_exceeded unless `numEnvs` more env instances fit on this connection; call before building them. */
  private checkRoom(numEnvs: number): void {
    if (this.envs.size >= this.opts.maxEnvsPerConnection) {
      throw new GymwireError('limit_exceeded', `at most ${this.opts.maxEnvsPerConnection} envs may be open on one connection`, {
        max_envs: this.opts.maxEnvsPerConnection,
      });
    }
    const max = this.opts.maxNumEnvs;
    if (numEnvs > max) {
      throw new GymwireError('limit_exceeded', `num_envs ${numEnvs} is more than this server's max_num_envs ${max}`, { max_num_envs: max });
    }
    if (this.instances + numEnvs > max) {
      throw new GymwireError(
        'limit_exceeded',
        `${this.instances} env instances are open on this connection; ${numEnvs} more would pass max_num_envs ${max}`,
        { max_num_envs: max, open_instances: this.instances },
      );
    }
  }

  /** Registers a single env built after reserve() charged `memoryBytes` for it. */
  open(env: Env, memoryBytes: number, envId: string): SingleSlot {
    const slot: SingleSlot = {
      handle: this.nextHandle++,
      envId,
      env,
      vector: null,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      numEnvs: 1,
      memoryBytes,
      broken: null,
      frameBytes: 0,
    };
    this.envs.set(slot.handle, slot);
    this.instances += 1;
    return slot;
  }

  /** Registers a vector env built after reserve() charged `memoryBytes` for it. */
  openVector(host: VectorHost, memoryBytes: number, envId: string): VectorSlot {
    const slot: VectorSlot = {
      handle: this.nextHandle++,
      envId,
      env: null,
      vector: host,
      observationSpace: host.singleObservationSpace,
      actionSpace: host.singleActionSpace,
      numEnvs: host.numEnvs,
      memoryBytes,
      broken: null,
    };
    this.envs.set(slot.handle, slot);
    this.instances += slot.numEnvs;
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
    this.instances -= slot.numEnvs;
    this.releaseCharge(slot);
    (slot.vector ?? slot.env)!.close();
  }

  /**
   * Gives back a closed env's charge once its memory is freed: at once for an env whose close()
   * frees it (MuJoCo's); an env of this thread's heap when its object is collected; one in a
   * worker thread when the worker has collected it (it collects its heap at each close).
   */
  private releaseCharge(slot: EnvSlot): void {
    const vector = slot.vector;
    if (vector === null && slot.env!.freesMemoryOnClose === true) this.budget.release(slot.memoryBytes);
    else if (vector === null || vector.inThisThread) this.budget.releaseWhenCollected(slot.env ?? vector!, slot.memoryBytes);
    else if (vector.onMemoryFreed) this.budget.releaseWhenFreed(slot.memoryBytes, (freed) => vector.onMemoryFreed!(freed));
    else this.budget.release(slot.memoryBytes);
  }

  /** On disconnect: close every env, whatever each close() throws. */
  closeAll(): void {
    for (const slot of this.envs.values()) {
      this.releaseCharge(slot);
      try {
        (slot.vector ?? slot.env)!.close();
      } catch (e) {
        this.opts.log(`closing env ${slot.handle}: ${(e as Error).message}`);
      }
    }
    this.envs.clear();
    this.instances = 0;
  }

  get openEnvs(): number {
    return this.envs.size;
  }

  /** The envs open on this connection (for metrics: read, never changed). */
  slots(): IterableIterator<EnvSlot> {
    return this.envs.values();
  }
}
