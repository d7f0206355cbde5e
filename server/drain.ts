// Draining (SIGTERM, or RunningServer.drain()): readiness goes false at once (server/health.ts)
// and new WebSocket upgrades get HTTP 503; open connections keep working for a grace period,
// or until their clients leave, whichever comes first; then each gets a close 1001 (going
// away) with a reason, and the server closes. PROTOCOL.md section 8.
import type { WebSocket } from 'ws';
import { CLOSE } from './limits.ts';
import type { Refusal } from './admission.ts';

export const DRAIN_CLOSE_REASON = 'server shutting down (drain); reconnect, to another server of the farm if there is one';

/** How long closing connections get to answer the close frame before their sockets are cut. */
const CLOSE_WAIT_MS = 2000;
const POLL_MS = 20;

/** Resolves once `done()` is true or `ms` have passed (timers only: no clock is read). */
function waitFor(done: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let poll: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(poll);
      resolve();
    };
    const deadline = setTimeout(finish, ms);
    const check = () => {
      if (done()) finish();
      else poll = setTimeout(check, POLL_MS);
    };
    check();
  });
}

export class Drain {
  private running: Promise<void> | null = null;

  get draining(): boolean {
    return this.running !== null;
  }

  /** The answer to an upgrade while draining, else null. */
  refusal(): Refusal | null {
    if (!this.draining) return null;
    return { status: 503, message: 'server draining (shutting down): connect to another server', headers: { 'Retry-After': '1' } };
  }

  /**
   * Drains `clients` for up to graceMs, closes what is left with 1001, then calls `close`.
   * A second call joins the first.
   */
  start(graceMs: number, clients: Set<WebSocket>, close: () => Promise<void>): Promise<void> {
    this.running ??= (async () => {
      await waitFor(() => clients.size === 0, graceMs);
      for (const ws of clients) ws.close(CLOSE.GOING_AWAY, DRAIN_CLOSE_REASON);
      await waitFor(() => clients.size === 0, CLOSE_WAIT_MS);
      await close();
    })();
    return this.running;
  }
}
