// Server limits: their safe defaults, the CLI flags and env vars that set them, and some of
// their enforcement (idle connections, render size). Elsewhere: per-request limits (envs per
// connection, num_envs) in the session, the memory budget and backpressure in
// memory-budget.ts and client-connection.ts, sockets and connections per address in admission.ts.
import type { WebSocket } from 'ws';
import { GymwireError } from '../protocol/errors.ts';

export interface Limits {
  /** Largest incoming frame in bytes; a bigger one closes the connection with 1009. */
  maxPayloadBytes: number;
  /** Most open (upgraded, authenticated) connections; one more is closed at once with 1013 (try again later). */
  maxConnections: number;
  /** Most open connections from one remote address (IPv6: one /64); one more is closed with 1013. */
  maxConnectionsPerAddress: number;
  /**
   * Most TCP sockets from one remote address (IPv6: one /64) still before or in their HTTP
   * upgrade; one more gets HTTP 503 at once. All addresses together: at most maxConnections.
   */
  maxUpgradingPerAddress: number;
  /** Most envs (handles) one connection may have open at once. */
  maxEnvsPerConnection: number;
  /** Most sub-envs in one vector env, and most env instances on one connection. */
  maxNumEnvs: number;
  /** A new TCP socket must send its whole HTTP upgrade request within this many ms (else 408 and closed). */
  upgradeTimeoutMs: number;
  /** A new connection must complete hello within this many ms of its upgrade, else it is closed (1008). */
  helloTimeoutMs: number;
  /** A connection that sends nothing for this long is closed (1001); 0 = never. */
  idleTimeoutMs: number;
  /** Largest frame render may return, in pixels (width x height); bigger gets limit_exceeded. */
  maxRenderPixels: number;
  /**
   * Answers a connection may have waiting to be sent (bytes) before the server stops running
   * and reading its requests until the client reads (TCP backpressure does the rest).
   */
  maxBufferedBytes: number;
  /**
   * Bytes the server may hold for its clients, all connections together: env instances (each
   * charged its env's measured cost), unsent answers and unanswered requests
   * (server/memory-budget.ts).
   */
  memoryBudget: number;
}

export const LIMIT_DEFAULTS: Readonly<Limits> = {
  maxPayloadBytes: 4 * 1024 * 1024,
  maxConnections: 256,
  maxConnectionsPerAddress: 64,
  maxUpgradingPerAddress: 16,
  maxEnvsPerConnection: 64,
  maxNumEnvs: 1024,
  upgradeTimeoutMs: 5 * 1000,
  helloTimeoutMs: 5 * 1000,
  idleTimeoutMs: 10 * 60 * 1000,
  maxRenderPixels: 2048 * 2048,
  maxBufferedBytes: 16 * 1024 * 1024,
  memoryBudget: 512 * 1024 * 1024,
};

/** Close codes the server uses, with the reason text sent alongside. */
export const CLOSE = {
  /** RFC 6455 1001: the server is going away, or the connection idled out. */
  GOING_AWAY: 1001,
  /** RFC 6455 1008: policy violation — no hello within hello_timeout. */
  POLICY: 1008,
  /** RFC 6455 1009: a frame bigger than max_payload_bytes (sent by ws itself). */
  TOO_BIG: 1009,
  /** RFC 6455 1013: try again later — the server is at max_connections (or the address at its cap). */
  TRY_AGAIN_LATER: 1013,
} as const;

export interface LimitFlag {
  key: keyof Limits;
  flag: string;
  env: string;
  /** How the flag's number maps to the option (seconds on the command line, ms inside). */
  scale: number;
  /** A size in bytes: the text may end in KiB, MiB or GiB (K, M, G). */
  bytes?: boolean;
  help: string;
}

export const LIMIT_FLAGS: readonly LimitFlag[] = [
  {
    key: 'memoryBudget',
    flag: 'memory-budget',
    env: 'GYMWIRE_MEMORY_BUDGET',
    scale: 1,
    bytes: true,
    help:
      'bytes the server may hold for clients: env instances (each charged its measured cost, at most 3/4 of this), ' +
      'unsent answers and unanswered requests (make/reset/render past it: limit_exceeded)',
  },
  {
    key: 'maxPayloadBytes',
    flag: 'max-payload',
    env: 'GYMWIRE_MAX_PAYLOAD',
    scale: 1,
    bytes: true,
    help: 'largest incoming frame in bytes (bigger: close 1009)',
  },
  {
    key: 'maxConnections',
    flag: 'max-connections',
    env: 'GYMWIRE_MAX_CONNECTIONS',
    scale: 1,
    help: 'most open connections (one more: close 1013); also most sockets still in their upgrade',
  },
  {
    key: 'maxConnectionsPerAddress',
    flag: 'max-connections-per-address',
    env: 'GYMWIRE_MAX_CONNECTIONS_PER_ADDRESS',
    scale: 1,
    help: 'most open connections from one address (IPv6: one /64) (one more: close 1013)',
  },
  {
    key: 'maxUpgradingPerAddress',
    flag: 'max-upgrading-per-address',
    env: 'GYMWIRE_MAX_UPGRADING_PER_ADDRESS',
    scale: 1,
    help: 'most sockets from one address still before or in their upgrade (one more: HTTP 503)',
  },
  { key: 'maxEnvsPerConnection', flag: 'max-envs', env: 'GYMWIRE_MAX_ENVS', scale: 1, help: 'most envs open at once on one connection' },
  {
    key: 'maxNumEnvs',
    flag: 'max-num-envs',
    env: 'GYMWIRE_MAX_NUM_ENVS',
    scale: 1,
    help: 'most sub-envs per vector env / env instances per connection',
  },
  {
    key: 'upgradeTimeoutMs',
    flag: 'upgrade-timeout',
    env: 'GYMWIRE_UPGRADE_TIMEOUT',
    scale: 1000,
    help: 'seconds a new socket has to send its whole upgrade request (else HTTP 408)',
  },
  {
    key: 'helloTimeoutMs',
    flag: 'hello-timeout',
    env: 'GYMWIRE_HELLO_TIMEOUT',
    scale: 1000,
    help: 'seconds a new connection has to complete hello (else close 1008)',
  },
  {
    key: 'idleTimeoutMs',
    flag: 'idle-timeout',
    env: 'GYMWIRE_IDLE_TIMEOUT',
    scale: 1000,
    help: 'seconds without a request before a connection is closed (0 = never)',
  },
  {
    key: 'maxRenderPixels',
    flag: 'max-render-pixels',
    env: 'GYMWIRE_MAX_RENDER_PIXELS',
    scale: 1,
    help: 'largest rendered frame, width x height',
  },
  {
    key: 'maxBufferedBytes',
    flag: 'max-buffered',
    env: 'GYMWIRE_MAX_BUFFERED',
    scale: 1,
    bytes: true,
    help: 'unsent answer bytes per connection before its requests wait',
  },
];

const BYTE_UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** Reads a limit given as text (flag or env var): a non-negative number, times the flag's scale (or its byte unit). */
export function parseLimit(flag: LimitFlag, text: string, from: string): number {
  let number = text.trim();
  let scale = flag.scale;
  const unit = flag.bytes ? /^(.*?)\s*([kmg](?:ib)?)$/i.exec(number) : null;
  if (unit) {
    number = unit[1];
    scale = BYTE_UNITS[unit[2].toLowerCase()];
  }
  const n = Number(number);
  if (number === '' || !Number.isFinite(n) || n < 0) {
    throw new Error(`${from} must be a non-negative number${flag.bytes ? ' (of bytes; may end in KiB, MiB or GiB)' : ''}, got '${text}'`);
  }
  const value = Math.round(n * scale);
  if (flag.key !== 'idleTimeoutMs' && value < 1) throw new Error(`${from} must be at least 1, got '${text}'`);
  return value;
}

/** limit_exceeded unless a width x height frame fits max_render_pixels. */
export function checkRenderSize(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new GymwireError(
      'limit_exceeded',
      `the rendered frame is ${width}x${height} = ${width * height} pixels, more than this server's max_render_pixels ${maxPixels}`,
      {
        max_render_pixels: maxPixels,
        width,
        height,
      },
    );
  }
}

/**
 * Closes connections that sent nothing for idleTimeoutMs. One timer for the whole server:
 * a message only stamps the connection's clock (the per-step cost is a Date.now()).
 */
export class IdleSweeper {
  private readonly last = new Map<WebSocket, number>();
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly idleTimeoutMs: number) {
    this.timer = idleTimeoutMs > 0 ? setInterval(() => this.sweep(), Math.max(50, Math.min(5000, idleTimeoutMs / 4))).unref() : null;
  }

  touch(ws: WebSocket): void {
    if (this.timer) this.last.set(ws, Date.now());
  }

  forget(ws: WebSocket): void {
    this.last.delete(ws);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [ws, t] of this.last) {
      if (now - t < this.idleTimeoutMs) continue;
      this.last.delete(ws);
      ws.close(CLOSE.GOING_AWAY, `idle for ${Math.round(this.idleTimeoutMs / 1000)} s (idle_timeout)`);
      // A peer that does not answer the close handshake is cut off.
      setTimeout(() => ws.terminate(), 2000).unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.last.clear();
  }
}
