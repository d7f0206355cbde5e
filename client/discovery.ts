// Farm discovery: one DNS name stands for every env server of a farm.
//
// `dns+ws://envs.default.svc.cluster.local:8765` (or `dns+wss://`) names a farm: each A and
// AAAA record of the name is one server, reached as `ws://ADDRESS:8765` (a Kubernetes
// headless Service answers with the address of every ready pod). FarmDiscovery resolves the
// name, re-resolves it when the shortest TTL of the answer runs out (or every intervalMs,
// or on demand), and emits 'change' when a server appears or goes away. respread() then
// moves as few sub-envs as it can so that every server carries an equal share.
//
// Names are resolved with node:dns's Resolver (c-ares), which asks the DNS servers directly:
// the answer's TTLs are known, and tests can point it at a local DNS server. It applies no
// search domains, so give the fully qualified name (NAME.NAMESPACE.svc.cluster.local).
import { EventEmitter } from 'node:events';
import { NODATA, NOTFOUND, type RecordWithTtl } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP, isIPv4 } from 'node:net';

const SCHEMES: Record<string, 'ws' | 'wss'> = { 'dns+ws:': 'ws', 'dns+wss:': 'wss' };

/** A farm URL that cannot be read, or a name that cannot be resolved. */
export class DiscoveryError extends Error {
  constructor(
    message: string,
    /** node:dns's code (ETIMEOUT, ESERVFAIL, ECONNREFUSED, ...) when a resolution failed. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DiscoveryError';
  }
}

export interface FarmUrl {
  /** The URL as given. */
  url: string;
  /** The name to resolve (or an IP literal, which stands for itself). */
  hostname: string;
  /** ws or wss: the scheme of each server's URL. */
  scheme: 'ws' | 'wss';
  /** The port ('' = the scheme's default). */
  port: string;
  /** Path and query, kept on each server's URL. */
  rest: string;
}

/** True for dns+ws:// and dns+wss:// URLs (a trainer's --url may be a farm or one server). */
export function isFarmUrl(url: string): boolean {
  return /^dns\+wss?:\/\//i.test(url);
}

/** Reads a dns+ws:// or dns+wss:// URL; DiscoveryError if it is anything else. */
export function parseFarmUrl(url: string): FarmUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DiscoveryError(`not a URL: '${url.slice(0, 200)}'`);
  }
  const scheme = SCHEMES[parsed.protocol];
  if (!scheme) throw new DiscoveryError(`a farm URL starts with dns+ws:// or dns+wss://, got '${url.slice(0, 200)}'`);
  // dns+ws is not a scheme the URL standard knows, so its host comes back as written.
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (hostname === '') throw new DiscoveryError(`no host name in '${url.slice(0, 200)}'`);
  if (parsed.username || parsed.password)
    throw new DiscoveryError(`a farm URL carries no user or password (use a token): '${url.slice(0, 200)}'`);
  const path = parsed.pathname === '/' ? '' : parsed.pathname;
  return { url, hostname, scheme, port: parsed.port, rest: path + parsed.search };
}

/** The URL of the server at `address` in the farm `farm`. */
export function serverUrl(farm: FarmUrl, address: string): string {
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return `${farm.scheme}://${host}${farm.port ? `:${farm.port}` : ''}${farm.rest}`;
}

/** Addresses in a stable order (DNS servers shuffle them): IPv4 numerically, then IPv6. */
function sortAddresses(addresses: Iterable<string>): string[] {
  const key = (a: string) =>
    isIPv4(a)
      ? '4' +
        a
          .split('.')
          .map((o) => o.padStart(3, '0'))
          .join('.')
      : '6' + a;
  return [...new Set(addresses)].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface ResolveOptions {
  /** DNS servers to ask, as 'ADDRESS' or 'ADDRESS:PORT' (default: the system's, from /etc/resolv.conf). */
  dnsServers?: readonly string[];
  /** Milliseconds before one query is retried (default 2000). */
  timeoutMs?: number;
  /** Tries per query (default 2). */
  tries?: number;
}

export interface Resolution {
  /** Every address the name resolves to, sorted. */
  addresses: string[];
  /** The shortest TTL in the answer, in seconds (null: no records, or an IP literal). */
  ttlSeconds: number | null;
}

function makeResolver(opts: ResolveOptions): Resolver {
  const resolver = new Resolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 2 });
  if (opts.dnsServers) resolver.setServers([...opts.dnsServers]);
  return resolver;
}

// NODATA (the name has no record of that family) and NOTFOUND (no such name: a headless
// Service with no ready pod) are answers, not failures: no server of that family.
async function records(query: Promise<RecordWithTtl[]>): Promise<RecordWithTtl[]> {
  try {
    return await query;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === NODATA || code === NOTFOUND) return [];
    throw e;
  }
}

async function resolveWith(resolver: Resolver, hostname: string): Promise<Resolution> {
  if (isIP(hostname)) return { addresses: [hostname], ttlSeconds: null };
  let found: RecordWithTtl[];
  try {
    const [v4, v6] = await Promise.all([
      records(resolver.resolve4(hostname, { ttl: true })),
      records(resolver.resolve6(hostname, { ttl: true })),
    ]);
    found = [...v4, ...v6];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DiscoveryError(`cannot resolve ${hostname}: ${(e as Error).message}`, code, { cause: e });
  }
  return {
    addresses: sortAddresses(found.map((r) => r.address)),
    ttlSeconds: found.length ? Math.min(...found.map((r) => r.ttl)) : null,
  };
}

/** Resolves a farm URL once: the ws:// (wss://) URL of every server, sorted. */
export async function resolveFarm(url: string, opts: ResolveOptions = {}): Promise<string[]> {
  const farm = parseFarmUrl(url);
  const { addresses } = await resolveWith(makeResolver(opts), farm.hostname);
  return addresses.map((a) => serverUrl(farm, a));
}

export interface DiscoveryOptions extends ResolveOptions {
  /** Re-resolve every this many ms, whatever the TTLs (default: TTL-aware, see below). */
  intervalMs?: number;
  /** Earliest re-resolution after an answer, however short its TTL (default 1000 ms). */
  minIntervalMs?: number;
  /** Latest re-resolution after an answer, however long its TTL (default 30,000 ms). */
  maxIntervalMs?: number;
  /**
   * A server reported failed (reportFailure) is left out for this long even while DNS still
   * lists it, since caches may keep a gone server for a TTL (default 30,000 ms).
   */
  failureCooldownMs?: number;
}

export interface FarmChange {
  /** The servers now, sorted. */
  urls: string[];
  added: string[];
  removed: string[];
}

interface DiscoveryEvents {
  change: [FarmChange];
  /** A resolution failed (timeout, SERVFAIL, unreachable DNS server): the last set is kept. */
  resolveFailed: [DiscoveryError];
}

/**
 * Watches a farm: `await start()` resolves the name (rejecting if it cannot), then it is
 * re-resolved on a timer until close(). 'change' is emitted whenever the set of servers
 * changes; a failed resolution keeps the last set and emits 'resolveFailed'.
 */
export class FarmDiscovery extends EventEmitter<DiscoveryEvents> {
  readonly farm: FarmUrl;
  private readonly resolver: Resolver;
  private readonly opts: Required<Omit<DiscoveryOptions, keyof ResolveOptions | 'intervalMs'>> & { intervalMs: number | null };
  /** Addresses in the last answer. */
  private listed: string[] = [];
  /** Address -> time until which it is left out. */
  private readonly failed = new Map<string, number>();
  private current: string[] = [];
  private inFlight: Promise<string[]> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Why the last resolution failed (null: it succeeded). */
  private lastError: DiscoveryError | null = null;

  constructor(url: string, opts: DiscoveryOptions = {}) {
    super();
    this.farm = parseFarmUrl(url);
    this.resolver = makeResolver(opts);
    this.opts = {
      intervalMs: opts.intervalMs ?? null,
      minIntervalMs: opts.minIntervalMs ?? 1000,
      maxIntervalMs: opts.maxIntervalMs ?? 30_000,
      failureCooldownMs: opts.failureCooldownMs ?? 30_000,
    };
    for (const [k, v] of Object.entries(this.opts)) {
      if (v !== null && !(Number.isFinite(v) && v >= 0)) throw new DiscoveryError(`${k} must be a non-negative number of ms, got ${v}`);
    }
  }

  /** The servers' URLs as of the last resolution, sorted. */
  get urls(): string[] {
    return [...this.current];
  }

  /** First resolution (rejects with DiscoveryError if it fails), then re-resolution on a timer. */
  async start(): Promise<string[]> {
    const urls = await this.refresh();
    if (this.lastError) throw this.lastError;
    return urls;
  }

  /**
   * Resolves now (joining a resolution already under way) and resolves with the servers.
   * A failure is emitted as 'resolveFailed' and leaves the last set.
   */
  refresh(): Promise<string[]> {
    if (this.closed) return Promise.resolve(this.urls);
    this.inFlight ??= this.resolveNow().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /**
   * Leaves the server at `url` out (its connection failed) until it is gone from DNS or
   * failureCooldownMs has passed, emits the change, and re-resolves.
   */
  reportFailure(url: string): void {
    const address = this.listed.find((a) => serverUrl(this.farm, a) === url);
    if (address === undefined || this.closed) return;
    this.failed.set(address, Date.now() + this.opts.failureCooldownMs);
    this.update();
    void this.refresh();
  }

  /** Stops re-resolving; no more events. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.resolver.cancel();
  }

  private async resolveNow(): Promise<string[]> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let next = this.opts.minIntervalMs;
    try {
      const { addresses, ttlSeconds } = await resolveWith(this.resolver, this.farm.hostname);
      this.lastError = null;
      if (this.closed) return this.urls;
      this.listed = addresses;
      if (ttlSeconds !== null) next = ttlSeconds * 1000;
      this.update();
    } catch (e) {
      if (this.closed) return this.urls;
      this.lastError = e as DiscoveryError;
      this.emit('resolveFailed', this.lastError);
    }
    const delay = this.opts.intervalMs ?? Math.min(this.opts.maxIntervalMs, Math.max(this.opts.minIntervalMs, next));
    this.timer = setTimeout(() => void this.refresh(), delay);
    return this.urls;
  }

  /** Recomputes the current set from the last answer and the failures; emits on a change. */
  private update(): void {
    const now = Date.now();
    for (const [address, until] of this.failed) {
      if (until <= now || !this.listed.includes(address)) this.failed.delete(address);
    }
    const urls = this.listed.filter((a) => !this.failed.has(a)).map((a) => serverUrl(this.farm, a));
    const before = new Set(this.current);
    const after = new Set(urls);
    const added = urls.filter((u) => !before.has(u));
    const removed = this.current.filter((u) => !after.has(u));
    this.current = urls;
    if (added.length || removed.length) this.emit('change', { urls: this.urls, added, removed });
  }
}

export interface Respread {
  /** The server of each sub-env (null only when there is no server at all). */
  assignment: (string | null)[];
  /** Sub-envs whose server changed (to be made on their new server). */
  moved: number[];
}

/**
 * Spreads current.length sub-envs over `servers` so that each carries floor(N/S) or
 * ceil(N/S) of them, keeping every sub-env that can stay where it is: a sub-env moves only
 * if its server is gone (or it had none) or its server is over its share. The larger shares
 * go to the servers that hold most now (ties: first in `servers`); moved sub-envs fill the
 * servers with room in the order of `servers`. From nothing (all null) this gives the first
 * N mod S servers one more, in contiguous blocks.
 */
export function respread(current: readonly (string | null)[], servers: readonly string[]): Respread {
  const list = [...new Set(servers)];
  const n = current.length;
  if (list.length === 0) {
    return { assignment: current.map(() => null), moved: current.flatMap((s, i) => (s === null ? [] : [i])) };
  }
  const held = new Map(list.map((s) => [s, 0]));
  for (const s of current) if (s !== null && held.has(s)) held.set(s, held.get(s)! + 1);
  const base = Math.floor(n / list.length);
  const target = new Map(list.map((s) => [s, base]));
  // Stable sort: among equal holdings, the order of `servers` decides.
  for (const s of [...list].sort((a, b) => held.get(b)! - held.get(a)!).slice(0, n % list.length)) target.set(s, base + 1);

  const assignment: (string | null)[] = new Array(n).fill(null);
  const count = new Map(list.map((s) => [s, 0]));
  const moved: number[] = [];
  current.forEach((s, i) => {
    if (s !== null && count.has(s) && count.get(s)! < target.get(s)!) {
      assignment[i] = s;
      count.set(s, count.get(s)! + 1);
    } else moved.push(i);
  });
  let k = 0;
  for (const i of moved) {
    while (count.get(list[k])! >= target.get(list[k])!) k++;
    assignment[i] = list[k];
    count.set(list[k], count.get(list[k])! + 1);
  }
  return { assignment, moved };
}
