// The package as a user gets it: `npm pack` (whose prepack builds dist/), the tarball installed
// into an empty folder with its production dependencies only (no tsx, no TypeScript), then the
// `gymwire` bin and the exports used from there, with nothing of this checkout in reach.
//
// Offline: the folder gets a lockfile made of this checkout's lock entries for the production
// dependencies, so `npm ci --offline` takes every tarball from npm's cache (which `npm ci` here
// filled). Should the cache miss one, the install asks the registry; the test skips, saying
// why, only when that is unreachable too (under CI it fails instead: test/prerequisites.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { make } from '../envs/index.ts';
import { PROTOCOL_VERSION } from '../protocol/schema/messages.ts';
import { requireOrSkip } from './prerequisites.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const PLUGIN_DIR = join(ROOT, 'examples', 'point-mass');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// As under `npm test`, whichever way this file is run: an enclosing npm script's INIT_CWD (this
// checkout) must not be where the installed command takes relative paths from.
const ENV = { ...process.env, INIT_CWD: ROOT };

/** Runs a program to its end (bounded by `timeout` ms); never throws for a non-zero exit. */
function run(file: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { cwd, env: ENV, timeout, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr: stderr + (err && typeof err.code !== 'number' ? `\n${err.message}` : '') });
    });
  });
}
const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/**
 * A lockfile for a folder depending on the tarball alone: the tarball's entry and this
 * checkout's entries of everything that is not only a dev dependency (the production tree,
 * optional parts included so npm needs no registry to decide what to leave out).
 */
export function consumerLock(
  lock: { packages: Record<string, Record<string, unknown>> },
  tarballs: { pkg: Record<string, unknown>; file: string }[],
): object {
  const dependencies = Object.fromEntries(tarballs.map(({ pkg, file }) => [pkg.name, `file:${file}`]));
  const packages: Record<string, unknown> = { '': { name: 'consumer', dependencies } };
  for (const { pkg, file } of tarballs) {
    const { version, license, dependencies, optionalDependencies, bin, engines } = pkg;
    packages[`node_modules/${pkg.name}`] = { version, resolved: `file:${file}`, license, dependencies, optionalDependencies, bin, engines };
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    // devOptional: wanted by a dev dependency and by an optional one; the consumer has only the latter.
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : entry;
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

const NETWORK_DOWN = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|network/i;

let dir = '';
let bin = '';
let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string; size: number }[] };
let skip: string | null = null;
const children: ChildProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gymwire-package-'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], ROOT, 180_000);
  assert.equal(pack.code, 0, `npm pack: ${shown(pack)}`);
  // The prepack build's own lines come before the JSON.
  packed = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m)))[0];
  // The example env plugin, as a package of its own installed beside gymwire.
  const pluginPack = await run('npm', ['pack', '--json', '--pack-destination', dir, PLUGIN_DIR], ROOT);
  assert.equal(pluginPack.code, 0, `npm pack ${PLUGIN_DIR}: ${shown(pluginPack)}`);
  const tarballs = [
    { pkg: PKG, file: packed.filename },
    { pkg: JSON.parse(readFileSync(join(PLUGIN_DIR, 'package.json'), 'utf8')), file: JSON.parse(pluginPack.stdout)[0].filename },
  ];
  const consumer = consumerLock(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')), tarballs) as {
    packages: { '': { dependencies: object } };
  };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: consumer.packages[''].dependencies }),
  );
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(consumer));
  // As the Dockerfile installs it: no optional native builds (tfjs-node downloads TensorFlow).
  const flags = ['--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'];
  let install = await run('npm', ['ci', '--offline', ...flags], dir, 180_000);
  if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) {
    install = await run('npm', ['ci', '--prefer-offline', ...flags], dir, 180_000);
    if (install.code !== 0 && NETWORK_DOWN.test(install.stderr)) {
      skip = `npm's cache lacks a dependency and the registry is unreachable: ${install.stderr.split('\n').find((l) => NETWORK_DOWN.test(l))}`;
      return;
    }
  }
  assert.equal(install.code, 0, `npm ci of the tarball: ${shown(install)}`);
  bin = join(dir, 'node_modules', '.bin', 'gymwire');
});

after(() => {
  for (const c of children) c.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `gymwire serve --port 0 ARGS` from the installed package; resolves with its output once it listens. */
function serve(...args: string[]): Promise<{ url: string; out: string }> {
  const child = spawn(bin, ['serve', '--port', '0', ...args], { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no listening line in 30 s:\n${out}`)), 30_000);
    const read = (b: Buffer) => {
      out += b;
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], out });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`gymwire serve exited (${code}):\n${out}`)));
  });
}

test('the tarball holds the compiled package and what it reads at run time, and installs without tsx or TypeScript', (t) => {
  if (requireOrSkip(t, skip)) return;
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of files) {
    assert.ok(
      /^(dist\/|package\.json$|README\.md$|protocol\/(PROTOCOL\.md|schema\.json)$)/.test(f),
      `unexpected file in the package: ${f}`,
    );
    assert.ok(!/\.ts$/.test(f) || /\.d\.ts$/.test(f), `TypeScript source in the package: ${f}`);
  }
  for (const f of [
    'dist/bin/gymwire.js',
    'dist/agents/kernels/mlp.wasm',
    'dist/agents/backends/tfjs/worker.js',
    'dist/server/vector-worker.js',
    'dist/envs/box2d/planck-overlay/check.js',
  ]) {
    assert.ok(files.has(f), `${f} is missing from the package`);
  }
  for (const [name, entry] of Object.entries(PKG.exports as Record<string, { types: string; default: string } | string>)) {
    for (const file of typeof entry === 'string' ? [entry] : [entry.types, entry.default]) {
      assert.ok(files.has(file.replace(/^\.\//, '')), `exports['${name}'] names ${file}, which is not in the package`);
    }
  }
  assert.ok(packed.unpackedSize < 3 * 1024 * 1024, `unpacked size ${packed.unpackedSize} bytes`);
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules/gymwire/package.json'), 'utf8'));
  assert.equal(installed.private, undefined);
  assert.equal(installed.dependencies.tsx, undefined, 'tsx is a run-time dependency');
  assert.ok(
    !existsSync(join(dir, 'node_modules/tsx')) && !existsSync(join(dir, 'node_modules/typescript')),
    'tsx or typescript got installed',
  );
  t.diagnostic(
    `${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} kB packed, ${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked`,
  );
});

test('gymwire --help lists the commands; a command has its own --help; an unknown command exits 2', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const help = await run(bin, ['--help'], dir);
  assert.equal(help.code, 0, shown(help));
  for (const c of ['serve', 'train', 'evaluate', 'rollout', 'conformance']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
  const version = await run(bin, ['--version'], dir);
  assert.equal(version.stdout.trim(), PKG.version, shown(version));
  const serveHelp = await run(bin, ['serve', '--help'], dir);
  assert.equal(serveHelp.code, 0, shown(serveHelp));
  assert.match(serveHelp.stdout, /read `gymwire serve` for `npm run env-server --`/);
  assert.match(serveHelp.stdout, /--port PORT/);
  const unknown = await run(bin, ['srve'], dir);
  assert.equal(unknown.code, 2, shown(unknown));
  assert.match(unknown.stderr, /unknown command 'srve' \(commands: serve, train, evaluate, rollout, conformance/);
  const none = await run(bin, [], dir);
  assert.equal(none.code, 2, shown(none));
});

// Run from the consumer folder: the exports resolve only through node_modules/gymwire.
const CONSUMER = `
import { RemoteEnv, RemoteVectorEnv } from 'gymwire/client';
import { make, makeVec } from 'gymwire/envs';
import { PROTOCOL_VERSION, box } from 'gymwire/protocol';
import { startServer } from 'gymwire/server';
import { train } from 'gymwire/agents';
const url = process.argv[2];
const local = make('CartPole-v1');
const obs = [Array.from(local.reset({ seed: 3 }).obs)];
for (let i = 0; i < 5; i++) obs.push(Array.from(local.step(i % 2).obs));
// The plugin package's env, served by the installed server.
const pointMass = await RemoteEnv.connect(url, 'PointMass-v0');
const pointMassStep = await pointMass.reset({ seed: 0 }).then(() => pointMass.step(new Float32Array([0.1, 0.1])));
await pointMass.close();
const remote = await RemoteEnv.connect(url, 'CartPole-v1');
const remoteObs = [Array.from((await remote.reset({ seed: 3 })).obs)];
for (let i = 0; i < 5; i++) remoteObs.push(Array.from((await remote.step(i % 2)).obs));
await remote.close();
// 15 BipedalWalkers are 16 MiB or more of env instances: the server runs them in its worker thread.
const walkers = await RemoteVectorEnv.connect(url, 'BipedalWalker-v3', 15);
const first = await walkers.reset({ seed: 0 });
const stepped = await walkers.step(new Float32Array(15 * 4).fill(0.5));
await walkers.close();
const inProcess = makeVec('BipedalWalker-v3', 15);
const firstHere = inProcess.reset({ seed: 0 });
console.log(JSON.stringify({
  obs, remoteObs, protocol: PROTOCOL_VERSION, box: box(-1, 1, [2]).type, startServer: typeof startServer, train: typeof train,
  walkers: Array.from(first.obs.slice(0, 24)), walkersHere: Array.from(firstHere.obs.slice(0, 24)), walkerRewards: stepped.rewards.length,
  pointMassReward: pointMassStep.reward,
}));
`;

test('gymwire serve (with a plugin package) listens, passes gymwire conformance, and serves the exports (client, envs, protocol, server, agents) used from the folder', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const { url, out } = await serve('--plugin', 'gymwire-example-point-mass');
  assert.match(out, /plugin gymwire-example-point-mass: registered PointMass-v0/);
  const conformance = await run(bin, ['conformance', '--url', url, '--env', 'CartPole-v1'], dir);
  assert.equal(conformance.code, 0, shown(conformance));
  assert.match(conformance.stdout, /: \d+ passed, 0 failed/);
  // The env page comes from the prebuilt bundle (no web/ sources, no esbuild in the package).
  const http = url.replace(/^ws/, 'http');
  const page = await fetch(`${http}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /app\.js/);
  const bundle = await fetch(`${http}/app.js`);
  assert.equal(bundle.status, 200);
  assert.ok((await bundle.text()).length > 10_000, 'the bundled app.js');

  writeFileSync(join(dir, 'use.mjs'), CONSUMER);
  const use = await run(process.execPath, ['use.mjs', url], dir);
  assert.equal(use.code, 0, shown(use));
  const r = JSON.parse(use.stdout);
  // The compiled CartPole, in-process and served, steps as the sources do.
  const env = make('CartPole-v1');
  const expected = [Array.from(env.reset({ seed: 3 }).obs as Float32Array)];
  for (let i = 0; i < 5; i++) expected.push(Array.from(env.step(i % 2).obs as Float32Array));
  assert.deepEqual(r.obs, expected);
  assert.deepEqual(r.remoteObs, expected);
  assert.deepEqual([r.protocol, r.box, r.startServer, r.train], [PROTOCOL_VERSION, 'Box', 'function', 'function']);
  assert.deepEqual(r.walkers, r.walkersHere, 'the worker-thread BipedalWalkers reset as in-process ones');
  assert.equal(r.walkerRewards, 15);
  assert.equal(typeof r.pointMassReward, 'number');
});

test('gymwire train runs from the package on the WebAssembly kernels and on tfjs with gradient worker threads; evaluate and rollout read its run', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const common = [
    'train',
    '--env',
    'Pendulum-v1',
    '--steps',
    '300',
    '--learning-starts',
    '200',
    '--batch-size',
    '32',
    '--eval-every',
    '0',
    '--stats-every',
    '0',
    '--checkpoint-every',
    '0',
    '--learner-threads',
    '2',
  ];
  const kernels = await run(bin, [...common, '--backend', 'kernels', '--out', 'run-kernels'], dir);
  assert.equal(kernels.code, 0, shown(kernels));
  assert.match(kernels.stdout, /learner: DDPG on WebAssembly SIMD kernels, 2 threads/);
  assert.match(kernels.stdout, /done: 300 steps, \d+ episodes, 101 updates/);
  const tfjs = await run(bin, [...common, '--backend', 'cpu', '--out', 'run-tfjs'], dir);
  assert.equal(tfjs.code, 0, shown(tfjs));
  assert.match(tfjs.stdout, /learner: DDPG on tfjs cpu.*, 2 threads/);
  assert.match(tfjs.stdout, /done: 300 steps, \d+ episodes, 101 updates/);

  const evaluate = await run(bin, ['evaluate', '--checkpoint', 'run-kernels', '--episodes', '1'], dir);
  assert.equal(evaluate.code, 0, shown(evaluate));
  assert.match(evaluate.stdout, /Pendulum-v1: mean return -?\d+\.\d+ ± 0\.00 over 1 episodes/);
  const rollout = await run(
    bin,
    ['rollout', '--env', 'Pendulum-v1', '--checkpoint', 'run-kernels', '--gif', 'pendulum.gif', '--max-steps', '10'],
    dir,
  );
  assert.equal(rollout.code, 0, shown(rollout));
  assert.equal(readFileSync(join(dir, 'pendulum.gif')).subarray(0, 6).toString(), 'GIF89a');
});
