// A client connection: WebSocket + handshake + request ids + the map of answers awaited.
// Several envs (and later a vector client) can share one Connection; requests may be
// pipelined, since every answer carries the id of its request.
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';
import { decodeStepResponse } from '../protocol/fast-frames.ts';
import { GymwireError } from '../protocol/errors.ts';
import { PROTOCOL_VERSION, type HelloResult, type Op, type RequestOf, type ResultOf } from '../protocol/schema/messages.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';

// Every frame is binary and complete; telling ws so spares it the checks.
const SEND_OPTIONS = { binary: true, fin: true, compress: false } as const;

export interface ConnectOptions {
  clientName?: string;
  clientVersion?: string;
  /** Give up connecting + handshaking after this many ms (default 10000). */
  connectTimeoutMs?: number;
  /** Largest frame accepted from the server (default 256 MiB: rendered frames can be big). */
  maxPayloadBytes?: number;
}

interface Pending {
  op: string;
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

/** A request without its id: the connection numbers it. */
export type RequestBody<K extends Op> = Omit<RequestOf[K], 'id'>;

export class Connection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: GymwireError | null = null;
  private readonly closeListeners: ((error: GymwireError) => void)[] = [];
  /** What the server said at hello. */
  server!: HelloResult;

  private constructor(
    readonly url: string,
    private readonly ws: WebSocket,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      const why = reason.length > 0 ? `${code} ${reason.toString()}` : `${code}`;
      this.shutdown(new GymwireError('connection_lost', `connection to ${url} closed (${why})`));
    });
    ws.on('error', (e: Error) => this.shutdown(new GymwireError('connection_lost', `connection to ${url} failed: ${e.message}`)));
  }

  /** Connects and says hello. Rejects with version_mismatch if the server speaks another major version. */
  static async open(url: string, opts: ConnectOptions = {}): Promise<Connection> {
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: opts.maxPayloadBytes ?? 256 * 1024 * 1024 });
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', (e) => reject(new GymwireError('connection_lost', `cannot connect to ${url}: ${e.message}`)));
        ws.once('close', () => reject(new GymwireError('connection_lost', `cannot connect to ${url}: closed during connect`)));
      });
      const conn = new Connection(url, ws);
      conn.server = await conn.request('hello', {
        op: 'hello',
        protocol_version: PROTOCOL_VERSION,
        client_name: opts.clientName ?? 'gymwire-js',
        client_version: opts.clientVersion ?? '0.1.0',
      });
      return conn;
    } catch (e) {
      ws.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  get closed(): boolean {
    return this.closedError !== null;
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
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const frame = encode(id);
    return new Promise<ResultOf[K]>((resolve, reject) => {
      this.pending.set(id, { op, resolve: resolve as (r: never) => void, reject });
      this.ws.send(frame, SEND_OPTIONS);
    });
  }

  /** Called once when the connection ends, with the error pending calls were rejected with. */
  onClose(listener: (error: GymwireError) => void): void {
    this.closeListeners.push(listener);
  }

  /** Closes the connection; the server closes every env opened on it. */
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000, 'client closed');
      this.shutdown(new GymwireError('connection_lost', `connection to ${this.url} was closed by the client`));
    });
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

  private shutdown(error: GymwireError): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const [id, p] of this.pending) {
      p.reject(new GymwireError(error.code, `${error.message}; ${p.op} #${id} got no answer`));
    }
    this.pending.clear();
    for (const l of this.closeListeners) l(error);
  }
}
