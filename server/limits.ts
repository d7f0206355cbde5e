// Server limits: their safe defaults, the CLI flags and env vars that set them, and the
// connection-level enforcement (idle connections, output backpressure, render size).
// Per-request limits (envs per connection, num_envs) are checked by the session.
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import { GymwireError } from '../protocol/errors.ts';

export interface Limits {
  /** Largest incoming frame in bytes; a bigger one closes the connection with 1009. */
  maxPayloadBytes: number;
  /** Most open connections; one more is closed at once with 1013 (try again later). */
  maxConnections: number;
  /** Most envs (handles) one connection may have open at once. */
  maxEnvsPerConnection: number;
  /** Most sub-envs in one vector env, and most env instances on one connection. */
  maxNumEnvs: number;
  /**
   * A new TCP socket must send its HTTP upgrade request within this many ms (else 408 and
   * closed); with at most 2 x maxConnections sockets, idle half-open ones cannot pile up.
   */
  upgradeTimeoutMs: number;
  /** A connection that sends nothing for this long is closed (1001); 0 = never. */
  idleTimeoutMs: number;
  /** Largest frame render may return, in pixels (width x height); bigger gets limit_exceeded. */
  maxRenderPixels: number;
  /**
   * Answers a connection may have waiting to be sent (bytes) before the server stops reading
   * its requests until the client reads: a pipelining client that never reads cannot make the
   * server buffer without bound (TCP backpressure does the rest).
   */
  maxBufferedBytes: number;
}

export const LIMIT_DEFAULTS: Readonly<Limits> = {
  maxPayloadBytes: 4 * 1024 * 1024,
  maxConnections: 256,
  maxEnvsPerConnection: 64,
  maxNumEnvs: 1024,
  upgradeTimeoutMs: 10 * 1000,
  idleTimeoutMs: 10 * 60 * 1000,
  maxRenderPixels: 2048 * 2048,
  maxBufferedBytes: 16 * 1024 * 1024,
};

/** Close codes the server uses, with the reason text sent alongside. */
export const CLOSE = {
  /** RFC 6455 1001: the server is going away, or the connection idled out. */
  GOING_AWAY: 1001,
  /** RFC 6455 1009: a frame bigger than max_payload_bytes (sent by ws itself). */
  TOO_BIG: 1009,
  /** RFC 6455 1013: try again later — the server is at max_connections. */
  TRY_AGAIN_LATER: 1013,
} as const;

export interface LimitFlag {
  key: keyof Limits;
  flag: string;
  env: string;
  /** How the flag's number maps to the option (seconds on the command line, ms inside). */
  scale: number;
  help: string;
}

export const LIMIT_FLAGS: readonly LimitFlag[] = [
  { key: 'maxPayloadBytes', flag: 'max-payload', env: 'GYMWIRE_MAX_PAYLOAD', scale: 1, help: 'largest incoming frame in bytes (bigger: close 1009)' },
  { key: 'maxConnections', flag: 'max-connections', env: 'GYMWIRE_MAX_CONNECTIONS', scale: 1, help: 'most open connections (one more: close 1013; TCP sockets, upgrading or not, at most twice this)' },
  { key: 'maxEnvsPerConnection', flag: 'max-envs', env: 'GYMWIRE_MAX_ENVS', scale: 1, help: 'most envs open at once on one connection' },
  { key: 'maxNumEnvs', flag: 'max-num-envs', env: 'GYMWIRE_MAX_NUM_ENVS', scale: 1, help: 'most sub-envs per vector env / env instances per connection' },
  { key: 'upgradeTimeoutMs', flag: 'upgrade-timeout', env: 'GYMWIRE_UPGRADE_TIMEOUT', scale: 1000, help: 'seconds a new socket has to send its upgrade request (else HTTP 408)' },
  { key: 'idleTimeoutMs', flag: 'idle-timeout', env: 'GYMWIRE_IDLE_TIMEOUT', scale: 1000, help: 'seconds without a request before a connection is closed (0 = never)' },
  { key: 'maxRenderPixels', flag: 'max-render-pixels', env: 'GYMWIRE_MAX_RENDER_PIXELS', scale: 1, help: 'largest rendered frame, width x height' },
  { key: 'maxBufferedBytes', flag: 'max-buffered', env: 'GYMWIRE_MAX_BUFFERED', scale: 1, help: 'unsent answer bytes per connection before its requests wait' },
];

/** Reads a limit given as text (flag or env var): a non-negative number, times the flag's scale. */
export function parseLimit(flag: LimitFlag, text: string, from: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${from} must be a non-negative number, got '${text}'`);
  const value = Math.round(n * flag.scale);
  if (flag.key !== 'idleTimeoutMs' && value < 1) throw new Error(`${from} must be at least 1, got '${text}'`);
  return value;
}

/** limit_exceeded unless a width x height frame fits max_render_pixels. */
export function checkRenderSize(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new GymwireError('limit_exceeded', `the rendered frame is ${width}x${height} = ${width * height} pixels, more than this server's max_render_pixels ${maxPixels}`, {
      max_render_pixels: maxPixels,
      width,
      height,
    });
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
    this.timer =
      idleTimeoutMs > 0 ? setInterval(() => this.sweep(), Math.max(50, Math.min(5000, idleTimeoutMs / 4))).unref() : null;
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

/**
 * Answers one connection's frames in order, but stops reading from it while more than
 * maxBufferedBytes of answers wait to be sent. Frames already read when the limit is hit
 * (at most one socket read's worth) wait here, not their answers: what is held is bounded by
 * the request bytes, whatever a request costs to answer (a render answer is ~1000x its request).
 */
export class Backpressure {
  private readonly waiting: { data: Uint8Array; isBinary: boolean }[] = [];
  private listening = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly maxBufferedBytes: number,
    private readonly answer: (data: Uint8Array, isBinary: boolean) => void,
  ) {}

  /** Called for each incoming frame, in order. */
  push(data: Uint8Array, isBinary: boolean): void {
    if (this.waiting.length === 0 && this.ws.bufferedAmount <= this.maxBufferedBytes) {
      this.answer(data, isBinary);
      return;
    }
    this.waiting.push({ data, isBinary });
    this.hold();
  }

  /** Frames read but not yet answered. */
  get queued(): number {
    return this.waiting.length;
  }

  private hold(): void {
    if (!this.ws.isPaused) this.ws.pause();
    if (!this.listening) {
      this.listening = true;
      this.socket.once('drain', this.onDrain);
    }
  }

  private readonly onDrain = (): void => {
    this.listening = false;
    if (this.ws.readyState !== this.ws.OPEN) return;
    while (this.waiting.length > 0 && this.ws.bufferedAmount <= this.maxBufferedBytes) {
      const f = this.waiting.shift()!;
      this.answer(f.data, f.isBinary);
    }
    if (this.waiting.length > 0 || this.ws.bufferedAmount > this.maxBufferedBytes) this.hold();
    else this.ws.resume();
  };
}
