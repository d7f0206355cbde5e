// Slots cannot be monopolised (server/admission.ts, server/slot-shares.ts): when the server is
// full, a newcomer takes the slot of a connection that holds nothing from the address holding
// the most, as long as that address holds more than the newcomer's would; sockets still in
// their upgrade follow the same rule. Addresses are 127.0.0.N (loopback has all of 127/8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../server/server.ts';
import { groupKey, SlotShares } from '../../server/slot-shares.ts';
import { RemoteEnv } from '../../client/remote-env.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';

interface Held {
  ws: WebSocket;
  /** Resolves with the close code once the server closes it. */
  closed: Promise<number>;
}

/** A connection from `localAddress` that says hello (and, with `envId`, makes an env), then sits idle. */
async function idleConnection(url: string, localAddress: string, envId?: string): Promise<Held> {
  const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', () => reject(new Error(`closed before open from ${localAddress}`)));
  });
  const next = () =>
    Promise.race([
      new Promise<any>((resolve) => ws.once('message', (d: Buffer) => resolve(decodeMessage(d)))),
      closed.then((code) => Promise.reject(new Error(`closed (${code}) from ${localAddress}`))),
    ]);
  ws.send(encodeMessage({ id: 1, op: 'hello', protocol_version: '1.2', client_name: 'idle', client_version: '0' }));
  assert.ok('result' in (await next()));
  if (envId !== undefined) {
    ws.send(encodeMessage({ id: 2, op: 'make', env_id: envId }));
    assert.ok('result' in (await next()));
  }
  return { ws, closed };
}

/** Whether a client from `localAddress` gets a working env (false when refused with 1013). */
async function newcomerGetsIn(server: RunningServer, localAddress: string): Promise<boolean> {
  try {
    // A refused connection is closed before its hello is answered: answered make = in.
    const held = await idleConnection(server.url, localAddress, 'CartPole-v1');
    held.ws.close();
    return true;
  } catch {
    return false;
  }
}

const closedCount = async (held: Held[]) => {
  await new Promise((r) => setTimeout(r, 100));
  let n = 0;
  for (const h of held) if (h.ws.readyState !== WebSocket.OPEN) n++;
  return n;
};

test('a full server of idle connections from one address: a newcomer from another gets in, one idle connection is reclaimed with 1013', async () => {
  const server = await startServer({ port: 0, maxConnections: 8, maxConnectionsPerAddress: 8 });
  const held: Held[] = [];
  try {
    for (let i = 0; i < 8; i++) held.push(await idleConnection(server.url, '127.0.0.2'));
    assert.equal(server.connections(), 8);
    const env = await RemoteEnv.connect(server.url, 'CartPole-v1', {}, { reconnect: false });
    await env.reset({ seed: 0 });
    await env.step(0);
    const codes = await Promise.race([Promise.any(held.map((h) => h.closed)), new Promise((r) => setTimeout(() => r(null), 2000))]);
    assert.equal(codes, 1013);
    assert.equal(await closedCount(held), 1);
    await env.close();
  } finally {
    for (const h of held) h.ws.terminate();
    await server.close();
  }
});

test('shares scale with the addresses present: 4 addresses x 2 leave room for a fifth; 8 addresses x 1 fill the server; connections holding envs are kept', async () => {
  const server = await startServer({ port: 0, maxConnections: 8, maxConnectionsPerAddress: 8 });
  const held: Held[] = [];
  try {
    for (let a = 2; a < 6; a++) for (let i = 0; i < 2; i++) held.push(await idleConnection(server.url, `127.0.0.${a}`));
    assert.equal(await newcomerGetsIn(server, '127.0.0.10'), true, 'a fifth address');
    for (const h of held) h.ws.terminate();
    held.length = 0;
    await new Promise((r) => setTimeout(r, 100));
    // One connection from each of max_connections addresses: the most an attacker needs to keep a newcomer out.
    for (let a = 2; a < 10; a++) held.push(await idleConnection(server.url, `127.0.0.${a}`));
    assert.equal(await newcomerGetsIn(server, '127.0.0.10'), false, 'every address holds one: no one holds more than the newcomer would');
    for (const h of held) h.ws.terminate();
    held.length = 0;
    await new Promise((r) => setTimeout(r, 100));
    // Connections with an env open (and recently active) are not reclaimed.
    for (let i = 0; i < 8; i++) held.push(await idleConnection(server.url, '127.0.0.2', 'CartPole-v1'));
    assert.equal(await newcomerGetsIn(server, '127.0.0.10'), false);
    assert.equal(await closedCount(held), 0);
  } finally {
    for (const h of held) h.ws.terminate();
    await server.close();
  }
});

/** A socket from `localAddress` that starts an upgrade request and trickles a header byte every 200 ms. */
function trickle(port: number, localAddress: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const timer = setInterval(() => socket.writable && socket.write('a'), 200);
      socket.once('close', () => clearInterval(timer));
      resolve({ socket, closed });
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
  });
}

test('upgrading sockets follow the same rule: 2 addresses trickling 4 sockets each fill the upgrade slots, a newcomer from a third still connects', async () => {
  const server = await startServer({ port: 0, maxConnections: 8, maxUpgradingPerAddress: 4, upgradeTimeoutMs: 5000 });
  const tricklers = [];
  try {
    for (const a of ['127.0.0.2', '127.0.0.3']) for (let i = 0; i < 4; i++) tricklers.push(await trickle(server.port, a));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await newcomerGetsIn(server, '127.0.0.10'), true);
    let cut = 0;
    for (const t of tricklers) if (t.socket.destroyed || t.socket.readableEnded) cut++;
    assert.equal(cut, 1, 'one trickling socket was cut for it');
  } finally {
    for (const t of tricklers) t.socket.destroy();
    await server.close();
  }
});

test('SlotShares: the largest group above the newcomer gives; IPv6 /64s share their /48', () => {
  const shares = new SlotShares<string>();
  for (let i = 0; i < 3; i++) shares.add(`a${i}`, 'A');
  shares.add('b0', 'B');
  const oldest = (m: ReadonlySet<string>) => m.values().next().value ?? null;
  assert.equal(shares.reclaimFor('C', oldest), 'a0');
  assert.equal(shares.reclaimFor('A', oldest), null, 'A would hold as many as it gives');
  assert.equal(shares.reclaimFor('B', oldest), 'a0', 'B holds 1, A holds 3 > 2');
  assert.equal(
    shares.reclaimFor('C', () => null),
    null,
  );
  assert.equal(shares.remove('a0'), true);
  assert.equal(shares.remove('a0'), false);
  assert.equal(shares.count('A'), 2);
  assert.equal(groupKey('2001:db8:1:2::/64'), '2001:db8:1::/48');
  assert.equal(groupKey('2001:db8:1:ff::/64'), '2001:db8:1::/48');
  assert.equal(groupKey('10.0.0.1'), '10.0.0.1');
});
