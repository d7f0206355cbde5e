// The WebSocket server: admission (server/admission.ts), then one ClientConnection per
// connection, whose requests the scheduler runs fairly across connections and answers in
// request order (server/scheduler.ts, server/client-connection.ts), big vector envs in worker
// threads (server/vector-workers.ts), within the server's memory budget
// (server/memory-budget.ts). PROTOCOL.md section 8 states the limits.
import { WebSocketServer, type WebSocket } from 'ws';
import { BusyPoll } from '../protocol/busy-poll.ts';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvCatalog } from './env-catalog.ts';
import { resolveOptions, type ServerOptions } from './options.ts';
import { Session } from './session.ts';
import { checkTokenFormat, isLoopback, selectProtocol } from './auth.ts';
import { CLOSE, IdleSweeper } from './limits.ts';
import { Admission } from './admission.ts';
import { MemoryBudget } from './memory-budget.ts';
import { Scheduler } from './scheduler.ts';
import { ClientConnection, type ServerShared } from './client-connection.ts';
import { VectorWorkers } from './vector-workers.ts';
import { routeRequests, type HttpRoute } from './http-routes.ts';
import { HttpFront } from './http-front.ts';
import { fairRequests } from './http-turns.ts';
import { healthRoutes } from './health.ts';
import { ServerMetrics } from './metrics.ts';
import { Drain } from './drain.ts';
import { webPageRoute } from './web-page.ts';

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
  /**
   * Drains (server/drain.ts): not ready and refusing new connections from now; open ones keep
   * working for up to graceMs (or until they leave), then get a close 1001 with a reason; then
   * close(). Resolves when closed; a second call joins the first.
   */
  drain(graceMs: number): Promise<void>;
  /** True from the start of a drain. */
  readonly draining: boolean;
  /** The server's own metrics registry (served at GET /metrics). */
  readonly metrics: ServerMetrics;
}

export type { ServerOptions };

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts = resolveOptions(options);
  const token = opts.token;
  if (token !== null) checkTokenFormat(token);
  const admission = new Admission(opts, opts.tls !== null);
  const drain = new Drain();
  // Plain HTTP requests on the port: each feature adds its route here (server/http-routes.ts).
  // They are answered in the scheduler's turns (server/http-turns.ts), created below.
  const routes: HttpRoute[] = [webPageRoute(opts.log)];
  const answerRequest = routeRequests(routes, opts.log);
  let onRequest: (req: IncomingMessage, res: ServerResponse) => void = answerRequest;
  // Node checks its request timeouts every connectionsCheckingInterval ms. It never listens:
  // the front (server/http-front.ts) reads each socket's first request and hands it over.
  const http = createHttpServer({ connectionsCheckingInterval: Math.max(10, Math.min(1000, opts.upgradeTimeoutMs / 4)) }, (req, res) =>
    onRequest(req, res),
  );
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    maxPayload: opts.maxPayloadBytes,
    clientTracking: true,
    handleProtocols: (offered) => selectProtocol(offered),
    // Refused at the HTTP upgrade, before any frame is read and before a slot is counted.
    verifyClient: (
      info: { req: IncomingMessage },
      done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void,
    ) => {
      const refusal = drain.refusal() ?? admission.verify(info.req, token);
      if (refusal === null) done(true);
      else done(false, refusal.status, refusal.message, refusal.headers);
    },
  });

  // Sockets before or in the upgrade are counted per address (admission.onSocket) and must send
  // their whole upgrade request within upgradeTimeoutMs. The front's own cap is only a backstop
  // above what admission allows (connections + upgrading sockets + a few being closed).
  const front = new HttpFront({
    http,
    onSocket: (socket) => admission.onSocket(socket),
    upgradeTimeoutMs: opts.upgradeTimeoutMs,
    tls: opts.tls,
  });
  front.server.maxConnections = 2 * opts.maxConnections + 64;
  http.headersTimeout = opts.upgradeTimeoutMs;
  http.requestTimeout = opts.upgradeTimeoutMs;

  await front.listen(opts.port, opts.host);
  front.server.on('error', (e) => opts.log(`server error: ${e.message}`));
  wss.on('error', (e) => opts.log(`server error: ${e.message}`));
  if (token === null && !isLoopback(opts.host)) {
    opts.log(
      `warning: listening on ${opts.host} without a token: anyone who can reach this port can run envs here (set --token or GYMWIRE_TOKEN)`,
    );
  }

  const idle = new IdleSweeper(opts.idleTimeoutMs);
  const budget = new MemoryBudget(opts.memoryBudget, opts.registrations);
  const metrics = new ServerMetrics({
    sessions: () => [...shared.connections].map((c) => c.session),
    connecting: () => admission.upgradingCount,
    budget,
    draining: () => drain.draining,
  });
  const shared: ServerShared = {
    scheduler: new Scheduler(opts.log),
    budget,
    catalog: new EnvCatalog(opts),
    busyPoll: new BusyPoll(opts.busyPollMicros),
    connections: new Set(),
    maxBufferedBytes: opts.maxBufferedBytes,
    maxPayloadBytes: opts.maxPayloadBytes,
    stats: metrics,
  };
  routes.push(
    ...healthRoutes(() => drain.draining),
    metrics.route((req) => admission.scrapeRefusal(req, token)),
  );
  onRequest = fairRequests(shared.scheduler, answerRequest);
  const vectors = new VectorWorkers(opts.vectorWorkers, { pluginModules: [...opts.pluginModules] }, opts.log);
  wss.on('connection', (ws: WebSocket, req) => {
    const refused = admission.admit(req);
    if (refused !== null) {
      ws.close(CLOSE.TRY_AGAIN_LATER, refused);
      setTimeout(() => ws.terminate(), 2000).unref();
      return;
    }
    req.socket.setNoDelay(true);
    const session = new Session(opts, shared.budget, vectors);
    const connection = new ClientConnection(ws, req.socket, session, shared, () => idle.touch(ws));
    admission.hold(req, connection);
    const helloTimer = setTimeout(() => {
      if (session.ready) return;
      ws.close(CLOSE.POLICY, `no hello within ${opts.helloTimeoutMs / 1000} s (hello_timeout)`);
      setTimeout(() => ws.terminate(), 2000).unref();
    }, opts.helloTimeoutMs);
    idle.touch(ws);
    ws.on('message', (data: Buffer, isBinary: boolean) => connection.onMessage(data, isBinary));
    ws.on('error', (e) => opts.log(`connection error: ${e.message}`));
    ws.on('close', () => {
      clearTimeout(helloTimer);
      admission.left(connection);
      idle.forget(ws);
      connection.close();
    });
  });

  const address = front.server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const close = () =>
    new Promise<void>((resolve) => {
      idle.stop();
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => {
        http.closeAllConnections();
        void front.close().then(() => vectors.stop().then(() => resolve()));
      });
    });
  return {
    url: `${opts.tls ? 'wss' : 'ws'}://${host}:${address.port}`,
    host: opts.host,
    port: address.port,
    connections: () => shared.connections.size,
    sockets: () => new Promise<number>((resolve, reject) => front.server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close,
    drain: (graceMs) => drain.start(graceMs, wss.clients, close),
    get draining() {
      return drain.draining;
    },
    metrics,
  };
}
