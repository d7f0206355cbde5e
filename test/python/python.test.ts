// The Python package (python/, package gymwire), driven from node. Its client runs its unittest
// modules (test/python/test_*.py) against Node servers started here, with the real Gymnasium
// 1.4.0 (../shared/vendor/gymnasium-1.4.0); its server hosting a Python env passes the
// conformance suite, trains the Node DDPG agent and serves the TypeScript client with a token;
// it installs with pip into a fresh virtual environment that has only msgpack and websockets.
// Skipped, with the reason, when no python3 with msgpack and websockets is found (find-python.ts),
// or for want of the vendored Gymnasium; under CI=true those fail instead (test/prerequisites.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../server/server.ts';
import { runConformance } from '../../conformance/run.ts';
import { CHECKS } from '../../conformance/checks.ts';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from '../agents/short-run.ts';
import { train } from '../../agents/trainer.ts';
import { Connection } from '../../client/connection.ts';
import { RemoteEnv } from '../../client/remote-env.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { goldenPath } from '../envs/golden.ts';
import { found, GYMNASIUM, python, ROOT, skip, skipGymnasium, WEBSOCKETS_RUNS, type WebsocketsRun } from './find-python.ts';
import { requireOrSkip } from '../prerequisites.ts';
import { selfSignedCert } from '../helpers.ts';
import { spawnServer, type ServerProcess } from '../../bench/server-process.ts';

const HERE = join(ROOT, 'test/python');
const GOLDEN = goldenPath('Pendulum-v1', 0);
const POINT_MASS = join(ROOT, 'python/examples/point_mass.py');

/** Runs with numpy (if present) and with the list fallback. */
const modes: { name: string; env: NodeJS.ProcessEnv }[] =
  'numpy' in found && found.numpy
    ? [
        { name: 'numpy', env: {} },
        { name: 'no numpy', env: { GYMWIRE_NO_NUMPY: '1' } },
      ]
    : [{ name: 'no numpy', env: {} }];

function startPythonServer(extraEnv: NodeJS.ProcessEnv, args: string[] = []): Promise<ServerProcess> {
  return spawnServer(python, [POINT_MASS, '--port', '0', ...args], { name: 'the Python server', env: extraEnv, timeoutMs: 20_000 });
}

/** Runs a Python program asynchronously (the Node servers under test share this event loop). */
function runPython(
  args: string[],
  extraEnv: NodeJS.ProcessEnv,
  cwd = ROOT,
  command = python,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const TOKEN = 'py-test-token-0123';
let nodeServer: RunningServer;
let nodeServer2: RunningServer;
let tlsServer: RunningServer;
let tlsDir: string;

before(async () => {
  if (skip) return;
  tlsDir = mkdtempSync(join(tmpdir(), 'gymwire-py-tls-'));
  const { cert, key } = selfSignedCert(tlsDir);
  [nodeServer, nodeServer2, tlsServer] = await Promise.all([
    startServer({ port: 0 }),
    startServer({ port: 0 }),
    startServer({ port: 0, tls: { cert, key } }),
  ]);
});
after(async () => {
  await Promise.all([nodeServer, nodeServer2, tlsServer].map((s) => s?.close()));
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

/** The environment the unittest modules read their servers from (`tokenServer`: the run's own, see unittestModule). */
function testEnv(tokenServer: RunningServer): NodeJS.ProcessEnv {
  return {
    PYTHONPATH: GYMNASIUM,
    GYMWIRE_TEST_URL: nodeServer.url,
    GYMWIRE_TEST_URL2: nodeServer2.url,
    GYMWIRE_TEST_TOKEN_URL: tokenServer.url,
    GYMWIRE_TEST_TOKEN: TOKEN,
    GYMWIRE_TEST_TLS_URL: tlsServer.url,
    GYMWIRE_TEST_TLS_CERT: join(tlsDir, 'cert.pem'),
    GYMWIRE_TOKEN: '',
  };
}

/** Runs one unittest module (or several, space-separated); fails with its output unless every test passed (none skipped). */
async function unittestModule(module: string, t: { diagnostic(message: string): void }, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  // A token server of its own: the wrong tokens that the modules running beside it present would
  // lock this address out of one shared server (server/auth.ts), and its tests would wait for that.
  const tokenServer = await startServer({ port: 0, token: TOKEN });
  const r = await runPython(['-m', 'unittest', '-v', ...module.split(' ')], { ...testEnv(tokenServer), ...extraEnv }, HERE).finally(() =>
    tokenServer.close(),
  );
  assert.equal(r.code, 0, `${module}:\n${r.stderr}\n${r.stdout}`);
  assert.doesNotMatch(r.stderr, /skipped/, `${module} skipped tests:\n${r.stderr}`);
  for (const line of r.stdout.split('\n').filter((l) => l.trim())) t.diagnostic(line);
  // unittest's summary ("Ran 12 tests in 3.2s"): how many ran, in the TAP output.
  const ran = /^Ran \d+ tests? in .*$/m.exec(r.stderr);
  if (ran) t.diagnostic(`${module}: ${ran[0]}, all passed`);
}

const UNITTESTS: [string, string][] = [
  ['test_websocket', 'the RFC 6455 client against a websockets server, scripted raw peers and the Node server over TLS'],
  ['test_errors', 'one GymwireError subclass per protocol error code, each raised where a server answers it'],
  ['test_reconnect', 'a dropped connection: connection_lost, then reset() reconnects with backoff and re-makes the env'],
  ['test_auth', 'tokens: the client presents one (token= / GYMWIRE_TOKEN); serve(token=) checks it at the upgrade'],
  [
    'test_remote_env',
    'RemoteEnv with the real Gymnasium: spec, metadata, render, check_env on every env id, wrappers, Sync/AsyncVectorEnv',
  ],
  ['test_vector', 'RemoteVectorEnv against Gymnasium SyncVectorEnv step by step (autoreset, seeds, reset_mask, infos, two servers)'],
  ['test_cleanrl_loop', 'a CleanRL-style DQN loop on RemoteVectorEnv'],
  [
    'test_server',
    'the Python server: byte scan and its fast path, ids, reset options checked before the env runs, integral floats, NDArray extras, Box bounds, contained stages',
  ],
  [
    'test_server_frames',
    "the Python server's frame budget: half-sent frames past frame_budget_bytes pause the connections above their share, a client with small frames is served throughout",
  ],
  [
    'test_server_upgrade',
    'the Python server before the upgrade: sockets still upgrading per address (503), upgrade_timeout (408), one credential (400), the failed-token lockout (429), token length',
  ],
  [
    'test_gymnasium_serve',
    "python3 -m gymwire serve: every classic-control and toy-text id served by one command replays Gymnasium's trajectories exactly; list_envs read from Gymnasium; a Text space refused at make; --all skips with reasons",
  ],
  [
    'test_server_limits',
    "the Python server's connection limits (max_connections and per address close 1013, hello_timeout 1008, idle_timeout 1001, max_env_instances over all connections) and browser origins (403 before the token)",
  ],
];

/**
 * What runs a Python server (EnvServer, python3 -m gymwire serve) or the websockets library's
 * server: run again under each further websockets version (WEBSOCKETS_RUNS). Whole modules, or
 * the test classes and methods of a module that do (the rest of it tests the client against
 * the Node servers).
 */
const PYTHON_SERVER_TESTS = [
  'test_server_limits',
  'test_gymnasium_serve.Served',
  'test_server_upgrade',
  'test_reconnect',
  'test_server',
  'test_server_frames',
  'test_websocket',
  [
    'test_auth',
    'test_errors.FromAPythonServer',
    'test_remote_env.MetadataAndRender.test_render_modes_and_fps_come_from_the_servers_list_envs',
    'test_remote_env.CheckEnv.test_check_env_catches_a_server_env_whose_seeded_reset_is_not_deterministic',
  ].join(' '),
];
// Left out there, to keep the run short: test_gymnasium_serve.Commands (the command line and the
// registry, no server running) and test_vector.AgainstGymnasiumEnvsInAPythonServer (vector envs
// replayed step by step: what the server does with frames, the same under every websockets; the
// conformance run below covers the vector ops on each version).

/** The environment that makes a Python process import `run`'s websockets (and checks it does: support.py). */
function websocketsEnv(run: WebsocketsRun): NodeJS.ProcessEnv {
  return { PYTHONPATH: run.pythonPath, GYMWIRE_TEST_WEBSOCKETS: run.version };
}

const [SYSTEM_WEBSOCKETS, ...OTHER_WEBSOCKETS] = WEBSOCKETS_RUNS;

// Separate processes, mostly waiting on the servers (and on timeouts they test): four at a time,
// the system's websockets and the others' runs together.
test(
  `Python unittest modules (test/python/test_*.py) under ${SYSTEM_WEBSOCKETS.name}; the Python-server ones again under ${OTHER_WEBSOCKETS.map((r) => r.name).join(', ')}`,
  { concurrency: 4 },
  async (t) => {
    if (requireOrSkip(t, skipGymnasium)) return;
    const env = websocketsEnv(SYSTEM_WEBSOCKETS);
    const runs = UNITTESTS.map(([module, what]) => t.test(`${module}: ${what}`, (st) => unittestModule(module, st, env)));
    runs.push(
      t.test('test_cleanrl_loop without torch: the numpy variant of the loop', (st) =>
        unittestModule('test_cleanrl_loop', st, { ...env, GYMWIRE_TEST_NO_TORCH: '1' }),
      ),
    );
    for (const run of OTHER_WEBSOCKETS) {
      for (const tests of PYTHON_SERVER_TESTS) {
        runs.push(
          t.test(`under ${run.name}: ${tests}`, (st) => {
            if (requireOrSkip(st, run.missing)) return;
            return unittestModule(tests, st, websocketsEnv(run));
          }),
        );
      }
    }
    await Promise.all(runs);
  },
);

/** The conformance suite against the example Python server started with `env`: every check passes. */
async function conformanceOfPythonServer(env: NodeJS.ProcessEnv): Promise<void> {
  const server = await startPythonServer(env);
  try {
    const report = await runConformance({ url: server.url });
    // Every check passes: nothing may fail or skip (the 1.2 checks included).
    const bad = report.results.filter((r) => r.outcome !== 'pass');
    assert.deepEqual(bad, [], bad.map((r) => `${r.outcome} ${r.name}: ${r.reason}`).join('\n'));
    assert.equal(report.env, 'PyPointMass-v0');
    assert.equal(report.passed, CHECKS.length + 1);
  } finally {
    await server.stop();
  }
}

for (const mode of modes) {
  test(`Python server (${mode.name}): the conformance suite passes with a Python env, vector checks included`, async (t) => {
    if (requireOrSkip(t, skip)) return;
    await conformanceOfPythonServer(mode.env);
  });

  test(`Python client (${mode.name}): Pendulum-v1 from the Node server reproduces the golden trajectory to 1e-5`, async (t) => {
    if (requireOrSkip(t, skip)) return;
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    const r = await runPython([join(HERE, 'client_golden.py'), nodeServer.url, GOLDEN], mode.env);
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

  test(`Python client (${mode.name}), no gymnasium: the package's own spaces, kwargs, typed errors, render, shared connections`, async (t) => {
    if (requireOrSkip(t, skip)) return;
    const r = await runPython([join(HERE, 'client_api.py'), nodeServer.url], mode.env);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.gymnasium, false);
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

test("python3 -m gymwire serve: the conformance suite passes on Gymnasium's Pendulum-v1 and CartPole-v1 (render skipped only without pygame)", async (t) => {
  if (requireOrSkip(t, skipGymnasium)) return;
  const server = await spawnServer(python, ['-m', 'gymwire', 'serve', 'Pendulum-v1', 'CartPole-v1', '--port', '0'], {
    name: 'python3 -m gymwire serve',
    env: { PYTHONPATH: `${GYMNASIUM}:${join(ROOT, 'python')}`, GYMWIRE_TOKEN: '' },
    timeoutMs: 30_000,
  });
  try {
    for (const env of ['Pendulum-v1', 'CartPole-v1']) {
      const report = await runConformance({ url: server.url, env });
      assert.equal(report.env, env);
      const failed = report.results.filter((r) => r.outcome === 'fail');
      assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.reason}`).join('\n'));
      // Frames need pygame: without it the server lists no render modes and render is unsupported.
      const skipped = report.results.filter((r) => r.outcome === 'skip');
      for (const r of skipped) assert.match(`${r.name}: ${r.reason}`, /^render( encodings \(1\.3\))?: .*does not render rgb_array frames/);
      assert.equal(report.passed, CHECKS.length + 1 - skipped.length);
    }
  } finally {
    await server.stop();
  }
});

for (const run of OTHER_WEBSOCKETS) {
  test(`Python server under ${run.name}: the conformance suite passes, and --token lets the TypeScript client in with the token only`, async (t) => {
    if (requireOrSkip(t, run.missing)) return;
    await conformanceOfPythonServer(websocketsEnv(run));
    await tokenToPythonServer(websocketsEnv(run));
  });
}

test('Python server with --token: the TypeScript client gets in with the token and is refused without it', async (t) => {
  if (requireOrSkip(t, skip)) return;
  await tokenToPythonServer({});
});

/** The example Python server started with `extraEnv` and --token: the TypeScript client gets in with the token only. */
async function tokenToPythonServer(extraEnv: NodeJS.ProcessEnv): Promise<void> {
  const server = await startPythonServer(extraEnv, ['--token', 'ts-to-py-0123456789']);
  try {
    await assert.rejects(
      Connection.open(server.url, { reconnect: false }),
      (e: unknown) => e instanceof GymwireError && e.code === 'unauthorized',
    );
    const env = await RemoteEnv.connect(server.url, 'PyPointMass-v0', {}, { token: 'ts-to-py-0123456789' });
    const { obs } = await env.reset({ seed: 1 });
    assert.equal((obs as ArrayLike<number>).length, 6);
    await env.close();
  } finally {
    await server.stop();
  }
}

test('Node DDPG learns the Python PointMass env through the Python server', async (t) => {
  if (requireOrSkip(t, skip)) return;
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
        ...shortRun({ steps: 2000, learningStarts: 300, batchSize: 64, hidden: [32, 32], evalEpisodes: 10 }),
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

/** Why the install test cannot run here, or false. */
function noVenv(): string | false {
  if (skip) return skip;
  const r = spawnSync(
    python,
    ['-c', 'import importlib.util as u, sys\nsys.exit(any(u.find_spec(m) is None for m in ("venv", "pip", "setuptools", "wheel")))'],
    { encoding: 'utf8' },
  );
  return r.status === 0
    ? false
    : `${python} lacks venv, pip, setuptools or wheel (Debian: apt-get install python3-venv python3-pip python3-setuptools python3-wheel)`;
}

/** Symlinks the named installed modules, with their metadata, into `dir`. */
function linkModules(names: string[], dir: string): void {
  mkdirSync(dir);
  const where = JSON.parse(
    execFileSync(
      python,
      [
        '-c',
        [
          'import json, sys, importlib, importlib.metadata as m, os',
          'out = []',
          'for name in sys.argv[1:]:',
          '    mod = importlib.import_module(name)',
          '    out.append(os.path.dirname(mod.__file__) if mod.__file__.endswith("__init__.py") else mod.__file__)',
          '    dist = {"pkg_resources": "setuptools", "_distutils_hack": None}.get(name, name)',
          '    if dist: out.append(str(m.distribution(dist)._path))',
          'print(json.dumps(out))',
        ].join('\n'),
        ...names,
      ],
      { encoding: 'utf8' },
    ),
  ) as string[];
  for (const p of new Set(where)) symlinkSync(p, join(dir, p.split('/').pop()!));
}

test('pip install ./python into a fresh venv that has only msgpack and websockets: RemoteEnv and serve work, nothing else installed', async (t) => {
  if (requireOrSkip(t, noVenv())) return;
  const dir = mkdtempSync(join(tmpdir(), 'gymwire-venv-'));
  try {
    // A venv without system site-packages (no numpy, no gymnasium). Its only other packages are
    // msgpack and websockets as an index would install them: here the system's copies (package
    // and metadata) on a path of their own. pip is this python's, aimed at the venv (--python):
    // the venv's own pip would cost ~15 s of ensurepip.
    const venv = join(dir, 'venv');
    execFileSync(python, ['-m', 'venv', '--without-pip', venv], { stdio: 'pipe' });
    const vpy = join(venv, 'bin/python');
    const site = execFileSync(vpy, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
    linkModules(['msgpack', 'websockets'], join(dir, 'deps'));
    writeFileSync(join(site, 'deps.pth'), `${join(dir, 'deps')}\n`);
    // setuptools and wheel build the package, on the path of the build only (an index install
    // puts them in its isolated build environment).
    linkModules(['setuptools', 'pkg_resources', '_distutils_hack', 'wheel'], join(dir, 'build-tools'));
    // A copy of the package: setuptools writes build/ and *.egg-info next to the sources.
    const src = join(dir, 'src');
    cpSync(join(ROOT, 'python'), src, { recursive: true, filter: (p) => !/__pycache__|\.egg-info|\/build$/.test(p) });
    const pip = spawnSync(python, ['-m', 'pip', '--python', vpy, 'install', '--no-index', '--no-build-isolation', src], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, PYTHONPATH: join(dir, 'build-tools'), PIP_FIND_LINKS: '' },
    });
    assert.equal(pip.status, 0, `${pip.stdout}\n${pip.stderr}`);
    assert.match(pip.stdout, /Successfully installed gymwire-/);
    const script = [
      'import importlib.util, json, sys, gymwire',
      'from gymwire import RemoteEnv',
      'env = RemoteEnv(sys.argv[1], "Pendulum-v1")',
      'obs, _ = env.reset(seed=0)',
      'step = env.step([0.5])',
      'env.close()',
      'print(json.dumps({"file": gymwire.__file__, "obs": obs, "reward": step[1], "numpy": importlib.util.find_spec("numpy") is not None,',
      '  "gymnasium": importlib.util.find_spec("gymnasium") is not None, "setuptools": importlib.util.find_spec("setuptools") is not None,',
      '  "vector": hasattr(gymwire, "RemoteVectorEnv")}))',
    ].join('\n');
    const r = await runPython(['-c', script, nodeServer.url], { PYTHONPATH: '' }, dir, vpy);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.ok(got.file.startsWith(site), `imported from ${got.file}, not the venv's ${site}`);
    assert.deepEqual([got.numpy, got.gymnasium, got.setuptools, got.vector], [false, false, false, false]);
    assert.equal(got.obs.length, 3);
    assert.ok(Number.isFinite(got.reward));
    // The console script is installed; without gymnasium it says what it needs.
    const serveScript = spawnSync(join(venv, 'bin/gymwire-serve'), ['CartPole-v1', '--port', '0'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: '' },
    });
    assert.equal(serveScript.status, 2, serveScript.stderr);
    assert.match(serveScript.stderr, /gymwire-serve: serving Gymnasium's envs needs gymnasium/);
    const show = execFileSync(python, ['-m', 'pip', '--python', vpy, 'show', 'gymwire'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: '' },
    });
    assert.match(show, /Requires: msgpack, websockets/);
    // The installed server (serve) hosts the example env for the TypeScript client.
    const server = await spawnServer(vpy, [join(src, 'examples/point_mass.py'), '--port', '0'], {
      name: 'the installed Python server',
      env: { PYTHONPATH: '' },
      timeoutMs: 20_000,
    });
    try {
      const env = await RemoteEnv.connect(server.url, 'PyPointMass-v0');
      assert.equal(((await env.reset({ seed: 3 })).obs as ArrayLike<number>).length, 6);
      await env.close();
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [readme, heading] of [
  ['python/README.md', '## A vector env: CleanRL-style'],
  ['README.md', '## From Python'],
]) {
  test(`${readme}: the CleanRL-style loop runs as printed against a server`, async (t) => {
    if (requireOrSkip(t, skipGymnasium)) return;
    const text = readFileSync(join(ROOT, readme), 'utf8');
    const code = /```python\n([\s\S]*?)```/.exec(text.slice(text.indexOf(heading)))![1];
    assert.match(code, /RemoteVectorEnv\(/);
    assert.ok(code.includes('ws://127.0.0.1:8765'));
    const r = await runPython(['-c', code.replaceAll('ws://127.0.0.1:8765', nodeServer.url)], {
      PYTHONPATH: `${GYMNASIUM}:${join(ROOT, 'python')}`,
    });
    assert.equal(r.code, 0, r.stderr);
    const episodes = r.stdout.split('\n').filter((l) => /^(global_step=)?\d+,? /.test(l));
    assert.ok(episodes.length >= 20, r.stdout);
  });
}

test('python/bench/speed.py runs (a few steps, no TypeScript reference)', async (t) => {
  if (requireOrSkip(t, skipGymnasium)) return;
  const r = await runPython(
    [
      join(ROOT, 'python/bench/speed.py'),
      '--url',
      nodeServer.url,
      '--steps',
      '50',
      '--rounds',
      '2',
      '--sizes',
      '1,4',
      '--seconds',
      '0.05',
      '--no-ts',
    ],
    { PYTHONPATH: GYMNASIUM },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /minimal\s+[\d.]+\s+[\d,]+/);
  assert.match(r.stdout, /minimal\+pool\s+[\d.]+\s+[\d,]+/);
  assert.match(r.stdout, /gymwire\s+[\d.]+\s+[\d,]+/);
  assert.match(r.stdout, /^\s+4\s+[\d,]+ \(/m);
});
