// The trainer on a farm (`--url dns+ws://NAME:PORT`, agents/farm-envs.ts): gymwire servers on
// 127.0.0.2-4 named by a local DNS server (dns2) whose answer the test changes. The trainer's
// sub-envs follow the farm while training runs: a server joins (scale-up, no restart), one
// drains and leaves DNS (moved between episodes, so its drain ends early and no episode is
// cut), one dies while DNS still lists it (the reconnect path leaves it out).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { train } from '../../agents/trainer.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { startDns } from '../dns-server.ts';

before(async () => {
  await selectBackend('wasm');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  'train --url dns+ws://: sub-envs spread over the farm and follow it as servers join, drain and die; training goes on throughout',
  { timeout: 120_000 },
  async (t) => {
    const NAME = 'envs.farm-train.test';
    const N = 6;
    const dns = await startDns(1);
    const servers = new Map<string, RunningServer>();
    const first = await startServer({ host: '127.0.0.2', port: 0 });
    const PORT = first.port;
    servers.set('127.0.0.2', first);
    const serve = async (address: string) => servers.set(address, await startServer({ host: address, port: PORT }));
    await serve('127.0.0.3');
    dns.zone.set(NAME, ['127.0.0.2', '127.0.0.3']);

    /** A metric of a server (server/metrics.ts), summed over its labels. */
    const sample = async (address: string, name: string) => {
      const metric = await servers.get(address)!.metrics.registry.getSingleMetric(name)!.get();
      return metric.values.reduce((a, v) => a + v.value, 0);
    };
    /** Sub-envs each server hosts now, by its own metrics (not what the trainer thinks). */
    const perServer = async () => {
      const out: Record<string, number> = {};
      for (const a of [...servers.keys()].sort()) out[a] = await sample(a, 'gymwire_env_instances');
      return out;
    };
    const envSteps = (address: string) => sample(address, 'gymwire_env_steps_total');
    const waitFor = async (what: string, done: () => Promise<boolean>, ms = 30_000) => {
      const until = Date.now() + ms;
      while (!(await done())) {
        if (failed) throw failed;
        assert.ok(Date.now() < until, `${what} within ${ms / 1000} s; sub-envs per server ${JSON.stringify(await perServer())}`);
        await sleep(20);
      }
    };
    const shares = (want: Record<string, number>) => async () => JSON.stringify(await perServer()) === JSON.stringify(want);

    const dir = mkdtempSync(join(tmpdir(), 'farm-train-'));
    const lines: string[] = [];
    const cfg = buildConfig(
      { url: [`dns+ws://${NAME}:${PORT}`], 'num-envs': String(N) },
      // Uniform actions and no updates: this test is about where the envs run, not learning.
      {
        env: 'Pendulum-v1',
        out: dir,
        steps: 10_000_000,
        learningStarts: 10_000_000,
        batchSize: 32,
        actorHidden: [8],
        criticHidden: [8],
        evalEvery: 0,
        checkpointEvery: 0,
        reconnectDelay: 0.05,
        reconnectAttempts: 20,
      },
    );
    let stop = false;
    let failed: unknown = null;
    const run = train(cfg, {
      out: { write: (s: string) => lines.push(s) },
      shouldStop: () => stop,
      discovery: { dnsServers: dns.dnsServers, timeoutMs: 300, tries: 1, minIntervalMs: 50, maxIntervalMs: 200, failureCooldownMs: 60_000 },
    });
    run.catch((e) => (failed = e));
    const figures: string[] = [];
    const note = async (label: string) => figures.push(`${label}: ${JSON.stringify(await perServer())}`);
    try {
      await waitFor('3 + 3 on .2 and .3', shares({ '127.0.0.2': 3, '127.0.0.3': 3 }));
      await note('start');
      await waitFor('steps on both', async () => (await envSteps('127.0.0.2')) > 300 && (await envSteps('127.0.0.3')) > 300);

      // Scale-up: .4 starts and appears in DNS; the trainer takes it without a restart.
      await serve('127.0.0.4');
      dns.zone.set(NAME, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
      await waitFor('2 + 2 + 2 after .4 joined', shares({ '127.0.0.2': 2, '127.0.0.3': 2, '127.0.0.4': 2 }));
      await note('.4 joined');
      await waitFor('steps on .4', async () => (await envSteps('127.0.0.4')) > 200);

      // .3 drains (SIGTERM on its pod): it leaves DNS as its readiness fails, the trainer moves
      // its sub-envs between episodes, and the drain ends when they have gone: its grace is an
      // hour, so a trainer that stayed would fail the test by its timeout.
      const drainStart = performance.now();
      const drained = servers.get('127.0.0.3')!.drain(3_600_000);
      dns.zone.set(NAME, ['127.0.0.2', '127.0.0.4']);
      await drained;
      const drainMs = performance.now() - drainStart;
      servers.delete('127.0.0.3');
      await waitFor('3 + 3 after .3 left', shares({ '127.0.0.2': 3, '127.0.0.4': 3 }));
      await note(`.3 drained and left (the drain took ${(drainMs / 1000).toFixed(1)} s)`);
      const interruptedBefore = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"interrupted"')).length;
      assert.equal(interruptedBefore, 0, 'joining and leaving moved the sub-envs between episodes: none cut');
      const at4 = await envSteps('127.0.0.2');
      await waitFor('steps go on', async () => (await envSteps('127.0.0.2')) > at4 + 200);

      // .4 dies while DNS still lists it: its connection drops, it is reported and left out.
      await servers.get('127.0.0.4')!.close();
      servers.delete('127.0.0.4');
      await waitFor('all 6 on .2 after .4 died', shares({ '127.0.0.2': 6 }));
      await note('.4 died (still in DNS)');
      const at2 = await envSteps('127.0.0.2');
      await waitFor('steps go on', async () => (await envSteps('127.0.0.2')) > at2 + 300);
    } finally {
      stop = true;
      await run.catch(() => {});
      await Promise.all([...servers.values()].map((s) => s.close()));
      await dns.close();
    }
    if (failed) throw failed;
    const result = await run;
    assert.ok(result.steps > 1000, `${result.steps} steps`);
    // A dropped server cuts the running episodes, as any lost connection does (the batch is re-opened whole).
    assert.ok(result.interrupted > 0 && result.interrupted <= N, `episodes cut: ${result.interrupted}`);
    const log = lines.join('');
    assert.match(log, /farm dns\+ws:\/\/envs\.farm-train\.test:\d+: \+ws:\/\/127\.0\.0\.4/);
    t.diagnostic(`sub-envs per server (N=${N}): ${figures.join('; ')}; ${result.steps} steps, ${result.interrupted} episodes cut`);
  },
);
