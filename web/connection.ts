// The protocol's client side for a browser page: the browser's own WebSocket, binary frames,
// msgpack through protocol/codec.ts, the token as a WebSocket sub-protocol (browsers cannot set
// an Authorization header; PROTOCOL.md section 8). Requests are numbered and answered in order,
// as with client/connection.ts. A connection does not reconnect by itself: the page makes a
// new one when it drops (web/reconnect.ts). A server that stops answering (frozen, or a dead link the browser has not
// noticed) is found by the request timeout, which closes the connection with the reason.
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';
import { GymwireError } from '../protocol/errors.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, PROTOCOL_VERSION, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../protocol/handshake.ts';
import type { HelloResult, Op, RequestOf, ResultOf } from '../protocol/schema/messages.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';

export type RequestBody<K extends Op> = Omit<RequestOf[K], 'id'>;

interface Pending {
  op: string;
  sentAt: number;
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

/** The sub-protocols to offer: 'gymwire' alone, or with the token (one credential per upgrade). */
function subprotocols(token: string): string[] {
  const t = token.trim();
  return t === '' ? [SUBPROTOCOL] : [SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + t];
}

/** ws(s)://host of the server that served `location` (the page is served on the WebSocket's port). */
export function serverUrlOf(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

export class BrowserConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: GymwireError | null = null;
  private readonly closeListeners: ((error: GymwireError) => void)[] = [];
  /** Checks the oldest request in flight (one timer for the connection, not one per request). */
  private readonly timeoutTimer: ReturnType<typeof setInterval> | null;
  server!: HelloResult;

  private constructor(
    readonly url: string,
    private readonly ws: WebSocket,
    private readonly requestTimeoutMs: number,
  ) {
    this.timeoutTimer =
      requestTimeoutMs > 0 ? setInterval(() => this.checkTimeout(), Math.max(10, Math.min(1000, requestTimeoutMs / 4))) : null;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event) => this.onFrame(event.data);
    ws.onclose = (event) =>
      this.finish(
        new GymwireError('connection_lost', `connection to ${url} closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`),
      );
  }

  /**
   * Opens a connection and says hello. A refused upgrade (missing or wrong token, an origin the
   * server does not allow) reaches a page only as a failed connection: browsers hide the HTTP
   * status, so the error names the possible causes.
   */
  static async open(
    url: string,
    token = '',
    timeoutMs = 10_000,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<BrowserConnection> {
    const ws = new WebSocket(url, subprotocols(token));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new GymwireError('connection_lost', `cannot connect to ${url}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.onclose = (event) => {
        clearTimeout(timer);
        reject(
          new GymwireError(
            'connection_lost',
            `cannot connect to ${url} (${event.code}): the server refused the connection — ` +
              `${token.trim() ? 'a wrong token' : 'it may need a token'}, or this page's origin is not on its --allow-origin list`,
          ),
        );
      };
    });
    const conn = new BrowserConnection(url, ws, requestTimeoutMs);
    conn.server = await conn.request('hello', {
      op: 'hello',
      protocol_version: PROTOCOL_VERSION,
      client_name: 'gymwire-web',
      client_version: '0.1.0',
    });
    return conn;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  onClose(listener: (error: GymwireError) => void): void {
    this.closeListeners.push(listener);
  }

  /** Sends one request and resolves with its result (rejects with the server's GymwireError). */
  request<K extends Op>(op: K, body: RequestBody<K>): Promise<ResultOf[K]> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<ResultOf[K]>((resolve, reject) => {
      this.pending.set(id, { op, sentAt: performance.now(), resolve: resolve as (r: never) => void, reject });
      this.ws.send(encodeMessage({ ...body, id }));
    });
  }

  close(): void {
    this.ws.close(1000, 'page closed the connection');
    this.finish(new GymwireError('connection_lost', `connection to ${this.url} was closed by the page`));
  }

  /** The oldest request unanswered for requestTimeoutMs ends the connection: later answers would be out of order anyway. */
  private checkTimeout(): void {
    const oldest = this.pending.entries().next();
    if (oldest.done || performance.now() - oldest.value[1].sentAt < this.requestTimeoutMs) return;
    const [id, p] = oldest.value;
    this.ws.close(1000, 'request timeout');
    this.finish(
      new GymwireError(
        'connection_lost',
        `${this.url} did not answer ${p.op} #${id} within ${this.requestTimeoutMs / 1000} s (request timeout); connect again`,
        { timeout_ms: this.requestTimeoutMs, op: p.op },
      ),
    );
  }

  private onFrame(data: unknown): void {
    let msg: { id?: unknown; result?: unknown; error?: ErrorBody };
    try {
      if (!(data instanceof ArrayBuffer)) throw new Error('text frame');
      msg = decodeMessage(new Uint8Array(data)) as typeof msg;
    } catch (e) {
      this.fail(new GymwireError('internal', `unreadable frame from ${this.url}: ${(e as Error).message}`));
      return;
    }
    const waiter = typeof msg?.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (waiter === undefined) {
      // id null: the server could not read a request of ours; nothing to match it with.
      this.fail(
        new GymwireError(
          'internal',
          `protocol error on ${this.url}: ` +
            (msg?.error ? `${msg.error.code}: ${msg.error.message}` : `unexpected response id ${String(msg?.id)}`),
        ),
      );
      return;
    }
    this.pending.delete(msg.id as number);
    if (msg.error) waiter.reject(GymwireError.fromBody(msg.error));
    else waiter.resolve(msg.result as never);
  }

  private fail(error: GymwireError): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private finish(error: GymwireError): void {
    if (this.closedError !== null) return;
    this.closedError = error;
    if (this.timeoutTimer !== null) clearInterval(this.timeoutTimer);
    this.fail(error);
    for (const l of this.closeListeners) l(error);
  }
}
