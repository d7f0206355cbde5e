// The WebSocket server: one Session per connection, one response frame per request frame,
// answered synchronously and therefore in request order (pipelined requests keep their order).
// Limits and auth (server/limits.ts, server/auth.ts) are enforced here, at the connection level.
import { WebSocketServer, type WebSocket } from 'ws';
import { BusyPoll } from '../protocol/busy-poll.ts';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dispatch } from './dispatch.ts';
import { EnvCatalog } from './env-catalog.ts';
import { resolveOptions, type ServerOptions } from './options.ts';
import { Session } from './session.ts';
import { authorized, checkTokenFormat, isLoopback, selectProtocol } from './auth.ts';
import { Backpressure, CLOSE, IdleSweeper } from './limits.ts';
import { encodeMessage } from '../protocol/codec.ts';

const SEND_OPTIONS = { binary: true, fin: true, compress: false } as const;

export interface RunningServer {
  /** ws://host:port, or wss:// with TLS */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Open connections right now. */
  connections(): number;
  /** Open TCP sockets: connections plus sockets still in (or never sending) the HTTP upgrade. */
  sockets(): Promise<number>;
  /** Closes every connection (and so every env), then the listening socket. */
  close(): Promise<void>;
}

export type { ServerOptions };

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

// A plain HTTP request (no upgrade) gets told what this port speaks.
function notWebSocket(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' });
  res.end('gymwire env server: connect with a WebSocket client (protocol/PROTOCOL.md)\n');
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts = resolveOptions(options);
  const token = opts.token;
  if (token !== null) checkTokenFormat(token);
  const catalog = new EnvCatalog(opts);
  // Node checks the upgrade timeout (below) every connectionsCheckingInterval ms: often
  // enough that a silent socket goes within a fraction of it.
  const httpOptions = { connectionsCheckingInterval: Math.max(10, Math.min(1000, opts.upgradeTimeoutMs / 4)) };
  const http = opts.tls
    ? createHttpsServer({ ...httpOptions, cert: opts.tls.cert, key: opts.tls.key }, notWebSocket)
    : createHttpServer(httpOptions, notWebSocket);
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    maxPayload: opts.maxPayloadBytes,
    clientTracking: true,
    handleProtocols: (offered) => selectProtocol(offered),
    // Rejected at the HTTP upgrade, before any frame is read.
    verifyClient:
      token === null
        ? undefined
        : (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void) => {
            if (authorized(info.req, token)) done(true);
            else done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="gymwire"' });
          },
  });

  // Sockets still in the HTTP upgrade are not WebSocket clients yet, so max_connections
  // cannot see them: cap TCP sockets at twice it (further ones are dropped on accept) and
  // give an upgrade request upgradeTimeoutMs to arrive, so idle half-open sockets cannot
  // pile up. Upgraded sockets count too, which leaves room for the 1013 closes.
  http.maxConnections = 2 * opts.maxConnections;
  http.headersTimeout = opts.upgradeTimeoutMs;
  http.requestTimeout = opts.upgradeTimeoutMs;

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (e) => opts.log(`server error: ${e.message}`));
  wss.on('error', (e) => opts.log(`server error: ${e.message}`));
  if (token === null && !isLoopback(opts.host)) {
    opts.log(`warning: listening on ${opts.host} without a token: anyone who can reach this port can run envs here (set --token or GYMWIRE_TOKEN)`);
  }

  const idle = new IdleSweeper(opts.idleTimeoutMs);
  const busyPoll = new BusyPoll(opts.busyPollMicros);
  wss.on('connection', (ws: WebSocket, req) => {
    if (wss.clients.size > opts.maxConnections) {
      ws.close(CLOSE.TRY_AGAIN_LATER, `server busy: max_connections ${opts.maxConnections} reached, try again later`);
      setTimeout(() => ws.terminate(), 2000).unref();
      return;
    }
    req.socket.setNoDelay(true);
    const session = new Session(opts);
    // Answers to the frames of one read (pipelined requests) leave in one write: the socket
    // is corked at the first answer and uncorked when the tick ends, so a lone answer is not delayed.
    let corked = false;
    const uncork = () => {
      corked = false;
      req.socket.uncork();
    };
    const answer = (data: Uint8Array, isBinary: boolean) => {
      if (!corked) {
        corked = true;
        req.socket.cork();
        process.nextTick(uncork);
      }
      busyPoll.touch();
      if (!isBinary) {
        ws.send(encodeMessage({ id: null, error: { code: 'bad_request', message: 'frames must be binary (one msgpack map each)' } }), SEND_OPTIONS);
        return;
      }
      ws.send(dispatch(session, catalog, data), SEND_OPTIONS);
    };
    const backpressure = new Backpressure(ws, req.socket, opts.maxBufferedBytes, answer);
    idle.touch(ws);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      idle.touch(ws);
      backpressure.push(toBuffer(data), isBinary);
    });
    ws.on('error', (e) => opts.log(`connection error: ${e.message}`));
    ws.on('close', () => {
      idle.forget(ws);
      session.closeAll();
    });
  });

  const address = http.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `${opts.tls ? 'wss' : 'ws'}://${host}:${address.port}`,
    host: opts.host,
    port: address.port,
    connections: () => wss.clients.size,
    sockets: () => new Promise<number>((resolve, reject) => http.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: () =>
      new Promise<void>((resolve) => {
        idle.stop();
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      }),
  };
}
