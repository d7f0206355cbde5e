// Plain HTTP requests on the server's port (the WebSocket upgrade is not one of them): each
// route answers the requests it knows and leaves the rest to the next; what none answers is
// told what this port speaks.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers `req` and returns true, or returns false to leave it to the next route. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

function notWebSocket(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' });
  res.end('gymwire env server: connect with a WebSocket client (protocol/PROTOCOL.md)\n');
}

/** One request listener over `routes`, tried in order; a route that throws gets a 500. */
export function routeRequests(
  routes: readonly HttpRoute[],
  log: (line: string) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      for (const route of routes) if (route(req, res)) return;
      notWebSocket(req, res);
    } catch (e) {
      log(`http ${req.method} ${req.url?.slice(0, 200)}: ${(e as Error)?.message}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error\n');
    }
  };
}
