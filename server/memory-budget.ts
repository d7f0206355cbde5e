// The server-wide memory budget: what clients can make the server hold, in bytes, whatever
// the sequence of requests and however many connections send them (PROTOCOL.md section 8).
//
//   env instances      each charged its env's measured cost (Registration.memoryBytes) from
//                      make until its memory is actually freed: past close, until the garbage
//                      collector has collected it (releaseWhenCollected), so making and closing
//                      envs in a loop cannot pile up garbage the budget does not see; they may
//                      take at most 3/4 of the budget;
//   unsent answers     answers waiting in the server to go out to clients that do not read;
//   unanswered frames  frames read but not yet answered, and frames half received.
//
// The last two get 1/8 of the budget each, and are held by backpressure
// (server/client-connection.ts): once either passes its share, the connections holding them
// are not served or not read until it drops. What a make, reset or render would add is
// checked first: limit_exceeded if it would take its part past its share (env instances past
// 3/4, unsent answers past 1/8) or everything past the budget, before anything is built or
// changed. (A step's answer is not refused: it waits behind backpressure.)
import { GymwireError } from '../protocol/errors.ts';
import type { Registration } from '../envs/index.ts';

/** What an env that does not declare its cost is charged: as much as the costliest built-in (BipedalWalkerHardcore-v3). */
export const DEFAULT_ENV_MEMORY_BYTES = 1280 * 1024;

/** Fractions of the budget: env instances at most, and where backpressure starts for each of answers and frames. */
const ENV_SHARE = 3 / 4;
const IO_SHARE = 1 / 8;

/** Answers from this size (a render, the reset of a big vector env) are checked against the budget before they are made. */
export const BIG_ANSWER_BYTES = 64 * 1024;

/**
 * A closed env's charge is given back when its object is collected, or after this long at the
 * latest (something outside the server's control may keep it reachable).
 */
export const RELEASE_AT_LATEST_MS = 30_000;

/** A closed env's charge waiting for its memory to be collected; settled once. */
interface PendingRelease {
  bytes: number;
  settled: boolean;
  timer: NodeJS.Timeout | null;
}

const mib = (b: number) => `${(b / (1024 * 1024)).toFixed(1)} MiB`;

export class MemoryBudget {
  /** Bytes charged for the env instances open (and being made). */
  private envs = 0;
  /** Bytes of answers handed to sockets and not yet written out (sum over connections). */
  output = 0;
  /** Bytes of frames read (or partly read) and not yet answered (sum over connections). */
  input = 0;
  private readonly costs = new Map<string, number>();

  constructor(
    /** The budget in bytes. */
    readonly total: number,
    private readonly registrations: () => Registration[],
  ) {}

  get envBytes(): number {
    return this.envs;
  }

  /** What everything counted holds now. */
  get used(): number {
    return this.envs + this.output + this.input;
  }

  /**
   * Whether unsent answers leave no room for another answer of `bytes` (at least a big one)
   * within their share: a connection with answers waiting is then not served until they drop,
   * while a big answer for another connection is refused (checkAnswer).
   */
  outputFull(bytes = BIG_ANSWER_BYTES): boolean {
    return this.output + Math.max(bytes, BIG_ANSWER_BYTES) > this.total * IO_SHARE;
  }

  /** Unanswered frames past their share: connections holding more than their part are not read. */
  get inputOver(): boolean {
    return this.input > this.total * IO_SHARE;
  }

  /** The input bytes one of `connections` may hold while inputOver. */
  inputFairShare(connections: number): number {
    return (this.total * IO_SHARE) / Math.max(1, connections);
  }

  /** The cost of one instance of `envId`: its registration's memoryBytes, or the default. */
  costOf(envId: string): number {
    let cost = this.costs.get(envId);
    if (cost === undefined) {
      cost = this.registrations().find((r) => r.id === envId)?.memoryBytes ?? DEFAULT_ENV_MEMORY_BYTES;
      this.costs.set(envId, cost);
    }
    return cost;
  }

  /**
   * Charges `count` instances of `envId`, or throws limit_exceeded (nothing charged) if they
   * would take env instances past 3/4 of the budget, or everything past the budget.
   * Returns the bytes charged, to hand back to release() when they are closed.
   */
  reserveEnvs(envId: string, count: number): number {
    const each = this.costOf(envId);
    const bytes = each * count;
    const envLimit = this.total * ENV_SHARE;
    const details = {
      memory_budget: this.total,
      env_memory: this.envs,
      env_memory_limit: Math.floor(envLimit),
      requested: bytes,
    };
    if (this.envs + bytes > envLimit) {
      throw new GymwireError(
        'limit_exceeded',
        `${count} ${envId} (${mib(each)} each) would take env instances to ${mib(this.envs + bytes)}, ` +
          `past 3/4 of this server's memory budget (${mib(this.total)}); ${mib(this.envs)} are in use`,
        details,
      );
    }
    this.checkTotal(bytes, `${count} ${envId}`);
    this.envs += bytes;
    return bytes;
  }

  release(bytes: number): void {
    this.envs = Math.max(0, this.envs - bytes);
  }

  /** Of envBytes, the charges of closed envs whose memory is not collected yet. */
  releasing = 0;
  private readonly collected = new FinalizationRegistry<PendingRelease>((pending) => this.settle(pending));

  /**
   * A closed env's `bytes` stay charged until `target` (what holds its memory: the env object)
   * is garbage collected, or RELEASE_AT_LATEST_MS have passed.
   */
  releaseWhenCollected(target: object, bytes: number): void {
    this.collected.register(target, this.pending(bytes));
  }

  /** A closed env's `bytes` stay charged until `arm`'s callback says its memory is freed (or RELEASE_AT_LATEST_MS). */
  releaseWhenFreed(bytes: number, arm: (freed: () => void) => void): void {
    const pending = this.pending(bytes);
    arm(() => this.settle(pending));
  }

  private pending(bytes: number): PendingRelease {
    const pending: PendingRelease = { bytes, settled: false, timer: null };
    this.releasing += bytes;
    pending.timer = setTimeout(() => this.settle(pending), RELEASE_AT_LATEST_MS).unref();
    return pending;
  }

  private settle(pending: PendingRelease): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.timer) clearTimeout(pending.timer);
    this.releasing -= pending.bytes;
    this.release(pending.bytes);
  }

  /**
   * limit_exceeded unless an answer of `bytes` fits now: the unsent answers of all connections
   * stay within their share (1/8 of the budget) and everything within the budget. Answers under
   * BIG_ANSWER_BYTES are never refused (they wait behind backpressure, as steps do).
   */
  checkAnswer(bytes: number, what: string): void {
    if (bytes < BIG_ANSWER_BYTES) return;
    const share = this.total * IO_SHARE;
    if (this.output + bytes > share) {
      throw new GymwireError(
        'limit_exceeded',
        `${what} needs ${mib(bytes)} and ${mib(this.output)} of answers already wait to be sent, ` +
          `past the ${mib(share)} (1/8 of this server's memory budget) they may take; read them or try again later`,
        { memory_budget: this.total, unsent_bytes: this.output, unsent_limit: Math.floor(share), requested: bytes },
      );
    }
    this.checkTotal(bytes, what);
  }

  private checkTotal(bytes: number, what: string): void {
    const used = this.used;
    if (used + bytes <= this.total) return;
    throw new GymwireError(
      'limit_exceeded',
      `${what} needs ${mib(bytes)} and this server's memory budget (${mib(this.total)}) has ${mib(Math.max(0, this.total - used))} left ` +
        `(env instances ${mib(this.envs)}, unsent answers ${mib(this.output)}, unanswered requests ${mib(this.input)}); try again later`,
      { memory_budget: this.total, env_memory: this.envs, unsent_bytes: this.output, unanswered_bytes: this.input, requested: bytes },
    );
  }
}
