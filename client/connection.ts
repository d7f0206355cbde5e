// A client connection: WebSocket + handshake + request ids + the map of answers awaited.
// Several envs (and later a vector client) can share one Connection; requests may be
// pipelined, since every answer carries the id of its request.
// A dropped connection is re-opened with exponential backoff: the calls in flight fail with
// connection_lost, and since the server's envs died with the old connection, `generation`
// counts reconnects so envs know their handles are stale (RemoteEnv re-makes itself on reset).
import WebSocket from 'ws';
import { retryWithBackoff } from '../protocol/backoff.ts';
import { BusyPoll, busyPollMicrosFromEnv } from '../protocol/busy-poll.ts';
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';
import { decodeStepResponse } from '../protocol/fast-frames.ts';
import { GymwireError } from '../protocol/errors.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../protocol/handshake.ts';
import { PROTOCOL_VERSION, type HelloResult, type Op, type RequestOf, type ResultOf } from '../protocol/schema/messages.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';

// Every frame is binary and complete; telling ws so spares it the checks.
const SEND_OPTIONS = { binary: true, fin: true, compress: false } as const;

export interface ConnectOptions {
  clientName?: string;
  clientVersion?: string;
  /** Give up connecting + handshaking after this many ms (default 10000). */
  connectTimeoutMs?: number;
  /**
   * A request not answered within this many ms rejects with RequestTimeoutError (code
   * connection_lost, details.timeout_ms) and the connection is dropped and re-opened as after
   * any drop: a frozen server cannot stall a client forever. 0 = wait forever. Default
   * DEFAULT_REQUEST_TIMEOUT_MS (protocol/handshake.ts: 120000, and why).
   */
  requestTimeoutMs?: number;
  /** Largest frame accepted from the server (default 256 MiB: rendered frames can be big). */
  maxPayloadBytes?: number;
  /** Sent as `Authorization: Bearer <token>` at connect (default: env GYMWIRE_TOKEN, if set). */
  token?: string;
  /** wss:// only: certificate authorities to trust besides the system's (e.g. a self-signed server's cert, PEM). */
  ca?: string | Buffer | (string | Buffer)[];
  /** wss:// only: false accepts any server certificate (testing only; default true). */
  rejectUnauthorized?: boolean;
  /** Re-open a dropped connection (default on: 6 attempts, 250 ms doubling up to 8 s); false = never. */
  reconnect?: ReconnectOptions | false;
  /**
   * After each request, poll the socket without sleeping for this many µs so the answer is
   * read the moment it lands (protocol/busy-poll.ts): lower latency on VMs with slow idle
   * wake-ups, at the cost of CPU. Default 0 (off), or env GYMWIRE_BUSY_POLL_US.
   */
  busyPollMicros?: number;
}

export interface ReconnectOptions {
  /** Tries after each drop before giving up for good (default 6; 0 = never reconnect). */
  attempts?: number;
  /** Wait before the first try, in ms; doubles each try (default 250). */
  baseDelayMs?: number;
  /** Longest wait between tries, in ms (default 8000). */
  maxDelayMs?: number;
}

const RECONNECT_DEFAULTS: Required<ReconnectOptions> = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8000 };

export { DEFAULT_REQUEST_TIMEOUT_MS };

/**
 * A request the server did not answer within ConnectOptions.requestTimeoutMs. Its code is
 * connection_lost, so code that handles drops handles it: the connection is re-opened (if
 * reconnect allows) and the env's episode is over.
 */
export class RequestTimeoutError extends GymwireError {
  constructor(message: string, details: { timeout_ms: number; op: string; interrupted: true; reconnecting: boolean }) {
    super('connection_lost', message, details);
    this.name = 'RequestTimeoutError';
  }
}

type State = 'open' | 'reconnecting' | 'closed';

interface Pending {
  op: string;
  /** performance.now() when it was sent: answers come in order, so the oldest is the one to time out first. */
  sentAt: number;
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

/** A request without its id: the connection numbers it. */
export type RequestBody<K extends Op> = Omit<RequestOf[K], 'id'>;

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; absent in other implementations). */
function socketOf(ws: WebSocket): { cork(): void; uncork(): void } | null {
  const socket = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return socket && typeof socket.cork === 'function' && typeof socket.uncork === 'function'
    ? (socket as { cork(): void; uncork(): void })
    : null;
}

export class Connection {
  private nextId = 1;
  /** True while frames sent in this tick are held back to go out in one write (see sendFrame). */
  private corked = false;
  private readonly busyPoll: BusyPoll;
  private readonly uncork = () => {
    this.corked = false;
    if (this.ws !== null) socketOf(this.ws)?.uncork();
  };
  private readonly pending = new Map<number, Pending>();
  private ws: WebSocket | null = null;
  private state: State = 'reconnecting';
  private closedError: GymwireError | null = null;
  private readonly closeListeners: ((error: GymwireError) => void)[] = [];
  private readonly disconnectListeners: ((error: GymwireError, willReconnect: boolean) => void)[] = [];
  private readonly reconnectListeners: ((generation: number) => void)[] = [];
  /** Callers of ready() waiting for a reconnect. */
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly reconnectOpts: Required<ReconnectOptions>;
  private readonly requestTimeoutMs: number;
  /** Checks the oldest request in flight against requestTimeoutMs (one timer, not one per request). */
  private timeoutTimer: NodeJS.Timeout | null = null;
  private _generation = 0;
  /** What the server said at hello (the latest hello, after a reconnect). */
  server!: HelloResult;

  private constructor(
    readonly url: string,
    private readonly opts: ConnectOptions,
  ) {
    this.busyPoll = new BusyPoll(opts.busyPollMicros ?? busyPollMicrosFromEnv());
    this.reconnectOpts = opts.reconnect === false ? { ...RECONNECT_DEFAULTS, attempts: 0 } : { ...RECONNECT_DEFAULTS, ...opts.reconnect };
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * Connects and says hello. Rejects with version_mismatch if the server speaks another major
   * version, unauthorized if it refused the token, connection_lost if it cannot be reached.
   */
  static async open(url: string, opts: ConnectOptions = {}): Promise<Connection> {
    const conn = new Connection(url, opts);
    await conn.connect();
    conn.state = 'open';
    return conn;
  }

  /** One WebSocket connect + hello; on success this.ws is the new socket. */
  private async connect(): Promise<void> {
    const { url, opts } = this;
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    const token = opts.token ?? process.env.GYMWIRE_TOKEN;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: opts.maxPayloadBytes ?? 256 * 1024 * 1024,
      headers: token ? { Authorization: `Bearer ${token}` } : undefined,
      ca: opts.ca,
      rejectUnauthorized: opts.rejectUnauthorized,
    });
    ws.binaryType = 'nodebuffer';
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', (e) => {
          const status = /Unexpected server response: (\d+)/.exec(e.message)?.[1];
          if (status === '401') {
            reject(
              new GymwireError(
                'unauthorized',
                `${url} refused the connection (HTTP 401): ` +
                  (token ? 'wrong token' : 'it needs a token (ConnectOptions.token or GYMWIRE_TOKEN)'),
              ),
            );
          } else if (status === '403') {
            reject(
              new GymwireError(
                'unauthorized',
                `${url} refused the connection (HTTP 403): this client's origin is not on the server's --allow-origin list`,
              ),
            );
          } else if (status === '429') {
            // Temporary: retried like any failed connect (PROTOCOL.md section 8, failed logins).
            reject(
              new GymwireError(
                'connection_lost',
                `cannot connect to ${url}: too many failed logins from this address, refused for now (HTTP 429)`,
              ),
            );
          } else {
            reject(new GymwireError('connection_lost', `cannot connect to ${url}: ${e.message}`));
          }
        });
        ws.once('close', (code: number, reason: Buffer) =>
          reject(
            new GymwireError(
              'connection_lost',
              `cannot connect to ${url}: closed during connect (${code}${reason.length ? ` ${reason}` : ''})`,
            ),
          ),
        );
      });
      ws.removeAllListeners();
      this.ws = ws;
      ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
      ws.on('close', (code: number, reason: Buffer) => {
        const why = reason.length > 0 ? `${code} ${reason.toString()}` : `${code}`;
        this.dropped(ws, new GymwireError('connection_lost', `connection to ${url} closed (${why})`));
      });
      ws.on('error', (e: Error) => this.dropped(ws, new GymwireError('connection_lost', `connection to ${url} failed: ${e.message}`)));
      this.server = await this.sendNow('hello', (id) =>
        encodeMessage({
          id,
          op: 'hello',
          protocol_version: PROTOCOL_VERSION,
          client_name: opts.clientName ?? 'gymwire-js',
          client_version: opts.clientVersion ?? '0.1.0',
        }),
      );
    } catch (e) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      if (this.ws === ws) this.ws = null;
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True once the connection has ended for good (closed by the client, or reconnecting gave up). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** True while a dropped connection is being re-opened. */
  get reconnecting(): boolean {
    return this.state === 'reconnecting';
  }

  /** How many times the connection was re-opened: handles from an older generation are gone. */
  get generation(): number {
    return this._generation;
  }

  /** Resolves once the connection is open (at once, or after a reconnect); rejects if it ended for good. */
  ready(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.closedError);
    // Someone waits for the reconnect now: keep the process alive for it.
    this.retryTimer?.ref();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Sends one request and resolves with its result (rejects with the server's GymwireError). */
  request<K extends Op>(op: K, body: RequestBody<K>): Promise<ResultOf[K]> {
    return this.send(op, body as unknown as { id?: number });
  }

  /** Sends `message` (its id is set here) and resolves with the result. */
  send<K extends Op>(op: K, message: { id?: number }): Promise<ResultOf[K]> {
    return this.sendFrame(op, (id) => {
      message.id = id;
      return encodeMessage(message);
    });
  }

  /** For hot paths with their own encoder: `encode(id)` returns the frame of the request numbered id. */
  sendFrame<K extends Op>(op: K, encode: (id: number) => Uint8Array): Promise<ResultOf[K]> {
    if (this.state !== 'open') {
      if (this.state === 'closed') return Promise.reject(this.closedError);
      return Promise.reject(
        new GymwireError('connection_lost', `connection to ${this.url} dropped, reconnecting; ${op} not sent`, { reconnecting: true }),
      );
    }
    return this.sendNow(op, encode);
  }

  private sendNow<K extends Op>(op: K, encode: (id: number) => Uint8Array): Promise<ResultOf[K]> {
    this.busyPoll.touch();
    const id = this.nextId++;
    const frame = encode(id);
    if (!this.corked) {
      // Requests sent in the same tick (k envs stepped with Promise.all, stepMany) leave in
      // one write instead of one syscall and TCP segment each; the tick's end flushes them,
      // so a lone request is not delayed.
      const socket = socketOf(this.ws!);
      if (socket !== null) {
        socket.cork();
        this.corked = true;
        process.nextTick(this.uncork);
      }
    }
    if (this.timeoutTimer === null && this.requestTimeoutMs > 0) {
      this.timeoutTimer = setInterval(this.checkTimeout, Math.max(10, Math.min(1000, this.requestTimeoutMs / 4)));
      this.timeoutTimer.unref();
    }
    return new Promise<ResultOf[K]>((resolve, reject) => {
      this.pending.set(id, { op, sentAt: performance.now(), resolve: resolve as (r: never) => void, reject });
      this.ws!.send(frame, SEND_OPTIONS);
    });
  }

  private readonly checkTimeout = (): void => {
    const oldest = this.pending.entries().next();
    if (oldest.done) return;
    const [id, p] = oldest.value;
    if (performance.now() - p.sentAt < this.requestTimeoutMs) return;
    const ws = this.ws;
    const reconnecting = this.state === 'open' && this.reconnectOpts.attempts > 0;
    const seconds = this.requestTimeoutMs / 1000;
    this.pending.delete(id);
    p.reject(
      new RequestTimeoutError(
        `${this.url} did not answer ${p.op} #${id} within ${seconds} s (request timeout)${reconnecting ? '; reconnecting' : ''}`,
        {
          timeout_ms: this.requestTimeoutMs,
          op: p.op,
          interrupted: true,
          reconnecting,
        },
      ),
    );
    // The server is stuck or the link is dead: drop the connection, which fails what else was
    // in flight and reconnects (or ends the connection) as any drop does.
    if (ws !== null) {
      this.dropped(
        ws,
        new GymwireError('connection_lost', `no answer from ${this.url} to ${p.op} #${id} within ${seconds} s (request timeout)`),
      );
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
    }
  };

  /** Called once when the connection ends for good, with the error pending calls were rejected with. */
  onClose(listener: (error: GymwireError) => void): void {
    this.closeListeners.push(listener);
  }
  /** Called at each drop, before reconnecting (willReconnect) or giving up. */
  onDisconnect(listener: (error: GymwireError, willReconnect: boolean) => void): void {
    this.disconnectListeners.push(listener);
  }

  /** Called after each successful reconnect (and hello): every env on the old connection is gone. */
  onReconnect(listener: (generation: number) => void): void {
    this.reconnectListeners.push(listener);
  }

  /** Closes the connection (and stops reconnecting); the server closes every env opened on it. */
  close(): Promise<void> {
    const ws = this.ws;
    this.finish(new GymwireError('connection_lost', `connection to ${this.url} was closed by the client`));
    if (ws === null || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'client closed');
    });
  }

  /** The socket `ws` ended (close or error): fail what was in flight, then reconnect or give up. */
  private dropped(ws: WebSocket, error: GymwireError): void {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.state !== 'open') {
      // Dropped during the hello of a reconnect: that try's connect() rejects.
      this.rejectPending(error, false);
      return;
    }
    const willReconnect = this.reconnectOpts.attempts > 0;
    this.rejectPending(error, willReconnect);
    if (!willReconnect) {
      this.finish(error);
      return;
    }
    this.state = 'reconnecting';
    for (const l of this.disconnectListeners) l(error, true);
    void this.reconnectLoop(error);
  }

  private async reconnectLoop(cause: GymwireError): Promise<void> {
    // Jittered, so many clients dropped at once do not retry in step.
    const plan = { ...this.reconnectOpts, jitter: true };
    const sleep = (ms: number) =>
      new Promise<boolean>((resolve) => {
        this.retryTimer = setTimeout(() => resolve(this.state === 'reconnecting'), ms);
        if (this.readyWaiters.length === 0) this.retryTimer.unref();
      });
    // A server that refuses us will keep refusing: stop at once (and when closed meanwhile).
    const retryable = (e: unknown) =>
      this.state === 'reconnecting' && !(e instanceof GymwireError && (e.code === 'unauthorized' || e.code === 'version_mismatch'));
    const outcome = await retryWithBackoff(plan, () => this.connect(), { sleep, retryable });
    this.retryTimer = null;
    if (this.state !== 'reconnecting') {
      if (outcome.ok) this.ws?.terminate();
      return;
    }
    if (outcome.ok) {
      this._generation++;
      this.state = 'open';
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w.resolve();
      for (const l of this.reconnectListeners) l(this._generation);
      return;
    }
    const last = (outcome.error ?? cause) as Error;
    const code = last instanceof GymwireError && last.code === 'unauthorized' ? 'unauthorized' : 'connection_lost';
    this.finish(new GymwireError(code, `connection to ${this.url} lost (${cause.message}); could not reconnect: ${last.message}`));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    // Step results, the bulk of the traffic, are read without a general msgpack decode.
    const step = isBinary ? decodeStepResponse(data) : null;
    if (step !== null) {
      const waiter = this.pending.get(step.id);
      if (waiter !== undefined) {
        this.pending.delete(step.id);
        waiter.resolve(step.result as never);
        return;
      }
    }
    let msg: { id?: unknown; result?: unknown; error?: ErrorBody };
    try {
      if (!isBinary) throw new Error('text frame');
      msg = decodeMessage(data) as typeof msg;
    } catch (e) {
      this.failProtocol(`unreadable frame from server: ${(e as Error).message}`);
      return;
    }
    const id = msg?.id;
    const waiter = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!waiter) {
      // id null: the server could not read one of our requests. Nothing to match it with,
      // so fail everything in flight rather than let a call hang.
      const detail = msg?.error ? `${msg.error.code}: ${msg.error.message}` : `unexpected response id ${String(id)}`;
      this.failProtocol(detail);
      return;
    }
    this.pending.delete(id as number);
    if (msg.error) waiter.reject(GymwireError.fromBody(msg.error));
    else waiter.resolve(msg.result as never);
  }

  private failProtocol(detail: string): void {
    const err = new GymwireError('internal', `protocol error on ${this.url}: ${detail}`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Calls in flight are interrupted: their episode (if any) was cut with the connection. */
  private rejectPending(error: GymwireError, reconnecting: boolean): void {
    for (const [id, p] of this.pending) {
      p.reject(new GymwireError(error.code, `${error.message}; ${p.op} #${id} got no answer`, { interrupted: true, reconnecting }));
    }
    this.pending.clear();
  }

  /** Ends the connection for good. */
  private finish(error: GymwireError): void {
    if (this.state === 'closed') return;
    const wasReconnecting = this.state === 'reconnecting';
    this.state = 'closed';
    this.closedError = error;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
    this.timeoutTimer = null;
    this.rejectPending(error, false);
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.reject(error);
    if (!wasReconnecting) for (const l of this.disconnectListeners) l(error, false);
    for (const l of this.closeListeners) l(error);
  }
}
