// Which browser pages may open a connection (PROTOCOL.md section 8, "Browser origins").
//
// Browsers send an Origin header with every WebSocket upgrade and let any page open a
// WebSocket to any address, 127.0.0.1 included: without this check, every web page a user
// visits could drive the envs on their machine. The rule, checked at the upgrade (HTTP 403):
//   1. no Origin header: not a browser (Node, Python, curl): allowed;
//   2. an Origin on the allow-list (--allow-origin; '*' allows any): allowed;
//   3. the server's own origin — the Origin is the origin the request was sent to, i.e.
//      http(s)://<Host header> — is allowed when that Host is a loopback name (localhost) or
//      an IP literal. A page served by this server to such a URL is same-origin.
//      Not for other host names: under DNS rebinding a hostile page at evil.example can make
//      evil.example resolve to this server, and its requests are then "same-origin" with
//      Host: evil.example; such a name has to be on the allow-list;
//   4. anything else: refused.
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** An origin as browsers serialize it: lowercase scheme://host, with the port only when not the scheme's default. */
export function normalizeOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    return null;
  return url.origin;
}

/** Checks and normalizes --allow-origin values: '*' or scheme://host[:port]; throws naming a bad one. */
export function parseAllowedOrigins(values: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const v of values) {
    const t = v.trim();
    if (t === '*') {
      out.add('*');
      continue;
    }
    const o = normalizeOrigin(t);
    if (o === null) {
      throw new Error(`--allow-origin '${v}' is not an origin: give scheme://host[:port] (http or https, no path), or '*'`);
    }
    out.add(o);
  }
  return out;
}

/** Whether `hostname` (from a Host header, IPv6 in brackets) cannot be a rebound DNS name: loopback name or IP literal. */
export function isRebindingSafeHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || isIP(h) !== 0;
}

/** null if the upgrade request's Origin is allowed, else why not. */
export function originRefusal(req: IncomingMessage, allowed: ReadonlySet<string>, secure: boolean): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (allowed.has('*')) return null;
  const normalized = normalizeOrigin(origin);
  if (normalized !== null && allowed.has(normalized)) return null;
  const host = req.headers.host;
  if (normalized !== null && host !== undefined) {
    const own = normalizeOrigin(`${secure ? 'https' : 'http'}://${host}`);
    if (own !== null && own === normalized && isRebindingSafeHost(new URL(own).hostname)) return null;
  }
  return `origin ${origin} may not connect to this server (browser pages need --allow-origin ${normalized ?? origin})`;
}

/**
 * null if a plain HTTP request's Host header names this server in a way DNS rebinding cannot
 * fake (loopback name or IP literal, rule 3) or an origin on the allow-list; else why not.
 * For what a hostile page must not read through a rebound name (GET /metrics).
 */
export function hostRefusal(req: IncomingMessage, allowed: ReadonlySet<string>, secure: boolean): string | null {
  const host = req.headers.host;
  if (host === undefined) return 'a Host header is needed';
  if (allowed.has('*')) return null;
  const own = normalizeOrigin(`${secure ? 'https' : 'http'}://${host}`);
  if (own !== null && (allowed.has(own) || isRebindingSafeHost(new URL(own).hostname))) return null;
  return `Host ${host.slice(0, 100)} is not this server's address (use its IP address or localhost, or --allow-origin that origin)`;
}
