// The server-wide memory budget (server/memory-budget.ts): env instances charged their
// measured cost, make/reset/render refused with limit_exceeded when they would not fit, what
// was charged given back on close and disconnect — and an attack that tries hard, measured
// against the server process's own memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from 'node:net';
import WebSocket from 'ws';
import './toy-envs.ts';
import { ToyContinuous } from './toy-envs.ts';
import { RawClient } from './raw-client.ts';
import { BaseEnv, make, register, registrations, type Kwargs } from '../../envs/index.ts';
import { startServer } from '../../server/server.ts';
import { DEFAULT_ENV_MEMORY_BYTES, MemoryBudget, RELEASE_AT_LATEST_MS } from '../../server/memory-budget.ts';
import { startServerProcess } from '../../bench/server-process.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { encodeArray } from '../../protocol/ndarray.ts';
import { box } from '../../protocol/spaces.ts';
import type { Env, Frame, ResetResult, StepResult } from '../../protocol/env-api.ts';

const MiB = 1024 * 1024;

/**
 * Resolves once `cond()` holds, looking again every few ms. No deadline of its own: a wait
 * that never ends is the test's failure (its timeout), not a bound on how fast a loaded machine is.
 */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

// A full garbage collection of this process's heap (the in-process server's too).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Whether a make of `envId` succeeds within a few garbage collections (closed envs stay charged until theirs). */
async function makesOnceCollected(c: RawClient, envId: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const made = await c.call({ op: 'make', env_id: envId });
    if ('result' in made) return true;
    collectGarbage();
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

/** A value of the server's GET /metrics, e.g. gymwire_memory_used_bytes{part="envs"}. */
async function metric(wsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${wsUrl.replace(/^ws/, 'http')}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

/** 4096 float32 observations (16 KiB each), declared at 1 KiB so many fit. */
class WideObs extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = box(-1, 1, [4096]);
  readonly actionSpace = box(-1, 1, [1]);
  reset(): ResetResult<Float32Array> {
    return { obs: new Float32Array(4096), info: {} };
  }
  step(): StepResult<Float32Array> {
    return { obs: new Float32Array(4096), reward: 0, terminated: false, truncated: false, info: {} };
  }
  render(): Frame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}
if (!registrations().some((r) => r.id === 'WideObs-v0')) {
  register({ id: 'WideObs-v0', factory: () => new WideObs(), maxEpisodeSteps: null, rewardThreshold: null, memoryBytes: 1024, kwargs: {} });
}

/** The toy env with 500 x 500 frames (750 KB each). */
class BigFrames extends ToyContinuous {
  override render(): Frame {
    return { width: 500, height: 500, data: new Uint8Array(750_000) };
  }
}

test('env instances are charged their cost: make past 3/4 of the budget is limit_exceeded; close and disconnect give it back', async () => {
  // 8 MiB: env instances get 6 MiB, i.e. four undeclared Toy-v0 (1.25 MiB each), or 1536 CartPoles (4 KiB).
  const server = await startServer({ port: 0, memoryBudget: 8 * MiB });
  const a = await RawClient.open(server.url);
  const b = await RawClient.open(server.url);
  try {
    await a.hello();
    await b.hello();
    const handles: number[] = [];
    for (let i = 0; i < 4; i++) handles.push((await a.call({ op: 'make', env_id: 'Toy-v0' })).result.handle);
    const refused = await b.call({ op: 'make', env_id: 'Toy-v0' });
    assert.equal(refused.error.code, 'limit_exceeded', 'the budget is server-wide: another connection is refused too');
    assert.equal(refused.error.details.memory_budget, 8 * MiB);
    assert.equal(refused.error.details.env_memory, 4 * DEFAULT_ENV_MEMORY_BYTES);
    assert.equal(refused.error.details.requested, DEFAULT_ENV_MEMORY_BYTES);
    assert.match(refused.error.message, /3\/4 of this server's memory budget/);
    // A vector make that does not fit is refused whole, before anything is built.
    assert.equal((await b.call({ op: 'make', env_id: 'CartPole-v1', num_envs: 1024 })).error.code, 'limit_exceeded');
    // A make that fails (here on a kwarg) gives its charge back, single or vector.
    for (let i = 0; i < 8; i++) {
      assert.equal((await b.call({ op: 'make', env_id: 'CartPole-v1', num_envs: 256, kwargs: { bogus: 1 } })).error.code, 'invalid_kwargs');
      assert.equal((await b.call({ op: 'make', env_id: 'CartPole-v1', kwargs: { bogus: 1 } })).error.code, 'invalid_kwargs');
    }
    assert.ok('result' in (await b.call({ op: 'make', env_id: 'CartPole-v1', num_envs: 256 })), 'cheap envs still fit: 1 MiB');
    await a.call({ op: 'close', handle: handles[0] });
    const closedEnv = await b.call({ op: 'make', env_id: 'Toy-v0' });
    assert.equal(closedEnv.error?.code, 'limit_exceeded', 'a closed env stays charged until its memory is collected');
    assert.ok(await makesOnceCollected(b, 'Toy-v0'), 'a closed env gave its share back once collected');
    await a.close();
    await until(() => server.connections() <= 1);
    for (let i = 0; i < 3; i++) assert.ok(await makesOnceCollected(b, 'Toy-v0'), `a's envs went with its connection (${i})`);
    assert.equal((await b.call({ op: 'make', env_id: 'Toy-v0' })).error.code, 'limit_exceeded');
  } finally {
    await b.close();
    await server.close();
  }
});

test(
  'renders while answers pile up unread: limit_exceeded once unsent answers would pass 1/8 of the budget; usable again once read',
  { timeout: 60_000 },
  async () => {
    const makeEnv = (id: string, kwargs: Kwargs): Env => (id === 'Toy-v0' ? new BigFrames() : make(id, kwargs));
    // 16 MiB: unsent answers may take 2 MiB, i.e. two 750 KB frames.
    const server = await startServer({ port: 0, memoryBudget: 16 * MiB, makeEnv });
    const hog = await opened(server.url);
    const c = await RawClient.open(server.url);
    try {
      let id = 1;
      await call(hog, id++, { op: 'hello', protocol_version: '1.1', client_name: 'hog', client_version: '0' });
      const hogEnv = (await call(hog, id++, { op: 'make', env_id: 'Toy-v0' })).result.handle;
      await call(hog, id++, { op: 'reset', handle: hogEnv, seed: 0 });
      const answered: unknown[] = [];
      hog.on('message', (d) => answered.push(d));
      // From now on the hog does not read: its answers fill the kernel's socket buffers (tens of
      // MB on loopback), then wait in the server.
      hog.pause();
      const renders = 200;
      for (let i = 0; i < renders; i++) hog.send(encodeMessage({ id: id++, op: 'render', handle: hogEnv }));

      await c.hello();
      const handle = (await c.call({ op: 'make', env_id: 'Toy-v0' })).result.handle;
      await c.call({ op: 'reset', handle, seed: 0 });
      let refused: any = null;
      // Until the hog's answers fill the share (no deadline: a server that never refuses fails by the test's timeout).
      while (refused === null) {
        const r = await c.call({ op: 'render', handle });
        if ('error' in r) refused = r.error;
        else await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(refused !== null, 'a render was refused while the hog held the answers');
      assert.equal(refused.code, 'limit_exceeded');
      assert.match(refused.message, /answers already wait to be sent/);
      assert.ok(refused.details.unsent_bytes > 2 * MiB - 750_000, JSON.stringify(refused.details));
      // Small answers are never refused: they wait, and here nothing waits on this connection.
      assert.ok(
        'result' in (await c.call({ op: 'step', handle, action: encodeArray(new Float32Array([0.1])) })),
        'the env is still usable',
      );

      hog.resume();
      await until(() => answered.length >= renders);
      assert.equal(answered.length, renders, 'every render of the hog was answered once it read');
      assert.equal((await c.call({ op: 'render', handle })).result.frame.width, 500, 'renders fit again');

      // A vector reset whose batched observations (1000 sub-envs x 16 KiB = 15.6 MiB) cannot fit.
      const madeWide = await c.call({ op: 'make', env_id: 'WideObs-v0', num_envs: 1000 });
      assert.ok('result' in madeWide, JSON.stringify(madeWide.error));
      const wide = madeWide.result.handle;
      const reset = await c.call({ op: 'reset', handle: wide, seed: 0 });
      assert.equal(reset.error.code, 'limit_exceeded');
      assert.equal(
        (await c.call({ op: 'step', handle: wide, action: encodeArray(new Float32Array(1000), [1000, 1]) })).error.code,
        'reset_needed',
        'the refused reset did not run',
      );
    } finally {
      hog.terminate();
      await c.close();
      await server.close();
    }
  },
);

/** Peak and current resident memory of process `pid` (bytes), from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

function opened(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends {id, ...msg} on `ws` and resolves with the answer (one request in flight per socket). */
function call(ws: WebSocket, id: number, msg: Record<string, unknown>): Promise<any> {
  return new Promise((resolve) => {
    ws.once('message', (d: Buffer) => resolve(decodeMessage(d)));
    ws.send(encodeMessage({ id, ...msg }));
  });
}

/** A socket that upgrades by hand and then sends `bytes` of a frame announced as `announced` bytes, never the rest. */
function halfFrame(port: number, announced: number, bytes: number): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.once('error', reject);
    s.once('data', () => {
      const header = Buffer.alloc(14);
      header[0] = 0x82; // FIN, binary
      header[1] = 0x80 | 127; // masked, 64-bit length
      header.writeBigUInt64BE(BigInt(announced), 2);
      s.write(header); // mask key: the last 4 bytes, zeros
      s.write(Buffer.alloc(bytes, 0x41));
      resolve(() => s.destroy());
    });
  });
}

test(
  'an attack that tries hard stays within the budget + 25%: costliest envs, vector envs, renders and steps never read, half-sent frames',
  { timeout: 120_000 },
  async () => {
    const budget = 192 * MiB;
    const server = await startServerProcess([
      '--memory-budget',
      String(budget),
      '--max-connections',
      '64',
      '--max-connections-per-address',
      '64',
      '--max-upgrading-per-address',
      '64',
      '--idle-timeout',
      '0',
    ]);
    const pid = server.child.pid!;
    const port = Number(new URL(server.url).port);
    const sockets: WebSocket[] = [];
    const halves: (() => void)[] = [];
    try {
      // Warm up every code path the attack uses, so code and JIT (and the vector worker thread) are in the baseline.
      const warm = await opened(server.url);
      await call(warm, 1, { op: 'hello', protocol_version: '1.1', client_name: 't', client_version: '0' });
      await call(warm, 2, { op: 'make', env_id: 'BipedalWalkerHardcore-v3', num_envs: 2 });
      await call(warm, 3, { op: 'reset', handle: 1, seed: 0 });
      await call(warm, 4, { op: 'step', handle: 1, action: encodeArray(new Float32Array(8), [2, 4]) });
      await call(warm, 5, { op: 'make', env_id: 'LunarLander-v3' });
      await call(warm, 6, { op: 'reset', handle: 2, seed: 0 });
      await call(warm, 7, { op: 'render', handle: 2 });
      await call(warm, 8, { op: 'make', env_id: 'BipedalWalkerHardcore-v3', num_envs: 16 });
      await call(warm, 9, { op: 'reset', handle: 3, seed: 0 });
      warm.close();
      // The baseline once the warm-up connection is gone and its envs given back.
      await until(
        async () =>
          (await metric(server.url, 'gymwire_connections')) === 0 &&
          (await metric(server.url, 'gymwire_memory_used_bytes{part="envs"}')) === 0,
      );
      const baseline = memoryOf(pid).rss;

      // 24 connections each make a LunarLander to render and BipedalWalkerHardcore vector envs
      // until refused (all at once); the attack asks for at most ~3x the budget's worth of env instances.
      let instancesAsked = 0;
      const maxAsked = Math.ceil((3 * budget) / (1280 * 1024));
      let refusedMakes = 0;
      let vectors = 0;
      const attacker = async (k: number) => {
        const ws = await opened(server.url);
        sockets.push(ws);
        let id = 1;
        await call(ws, id++, { op: 'hello', protocol_version: '1.1', client_name: 'attacker', client_version: '0' });
        const lander = await call(ws, id++, { op: 'make', env_id: 'LunarLander-v3' });
        if ('result' in lander) await call(ws, id++, { op: 'reset', handle: lander.result.handle, seed: k });
        let vector: number | null = null;
        // Vector envs of 16 (20 MiB) run in the worker thread, of 8 in the server's thread.
        const n = k % 2 === 0 ? 16 : 8;
        for (let tries = 0; tries < 3 && instancesAsked < maxAsked; tries++) {
          instancesAsked += n;
          const made = await call(ws, id++, { op: 'make', env_id: 'BipedalWalkerHardcore-v3', num_envs: n });
          if ('error' in made) {
            assert.equal(made.error.code, 'limit_exceeded');
            refusedMakes++;
            break;
          }
          vector = made.result.handle;
          vectors++;
          await call(ws, id++, { op: 'reset', handle: vector, seed: k });
        }
        // Now stop reading, and pipeline renders and vector steps whose answers pile up.
        ws.pause();
        for (let i = 0; i < 8; i++) {
          if ('result' in lander) ws.send(encodeMessage({ id: id++, op: 'render', handle: lander.result.handle }));
          if (vector !== null)
            ws.send(encodeMessage({ id: id++, op: 'step', handle: vector, action: encodeArray(new Float32Array(4 * n), [n, 4]) }));
        }
      };
      await Promise.all(Array.from({ length: 24 }, (_, k) => attacker(k)));
      // Frames announced at 4 MiB, 3.5 MiB of each sent, never finished.
      for (let k = 0; k < 6; k++) halves.push(await halfFrame(port, 4 * MiB, 3.5 * MiB));
      // Measured once the server holds what the attack can make it hold, not after some time: the
      // half frames (21 MiB, within the 24 MiB input share: all read) and unsent answers within a
      // render (720 KB) of their share (budget / 8), past which renders are refused and steps wait.
      await until(async () => {
        const used = (part: string) => metric(server.url, `gymwire_memory_used_bytes{part="${part}"}`);
        return (await used('unanswered_requests')) >= 6 * 3.5 * MiB && (await used('unsent_answers')) > budget / 8 - MiB;
      });

      const { peak } = memoryOf(pid);
      const grown = peak - baseline;
      if (process.env.SHOW_GROWTH) console.log(`grown ${(grown / MiB).toFixed(1)} MiB over ${(baseline / MiB).toFixed(1)} MiB`);
      assert.ok(refusedMakes > 0, 'the attack reached the budget');
      assert.ok(vectors > 0);
      assert.ok(
        grown <= 1.25 * budget,
        `the server's peak resident memory grew ${(grown / MiB).toFixed(1)} MiB over its ${(baseline / MiB).toFixed(1)} MiB baseline; budget ${budget / MiB} MiB`,
      );
      // And it still serves a newcomer.
      const late = await opened(server.url);
      assert.ok('result' in (await call(late, 1, { op: 'hello', protocol_version: '1.1', client_name: 'late', client_version: '0' })));
      late.close();
    } finally {
      for (const h of halves) h();
      for (const ws of sockets) ws.terminate();
      await server.stop();
    }
  },
);

test('a closed env stays charged until its memory is freed: collected here, reported freed by its worker, or RELEASE_AT_LATEST_MS at the latest', async () => {
  const budget = new MemoryBudget(8 * MiB, () => []);
  const bytes = budget.reserveEnvs('Undeclared-v0', 2);
  let env: object | null = { state: new Float64Array(1024) };
  budget.releaseWhenCollected(env, bytes / 2);
  env = null;
  let freed: (() => void) | null = null;
  budget.releaseWhenFreed(bytes / 2, (f) => (freed = f));
  assert.equal(budget.envBytes, bytes, 'both still charged after close');
  freed!();
  freed!();
  assert.equal(budget.envBytes, bytes / 2, 'the worker said freed (once counts)');
  for (let i = 0; i < 20 && budget.envBytes > 0; i++) {
    collectGarbage();
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(budget.envBytes, 0, 'collected');
  assert.equal(budget.releasing, 0);
});

test('a closed env kept reachable is released after RELEASE_AT_LATEST_MS', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const budget = new MemoryBudget(8 * MiB, () => []);
  const kept = { held: true };
  budget.releaseWhenCollected(kept, budget.reserveEnvs('Undeclared-v0', 1));
  t.mock.timers.tick(RELEASE_AT_LATEST_MS - 1);
  assert.equal(budget.envBytes, DEFAULT_ENV_MEMORY_BYTES);
  t.mock.timers.tick(1);
  assert.equal(budget.envBytes, 0);
  assert.ok(kept.held);
});
