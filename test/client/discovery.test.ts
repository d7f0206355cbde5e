// Farm discovery (client/discovery.ts): farm URLs, respread(), and a farm of real gymwire
// servers on loopback addresses (127.0.0.2, .3, .4 — Linux routes all of 127/8 to lo) named
// by a local DNS server (dns2) whose answer grows and shrinks as servers join and leave.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fc from 'fast-check';
import {
  DiscoveryError,
  FarmDiscovery,
  isFarmUrl,
  parseFarmUrl,
  resolveFarm,
  respread,
  serverUrl,
  type FarmChange,
} from '../../client/discovery.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { RemoteVectorEnv } from '../../client/remote-vector-env.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { startDns } from '../dns-server.ts';

const counts = (assignment: readonly (string | null)[]) => {
  const m = new Map<string, number>();
  for (const s of assignment) if (s !== null) m.set(s, (m.get(s) ?? 0) + 1);
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
};

test('parseFarmUrl: dns+ws and dns+wss, ports, paths, IPv6 literals; anything else is a DiscoveryError', () => {
  const f = parseFarmUrl('dns+ws://Envs.Default.svc.cluster.local:8765');
  assert.deepEqual(f, {
    url: 'dns+ws://Envs.Default.svc.cluster.local:8765',
    hostname: 'envs.default.svc.cluster.local',
    scheme: 'ws',
    port: '8765',
    rest: '',
  });
  assert.equal(serverUrl(f, '10.1.2.3'), 'ws://10.1.2.3:8765');
  assert.equal(serverUrl(f, 'fd00::5'), 'ws://[fd00::5]:8765');
  const s = parseFarmUrl('dns+wss://envs/gym?x=1');
  assert.equal(serverUrl(s, '10.0.0.1'), 'wss://10.0.0.1/gym?x=1');
  assert.equal(parseFarmUrl('dns+ws://[::1]:9000').hostname, '::1');
  assert.ok(isFarmUrl('DNS+WS://x:1') && isFarmUrl('dns+wss://x') && !isFarmUrl('ws://x:1'));
  for (const bad of ['ws://envs:8765', 'dns+http://envs', 'dns+ws://', 'not a url', 'dns+ws://u:p@envs:1']) {
    assert.throws(() => parseFarmUrl(bad), DiscoveryError, bad);
  }
  assert.throws(() => new FarmDiscovery('dns+ws://x:1', { minIntervalMs: -1 }), /minIntervalMs/);
});

test('respread: from nothing, contiguous blocks with the first N mod S servers one larger', () => {
  const { assignment, moved } = respread(Array(7).fill(null), ['a', 'b', 'c']);
  assert.deepEqual(assignment, ['a', 'a', 'a', 'b', 'b', 'c', 'c']);
  assert.deepEqual(moved, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(respread(['a', 'b'], []), { assignment: [null, null], moved: [0, 1] });
});

test('respread: a server joining takes sub-envs from the fullest; one leaving gives its own away, nothing else moves', () => {
  const before = ['a', 'a', 'a', 'b', 'b', 'b'];
  const join = respread(before, ['a', 'b', 'c']);
  assert.deepEqual(counts(join.assignment), { a: 2, b: 2, c: 2 });
  assert.deepEqual(join.moved, [2, 5]);
  const leave = respread(join.assignment, ['a', 'c']);
  assert.deepEqual(counts(leave.assignment), { a: 3, c: 3 });
  assert.deepEqual(leave.moved, [3, 4]);
  // The larger share goes to the server already holding more (so nothing moves needlessly).
  assert.deepEqual(respread(['b', 'b', 'a'], ['a', 'b']).moved, []);
});

test('respread (property): balanced, and moves exactly as few sub-envs as any balanced spread must', () => {
  const names = ['s0', 's1', 's2', 's3', 's4', 's5'];
  fc.assert(
    fc.property(
      fc.array(fc.option(fc.constantFrom(...names), { nil: null }), { maxLength: 40 }),
      fc.subarray(names, { minLength: 1 }),
      (current, servers) => {
        const { assignment, moved } = respread(current, servers);
        const n = current.length;
        const c = counts(assignment);
        const sizes = servers.map((s) => c[s] ?? 0);
        assert.equal(
          sizes.reduce((a, b) => a + b, 0),
          n,
        );
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `unbalanced: ${sizes}`);
        assert.deepEqual(
          moved,
          assignment.flatMap((s, i) => (s === current[i] ? [] : [i])),
        );
        // The most any balanced spread keeps: each server keeps up to floor(N/S) of its own,
        // and N mod S servers that hold more than that keep one more.
        const base = Math.floor(n / servers.length);
        const held = servers.map((s) => current.filter((x) => x === s).length);
        const best = held.reduce((a, h) => a + Math.min(h, base), 0) + Math.min(n % servers.length, held.filter((h) => h > base).length);
        assert.equal(n - moved.length, best);
      },
    ),
    { seed: 16, numRuns: 500 },
  );
});

// The farm: servers on 127.0.0.2.. at one port, as pods of a Deployment behind one name.
const NAME = 'envs.farm.test';
const dns = await startDns(1);
const servers = new Map<string, RunningServer>();
const first = await startServer({ host: '127.0.0.2', port: 0 });
const PORT = first.port;
servers.set('127.0.0.2', first);
async function serve(address: string) {
  servers.set(address, await startServer({ host: address, port: PORT }));
}
async function stop(address: string) {
  await servers.get(address)!.close();
  servers.delete(address);
}
const url = (address: string) => `ws://${address}:${PORT}`;
after(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await dns.close();
});

/** Makes each server's share as one vector env, resets and steps it; resolves with the envs. */
async function runShares(assignment: readonly (string | null)[]) {
  const envs: RemoteVectorEnv[] = [];
  for (const [u, n] of Object.entries(counts(assignment))) {
    const env = await RemoteVectorEnv.connect(u, 'Pendulum-v1', n, {}, { reconnect: false });
    envs.push(env);
    await env.reset({ seed: 1 });
    const r = await env.step(new Float32Array(n));
    assert.equal(r.rewards.length, n);
  }
  return envs;
}
const closeAll = (envs: RemoteVectorEnv[]) => Promise.all(envs.map((e) => e.close().catch(() => {})));

test('resolveFarm: every A record of the name (and AAAA: ::1) as a server URL; a name with no records gives none', async () => {
  await serve('127.0.0.3');
  dns.zone.set(NAME, ['127.0.0.3', '127.0.0.2', '::1']);
  assert.deepEqual(await resolveFarm(`dns+ws://${NAME}:${PORT}`, { dnsServers: dns.dnsServers }), [
    url('127.0.0.2'),
    url('127.0.0.3'),
    `ws://[::1]:${PORT}`,
  ]);
  assert.deepEqual(await resolveFarm(`dns+ws://nothing.farm.test:${PORT}`, { dnsServers: dns.dnsServers }), []);
  dns.zone.set(NAME, ['127.0.0.3', '127.0.0.2']);
});

test('FarmDiscovery: servers join and leave (DNS answer, failed connection); sub-envs re-spread; each share steps on its server', async (t) => {
  const N = 6;
  const discovery = new FarmDiscovery(`dns+ws://${NAME}:${PORT}`, {
    dnsServers: dns.dnsServers,
    timeoutMs: 300,
    tries: 1,
    minIntervalMs: 50,
    maxIntervalMs: 200, // the 1 s TTL is cut to 200 ms: the test waits less
    failureCooldownMs: 400,
  });
  const changes: FarmChange[] = [];
  discovery.on('change', (c) => changes.push(c));
  const nextChange = () => once(discovery, 'change', { signal: AbortSignal.timeout(5000) }).then(([c]) => c as FarmChange);
  const figures: string[] = [];
  const note = (label: string, assignment: readonly (string | null)[], moved: number) =>
    figures.push(`${label}: ${JSON.stringify(counts(assignment)).replaceAll(`:${PORT}`, '')} (${moved} moved)`);
  let envs: RemoteVectorEnv[] = [];
  try {
    // Two servers.
    assert.deepEqual(await discovery.start(), [url('127.0.0.2'), url('127.0.0.3')]);
    let plan = respread(Array(N).fill(null), discovery.urls);
    assert.deepEqual(counts(plan.assignment), { [url('127.0.0.2')]: 3, [url('127.0.0.3')]: 3 });
    note('start', plan.assignment, plan.moved.length);
    envs = await runShares(plan.assignment);
    assert.equal(servers.get('127.0.0.2')!.connections() + servers.get('127.0.0.3')!.connections(), 2);

    // A third server joins: it appears in DNS and is found on the next re-resolution.
    await serve('127.0.0.4');
    dns.zone.set(NAME, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    let change = await nextChange();
    assert.deepEqual(change, { urls: [url('127.0.0.2'), url('127.0.0.3'), url('127.0.0.4')], added: [url('127.0.0.4')], removed: [] });
    plan = respread(plan.assignment, change.urls);
    assert.deepEqual(Object.values(counts(plan.assignment)), [2, 2, 2]);
    assert.equal(plan.moved.length, 2);
    note('joined .4', plan.assignment, plan.moved.length);
    await closeAll(envs);
    envs = await runShares(plan.assignment);
    assert.equal(servers.get('127.0.0.4')!.connections(), 1);

    // .3 leaves: it is gone from DNS (a pod removed from the Service's endpoints).
    await closeAll(envs);
    await stop('127.0.0.3');
    dns.zone.set(NAME, ['127.0.0.2', '127.0.0.4']);
    change = await nextChange();
    assert.deepEqual(change.removed, [url('127.0.0.3')]);
    const onThree = plan.assignment.flatMap((s, i) => (s === url('127.0.0.3') ? [i] : []));
    plan = respread(plan.assignment, change.urls);
    assert.deepEqual(counts(plan.assignment), { [url('127.0.0.2')]: 3, [url('127.0.0.4')]: 3 });
    assert.deepEqual(plan.moved, onThree, 'only the sub-envs of the server that left move');
    note('.3 left (DNS)', plan.assignment, plan.moved.length);
    envs = await runShares(plan.assignment);

    // .4 dies while DNS still lists it (a cached answer): its connection fails, the trainer
    // reports it, and it is left out at once.
    await stop('127.0.0.4');
    const onFour = envs.find((e) => e.connection.url === url('127.0.0.4'))!;
    await assert.rejects(onFour.step(new Float32Array(3)), (e: unknown) => e instanceof GymwireError && e.code === 'connection_lost');
    const failed = nextChange();
    discovery.reportFailure(url('127.0.0.4'));
    change = await failed;
    assert.deepEqual(change, { urls: [url('127.0.0.2')], added: [], removed: [url('127.0.0.4')] });
    plan = respread(plan.assignment, change.urls);
    assert.deepEqual(counts(plan.assignment), { [url('127.0.0.2')]: N });
    note('.4 failed (connection)', plan.assignment, plan.moved.length);
    await closeAll(envs);
    envs = await runShares(plan.assignment);

    // Still listed after the cool-down (the pod restarted at the same address): back in.
    await serve('127.0.0.4');
    change = await nextChange();
    assert.deepEqual(change.added, [url('127.0.0.4')]);
    plan = respread(plan.assignment, change.urls);
    note('.4 back after cool-down', plan.assignment, plan.moved.length);
    await closeAll(envs);
    envs = await runShares(plan.assignment);

    // The DNS server stops answering: the failure is reported and the last set kept.
    const failedResolve = once(discovery, 'resolveFailed', { signal: AbortSignal.timeout(10_000) });
    await dns.close();
    const [err] = await failedResolve;
    assert.ok(err instanceof DiscoveryError && err.code, String(err));
    assert.deepEqual(discovery.urls, [url('127.0.0.2'), url('127.0.0.4')]);
    assert.equal(changes.length, 5, 'the first resolution, then one per join, leave, failure and return');
    t.diagnostic(`sub-envs per server (N=${N}): ${figures.join('; ')}`);
  } finally {
    discovery.close();
    await closeAll(envs);
  }
});
