// The env page on the server's own port (web/, README "See it in a browser"): GET / serves the
// page, which opens a WebSocket back to this server. Same-origin for the server's Origin rule
// (server/origin.ts) when the page is opened at a loopback or IP address; the page's code is
// public, so it is served without the token, which the page sends with its WebSocket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpRoute } from './http-routes.ts';
import { WEB_DIR, webBundle } from './web-bundle.ts';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

/** The page may load its own script and style and connect to WebSocket servers (its own, or ?server=); nothing else. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The file a path asks for, or null when the path is not the page's. */
function fileOf(url: string | undefined): string | null {
  const path = (url ?? '').split('?')[0];
  if (path === '/' || path === '/index.html') return 'index.html';
  if (path === '/app.js' || path === '/app.css') return path.slice(1);
  return null;
}

function send(req: IncomingMessage, res: ServerResponse, name: string, body: string | Buffer): void {
  const headers: Record<string, string | number> = {
    'Content-Type': TYPES[name],
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (name === 'index.html') headers['Content-Security-Policy'] = PAGE_POLICY;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** GET (or HEAD) /, /app.js and /app.css; `log` hears why the bundle could not be built. */
export function webPageRoute(log: (line: string) => void): HttpRoute {
  return (req, res) => {
    const name = fileOf(req.url);
    if (name === null) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      res.end('the env page answers GET and HEAD\n');
      return true;
    }
    if (name !== 'app.js') {
      send(req, res, name, readFileSync(join(WEB_DIR, name)));
      return true;
    }
    webBundle().then(
      (js) => send(req, res, name, js),
      (e: Error) => {
        log(`env page: cannot build web/ bundle: ${e.message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('the env page could not be built (see the server log)\n');
      },
    );
    return true;
  };
}
