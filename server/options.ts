// What a server can be configured with, and the safe defaults.
import { readFileSync } from 'node:fs';
import type { Env } from '../protocol/env-api.ts';
import { make, registrations, type Kwargs, type Registration } from '../envs/index.ts';

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

export const SERVER_NAME = 'gymwire-server';
export const SERVER_VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

export function resolveOptions(opts: ServerOptions): ResolvedOptions {
  return {
    host: opts.host ?? DEFAULT_HOST,
    port: opts.port ?? DEFAULT_PORT,
    maxPayloadBytes: opts.maxPayloadBytes ?? 4 * 1024 * 1024,
    maxEnvsPerConnection: opts.maxEnvsPerConnection ?? 64,
    maxNumEnvs: opts.maxNumEnvs ?? 1024,
    makeEnv: opts.makeEnv ?? make,
    registrations: opts.registrations ?? registrations,
    log: opts.log ?? (() => {}),
  };
}
