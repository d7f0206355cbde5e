// Plugins: loadPlugins() error paths and the default-export form, plugins by package name
// (exports/main, node_modules lookup), the example env as an installed npm package through
// the server (DDPG trains on it and matches the in-process run), and the CLI's --plugin flag
// run from the folder the package is installed in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadPlugins, locatePlugin, PluginError } from '../server/plugins.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { make, registrations } from '../envs/index.ts';
import { RemoteEnv } from '../client/remote-env.ts';
import { selectBackend } from '../agents/backends/choice.ts';
import { buildConfig } from '../agents/config.ts';
import { shortRun } from './agents/short-run.ts';
import { train } from '../agents/trainer.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'gymwire-plugins-')));
function writePlugin(name: string, source: string): string {
  const path = join(tmp, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, source);
  return path;
}

// A user's project folder with the example installed as npm installs a package: copied (not
// linked) from the package folder, so only what the package ships comes along.
const PROJECT = join(tmp, 'project');
const EXAMPLE_PACKAGE = 'gymwire-example-point-mass';
function installExample(): void {
  mkdirSync(PROJECT, { recursive: true });
  const npm = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--offline',
      '--install-links',
      join(ROOT, 'examples/point-mass'),
    ],
    {
      cwd: PROJECT,
      encoding: 'utf8',
    },
  );
  assert.equal(npm.status, 0, `npm install failed: ${npm.stderr}`);
}

let server: RunningServer;
before(async () => {
  installExample();
  const loaded = await loadPlugins([EXAMPLE_PACKAGE], PROJECT);
  assert.deepEqual(
    loaded.map((p) => [p.path, p.envIds]),
    [[join(PROJECT, 'node_modules', EXAMPLE_PACKAGE, 'point-mass-env.js'), ['PointMass-v0']]],
  );
  server = await startServer({ port: 0 });
});
after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('loadPlugins: missing file, failing import, a module that registers nothing -> PluginError naming the plugin', async () => {
  await assert.rejects(loadPlugins(['no/such/plugin.ts'], tmp), (e: unknown) => {
    assert.ok(e instanceof PluginError);
    assert.match(e.message, /plugin no\/such\/plugin\.ts: no such file/);
    return true;
  });
  const throwing = writePlugin('throws.mjs', "throw new Error('boom at import');\n");
  await assert.rejects(loadPlugins([throwing]), /import failed: boom at import/);
  const empty = writePlugin('empty.mjs', 'export const nothing = 1;\n');
  await assert.rejects(loadPlugins([empty]), /registered no env/);
  const badDefault = writePlugin('bad-default.mjs', "export default function () { throw new Error('nope'); }\n");
  await assert.rejects(loadPlugins([badDefault]), /default export threw: nope/);
});

test('plugins by package name: exports before main, node_modules of parent folders, subpaths; clear errors when not installed or not exported', async () => {
  // A package installed in tmp/node_modules.
  const pkg = (name: string, manifest: object, files: Record<string, string>) => {
    writePlugin(join('node_modules', name, 'package.json'), JSON.stringify({ name, type: 'module', ...manifest }));
    for (const [f, source] of Object.entries(files)) writePlugin(join('node_modules', name, f), source);
  };
  const registers = (id: string) =>
    `export default function ({ register, BaseEnv, box, discrete }) {
  class E extends BaseEnv { observationSpace = box(0, 1, [1]); actionSpace = discrete(2);
    reset(a) { this.seed(a); return { obs: new Float32Array([0]), info: {} }; }
    step() { return { obs: new Float32Array([0]), reward: 0, terminated: true, truncated: false, info: {} }; }
    render() { return { width: 0, height: 0, data: new Uint8Array(0) }; } }
  register({ id: '${id}', factory: () => new E(), maxEpisodeSteps: 1, rewardThreshold: null, kwargs: {} });
}
`;
  // exports wins over main; the "import" condition is taken.
  pkg(
    'pkg-exports',
    { main: './wrong.js', exports: { '.': { import: './right.js', require: './wrong.cjs' }, './extra': './extra.js' } },
    {
      'right.js': registers('PkgExports-v0'),
      'wrong.js': "throw new Error('main was used instead of exports');\n",
      'extra.js': registers('PkgExtra-v0'),
    },
  );
  // main alone; and a scoped package.
  pkg('pkg-main', { main: 'lib/index.js' }, { 'lib/index.js': registers('PkgMain-v0') });
  pkg('@scope/pkg', { exports: './index.js' }, { 'index.js': registers('PkgScoped-v0') });
  // A package whose exports do not export the subpath asked for, and one whose entry file is missing.
  pkg('pkg-broken', { exports: './missing.js' }, {});
  // Resolved from a subfolder: node_modules of the folders above it count, as for import.
  const sub = join(tmp, 'deep', 'er');
  mkdirSync(sub, { recursive: true });
  const loaded = await loadPlugins(['pkg-exports', 'pkg-exports/extra', 'pkg-main', '@scope/pkg'], sub);
  assert.deepEqual(
    loaded.map((p) => [p.path.slice(tmp.length), p.envIds]),
    [
      ['/node_modules/pkg-exports/right.js', ['PkgExports-v0']],
      ['/node_modules/pkg-exports/extra.js', ['PkgExtra-v0']],
      ['/node_modules/pkg-main/lib/index.js', ['PkgMain-v0']],
      ['/node_modules/@scope/pkg/index.js', ['PkgScoped-v0']],
    ],
  );
  // By name or by path, the package is the same file (so one module, evaluated once).
  assert.equal(locatePlugin('pkg-main', sub), join(tmp, 'node_modules/pkg-main/lib/index.js'));
  assert.equal(locatePlugin('./node_modules/pkg-main/lib/index.js', tmp), join(tmp, 'node_modules/pkg-main/lib/index.js'));

  const refused: [string, RegExp][] = [
    ['not-installed-anywhere', /plugin not-installed-anywhere: no such file \(.*\) and no installed package of that name/],
    ['pkg-exports/wrong.js', /plugin pkg-exports\/wrong\.js: cannot resolve it as a package: .*not defined by "exports"/],
    ['pkg-broken', /plugin pkg-broken: the package's exports\/main name .*missing\.js, which does not exist/],
    ['./node_modules/pkg-main', /is a folder: give its module file, or install it/],
    ['node:fs', /resolves to node:fs, not a module file/],
  ];
  for (const [spec, message] of refused) {
    await assert.rejects(loadPlugins([spec], tmp), (e: unknown) => e instanceof PluginError && message.test(e.message), spec);
  }
});

test('loadPlugins: a default-export plugin gets the register API and its env is made and stepped', async () => {
  const coin = writePlugin(
    'coin.mjs',
    `export default function ({ register, BaseEnv, box, discrete }) {
  class Coin extends BaseEnv {
    observationSpace = box(0, 1, [1]);
    actionSpace = discrete(2);
    reset(args) { this.seed(args); this.side = this.npRandom.integers(2); return { obs: new Float32Array([this.side]), info: {} }; }
    step(a) { return { obs: new Float32Array([this.side]), reward: a === this.side ? 1 : 0, terminated: true, truncated: false, info: {} }; }
    render() { return { width: 0, height: 0, data: new Uint8Array(0) }; }
  }
  register({ id: 'Coin-v0', factory: () => new Coin(), maxEpisodeSteps: 5, rewardThreshold: null, kwargs: {} });
}
`,
  );
  // The same file twice is loaded once (a second import would register nothing new).
  const loaded = await loadPlugins([coin, coin]);
  assert.deepEqual(
    loaded.map((p) => p.envIds),
    [['Coin-v0']],
  );
  const env = make('Coin-v0');
  const { obs } = env.reset({ seed: 3 });
  const side = (obs as Float32Array)[0];
  assert.equal(env.step(side).reward, 1);
  assert.ok(registrations().some((r) => r.id === 'Coin-v0'));
});

test('the plugin env is listed by the server with its spaces and kwargs, and steps remotely like make() locally', async () => {
  const remote = await RemoteEnv.connect(server.url, 'PointMass-v0', { dims: 1 });
  try {
    const info = (await remote.listEnvs()).find((e) => e.id === 'PointMass-v0');
    assert.ok(info, 'PointMass-v0 in list_envs');
    assert.deepEqual(Object.keys(info.kwargs).sort(), ['dims', 'goal_radius']);
    assert.equal(info.max_episode_steps, 100);
    assert.deepEqual(remote.observationSpace, { type: 'Box', shape: [3], dtype: 'float32', low: [-1, -1, -1], high: [1, 1, 1] });
    const local = make('PointMass-v0', { dims: 1 });
    assert.deepEqual((await remote.reset({ seed: 7 })).obs, local.reset({ seed: 7 }).obs);
    for (let i = 0; i < 20; i++) {
      const a = new Float32Array([i % 3 === 0 ? 1 : -0.5]);
      const r = await remote.step(a);
      const l = local.step(a);
      assert.deepEqual(r.obs, l.obs);
      assert.equal(r.reward, l.reward);
      assert.equal(r.terminated, l.terminated);
    }
    await assert.rejects(RemoteEnv.connect(server.url, 'PointMass-v0', { dims: 3 }), /dims must be 1 or 2/);
  } finally {
    await remote.close();
  }
});

test('DDPG learns PointMass-v0 through the server in 2000 steps, exactly as it does in-process', async () => {
  await selectBackend('wasm');
  const quiet = { write: () => true, isTTY: false };
  const cfg = (url: string) =>
    buildConfig(
      {},
      {
        env: 'PointMass-v0',
        url,
        out: mkdtempSync(join(tmp, 'ddpg-')),
        ...shortRun({ steps: 2000, learningStarts: 300, batchSize: 64, hidden: [32, 32], evalEpisodes: 10 }),
        checkpointEvery: 0,
      },
    );
  const remote = await train(cfg(server.url), { out: quiet });
  assert.equal(remote.steps, 2000);
  assert.ok(remote.episodes >= 20, `episodes: ${remote.episodes}`);
  // Doing nothing scores about -96 and a random policy about -100 (see the env's header);
  // over seeds 0-4 this config reaches -13 to -34 by step 2000.
  assert.ok(remote.lastEval!.mean > -60, `eval after 2000 steps: ${remote.lastEval!.mean}`);
  const local = await train(cfg(''), { out: quiet });
  assert.deepEqual(remote.episodeReturns, local.episodeReturns);
  assert.equal(remote.lastEval!.mean, local.lastEval!.mean);
});

test('env-server --plugin NAME, run from the folder the package is installed in, serves its env; a bad plugin stops the CLI with a message', async () => {
  // The server runs from the user's folder, which has no tsx of its own: load ours by path.
  const cli = [`--import=${import.meta.resolve('tsx')}`, join(ROOT, 'server/cli.ts'), '--port', '0'];
  const env = { ...process.env, INIT_CWD: PROJECT };
  const bad = spawnSync(process.execPath, [...cli, '--plugin', 'examples/nope.ts'], { cwd: PROJECT, encoding: 'utf8', env });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /plugin examples\/nope\.ts: no such file/);

  const child = spawn(process.execPath, [...cli, '--plugin', EXAMPLE_PACKAGE], { cwd: PROJECT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', () => reject(new Error('server exited early')));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /listening on (ws:\/\/\S+)$/.exec(line);
        if (m) resolve(m[1]);
      });
    });
    assert.ok(stderr.includes(`plugin ${EXAMPLE_PACKAGE}: registered PointMass-v0`), stderr.join('\n'));
    const remote = await RemoteEnv.connect(url, 'PointMass-v0');
    const { obs } = await remote.reset({ seed: 0 });
    assert.equal((obs as Float32Array).length, 6);
    const r = await remote.step(new Float32Array([0.5, -0.5]));
    assert.ok(r.reward < 0);
    assert.equal((await remote.render()).width, 200);
    await remote.close();
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
