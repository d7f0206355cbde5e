// Token auth at the WebSocket upgrade: a client proves it knows the server's token before a
// single message is read. Two ways to present it (PROTOCOL.md, "Limits and auth"):
//   Authorization: Bearer <token>                         (any client that can set headers)
//   Sec-WebSocket-Protocol: gymwire, gymwire.token.<token> (browsers, which cannot)
// One credential per upgrade request (several: refused, so one request cannot carry a list of
// guesses), and an address that keeps failing is refused for a while (AuthThrottle).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../protocol/handshake.ts';

// RFC 7230 token characters: what a Sec-WebSocket-Protocol value may hold.
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Shortest token accepted. The token is all that stands between the network and a process that
 * runs envs for whoever holds it; 16 random characters of letters and digits are ~95 bits,
 * out of reach of guessing at any rate (and AuthThrottle allows a few guesses a minute per address).
 */
export const MIN_TOKEN_LENGTH = 16;

/** Throws unless `token` is long enough and can travel in both the header and the sub-protocol (token characters only). */
export function checkTokenFormat(token: string): void {
  if (!TOKEN_CHARS.test(token)) {
    throw new Error("the token must use only letters, digits and !#$%&'*+-.^_`|~ (it may travel as a WebSocket sub-protocol)");
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new Error(
      `the token is ${token.length} characters; ` +
        `use at least ${MIN_TOKEN_LENGTH} random ones (e.g. \`openssl rand -hex 16\`) so it cannot be guessed`,
    );
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares in time independent of where the strings differ (and of their lengths: hashes are compared). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Every token the upgrade request presents (header and sub-protocols). */
function presentedTokens(req: IncomingMessage): string[] {
  const out: string[] = [];
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m) out.push(m[1]);
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    for (const p of protocols.split(',')) {
      const v = p.trim();
      if (v.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) out.push(v.slice(TOKEN_SUBPROTOCOL_PREFIX.length));
    }
  }
  return out;
}

/** The outcome of checking an upgrade request's credential. */
export type AuthOutcome = 'ok' | 'missing' | 'wrong' | 'several';

/** Checks the upgrade request's one credential against `expected` (in constant time). */
export function checkCredential(req: IncomingMessage, expected: string): AuthOutcome {
  const presented = presentedTokens(req);
  if (presented.length === 0) return 'missing';
  if (presented.length > 1) return 'several';
  return tokenMatches(presented[0], expected) ? 'ok' : 'wrong';
}

/**
 * The sub-protocol to answer with: a browser fails the connection unless the server selects one
 * of those it offered. `gymwire` when offered (so the token is not echoed), else the token's.
 */
export function selectProtocol(offered: Set<string>): string | false {
  if (offered.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const p of offered) if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return p;
  return false;
}

/** Whether `host` only listens on this machine (no token needed there by default). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Failed auths remembered per address before it is refused, and how long (doubling per further failure). */
export const AUTH_FAILURES_ALLOWED = 5;
export const LOCKOUT_BASE_MS = 1000;
export const LOCKOUT_MAX_MS = 60_000;
/** An address's failures are forgotten this long after its last one. */
export const FORGET_AFTER_MS = 10 * 60_000;
/** Addresses remembered at most: the table's memory is bounded. */
export const AUTH_TABLE_MAX = 4096;

interface Failures {
  count: number;
  last: number;
}

/**
 * Slows down token guessing: after AUTH_FAILURES_ALLOWED failed upgrades from one address,
 * its wrong or missing tokens are refused (HTTP 429) for 1 s, doubling with each further
 * failure up to 60 s. The right token is never refused (the caller checks it first): a
 * guesser sharing an address with the token's holder slows only its own guesses, and a
 * 16-character token is out of reach of guessing at any rate anyway.
 * At most AUTH_TABLE_MAX addresses are remembered, and none is forgotten before
 * FORGET_AFTER_MS: failures from addresses beyond that all count in one shared entry, so
 * failing from many addresses cannot flush a locked-out one from the table.
 */
export class AuthThrottle {
  // Map order is the order of last failure: the first key is the one to forget first.
  private readonly failures = new Map<string, Failures>();
  /** Failures of addresses the full table had no room for, counted together. */
  private overflow: Failures | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    readonly maxEntries: number = AUTH_TABLE_MAX,
  ) {}

  private expired(f: Failures, t: number): boolean {
    return t - f.last > FORGET_AFTER_MS;
  }

  /** Drops the entries whose last failure is older than FORGET_AFTER_MS (the oldest come first). */
  private forgetExpired(t: number): void {
    for (const [address, f] of this.failures) {
      if (!this.expired(f, t)) break;
      this.failures.delete(address);
    }
    if (this.overflow !== null && this.expired(this.overflow, t)) this.overflow = null;
  }

  /** The failures counted for `address`: its own, or the shared ones when the table had no room for it. */
  private entry(address: string, t: number): Failures | undefined {
    this.forgetExpired(t);
    const own = this.failures.get(address);
    if (own !== undefined) return own;
    return this.failures.size >= this.maxEntries ? (this.overflow ?? undefined) : undefined;
  }

  /** Ms `address` must wait before its next try with a wrong or missing token; 0 if it may try now. */
  retryAfter(address: string): number {
    const t = this.now();
    const f = this.entry(address, t);
    if (f === undefined || f.count < AUTH_FAILURES_ALLOWED) return 0;
    const lockout = Math.min(LOCKOUT_MAX_MS, LOCKOUT_BASE_MS * 2 ** (f.count - AUTH_FAILURES_ALLOWED));
    return Math.max(0, f.last + lockout - t);
  }

  failed(address: string): void {
    const t = this.now();
    this.forgetExpired(t);
    const f = this.failures.get(address);
    if (f !== undefined || this.failures.size < this.maxEntries) {
      this.failures.delete(address);
      this.failures.set(address, { count: (f?.count ?? 0) + 1, last: t });
      return;
    }
    this.overflow = { count: (this.overflow?.count ?? 0) + 1, last: t };
  }

  get size(): number {
    return this.failures.size;
  }
}
