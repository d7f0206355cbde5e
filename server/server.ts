// The WebSocket server: one Session per connection, one response frame per request frame,
// answered synchronously and therefore in request order (pipelined requests keep their order).
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { dispatch } from './dispatch.ts';
import { EnvCatalog } from './env-catalog.ts';
import { resolveOptions, type ServerOptions } from './options.ts';
import { Session } from './session.ts';
import { encodeMessage } from '../protocol/codec.ts';

const SEND_OPTIONS = { binary: true, fin: true, compress: false } as const;

export interface RunningServer {
  /** ws://host:port */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Open connections right now. */
  connections(): number;
  /** Closes every connection (and so every env), then the listening socket. */
  close(): Promise<void>;
}

export type { ServerOptions };

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts = resolveOptions(options);
  const catalog = new EnvCatalog(opts);
  const wss = new WebSocketServer({
    host: opts.host,
    port: opts.port,
    perMessageDeflate: false,
    maxPayload: opts.maxPayloadBytes,
    clientTracking: true,
  });

  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', (e) => opts.log(`server error: ${e.message}`));

  wss.on('connection', (ws: WebSocket, req) => {
    req.socket.setNoDelay(true);
    const session = new Session(opts);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) {
        ws.send(encodeMessage({ id: null, error: { code: 'bad_request', message: 'frames must be binary (one msgpack map each)' } }));
        return;
      }
      ws.send(dispatch(session, catalog, toBuffer(data)), SEND_OPTIONS);
    });
    ws.on('error', (e) => opts.log(`connection error: ${e.message}`));
    ws.on('close', () => session.closeAll());
  });

  const address = wss.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `ws://${host}:${address.port}`,
    host: opts.host,
    port: address.port,
    connections: () => wss.clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
