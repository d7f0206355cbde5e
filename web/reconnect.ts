// Getting the page's connection back after it dropped (a server restart, a network blip): tries
// again after 0.5 s, doubling up to 8 s, six tries in all (~24 s) — the trainer's defaults
// (agents/README.md, "Crash safety and dropped connections"). The page says before each wait
// which try comes and when; the user's own Connect cancels the rest.

export interface ReconnectPlan {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const PAGE_RECONNECT: ReconnectPlan = { attempts: 6, baseDelayMs: 500, maxDelayMs: 8000 };

/** The wait before try `attempt` (1 for the first). */
export function reconnectDelayMs(plan: ReconnectPlan, attempt: number): number {
  return Math.min(plan.maxDelayMs, plan.baseDelayMs * 2 ** (attempt - 1));
}

export type ReconnectOutcome = { ok: true } | { ok: false; cancelled: boolean; error: Error | null };

/** The timer the waits use; a test passes its own clock. */
export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Reconnect {
  private cancelled = false;
  private timer: unknown = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly plan: ReconnectPlan,
    /** One try: resolves when connected, rejects with why not. */
    private readonly attempt: () => Promise<void>,
    /** Told before each wait: how long, which try comes, of how many, and why the last one failed (null before the first). */
    private readonly onWait: (delayMs: number, attempt: number, attempts: number, lastError: Error | null) => void,
    private readonly timers: Timers = browserTimers,
  ) {}

  async run(): Promise<ReconnectOutcome> {
    let lastError: Error | null = null;
    for (let k = 1; k <= this.plan.attempts; k++) {
      const delay = reconnectDelayMs(this.plan, k);
      this.onWait(delay, k, this.plan.attempts, lastError);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = this.timers.set(resolve, delay);
      });
      this.timer = null;
      this.wake = null;
      if (this.cancelled) return { ok: false, cancelled: true, error: lastError };
      try {
        await this.attempt();
        if (this.cancelled) return { ok: false, cancelled: true, error: null };
        return { ok: true };
      } catch (e) {
        lastError = e as Error;
        if (this.cancelled) return { ok: false, cancelled: true, error: lastError };
      }
    }
    return { ok: false, cancelled: false, error: lastError };
  }

  /** Stops waiting and trying (a try under way finishes, its outcome ignored). */
  cancel(): void {
    this.cancelled = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.wake?.();
  }
}
