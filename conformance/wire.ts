// A bare protocol client for the conformance checks: raw WebSocket frames and the msgpack
// codec, nothing from client/, so the checks see exactly what the server puts on the wire.
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';

/** A check's failure: the message is the reason printed next to FAIL. */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export function fail(reason: string): never {
  throw new CheckFailure(reason);
}

/** One decoded response frame (a msgpack map) as the checks see it. */
export type Frame = Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

export class WireClient {
  private readonly inbox: Frame[] = [];
  private readonly waiters: { resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  /** Set once the connection is gone. */
  closed: Closed | null = null;

  private constructor(
    private readonly ws: WebSocket,
    readonly timeoutMs: number,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let frame: Frame;
      try {
        if (!isBinary) throw new Error('the server sent a text frame');
        const decoded = decodeMessage(data);
        if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw new Error('a response is not a msgpack map');
        frame = decoded as Frame;
      } catch (e) {
        frame = { __bad_frame__: (e as Error).message };
      }
      const w = this.waiters.shift();
      if (w) w.resolve(frame);
      else this.inbox.push(frame);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w.reject(new CheckFailure(`connection closed (code ${code}) before the answer came`));
    });
    ws.on('error', () => {
      // 'close' follows and reports it
    });
  }

  static async open(url: string, timeoutMs: number): Promise<WireClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (e) => reject(new CheckFailure(`cannot connect to ${url}: ${e.message}`)));
    });
    return new WireClient(ws, timeoutMs);
  }

  /** A fresh request id (ids only grow, so every request on a connection has its own). */
  id(): number {
    return this.nextId++;
  }

  sendRaw(bytes: Uint8Array | string): void {
    if (this.closed) fail(`cannot send: the connection closed (code ${this.closed.code})`);
    this.ws.send(bytes, { binary: typeof bytes !== 'string' });
  }

  /** Sends {id, op, ...fields} and returns the id used. */
  send(op: string, fields: Record<string, unknown> = {}, id = this.id()): number {
    this.sendRaw(encodeMessage({ id, op, ...fields }));
    return id;
  }

  /** The next response frame, in arrival order. */
  next(): Promise<Frame> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(checkShape(queued));
    if (this.closed) return Promise.reject(new CheckFailure(`the connection closed (code ${this.closed.code}) with no answer pending`));
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new CheckFailure(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const waiter = {
        resolve: (f: Frame) => {
          clearTimeout(timer);
          try {
            resolve(checkShape(f));
          } catch (e) {
            reject(e as Error);
          }
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends a request and returns its response, failing if the response carries another id. */
  async call(op: string, fields: Record<string, unknown> = {}): Promise<Frame> {
    const id = this.send(op, fields);
    const response = await this.next();
    if (response.id !== id) fail(`${op}: the response has id ${JSON.stringify(response.id)}, the request had ${id}`);
    return response;
  }

  /** Resolves once the server has closed the connection (or after the timeout, with null). */
  waitClosed(): Promise<Closed | null> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), this.timeoutMs);
      this.ws.once('close', (code, reason) => {
        clearTimeout(timer);
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 1000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }
}

/** Every response is {id, result} or {id, error}: exactly one of the two. */
function checkShape(f: Frame): Frame {
  if ('__bad_frame__' in f) fail(`unreadable response: ${f.__bad_frame__}`);
  const hasResult = 'result' in f;
  const hasError = 'error' in f;
  if (!('id' in f)) fail(`a response without an id: ${describe(f)}`);
  if (hasResult === hasError) fail(`a response must have exactly one of result and error: ${describe(f)}`);
  return f;
}

/** A short printable form of a decoded message (bin fields shown by length). */
export function describe(value: unknown, max = 300): string {
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof Uint8Array) return `<bin ${v.byteLength}>`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) return `<bin ${v.data.length}>`;
    return v;
  });
  return text === undefined ? String(value) : text.length > max ? `${text.slice(0, max)}...` : text;
}
