// Who gets in, and how many: the checks between a TCP socket and a connection with a slot.
// (PROTOCOL.md section 8.) In order:
//   TCP accept      at most max_upgrading_per_address sockets per address (and max_connections
//                   in all) may be before or in their HTTP upgrade; one more gets 503 at once.
//                   The upgrade request must be complete within upgrade_timeout (HTTP 408).
//   the upgrade     Origin (403, server/origin.ts), then one credential at most (400), then the
//                   address's failed-auth lockout (429), then the token (401): all before a
//                   slot is counted, so sockets without the token never hold one.
//   the slot        at most max_connections connections, max_connections_per_address from one
//                   address: one more is upgraded and closed at once with 1013 and a reason.
//   hello           within hello_timeout of the upgrade, else closed with 1008.
// An address is an IPv4 address, or an IPv6 /64 (one host's usual allocation).
import { isIPv6, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { AuthThrottle, checkCredential } from './auth.ts';
import { originRefusal, parseAllowedOrigins } from './origin.ts';
import type { ResolvedOptions } from './options.ts';

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
  /** Sockets before or in their upgrade, per address, and which ones ("addr:port"). */
  private readonly upgrading = new Map<string, number>();
  private readonly upgradingSockets = new Set<string>();
  /** Connections, per address. */
  private readonly connected = new Map<string, number>();
  private connectedTotal = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly secure: boolean,
  ) {
    this.allowedOrigins = parseAllowedOrigins(opts.allowOrigins);
  }

  /** A new TCP socket (the server's 'connection' event): counted as upgrading, or refused with 503. */
  onSocket(socket: Socket): void {
    const key = addressKey(socket.remoteAddress);
    const perAddress = this.upgrading.get(key) ?? 0;
    if (perAddress >= this.opts.maxUpgradingPerAddress || this.upgradingSockets.size >= this.opts.maxConnections) {
      const why =
        perAddress >= this.opts.maxUpgradingPerAddress
          ? `${perAddress} sockets from ${key} are already connecting`
          : 'too many sockets are connecting';
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
      return;
    }
    const id = `${socket.remoteAddress}:${socket.remotePort}`;
    this.upgradingSockets.add(id);
    bump(this.upgrading, key, 1);
    socket.once('close', () => this.doneUpgrading(id, key));
  }

  private doneUpgrading(id: string, key: string): void {
    if (this.upgradingSockets.delete(id)) bump(this.upgrading, key, -1);
  }

  /** The checks of an upgrade request, before it becomes a connection: null to accept it. */
  verify(req: IncomingMessage, token: string | null): Refusal | null {
    const origin = originRefusal(req, this.allowedOrigins, this.secure);
    if (origin !== null) return { status: 403, message: origin };
    if (token === null) return null;
    const key = addressKey(req.socket.remoteAddress);
    const outcome = checkCredential(req, token);
    if (outcome === 'several') {
      return { status: 400, message: 'one credential per upgrade request: an Authorization header or one gymwire.token.* sub-protocol' };
    }
    const wait = this.throttle.retryAfter(key);
    if (wait > 0) {
      return {
        status: 429,
        message: `too many failed logins from ${key}; try again in ${Math.ceil(wait / 1000)} s`,
        headers: { 'Retry-After': String(Math.ceil(wait / 1000)) },
      };
    }
    if (outcome === 'ok') {
      this.throttle.succeeded(key);
      return null;
    }
    this.throttle.failed(key);
    return { status: 401, message: 'Unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="gymwire"' } };
  }

  /**
   * The upgrade succeeded: takes a slot for it, or says why not (the reason of a 1013 close).
   * Call left() when a connection given a slot closes.
   */
  admit(req: IncomingMessage): string | null {
    const socket = req.socket;
    const key = addressKey(socket.remoteAddress);
    this.doneUpgrading(`${socket.remoteAddress}:${socket.remotePort}`, key);
    if (this.connectedTotal >= this.opts.maxConnections) {
      return `server busy: max_connections ${this.opts.maxConnections} reached, try again later`;
    }
    const here = this.connected.get(key) ?? 0;
    if (here >= this.opts.maxConnectionsPerAddress) {
      const cap = this.opts.maxConnectionsPerAddress;
      return `${here} connections from ${key} already: max_connections_per_address ${cap} reached, try again later`;
    }
    bump(this.connected, key, 1);
    this.connectedTotal++;
    return null;
  }

  left(req: IncomingMessage): void {
    bump(this.connected, addressKey(req.socket.remoteAddress), -1);
    this.connectedTotal--;
  }

  /** Sockets before or in their upgrade, in all. */
  get upgradingCount(): number {
    return this.upgradingSockets.size;
  }
}
