// The client's per-request timeout (ConnectOptions.requestTimeoutMs): a server that stops
// answering cannot stall a client forever. The call fails with RequestTimeoutError (code
// connection_lost), the connection goes through the reconnect path, and the trainer logs it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import '../server/toy-envs.ts';
import { answerNow } from '../../server/dispatch.ts';
import { EnvCatalog } from '../../server/env-catalog.ts';
import { resolveOptions } from '../../server/options.ts';
import { Session } from '../../server/session.ts';
import { MemoryBudget } from '../../server/memory-budget.ts';
import { LIMIT_DEFAULTS } from '../../server/limits.ts';
import { startServerProcess } from '../../bench/server-process.ts';
import { decodeMessage } from '../../protocol/codec.ts';
import { decodeStepRequest } from '../../protocol/fast-frames.ts';
import { Connection, RemoteEnv, RequestTimeoutError } from '../../client/remote-env.ts';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { tinyToyRun } from '../agents/short-run.ts';
import { train } from '../../agents/trainer.ts';

before(async () => {
  await selectBackend('wasm');
});

/**
 * A server that answers like ours until step number `silentStep` (counted over all
 * connections); from that step on, that connection gets no answer at all (it froze). New
 * connections are served again.
 */
async function stallingServer(silentStep: number): Promise<{ url: string; close(): Promise<void> }> {
  const opts = resolveOptions({});
  const catalog = new EnvCatalog(opts);
  const budget = new MemoryBudget(LIMIT_DEFAULTS.memoryBudget, opts.registrations);
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let steps = 0;
  wss.on('connection', (ws) => {
    const session = new Session(opts, budget);
    let frozen = false;
    ws.on('message', (data: Buffer) => {
      const frame = new Uint8Array(data);
      const isStep = decodeStepRequest(frame) !== null || (decodeMessage(frame) as { op?: string }).op === 'step';
      if (isStep && ++steps === silentStep) frozen = true;
      if (frozen) return;
      ws.send(answerNow(session, catalog, frame));
    });
    ws.on('close', () => session.closeAll());
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

test(
  'a request the server never answers: RequestTimeoutError after requestTimeoutMs, the calls behind it fail too, the client reconnects and the env is re-made',
  { timeout: 20_000 },
  async () => {
    const server = await stallingServer(3);
    const env = await RemoteEnv.connect(
      server.url,
      'Toy-v0',
      {},
      { requestTimeoutMs: 300, reconnect: { attempts: 5, baseDelayMs: 20, maxDelayMs: 50 } },
    );
    try {
      await env.reset({ seed: 0 });
      await env.step(new Float32Array([0.1]));
      await env.step(new Float32Array([0.1]));
      const t0 = performance.now();
      const stuck = env.step(new Float32Array([0.2]));
      const behind = env.step(new Float32Array([0.3]));
      const err = await stuck.then(
        () => assert.fail('the unanswered step resolved'),
        (e: unknown) => e,
      );
      const waited = performance.now() - t0;
      assert.ok(err instanceof RequestTimeoutError, String(err));
      assert.equal(err.code, 'connection_lost');
      assert.match(err.message, /did not answer step #\d+ within 0\.3 s \(request timeout\); reconnecting/);
      assert.deepEqual(err.details, { timeout_ms: 300, op: 'step', interrupted: true, reconnecting: true });
      assert.ok(waited >= 290, `rejected after ${waited.toFixed(0)} ms, before the 300 ms timeout`);
      await assert.rejects(behind, (e: Error & { code?: string }) => e.code === 'connection_lost' && /request timeout/.test(e.message));
      // The reconnect path: reset() waits for the new connection and re-makes the env.
      await env.reset({ seed: 1 });
      assert.equal(env.connection.generation, 1);
      await env.step(new Float32Array([0.1]));
    } finally {
      await env.close().finally(() => server.close());
    }
  },
);

test(
  'a server frozen for good (a plugin env whose step never returns): the step times out, reconnecting cannot get through, the connection ends with an error',
  { timeout: 30_000 },
  async () => {
    const server = await startServerProcess(['--plugin', 'test/server/slow-env-plugin.ts']);
    try {
      const conn = await Connection.open(server.url, {
        requestTimeoutMs: 400,
        // Long enough for a busy machine to answer the first hello; the frozen server answers none.
        connectTimeoutMs: 3000,
        reconnect: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
      });
      const env = await RemoteEnv.make(conn, 'Frozen-v0');
      await env.reset({ seed: 0 });
      await env.step(0);
      await assert.rejects(env.step(1), (e: unknown) => e instanceof RequestTimeoutError);
      const closed = new Promise<Error>((resolve) => conn.onClose(resolve));
      // Two attempts of a connect timeout each: the test's timeout bounds the wait.
      const final = await closed;
      assert.match(final.message, /could not reconnect/);
      await assert.rejects(env.reset(), (e: Error & { code?: string }) => e.code === 'connection_lost');
    } finally {
      server.child.kill('SIGKILL');
    }
  },
);

test('the trainer logs a request timeout, cuts the episodes and carries on on the re-made envs', { timeout: 60_000 }, async () => {
  const server = await stallingServer(40);
  const out = join(mkdtempSync(join(tmpdir(), 'gymwire-timeout-')), 'run');
  const lines: string[] = [];
  try {
    const config = buildConfig(
      {},
      {
        env: 'Toy-v0',
        url: server.url,
        out,
        ...tinyToyRun(),
        checkpointEvery: 0,
        requestTimeout: 0.3,
        reconnectDelay: 0.01,
      },
    );
    const r = await train(config, { out: { write: (s: string) => lines.push(s) } });
    assert.equal(r.steps, 120);
    const log = lines.join('');
    assert.match(
      log,
      /request timed out at step \d+: .*did not answer step #\d+ within 0\.3 s \(request timeout\).*\(--request-timeout 0\.3 s\)/,
    );
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(rows.some((row) => row.type === 'interrupted' && /request timeout/.test(row.reason)));
  } finally {
    await server.close();
  }
});
