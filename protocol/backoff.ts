// Trying again after a failure, waiting longer each time: the one backoff the client's
// reconnects, the trainer's re-opening of lost envs and the env page's reconnects all use.

export interface BackoffPlan {
  /** Tries in all (0: none). */
  attempts: number;
  /** The wait before the first try; each later wait doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Spread each wait over [0.75, 1] of its length, so many clients do not retry in step. */
  jitter?: boolean;
  /** The first try at once (a planned move, not a failure), the doubling from the second. */
  firstNow?: boolean;
}

/** The wait before try k (0-based): base·2^k capped at max, jittered when the plan says. */
export function backoffDelay(plan: BackoffPlan, k: number, random: () => number = Math.random): number {
  if (plan.firstNow && k === 0) return 0;
  const d = Math.min(plan.maxDelayMs, plan.baseDelayMs * 2 ** k);
  return plan.jitter ? d * (0.75 + 0.25 * random()) : d;
}

export type RetryOutcome<T> = { ok: true; value: T } | { ok: false; cancelled: boolean; error: unknown };

export interface RetryHooks {
  /** Told before each wait: its length, the try that follows (0-based) and why the last one failed (undefined before the first). */
  onWait?: (delayMs: number, k: number, lastError: unknown) => void;
  /** Whether a failure is worth another try; one that is not ends the retries with it (default: every failure). */
  retryable?: (error: unknown) => boolean;
  /** Waits ms; resolves false when the retries were cancelled meanwhile (default: a timer, never cancelled). */
  sleep?: (ms: number) => Promise<boolean>;
  random?: () => number;
}

const sleepFor = (ms: number): Promise<boolean> => new Promise((resolve) => setTimeout(() => resolve(true), ms));

/** Runs `attempt` until it succeeds, waiting backoffDelay before each try, at most plan.attempts times. */
export async function retryWithBackoff<T>(
  plan: BackoffPlan,
  attempt: (k: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<RetryOutcome<T>> {
  const { onWait, retryable = () => true, sleep = sleepFor, random = Math.random } = hooks;
  let lastError: unknown = undefined;
  for (let k = 0; k < plan.attempts; k++) {
    const delay = backoffDelay(plan, k, random);
    onWait?.(delay, k, lastError);
    if (!(await sleep(delay))) return { ok: false, cancelled: true, error: lastError };
    try {
      return { ok: true, value: await attempt(k) };
    } catch (e) {
      lastError = e;
      if (!retryable(e)) return { ok: false, cancelled: false, error: e };
    }
  }
  return { ok: false, cancelled: false, error: lastError };
}
