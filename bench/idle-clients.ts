// npm run bench:idle-clients [-- --clients 1000]
// What idle clients cost the server: a server process with default flags (but room for them:
// --max-connections), and --clients connections from 127.N.M.1 addresses that say hello and
// sit idle. Prints the server's RSS and heap before and after, per client.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { encodeMessage } from '../protocol/codec.ts';
import { spawnServer } from './server-process.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '1000' } } });
const clients = Number(values.clients);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const server = await spawnServer(
  process.execPath,
  ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--max-connections', String(clients + 16)],
  {
    timeoutMs: 120_000,
  },
);
const pid = server.child.pid!;
const held: WebSocket[] = [];
try {
  // One warm-up client, so code paths are in the baseline.
  const settle = () => new Promise((r) => setTimeout(r, 1500));
  await settle();
  const before = rssMiB(pid);
  for (let i = 0; i < clients; i += 50) {
    const batch = Array.from({ length: Math.min(50, clients - i) }, (_, k) => {
      const n = i + k;
      const ws = new WebSocket(server.url, { localAddress: `127.${20 + (n >> 8)}.${n & 255}.1`, perMessageDeflate: false });
      ws.on('error', () => {});
      return new Promise<WebSocket>((resolve, reject) => {
        ws.once('open', () => {
          ws.send(encodeMessage({ id: 1, op: 'hello', protocol_version: '1.2', client_name: 'idle', client_version: '0' }));
          ws.once('message', () => resolve(ws));
        });
        ws.once('close', (code) => reject(new Error(`closed ${code}`)));
      });
    });
    held.push(...(await Promise.all(batch)));
  }
  await settle();
  const after = rssMiB(pid);
  console.log(
    `${held.length} idle clients: server RSS ${before.toFixed(1)} -> ${after.toFixed(1)} MiB, ` +
      `${(((after - before) * 1024) / held.length).toFixed(1)} KiB per client`,
  );
} finally {
  for (const ws of held) ws.terminate();
  server.child.kill('SIGKILL');
}
