// A bare WebSocket client for tests: sends any bytes, reads answers in order.
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';

export class RawClient {
  private readonly inbox: unknown[] = [];
  private waiters: ((m: unknown) => void)[] = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = decodeMessage(data);
      const w = this.waiters.shift();
      if (w) w(msg);
      else this.inbox.push(msg);
    });
  }

  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  next(): Promise<any> {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  sendBytes(bytes: Uint8Array | string): Promise<any> {
    this.ws.send(bytes);
    return this.next();
  }

  /** Sends {id, ...message} (id chosen here unless given) and resolves with the answer. */
  call(message: Record<string, unknown>): Promise<any> {
    return this.sendBytes(encodeMessage({ id: this.nextId++, ...message }));
  }

  async hello(): Promise<any> {
    return this.call({ op: 'hello', protocol_version: '1.0', client_name: 'raw', client_version: '0' });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
