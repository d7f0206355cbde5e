// Fair service on one event loop: no connection's work keeps the others waiting for long.
//
// Every request runs on the event loop, but none runs for long at a stretch: work on a big
// batch (a vector env's make, reset or step) is done in parts of at most SLICE_MS, and between
// parts the event loop reads the sockets. A connection whose request is not finished after
// its part goes to the back of a round-robin of such connections (`turns`), so N busy
// connections each get 1/N of the time, while a small request on a connection with nothing
// queued is answered the moment it is read (inline), without waiting for a turn.
// A connection's requests are still run one at a time, in order: answers keep request order.

/** How long one part of a big batch runs before other connections get a turn (ms). */
export const SLICE_MS = 4;

/**
 * Work done in parts: run(deadline) works until performance.now() passes `deadline` and
 * returns the result once everything is done (null until then); cancel() gives it up (its
 * connection closed) and frees what it holds. One unit of work (a sub-env's reset) may
 * overrun the deadline.
 * Work done elsewhere (in a worker thread) has `whenReady`: it calls `wake` once run() can
 * return the result, and the scheduler leaves the work parked until then instead of polling it.
 */
export class Sliced<T> {
  constructor(
    readonly run: (deadline: number) => T | null,
    readonly cancel: () => void = () => {},
    readonly whenReady: ((wake: () => void) => void) | null = null,
  ) {}

  /** The same work, its result passed through `fn` (which may throw, failing it). */
  map<U>(fn: (result: T) => U): Sliced<U> {
    return new Sliced(
      (deadline) => {
        const r = this.run(deadline);
        return r === null ? null : fn(r);
      },
      this.cancel,
      this.whenReady,
    );
  }
}

/** Work done elsewhere: a Sliced whose result arrives by resolve() or reject(). */
export class Awaited<T> {
  private outcome: { value: T } | { error: unknown } | null = null;
  private waiter: (() => void) | null = null;
  readonly work: Sliced<T>;

  constructor(cancel: () => void = () => {}) {
    this.work = new Sliced(
      () => {
        const o = this.outcome;
        if (o === null) return null;
        if ('error' in o) throw o.error;
        return o.value;
      },
      cancel,
      (wake) => {
        if (this.outcome !== null) wake();
        else this.waiter = wake;
      },
    );
  }

  resolve(value: T): void {
    this.settle({ value });
  }

  reject(error: unknown): void {
    this.settle({ error });
  }

  private settle(outcome: { value: T } | { error: unknown }): void {
    if (this.outcome !== null) return;
    this.outcome = outcome;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

/** A request being run in parts: its answer frame once done. */
export type Job = Sliced<Uint8Array>;

/** Something with work to run in turns: a connection. */
export interface Turn {
  /** True while in the scheduler's round-robin. */
  inTurn: boolean;
  /** Runs work until `deadline`; true if it has more work it could run now. */
  runTurn(deadline: number): boolean;
}

export class Scheduler {
  private turns: Turn[] = [];
  private pumping = false;
  /** When the current stretch of work without a pass through the event loop's I/O began. */
  private burstStart = 0;

  constructor(
    /** Told of a turn that threw (a bug: requests are answered, never thrown). */
    private readonly log: (line: string) => void,
    readonly sliceMs: number = SLICE_MS,
  ) {}

  /**
   * Whether a request that just arrived on an idle connection may be run now, inline:
   * always when no connection waits for a turn, else while the current stretch of work is
   * shorter than a slice (so a burst of arrivals cannot add up to a long stall).
   */
  mayRunInline(): boolean {
    if (this.turns.length === 0) {
      this.burstStart = performance.now();
      return true;
    }
    return performance.now() - this.burstStart < this.sliceMs;
  }

  /** The deadline for work run inline (after mayRunInline said yes). */
  inlineDeadline(): number {
    return this.burstStart + this.sliceMs;
  }

  /** `t` has work to run: queue it for a turn (no-op if it has one coming). */
  wake(t: Turn): void {
    if (t.inTurn) return;
    t.inTurn = true;
    this.turns.push(t);
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(this.pump);
    }
  }

  /** Connections waiting for a turn. */
  get waiting(): number {
    return this.turns.length;
  }

  // One slice per pass of the event loop: each connection waiting gets a turn, in order, until
  // the slice is used up; a connection with work left goes to the back. setImmediate runs after
  // the event loop's poll phase, so every socket is read between two slices.
  private readonly pump = (): void => {
    const deadline = performance.now() + this.sliceMs;
    let n = this.turns.length;
    while (n-- > 0 && this.turns.length > 0) {
      const t = this.turns.shift()!;
      t.inTurn = false;
      let more = false;
      try {
        more = t.runTurn(deadline);
      } catch (e) {
        this.log(`scheduler: a turn threw: ${(e as Error)?.stack ?? String(e)}`);
      }
      if (more && !t.inTurn) {
        t.inTurn = true;
        this.turns.push(t);
      }
      if (performance.now() >= deadline) break;
    }
    this.burstStart = performance.now();
    if (this.turns.length > 0) setImmediate(this.pump);
    else this.pumping = false;
  };
}
