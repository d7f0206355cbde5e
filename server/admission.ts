// Who gets in, and how many: the checks between a TCP socket and a connection with a slot.
// (PROTOCOL.md section 8.) In order:
//   TCP accept      at most max_upgrading_per_address sockets per address (and max_connections
//                   in all, shared by address group: server/slot-shares.ts) may be before or in
//                   their HTTP upgrade; one more gets 503 at once.
//                   The upgrade request must be complete within upgrade_timeout (HTTP 408).
//   the upgrade     Origin (403, server/origin.ts), then one credential at most (400), then the
//                   token: right, in; wrong or missing, the address's failed-auth lockout (429)
//                   or 401: all before a slot is counted, so sockets without the token never
//                   hold one.
//   the slot        at most max_connections_per_address connections from one address, and
//                   max_connections in all, shared by address group (server/slot-shares.ts):
//                   one more is upgraded and closed at once with 1013 and a reason.
//   hello           within hello_timeout of the upgrade, else closed with 1008.
// An address is an IPv4 address, or an IPv6 /64 (one host's usual allocation).
import { isIPv6, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { AuthThrottle, checkCredential } from './auth.ts';
import { hostRefusal, originRefusal, parseAllowedOrigins } from './origin.ts';
import type { ResolvedOptions } from './options.ts';
import { groupKey, SlotShares } from './slot-shares.ts';

/** What per-address caps count by: the IPv4 address, or the /64 of an IPv6 one. */
export function addressKey(remote: string | undefined): string {
  if (remote === undefined) return '?';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return mapped[1];
  if (!isIPv6(remote)) return remote;
  const [head, tail = ''] = remote.toLowerCase().split('%')[0].split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = remote.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A connection holding a slot, as admission sees it when the server is full. */
export interface SlotHolder {
  /** No env open, nothing queued or running: closing it loses its client nothing but the socket. */
  holdsNothing(): boolean;
  /** performance.now() of its last frame (or of its upgrade). */
  readonly lastActive: number;
  /** Closes it (1013, with `reason`) to give its slot to a newcomer. */
  reclaim(reason: string): void;
}

/**
 * A connection holding envs is reclaimed only once it sent nothing for this long, and only from
 * a group holding more than its fair share (max_connections / groups present).
 */
export const RECLAIM_IDLE_MS = 60_000;

/** An upgrade refused before it became a connection. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}

export class Admission {
  readonly throttle = new AuthThrottle();
  private readonly allowedOrigins: ReadonlySet<string>;
  /** Sockets before or in their upgrade, per address, and which ones by group ("addr:port" -> socket). */
  private readonly upgrading = new Map<string, number>();
  private readonly upgradingSockets = new Map<string, Socket>();
  private readonly upgradingShares = new SlotShares<string>();
  /** Connections, per address, and by group. */
  private readonly connected = new Map<string, number>();
  private readonly connectedShares = new SlotShares<SlotHolder>();
  private readonly holderAddress = new Map<SlotHolder, string>();

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly secure: boolean,
  ) {
    this.allowedOrigins = parseAllowedOrigins(opts.allowOrigins);
  }

  /**
   * A new TCP socket (the server's 'connection' event): counted as upgrading (true), or refused
   * with 503 (false). When all upgrading slots are taken, the oldest socket of the group with the
   * most of them is cut for it (server/slot-shares.ts), if that group has more than its own.
   */
  onSocket(socket: Socket): boolean {
    const key = addressKey(socket.remoteAddress);
    const group = groupKey(key);
    const perAddress = this.upgrading.get(key) ?? 0;
    let why: string | null =
      perAddress >= this.opts.maxUpgradingPerAddress ? `${perAddress} sockets from ${key} are already connecting` : null;
    if (why === null && this.upgradingSockets.size >= this.opts.maxConnections) {
      const oldest = this.upgradingShares.reclaimFor(group, (ids) => ids.values().next().value ?? null);
      if (oldest === null) why = 'too many sockets are connecting';
      else this.cutUpgrading(oldest);
    }
    if (why !== null) {
      // Plain HTTP can be told why; under TLS nothing readable can be sent before a handshake.
      if (this.secure) {
        socket.destroy();
      } else {
        socket.end(
          'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n' +
            `Content-Length: ${why.length + 1}\r\n\r\n${why}\n`,
          () => socket.destroy(),
        );
        setTimeout(() => socket.destroy(), 1000).unref();
      }
      return false;
    }
    const id = `${socket.remoteAddress}:${socket.remotePort}`;
    this.upgradingSockets.set(id, socket);
    this.upgradingShares.add(id, group);
    bump(this.upgrading, key, 1);
    socket.once('close', () => this.doneUpgrading(id, key));
    return true;
  }

  /** Cuts an upgrading socket to make room: its slot is free at once. */
  private cutUpgrading(id: string): void {
    const socket = this.upgradingSockets.get(id)!;
    this.doneUpgrading(id, addressKey(socket.remoteAddress));
    socket.destroy();
  }

  private doneUpgrading(id: string, key: string): void {
    if (this.upgradingSockets.delete(id)) {
      this.upgradingShares.remove(id);
      bump(this.upgrading, key, -1);
    }
  }

  /** The checks of an upgrade request, before it becomes a connection: null to accept it. */
  verify(req: IncomingMessage, token: string | null): Refusal | null {
    const origin = originRefusal(req, this.allowedOrigins, this.secure);
    if (origin !== null) return { status: 403, message: origin };
    if (token === null) return null;
    return this.credentialRefusal(req, token);
  }

  /**
   * The checks of a GET /metrics: its Host (403 unless it is an IP address, a loopback name or
   * an allowed origin: no DNS-rebound page reads it), then the token when the server has one.
   */
  scrapeRefusal(req: IncomingMessage, token: string | null): Refusal | null {
    const host = hostRefusal(req, this.allowedOrigins, this.secure);
    if (host !== null) return { status: 403, message: host };
    return token === null ? null : this.credentialRefusal(req, token);
  }

  /**
   * The token check: the right token always passes; a wrong or missing one is refused with
   * 401, or 429 while its address is locked out (server/auth.ts, AuthThrottle).
   */
  credentialRefusal(req: IncomingMessage, token: string): Refusal | null {
    const outcome = checkCredential(req, token);
    if (outcome === 'several') {
      return {
        status: 400,
        message: 'one credential per upgrade request (or /metrics request): an Authorization header or one gymwire.token.* sub-protocol',
      };
    }
    // Not forgotten on a success: the right token never needed the address's count cleared.
    if (outcome === 'ok') return null;
    const key = addressKey(req.socket.remoteAddress);
    const wait = this.throttle.retryAfter(key);
    if (wait > 0) {
      return {
        status: 429,
        message: `too many failed logins from ${key}; try again in ${Math.ceil(wait / 1000)} s`,
        headers: { 'Retry-After': String(Math.ceil(wait / 1000)) },
      };
    }
    this.throttle.failed(key);
    return { status: 401, message: 'Unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="gymwire"' } };
  }

  /**
   * The upgrade succeeded: takes a slot for it, or says why not (the reason of a 1013 close).
   * When every slot is taken, a connection of the group holding the most is reclaimed for it
   * (server/slot-shares.ts), if that group holds more than the newcomer's would: one that holds
   * nothing (least recently active first), else one idle for RECLAIM_IDLE_MS from a group above
   * its fair share. Then call hold() with the new connection, and left() when it closes.
   */
  admit(req: IncomingMessage): string | null {
    const socket = req.socket;
    const key = addressKey(socket.remoteAddress);
    this.doneUpgrading(`${socket.remoteAddress}:${socket.remotePort}`, key);
    const here = this.connected.get(key) ?? 0;
    if (here >= this.opts.maxConnectionsPerAddress) {
      const cap = this.opts.maxConnectionsPerAddress;
      return `${here} connections from ${key} already: max_connections_per_address ${cap} reached, try again later`;
    }
    if (this.connectedShares.size >= this.opts.maxConnections) {
      const group = groupKey(key);
      const victim = this.connectedShares.reclaimFor(group, (members) => this.reclaimable(members));
      if (victim === null) return `server busy: max_connections ${this.opts.maxConnections} reached, try again later`;
      const victimKey = this.holderAddress.get(victim)!;
      this.left(victim);
      // A close reason is at most 123 bytes.
      victim.reclaim(`server full: slot given to a newcomer (${victimKey} held more than its share)`);
    }
    return null;
  }

  /** Which of a group's connections to reclaim (see admit), or null. */
  private reclaimable(members: ReadonlySet<SlotHolder>): SlotHolder | null {
    let empty: SlotHolder | null = null;
    let idle: SlotHolder | null = null;
    for (const m of members) {
      if (m.holdsNothing()) {
        if (empty === null || m.lastActive < empty.lastActive) empty = m;
      } else if (idle === null || m.lastActive < idle.lastActive) {
        idle = m;
      }
    }
    if (empty !== null) return empty;
    const fairShare = this.opts.maxConnections / Math.max(1, this.connectedShares.groupCount);
    if (idle !== null && members.size > fairShare && performance.now() - idle.lastActive >= RECLAIM_IDLE_MS) return idle;
    return null;
  }

  /** The connection admit() let in holds its slot from now on. */
  hold(req: IncomingMessage, holder: SlotHolder): void {
    const key = addressKey(req.socket.remoteAddress);
    bump(this.connected, key, 1);
    this.connectedShares.add(holder, groupKey(key));
    this.holderAddress.set(holder, key);
  }

  /** A connection closed (or was reclaimed): its slot is free. Calling it twice is harmless. */
  left(holder: SlotHolder): void {
    const key = this.holderAddress.get(holder);
    if (key === undefined) return;
    this.holderAddress.delete(holder);
    this.connectedShares.remove(holder);
    bump(this.connected, key, -1);
  }

  /** Sockets before or in their upgrade, in all. */
  get upgradingCount(): number {
    return this.upgradingSockets.size;
  }
}
