// The Python package (clients/python/gymwire), driven from node: its server hosting a Python
// env passes the conformance suite and trains the Node DDPG agent; its client replays
// Pendulum-v1's golden trajectory through our Node server. Each runs with numpy and, when
// numpy is there, again without it (GYMWIRE_NO_NUMPY=1, the list fallback).
// Skipped, with the reason, when no python3 with msgpack and websockets is found
// (set GYMWIRE_PYTHON to pick one; Debian: apt-get install python3-msgpack python3-websockets).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../server/server.ts';
import { runConformance } from '../../conformance/run.ts';
import { CHECKS } from '../../conformance/checks.ts';
import { selectBackend } from '../../client/ddpg/backend.ts';
import { buildConfig } from '../../client/ddpg/config.ts';
import { train } from '../../client/ddpg/trainer.ts';
import { goldenPath } from '../envs/golden.ts';
import { spawnServer, type ServerProcess } from '../../bench/server-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = goldenPath('Pendulum-v1', 0);
const POINT_MASS = join(ROOT, 'clients/python/examples/point_mass.py');

/** The first python3 that imports msgpack and websockets, and whether it has numpy. */
function findPython(): { python: string; numpy: boolean } | { missing: string } {
  const candidates = [process.env.GYMWIRE_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import msgpack, websockets\ntry:\n import numpy; print("numpy")\nexcept ImportError: print("-")'], { encoding: 'utf8' });
    if (r.status === 0) return { python, numpy: r.stdout.trim() === 'numpy' };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { missing: `no python3 with msgpack and websockets (${tried.join('; ')})` };
}

const found = findPython();
const skip = 'missing' in found ? found.missing : false;
const python = 'python' in found ? found.python : '';
/** Runs with numpy (if present) and with the list fallback. */
const modes: { name: string; env: NodeJS.ProcessEnv }[] =
  'numpy' in found && found.numpy
    ? [
        { name: 'numpy', env: {} },
        { name: 'no numpy', env: { GYMWIRE_NO_NUMPY: '1' } },
      ]
    : [{ name: 'no numpy', env: {} }];

function startPythonServer(extraEnv: NodeJS.ProcessEnv): Promise<ServerProcess> {
  return spawnServer(python, [POINT_MASS, '--port', '0'], { name: 'the Python server', env: extraEnv, timeoutMs: 20_000 });
}

/** Runs a Python script asynchronously (the Node server under test shares this event loop). */
function runPython(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(python, args, { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

let nodeServer: RunningServer;
before(async () => {
  if (!skip) nodeServer = await startServer({ port: 0 });
});
after(async () => {
  await nodeServer?.close();
});

for (const mode of modes) {
  test(`Python server (${mode.name}): the conformance suite passes with a Python env, vector checks included`, { skip }, async () => {
    const server = await startPythonServer(mode.env);
    try {
      const report = await runConformance({ url: server.url });
      const bad = report.results.filter((r) => r.outcome !== 'pass');
      assert.deepEqual(bad, [], bad.map((r) => `${r.outcome} ${r.name}: ${r.reason}`).join('\n'));
      assert.equal(report.env, 'PyPointMass-v0');
      assert.equal(report.passed, CHECKS.length + 1);
    } finally {
      await server.stop();
    }
  });

  test(`Python client (${mode.name}): Pendulum-v1 from the Node server reproduces the golden trajectory to 1e-5`, { skip }, async () => {
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    const r = await runPython([join(ROOT, 'test/python/client_golden.py'), nodeServer.url, GOLDEN], mode.env);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.numpy, mode.name === 'numpy');
    assert.equal(got.obs_type, mode.name === 'numpy' ? 'ndarray' : 'list');
    if (mode.name === 'numpy') assert.equal(got.obs_dtype, 'float32');
    const close = (a: number[], b: number[], what: string) => {
      assert.equal(a.length, b.length, what);
      a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-5, `${what}[${i}]: ${x} vs ${b[i]}`));
    };
    close(got.reset_obs, golden.reset_obs, 'reset obs');
    assert.equal(got.steps.length, golden.steps.length);
    got.steps.forEach((s: any, t: number) => {
      const g = golden.steps[t];
      close(s.obs, g.obs, `obs of step ${t + 1}`);
      assert.ok(Math.abs(s.reward - g.reward) <= 1e-5, `reward of step ${t + 1}: ${s.reward} vs ${g.reward}`);
      assert.equal(s.terminated, g.terminated);
      assert.equal(s.truncated, g.truncated, `truncated at step ${t + 1}`);
    });
    close(got.second_reset_obs, golden.second_reset_obs, 'second reset obs');
  });

  test(`Python client (${mode.name}): spaces, kwargs, typed errors, render, shared connections`, { skip }, async () => {
    const r = await runPython([join(ROOT, 'test/python/client_api.py'), nodeServer.url], mode.env);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.ok(got.listed.includes('Pendulum-v1') && got.listed.includes('CartPole-v1'));
    assert.equal(got.spec_g, 9.81);
    assert.equal(got.action_space, 'Box([-2.0], [2.0], (1,), float32)');
    assert.equal(got.sample_in_space, true);
    assert.equal(got.obs_in_space, true);
    assert.equal(got.wrong_shape, 'invalid_action');
    assert.equal(got.nan, 'invalid_action');
    assert.equal(got.step_len, 5);
    assert.deepEqual(got.step_types, ['float', 'bool', 'bool', 'dict']);
    assert.deepEqual(got.frame_shape, [500, 500, 3]);
    assert.equal(got.cartpole_action_space, 'Discrete(2, start=0)');
    assert.deepEqual(got.cartpole_step, [false, false]);
    assert.equal(got.discrete_out_of_range, 'invalid_action');
    assert.equal(got.unknown_env, 'unknown_env');
    assert.equal(got.no_server, 'connection_lost');
  });
}

test('Python client: presents the token (token= or GYMWIRE_TOKEN) to a server started with --token; without it -> unauthorized', { skip }, async () => {
  const token = 's3cret-token-0123';
  const guarded = await startServer({ port: 0, token });
  try {
    const r = await runPython([join(ROOT, 'test/python/client_token.py'), guarded.url, token], {});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { missing: 'unauthorized', wrong: 'unauthorized', explicit_obs_len: 3, env_var_step: 5 });
  } finally {
    await guarded.close();
  }
});

test('Python client: with gymnasium importable, RemoteEnv is a gymnasium.Env with gymnasium spaces (stand-in gymnasium)', { skip: skip || (!('numpy' in found && found.numpy) && 'gymnasium needs numpy, which this python3 lacks') }, async () => {
  const r = await runPython([join(ROOT, 'test/python/client_gymnasium.py'), nodeServer.url], {});
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.is_gymnasium_env, true);
  assert.equal(got.obs_space_class, 'gymnasium.spaces.Box');
  assert.deepEqual(got.box_low, [-1, -1, -8]);
  assert.equal(got.box_low_dtype, 'float32');
  assert.deepEqual(got.box_shape, [3]);
  assert.equal(got.box_dtype, 'float32');
  assert.equal(got.obs_in_box, true);
  assert.deepEqual(got.reset_seeds, [4], 'reset(seed=4) seeds gymnasium.Env too');
  assert.equal(got.np_random, 'Generator');
  assert.deepEqual(got.action_space, ['Discrete', 2, 0]);
  assert.deepEqual(got.step, ['ndarray', 'float', 'bool', 'bool', 'dict']);
});

test('Node DDPG learns the Python PointMass env through the Python server', { skip }, async () => {
  await selectBackend('wasm');
  const server = await startPythonServer({});
  try {
    const quiet = { write: () => true, isTTY: false };
    const config = buildConfig(
      {},
      {
        env: 'PyPointMass-v0',
        url: server.url,
        out: mkdtempSync(join(tmpdir(), 'ddpg-py-')),
        steps: 2000,
        learningStarts: 300,
        batchSize: 64,
        actorHidden: [32, 32],
        criticHidden: [32, 32],
        evalEvery: 2000,
        evalEpisodes: 10,
        checkpointEvery: 0,
      },
    );
    const result = await train(config, { out: quiet });
    assert.equal(result.steps, 2000);
    assert.ok(result.episodes >= 20, `episodes: ${result.episodes}`);
    assert.ok(result.episodeReturns.every(Number.isFinite));
    // A random policy scores about -100; over seeds 0-2 this config reaches -8 to -31.
    assert.ok(result.lastEval!.mean > -60, `eval after 2000 steps: ${result.lastEval!.mean}`);
  } finally {
    await server.stop();
  }
});
