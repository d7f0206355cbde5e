// What a server can be configured with, and the safe defaults.
import { readFileSync } from 'node:fs';
import { busyPollMicrosFromEnv } from '../protocol/busy-poll.ts';
import type { Env } from '../protocol/env-api.ts';
import { make, registrations, type Kwargs, type Registration } from '../envs/index.ts';
import { LIMIT_DEFAULTS } from './limits.ts';

export interface ServerOptions {
  /** Interface to listen on (default 127.0.0.1: loopback only). */
  host?: string;
  /** TCP port; 0 picks a free one (default 8765). */
  port?: number;
  /** Largest incoming frame in bytes; a bigger one closes the connection with 1009 (default 4 MiB). */
  maxPayloadBytes?: number;
  /** Most envs one connection may have open at once (default 64). */
  maxEnvsPerConnection?: number;
  /**
   * Most sub-envs in one vector env, and most env instances on one connection (a single env
   * counts 1, a vector env its num_envs) (default 1024).
   */
  maxNumEnvs?: number;
  /**
   * After each answer, keep polling the sockets without sleeping for this many µs, so the
   * next pipelined or ping-pong request is read at once (protocol/busy-poll.ts). Costs CPU;
   * default 0 (off), or env GYMWIRE_BUSY_POLL_US.
   */
  busyPollMicros?: number;
  /** Most open connections; one more is closed with 1013 (default 256). See server/limits.ts. */
  maxConnections?: number;
  /** Most open connections from one remote address (IPv6: one /64); one more is closed with 1013 (default 64). */
  maxConnectionsPerAddress?: number;
  /** Most sockets from one remote address still before or in their upgrade; one more gets HTTP 503 (default 16). */
  maxUpgradingPerAddress?: number;
  /** A new socket must send its upgrade request within this many ms, else HTTP 408 and closed (default 5 s). */
  upgradeTimeoutMs?: number;
  /** A new connection must complete hello within this many ms, else it is closed with 1008 (default 5 s). */
  helloTimeoutMs?: number;
  /**
   * Bytes the server may hold for clients: env instances (each charged its env's
   * Registration.memoryBytes), unsent answers, unanswered requests (default 512 MiB).
   * See server/memory-budget.ts.
   */
  memoryBudget?: number;
  /**
   * Browser origins (scheme://host[:port]) allowed to connect; '*' allows any. Requests
   * without an Origin header (non-browser clients) are always allowed; the server's own
   * origin is allowed on a loopback or IP-literal Host (server/origin.ts) (default: none).
   */
  allowOrigins?: readonly string[];
  /** Close a connection that sent nothing for this many ms, 0 = never (default 10 min). */
  idleTimeoutMs?: number;
  /** Largest rendered frame in pixels; bigger gets limit_exceeded (default 2048 x 2048). */
  maxRenderPixels?: number;
  /** Unsent answer bytes per connection before the server stops running and reading its requests (default 16 MiB). */
  maxBufferedBytes?: number;
  /**
   * Worker threads for big vector envs (server/vector-workers.ts); 0 runs every vector env in
   * the server's thread, in parts (default 1). Used only with the registry's make (no makeEnv).
   */
  vectorWorkers?: number;
  /** Plugin modules (absolute paths) the server loaded: vector workers load them too (default: none). */
  pluginModules?: readonly string[];
  /** When set, clients must present this token at the upgrade (server/auth.ts) (default: none). */
  token?: string | null;
  /** PEM certificate and key: serve wss:// instead of ws:// (default: none). */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  /** Builds an env, as gymnasium.make (default: envs/index.ts make). */
  makeEnv?: (id: string, kwargs: Kwargs) => Env;
  /** The env ids list_envs reports (default: every registered env). */
  registrations?: () => Registration[];
  /** Called with each connection-level problem worth a log line (default: none). */
  log?: (line: string) => void;
}

export type ResolvedOptions = Required<ServerOptions>;

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8765;
/** Seconds open connections keep working after SIGTERM (server/cli.ts --drain-grace, server/drain.ts). */
export const DEFAULT_DRAIN_GRACE_S = 30;

export const SERVER_NAME = 'gymwire-server';
// The package's package.json: one folder up from the sources, two from their build in dist/.
export const SERVER_VERSION: string = (() => {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
      if (pkg.name === 'gymwire' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try the next
    }
  }
  return '0.0.0';
})();

export function resolveOptions(opts: ServerOptions): ResolvedOptions {
  return {
    host: opts.host ?? DEFAULT_HOST,
    port: opts.port ?? DEFAULT_PORT,
    maxPayloadBytes: opts.maxPayloadBytes ?? LIMIT_DEFAULTS.maxPayloadBytes,
    maxEnvsPerConnection: opts.maxEnvsPerConnection ?? LIMIT_DEFAULTS.maxEnvsPerConnection,
    maxNumEnvs: opts.maxNumEnvs ?? LIMIT_DEFAULTS.maxNumEnvs,
    busyPollMicros: opts.busyPollMicros ?? busyPollMicrosFromEnv(),
    maxConnections: opts.maxConnections ?? LIMIT_DEFAULTS.maxConnections,
    maxConnectionsPerAddress: opts.maxConnectionsPerAddress ?? LIMIT_DEFAULTS.maxConnectionsPerAddress,
    maxUpgradingPerAddress: opts.maxUpgradingPerAddress ?? LIMIT_DEFAULTS.maxUpgradingPerAddress,
    upgradeTimeoutMs: opts.upgradeTimeoutMs ?? LIMIT_DEFAULTS.upgradeTimeoutMs,
    helloTimeoutMs: opts.helloTimeoutMs ?? LIMIT_DEFAULTS.helloTimeoutMs,
    memoryBudget: opts.memoryBudget ?? LIMIT_DEFAULTS.memoryBudget,
    allowOrigins: opts.allowOrigins ?? [],
    vectorWorkers: opts.vectorWorkers ?? 1,
    pluginModules: opts.pluginModules ?? [],
    idleTimeoutMs: opts.idleTimeoutMs ?? LIMIT_DEFAULTS.idleTimeoutMs,
    maxRenderPixels: opts.maxRenderPixels ?? LIMIT_DEFAULTS.maxRenderPixels,
    maxBufferedBytes: opts.maxBufferedBytes ?? LIMIT_DEFAULTS.maxBufferedBytes,
    token: opts.token ?? null,
    tls: opts.tls ?? null,
    makeEnv: opts.makeEnv ?? make,
    registrations: opts.registrations ?? registrations,
    log: opts.log ?? (() => {}),
  };
}
