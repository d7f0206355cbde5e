// The volume attacks of issue 32, for bench/fairness.ts --attacks: each runs against a fresh
// server with default flags (a token where the attack needs one) from 127.0.0.N addresses,
// while a bystander from 127.0.0.1 steps a CartPole one request at a time, and reports the
// bystander's longest wait and what a newcomer or the token's holder got.
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { encodeMessage } from '../protocol/codec.ts';
import { Connection } from '../client/remote-env.ts';
import { RemoteVectorEnv } from '../client/remote-vector-env.ts';

export interface AttackContext {
  url: string;
  port: number;
  token: string | null;
  seconds: number;
}

export interface Attack {
  name: string;
  /** Whether the server must run with a token. */
  needsToken?: boolean;
  /** Runs until the attack is over; returns what it saw besides the bystander's waits (e.g. "newcomer refused 10/10"). */
  run(ctx: AttackContext): Promise<string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The i-th attacking address: 127.10.0.1, 127.10.1.1, ... (loopback has all of 127/8). */
const address = (i: number) => `127.${10 + (i >> 8)}.${i & 255}.1`;

/** Keeps `sockets` sockets from `from` sending `text` (reconnecting when the server closes one) until `until`. */
async function httpFlood(port: number, from: string, sockets: number, text: string, until: number): Promise<number> {
  let answers = 0;
  const one = async () => {
    while (performance.now() < until) {
      await new Promise<void>((resolve) => {
        const s = connect({ port, host: '127.0.0.1', localAddress: from }, () => s.write(text));
        s.on('data', (d) => (answers += d.toString('latin1').split('HTTP/1.1 ').length - 1));
        s.on('error', () => {});
        s.once('close', () => resolve());
        setTimeout(() => s.destroy(), Math.max(0, until - performance.now())).unref();
      });
    }
  };
  await Promise.all(Array.from({ length: sockets }, one));
  return answers;
}

/** A WebSocket from `from` that said hello (with `token`); null if refused. */
async function helloConnection(url: string, from: string, token: string | null): Promise<WebSocket | null> {
  const ws = new WebSocket(url, {
    localAddress: from,
    perMessageDeflate: false,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  ws.on('error', () => {});
  const ok = await new Promise<boolean>((resolve) => {
    ws.once('open', () => {
      ws.send(encodeMessage({ id: 1, op: 'hello', protocol_version: '1.1', client_name: 'attack', client_version: '0' }));
      ws.once('message', () => resolve(true));
    });
    ws.once('close', () => resolve(false));
    ws.once('unexpected-response', () => resolve(false));
    setTimeout(() => resolve(false), 20_000).unref();
  });
  if (!ok) ws.terminate();
  return ok ? ws : null;
}

/** How many of `tries` newcomers from 127.0.0.1 were refused. */
async function newcomerRefusals(url: string, tries: number, token: string | null = null): Promise<number> {
  let refused = 0;
  for (let i = 0; i < tries; i++) {
    const ws = await helloConnection(url, '127.0.0.1', token);
    if (ws === null) refused++;
    else ws.close();
    await sleep(50);
  }
  return refused;
}

/** A socket from `from` trickling an upgrade request's headers a byte every 200 ms. */
function trickler(port: number, from: string): Socket {
  const s = connect({ port, host: '127.0.0.1', localAddress: from }, () => {
    s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const t = setInterval(() => s.writable && s.write('a'), 200);
    s.once('close', () => clearInterval(t));
  });
  s.on('error', () => {});
  return s;
}

/** The status of an upgrade with `token` from `from`. */
function upgradeStatus(port: number, from: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { localAddress: from, headers: { Authorization: `Bearer ${token}` } });
    ws.on('error', () => resolve(0));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
  });
}

/** `connections` connections each making, resetting and closing a vector env of `numEnvs` `cycles` times; counts refusals. */
async function churn(url: string, connections: number, cycles: number, numEnvs: number): Promise<string> {
  let refused = 0;
  let made = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const conn = await Connection.open(url, { reconnect: false });
      for (let c = 0; c < cycles; c++) {
        try {
          const env = await RemoteVectorEnv.make(conn, 'BipedalWalkerHardcore-v3', numEnvs);
          await env.reset({ seed: c });
          await env.close();
          made++;
        } catch {
          refused++;
          await sleep(200);
        }
      }
      await conn.close();
    }),
  );
  return `${made} made, ${refused} refused (limit_exceeded: try again later)`;
}

const metricsGet = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

export const ATTACKS: Attack[] = [
  {
    name: 'none (the bystander alone: the noise of the machine)',
    async run({ seconds }) {
      await sleep(seconds * 1000);
      return '-';
    },
  },
  {
    name: 'HTTP: 16 sockets x 2000 pipelined GET /metrics, one address',
    async run({ port, seconds }) {
      const n = await httpFlood(port, '127.0.0.2', 16, metricsGet.repeat(2000), performance.now() + seconds * 1000);
      return `${n} answers`;
    },
  },
  {
    name: 'HTTP: 1 socket x 5000 pipelined GET /metrics',
    async run({ port, seconds }) {
      const n = await httpFlood(port, '127.0.0.2', 1, metricsGet.repeat(5000), performance.now() + seconds * 1000);
      return `${n} answers`;
    },
  },
  {
    name: 'HTTP: 64 addresses x 4 sockets x 500 pipelined GET / and /healthz',
    async run({ port, seconds }) {
      const until = performance.now() + seconds * 1000;
      const text = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(250);
      const counts = await Promise.all(Array.from({ length: 64 }, (_, i) => httpFlood(port, address(i), 4, text, until)));
      return `${counts.reduce((a, b) => a + b, 0)} answers`;
    },
  },
  {
    name: 'frames: 300,000 pipelined list_envs on one connection, never read',
    async run({ url, seconds }) {
      const ws = await helloConnection(url, '127.0.0.2', null);
      if (ws === null) return 'refused';
      const frame = encodeMessage({ id: 7, op: 'list_envs' });
      for (let i = 0; i < 300_000; i++) ws.send(frame);
      // Never read: the server's answers back up until it stops reading this socket.
      ws.pause();
      await sleep(seconds * 1000);
      ws.terminate();
      return 'sent';
    },
  },
  {
    name: 'frames: 64 addresses x 1 connection, 2000 pipelined list_envs each, read',
    async run({ url, seconds }) {
      const frame = encodeMessage({ id: 7, op: 'list_envs' });
      let answers = 0;
      const conns = (await Promise.all(Array.from({ length: 64 }, (_, i) => helloConnection(url, address(i), null)))).filter(
        (w): w is WebSocket => w !== null,
      );
      // The attack's time starts once every connection is open.
      const until = performance.now() + seconds * 1000;
      await Promise.all(
        conns.map(async (ws) => {
          ws.on('message', () => answers++);
          while (performance.now() < until) {
            for (let k = 0; k < 2000; k++) ws.send(frame);
            await sleep(200);
          }
          ws.terminate();
        }),
      );
      return `${answers} answers`;
    },
  },
  {
    name: 'slots: addresses x 64 idle connections until the server is full, then a newcomer tries 10 times',
    async run({ url }) {
      // In batches of 16 from one address at a time, until one is refused (the server is full).
      const held: WebSocket[] = [];
      let full = false;
      for (let b = 0; !full && b < 2048; b += 16) {
        const batch = await Promise.all(Array.from({ length: 16 }, (_, k) => helloConnection(url, address((b + k) >> 6), null)));
        for (const w of batch) if (w !== null) held.push(w);
        full = batch.some((w) => w === null);
      }
      const refused = await newcomerRefusals(url, 10);
      for (const w of held) w.terminate();
      return `${held.length} held from ${Math.ceil(held.length / 64)} addresses; newcomer refused ${refused}/10`;
    },
  },
  {
    name: 'slots: 17 addresses x 16 trickling upgrades, then a newcomer tries 10 times',
    async run({ url, port }) {
      const socks: Socket[] = [];
      for (let a = 0; a < 17; a++) for (let i = 0; i < 16; i++) socks.push(trickler(port, address(a)));
      await sleep(500);
      const refused = await newcomerRefusals(url, 10);
      for (const s of socks) s.destroy();
      return `newcomer refused ${refused}/10`;
    },
  },
  {
    name: 'lockout: wrong tokens every 250 ms from an address, its token holder tries 20 times',
    needsToken: true,
    async run({ port, token }) {
      let going = true;
      const attacker = (async () => {
        for (let i = 0; going; i++) {
          await upgradeStatus(port, '127.0.0.2', `wrong-guess-${i}-xxxxxxxxxxxx`);
          await sleep(250);
        }
      })();
      await sleep(1500);
      let refused = 0;
      for (let i = 0; i < 20; i++) {
        if ((await upgradeStatus(port, '127.0.0.2', token!)) !== 101) refused++;
        await sleep(250);
      }
      going = false;
      await attacker;
      return `token holder refused ${refused}/20`;
    },
  },
  {
    name: 'lockout: 5 wrong tokens, then failures from 4,100 other addresses',
    needsToken: true,
    async run({ port }) {
      for (let i = 0; i < 5; i++) await upgradeStatus(port, '127.0.0.2', `wrong-guess-${i}-xxxxxxxxxxxx`);
      const before = await upgradeStatus(port, '127.0.0.2', 'wrong-guess-x-xxxxxxxxxxxx');
      for (let i = 0; i < 4100; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, k) => upgradeStatus(port, address(256 + i + k), 'wrong-guess-y-xxxxxxxxxxxx')));
      }
      // Its 1 s lockout is over by now: one more wrong try is let through (401) either way, and
      // then the next is locked out again (429) only if the table still remembers its count.
      await upgradeStatus(port, '127.0.0.2', 'wrong-guess-z-xxxxxxxxxxxx');
      const after = await upgradeStatus(port, '127.0.0.2', 'wrong-guess-w-xxxxxxxxxxxx');
      return `locked address answered ${before} before, ${after} after (429 = remembered, 401 = flushed)`;
    },
  },
  {
    name: 'churn: 12 x (make 256 BipedalWalkerHardcore vector env, reset, close), one connection',
    async run({ url }) {
      return churn(url, 1, 12, 256);
    },
  },
  {
    name: 'churn: 2 connections x 8 x (make 128-env BipedalWalkerHardcore vector env, reset, close)',
    async run({ url }) {
      return churn(url, 2, 8, 128);
    },
  },
];

// Run as a process of its own (bench/fairness.ts --attacks spawns it), so that the attack's
// own work never delays the bystander's client: tsx bench/attacks.ts N URL TOKEN SECONDS
// prints the outcome as its last line.
if (process.argv[1]?.endsWith('attacks.ts') && process.argv.length === 6) {
  const [n, url, token, secs] = process.argv.slice(2);
  const attack = ATTACKS[Number(n) - 1];
  const outcome = await attack.run({ url, port: Number(new URL(url).port), token: token === '-' ? null : token, seconds: Number(secs) });
  console.log(outcome);
  process.exit(0);
}
