// Getting the page's connection back after it dropped (a server restart, a network blip): tries
// again after 0.5 s, doubling up to 8 s, six tries in all (~24 s) — the trainer's defaults
// (agents/README.md, "Crash safety and dropped connections"). The page says before each wait
// which try comes and when; the user's own Connect cancels the rest.
import { retryWithBackoff, type BackoffPlan } from '../protocol/backoff.ts';

export const PAGE_RECONNECT: BackoffPlan = { attempts: 6, baseDelayMs: 500, maxDelayMs: 8000 };

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
    private readonly plan: BackoffPlan,
    /** One try: resolves when connected, rejects with why not. */
    private readonly attempt: () => Promise<void>,
    /** Told before each wait: how long, which try comes, of how many, and why the last one failed (null before the first). */
    private readonly onWait: (delayMs: number, attempt: number, attempts: number, lastError: Error | null) => void,
    private readonly timers: Timers = browserTimers,
  ) {}

  async run(): Promise<ReconnectOutcome> {
    const { attempts } = this.plan;
    const onWait = (delay: number, k: number, lastError: unknown) =>
      this.onWait(delay, k + 1, attempts, (lastError as Error | undefined) ?? null);
    const sleep = (ms: number) =>
      new Promise<boolean>((resolve) => {
        this.wake = () => resolve(false);
        this.timer = this.timers.set(() => resolve(!this.cancelled), ms);
      }).finally(() => {
        this.timer = null;
        this.wake = null;
      });
    const outcome = await retryWithBackoff(this.plan, () => this.attempt(), { onWait, sleep, retryable: () => !this.cancelled });
    const error = outcome.ok ? null : ((outcome.error as Error | undefined) ?? null);
    if (this.cancelled) return { ok: false, cancelled: true, error };
    return outcome.ok ? { ok: true } : { ok: false, cancelled: false, error };
  }

  /** Stops waiting and trying (a try under way finishes, its outcome ignored). */
  cancel(): void {
    this.cancelled = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.wake?.();
  }
}
