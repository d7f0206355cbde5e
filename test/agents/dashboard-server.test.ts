// The dashboard's server without a browser: what it answers, and that a client which stops
// reading its events is cut off instead of holding the trainer's memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, request } from 'node:http';
import { Dashboard, MAX_LAG } from '../../agents/dashboard/server.ts';
import type { RunInfo } from '../../agents/run-listener.ts';
import { dashboardOptions, withDashboardPort } from '../../agents/dashboard/flags.ts';

const info: RunInfo = {
  algo: 'ddpg',
  env: 'Pendulum-v1',
  seed: 0,
  steps: 1000,
  numEnvs: 1,
  out: '/tmp/x',
  evalEpisodes: 1,
  maxEpisodeSteps: 200,
};

async function fetchText(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

test('dashboard server: page, bundle, episode before any evaluation, unknown paths and methods', async () => {
  const d = await Dashboard.start();
  try {
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetchText(d.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /<canvas id="episode"/);
    const js = await fetchText(`${d.url}dashboard.js`);
    assert.match(js.type, /javascript/);
    assert.ok(js.body.length > 20_000, 'uPlot bundled');
    assert.equal((await fetchText(`${d.url}episode`)).status, 404);
    assert.equal((await fetchText(`${d.url}nope`)).status, 404);
    assert.equal((await fetchText(d.url, 'POST')).status, 405);
  } finally {
    await d.close();
  }
});

test(
  'dashboard server: a client that stops reading is cut off past its lag budget; the others keep theirs',
  { timeout: 30_000 },
  async () => {
    const d = await Dashboard.start();
    try {
      d.started(info, []);
      // A reader that reads nothing after the headers.
      const stalled = await new Promise<import('node:http').IncomingMessage>((resolve) => get(`${d.url}events`, resolve));
      stalled.pause();
      stalled.socket.pause();
      // And one that reads everything.
      let read = 0;
      const reader = await new Promise<import('node:http').IncomingMessage>((resolve) => request(`${d.url}events`, resolve).end());
      reader.on('data', (b: Buffer) => (read += b.length));
      const big = Array.from({ length: 10_000 }, (_, i) => i + 0.123456789);
      let sent = 0;
      for (let k = 0; k < 400 && d.dropped === 0; k++) {
        d.record({ type: 'eval', step: k, mean: 0, std: 0, returns: big, wallSeconds: k });
        sent += 200_000;
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(d.dropped, 1, `the stalled client was cut off (after ~${(sent / 2 ** 20).toFixed(0)} MiB sent)`);
      assert.ok(sent < 40 * MAX_LAG, 'well before the trainer sent 40 MiB');
      assert.equal(d.connected, 1, 'only the reading client is still served');
      assert.ok(read > MAX_LAG, `the reading client got its events (${read} bytes)`);
      reader.destroy();
    } finally {
      await d.close();
    }
  },
);

test('--dashboard flags: the port is optional, values are checked, the other flags need --dashboard', () => {
  assert.deepEqual(withDashboardPort(['--steps', '10', '--dashboard']), ['--steps', '10', '--dashboard', '0']);
  assert.deepEqual(withDashboardPort(['--dashboard', '--steps', '10']), ['--dashboard', '0', '--steps', '10']);
  assert.deepEqual(withDashboardPort(['--dashboard', '8080', '--steps', '10']), ['--dashboard', '8080', '--steps', '10']);
  assert.equal(dashboardOptions({}), null);
  assert.deepEqual(dashboardOptions({ dashboard: '0' }), { port: 0, host: '127.0.0.1', framesEvery: 1 });
  assert.deepEqual(dashboardOptions({ dashboard: '8080', 'dashboard-host': '0.0.0.0', 'dashboard-frames-every': '3' }), {
    port: 8080,
    host: '0.0.0.0',
    framesEvery: 3,
  });
  assert.throws(() => dashboardOptions({ dashboard: 'x' }), /--dashboard: "x" is not a non-negative integer/);
  assert.throws(() => dashboardOptions({ dashboard: '70000' }), /over 65535/);
  assert.throws(() => dashboardOptions({ dashboard: '0', 'dashboard-frames-every': '-1' }), /--dashboard-frames-every/);
  assert.throws(() => dashboardOptions({ 'dashboard-host': '0.0.0.0' }), /--dashboard-host needs --dashboard/);
});
