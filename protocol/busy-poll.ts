// Opt-in busy polling: for a while after each message, keep the event loop polling sockets
// without blocking (a chain of setImmediate), so the process does not go idle between a
// request and its answer. On VMs where waking an idle vCPU is slow (this project's 2-core
// VM: a bare ws round trip takes ~100-150 µs when both ends sleep, ~17 µs when both poll),
// this trades CPU time — at most `micros` of spinning after each message — for latency.
export class BusyPoll {
  private until = 0;
  private running = false;

  /** `now` is in ms, performance.now()'s unit; tests pass their own clock. */
  constructor(
    readonly micros: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether the poll loop is spinning. */
  get polling(): boolean {
    return this.running;
  }

  /** Something happened: keep polling for `micros` from now. */
  touch(): void {
    if (this.micros <= 0) return;
    this.until = this.now() + this.micros / 1000;
    if (!this.running) {
      this.running = true;
      setImmediate(this.loop);
    }
  }

  private readonly loop = (): void => {
    if (this.now() < this.until) setImmediate(this.loop);
    else this.running = false;
  };
}

/** The busy-poll window from an environment variable (µs; absent, empty or invalid: 0, off). */
export function busyPollMicrosFromEnv(name = 'GYMWIRE_BUSY_POLL_US'): number {
  const v = Number(process.env[name] ?? '');
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e6) : 0;
}
