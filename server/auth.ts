// Token auth at the WebSocket upgrade: a client proves it knows the server's token before a
// single message is read. Two ways to present it (PROTOCOL.md, "Limits and auth"):
//   Authorization: Bearer <token>                         (any client that can set headers)
//   Sec-WebSocket-Protocol: gymwire, gymwire.token.<token> (browsers, which cannot)
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The sub-protocol a server selects when the client offers it. */
export const SUBPROTOCOL = 'gymwire';
/** Prefix of the sub-protocol that carries a token. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'gymwire.token.';

// RFC 7230 token characters: what a Sec-WebSocket-Protocol value may hold.
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Throws unless `token` can travel in both the header and the sub-protocol (non-empty, token characters only). */
export function checkTokenFormat(token: string): void {
  if (!TOKEN_CHARS.test(token)) {
    throw new Error('the token must be non-empty and use only letters, digits and !#$%&\'*+-.^_`|~ (it may travel as a WebSocket sub-protocol)');
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares in time independent of where the strings differ (and of their lengths: hashes are compared). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Every token the upgrade request presents (header and sub-protocols). */
export function presentedTokens(req: IncomingMessage): string[] {
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

/** Whether the upgrade request carries `expected` (every presented token is compared, in constant time each). */
export function authorized(req: IncomingMessage, expected: string): boolean {
  let ok = false;
  for (const t of presentedTokens(req)) ok = tokenMatches(t, expected) || ok;
  return ok;
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
