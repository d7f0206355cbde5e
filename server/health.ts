// GET /healthz (liveness) and GET /readyz (readiness) on the server's port, for Kubernetes'
// probes (k8s/manifests.ts) and load balancers. Liveness answers 200 whenever the event loop
// runs; readiness answers 503 while the server drains (server/drain.ts), so a headless
// Service drops the pod from its DNS answer and trainers move their envs elsewhere.
//
// Like every plain HTTP request on the port, these arrive on sockets admission already
// counts (server/admission.ts: per-address cap, upgrade timeout for the request's headers),
// and each answer closes its socket: a health check cannot hold a socket open past them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from './http-routes.ts';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

/** The request's path, without its query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A short text answer that closes its socket. */
function plainAnswer(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close', ...headers });
  res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
}

/** The two probe routes; `draining` says whether the server is shutting down. */
export function healthRoutes(draining: () => boolean): HttpRoute[] {
  const isProbe = (req: IncomingMessage, path: string) => pathOf(req) === path && (req.method === 'GET' || req.method === 'HEAD');
  return [
    (req, res) => {
      if (!isProbe(req, HEALTH_PATH)) return false;
      plainAnswer(req, res, 200, 'ok');
      return true;
    },
    (req, res) => {
      if (!isProbe(req, READY_PATH)) return false;
      if (draining()) plainAnswer(req, res, 503, 'draining: not taking new connections', { 'Retry-After': '1' });
      else plainAnswer(req, res, 200, 'ready');
      return true;
    },
  ];
}
