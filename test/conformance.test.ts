// The conformance suite: it passes against our server (in-process API and the CLI), and it
// does catch servers that break the rules (an env with out-of-space, unseeded observations;
// a server that drops the connection on a malformed frame).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { startServer, type RunningServer } from '../server/server.ts';
import { answerNow } from '../server/dispatch.ts';
import { MemoryBudget } from '../server/memory-budget.ts';
import { LIMIT_DEFAULTS } from '../server/limits.ts';
import { EnvCatalog } from '../server/env-catalog.ts';
import { resolveOptions } from '../server/options.ts';
import { Session } from '../server/session.ts';
import { BaseEnv, register, type Registration } from '../envs/index.ts';
import { box } from '../protocol/spaces.ts';
import { decodeMessage } from '../protocol/codec.ts';
import type { Frame, ResetArgs, ResetResult, StepResult } from '../protocol/env-api.ts';
import { runConformance } from '../conformance/run.ts';
import { CHECKS } from '../conformance/checks.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Breaks two rules: reset ignores the seed, and step returns an obs outside the space. */
class SloppyEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = box(-1, 1, [2]);
  readonly actionSpace = box(-1, 1, [1]);
  reset(_args?: ResetArgs): ResetResult<Float32Array> {
    return { obs: new Float32Array([Math.random() - 0.5, 0]), info: {} };
  }
  step(_a: Float32Array): StepResult<Float32Array> {
    return { obs: new Float32Array([5, 0]), reward: 0, terminated: false, truncated: false, info: {} };
  }
  render(): Frame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}
register({ id: 'Sloppy-v0', factory: () => new SloppyEnv(), maxEpisodeSteps: 50, rewardThreshold: null, kwargs: {} });

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(async () => {
  await server?.close();
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the server under test lives in this process's event loop.
  const child = spawn(process.execPath, ['--import', 'tsx', 'conformance/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The results other than passes, as text. */
function notPassed(report: Awaited<ReturnType<typeof runConformance>>): string[] {
  return report.results.filter((r) => r.outcome !== 'pass').map((r) => `${r.outcome} ${r.name.split(':')[0]}: ${r.reason}`);
}

for (const env of ['CartPole-v1', 'Pendulum-v1']) {
  test(`our server passes every check with ${env} (vector checks included, nothing skipped)`, async () => {
    const report = await runConformance({ url: server.url, env });
    assert.deepEqual(notPassed(report), []);
    assert.equal(report.passed, CHECKS.length + 1); // + setup
    assert.ok(report.results.some((r) => r.name.startsWith('vector:') && r.outcome === 'pass'));
  });
}

test('our server passes every check with Hopper-v5 (MuJoCo, range kwargs, render; skipped: reset options (none), max_envs (the memory budget comes first))', async () => {
  const report = await runConformance({ url: server.url, env: 'Hopper-v5' });
  assert.deepEqual(
    notPassed(report).map((r) => r.replace(/(: the memory budget refused make)[: ].*/, '$1')),
    ['skip reset: Hopper-v5 declares no number reset option', 'skip limits: the memory budget refused make'],
  );
  assert.ok(report.results.some((r) => r.name.startsWith('range kwargs') && r.outcome === 'pass'));
  assert.ok(report.results.some((r) => r.name.startsWith('vector:') && r.outcome === 'pass'));
});

test('the range kwargs check fails a server that lists a range kwarg but takes malformed ones', async () => {
  const lax: Registration = {
    id: 'LaxRange-v0',
    factory: () => new SloppyEnv(),
    maxEpisodeSteps: 50,
    rewardThreshold: null,
    kwargs: { band: { type: 'range', default: [0, Infinity], description: 'listed as a range, never checked' } },
  };
  // makeEnv builds the env whatever the kwargs hold (spec: the kwargs as given).
  const bad = await startServer({ port: 0, registrations: () => [lax], makeEnv: () => new SloppyEnv() });
  try {
    const report = await runConformance({ url: bad.url, env: 'LaxRange-v0', only: 'range kwargs' });
    assert.deepEqual(
      notPassed(report).map((r) => r.replace(/ got a result: .*/, ' got a result')),
      ['fail range kwargs (1.4): make with band = one number: expected error invalid_kwargs, got a result'],
    );
  } finally {
    await bad.close();
  }
});

test('npm run conformance: one line per check, a summary, exit 0; bad arguments exit 2', async () => {
  const ok = await runCli(['--url', server.url]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const lines = ok.stdout.split('\n').filter((l) => /^(PASS|FAIL|SKIP) {2}/.test(l));
  assert.equal(lines.length, CHECKS.length + 1);
  assert.match(ok.stdout, new RegExp(`: ${CHECKS.length + 1} passed, 0 failed, 0 skipped`));
  const missing = await runCli([]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--url is required/);
});

test('an env with unseeded resets and out-of-space observations fails exactly the checks about those', async () => {
  const report = await runConformance({ url: server.url, env: 'Sloppy-v0' });
  const failed = report.results.filter((r) => r.outcome === 'fail').map((r) => r.name.split(':')[0] + ': ' + r.reason);
  assert.ok(
    failed.some((f) => /^observations: obs of step 1 \[5, 0\] is outside the space/.test(f)),
    failed.join('\n'),
  );
  assert.ok(
    failed.some((f) => /^seeding: reset\(seed=42\) twice on one env/.test(f)),
    failed.join('\n'),
  );
  assert.ok(
    failed.some((f) => /^make\/reset\/step\/close: step obs/.test(f)),
    failed.join('\n'),
  );
  assert.ok(report.results.find((r) => r.name.startsWith('frames:'))!.outcome === 'pass');
  const cli = await runCli(['--url', server.url, '--env', 'Sloppy-v0', '--only', 'observations']);
  assert.equal(cli.code, 1);
  assert.match(cli.stdout, /^FAIL {2}observations: .* -- obs of step 1 \[5, 0\] is outside the space/m);
  assert.match(cli.stdout, /: 1 passed, 1 failed, 0 skipped/);
});

/**
 * Our own dispatch behind a faulty transport: 'hangup' closes the connection on a frame that
 * is not msgpack; 'reorder' answers each burst of pipelined requests newest first.
 */
async function faultyServer(fault: 'hangup' | 'reorder'): Promise<{ url: string; close(): Promise<void> }> {
  const opts = resolveOptions({});
  const catalog = new EnvCatalog(opts);
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: opts.maxPayloadBytes });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    const session = new Session(opts, new MemoryBudget(LIMIT_DEFAULTS.memoryBudget, opts.registrations));
    let held: Uint8Array[] = [];
    ws.on('message', (data: Buffer) => {
      const frame = new Uint8Array(data);
      if (fault === 'hangup') {
        try {
          decodeMessage(frame);
        } catch {
          ws.close();
          return;
        }
        ws.send(answerNow(session, catalog, frame));
        return;
      }
      held.push(answerNow(session, catalog, frame));
      if (held.length === 1) {
        setImmediate(() => {
          for (const f of held.reverse()) ws.send(f);
          held = [];
        });
      }
    });
    ws.on('error', () => {}); // an oversized frame: ws closes with 1009 and reports it here
    ws.on('close', () => session.closeAll());
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

test('a server that hangs up on a malformed frame fails the two frames checks only', async () => {
  const bad = await faultyServer('hangup');
  try {
    const report = await runConformance({ url: bad.url, env: 'Pendulum-v1', timeoutMs: 3000 });
    const failed = report.results.filter((r) => r.outcome === 'fail');
    assert.deepEqual(
      failed.map((r) => r.name.split(':')[0]),
      ['frames', 'frames'],
      failed.map((r) => r.reason).join('\n'),
    );
    assert.match(failed[0].reason!, /connection closed \(code \d+\)/);
  } finally {
    await bad.close();
  }
});

test('a server that answers pipelined requests out of order fails the pipelining check', async () => {
  const bad = await faultyServer('reorder');
  try {
    const report = await runConformance({ url: bad.url, env: 'CartPole-v1', timeoutMs: 3000, only: 'pipelining' });
    const r = report.results.find((x) => x.name.startsWith('pipelining:'))!;
    assert.equal(r.outcome, 'fail');
    assert.match(r.reason!, /^answer 1 has id \d+, the 1th request sent had id 999999/);
  } finally {
    await bad.close();
  }
});
