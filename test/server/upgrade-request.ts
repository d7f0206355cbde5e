// A bare WebSocket upgrade request over plain HTTP, for tests of what the server answers before
// any message: admission, authentication, Origin and Host checks.
import { request } from 'node:http';

export interface UpgradeAnswer {
  status: number;
  headers: Record<string, unknown>;
  /** The response body when the upgrade was refused; '' when it was accepted (101). */
  body: string;
}

/** The status, headers and body the server at host:port answers an upgrade request with these headers (over the defaults). */
export function upgradeRequest(
  port: number | string,
  headers: Record<string, string>,
  { host = '127.0.0.1', localAddress }: { host?: string; localAddress?: string } = {},
): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port,
      ...(localAddress === undefined ? {} : { localAddress }),
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('upgrade', (res, socket) => {
      resolve({ status: res.statusCode!, headers: res.headers, body: '' });
      socket.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}
