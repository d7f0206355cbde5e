// Plugins are checked as they load (envs/env-checker.ts, run by server/plugins.ts): each env a
// plugin registers is made, its spaces checked, reset with a seed and stepped once, and the
// first problem stops the load with a PluginCheckError naming the plugin, the env and the
// problem; the server CLI exits 1 with that message. Good plugins (the example, the test
// plugins) and every built-in env pass.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlugins, PluginCheckError, PluginError } from '../server/plugins.ts';
import { checkEnv } from '../envs/env-checker.ts';
import { loadEnv, registrations } from '../envs/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// Read before any plugin registers more.
const BUILT_IN = registrations().map((r) => r.id);
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'gymwire-plugin-check-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface EnvParts {
  observationSpace?: string;
  actionSpace?: string;
  constructorBody?: string;
  reset?: string;
  step?: string;
  skipCheck?: boolean;
}

/**
 * Writes a default-export plugin registering env `id` (a 1-D Box in [-1, 1] observed, Discrete(2)
 * actions, a good env unless `parts` replaces a piece) and returns its path.
 */
function writePlugin(id: string, parts: EnvParts = {}): string {
  const source = `export default function ({ register, BaseEnv, box, discrete }) {
  class E extends BaseEnv {
    constructor() { super(); ${parts.constructorBody ?? ''} }
    observationSpace = ${parts.observationSpace ?? 'box(-1, 1, [1])'};
    actionSpace = ${parts.actionSpace ?? 'discrete(2)'};
    reset(args) { this.seed(args); ${parts.reset ?? 'return { obs: new Float32Array([0]), info: {} };'} }
    step(a) { ${parts.step ?? 'return { obs: new Float32Array([a]), reward: 1, terminated: false, truncated: false, info: {} };'} }
    render() { return { width: 0, height: 0, data: new Uint8Array(0) }; }
  }
  register({ id: '${id}', factory: () => new E(), maxEpisodeSteps: 10, rewardThreshold: null, kwargs: {}, skipCheck: ${parts.skipCheck ?? false} });
}
`;
  const path = join(tmp, `${id}.mjs`);
  writeFileSync(path, source);
  return path;
}

/** loadPlugins of that one plugin fails with a PluginCheckError naming it, `id` and a problem matching `problem`. */
async function refused(id: string, parts: EnvParts, problem: RegExp): Promise<PluginCheckError> {
  const path = writePlugin(id, parts);
  let error: unknown;
  await loadPlugins([path]).catch((e: unknown) => (error = e));
  assert.ok(error instanceof PluginCheckError, `${id}: expected a PluginCheckError, got ${String(error)}`);
  assert.ok(error instanceof PluginError);
  assert.equal(error.plugin, path);
  assert.equal(error.envId, id);
  assert.ok(error.message.startsWith(`plugin ${path}: ${id}: `), error.message);
  assert.match(error.problem, problem);
  return error;
}

test("box called with an object (the Coin-v0 slip) stops the load, naming plugin, env and box's positional arguments", async () => {
  const e = await refused(
    'Coin-v0',
    { observationSpace: 'box({ low: -1, high: 1, shape: [1] })' },
    /^make\("Coin-v0"\) with its default kwargs threw TypeError: box's arguments are positional: box\(low, high, shape, dtype\), got box\(\{low, high, shape\}, undefined/,
  );
  assert.doesNotMatch(e.message, /NaN/);
});

test('a malformed space stops the load: Box bounds not as long as the shape wants, low above high, NaN, Discrete(0), unknown kind', async () => {
  const space = (low: string, high: string, shape: string) =>
    `({ type: 'Box', shape: ${shape}, dtype: 'float32', low: ${low}, high: ${high} })`;
  await refused(
    'EmptyLow-v0',
    { observationSpace: space('[]', '[1]', '[1]') },
    /^observation_space: Box low has 0 elements, its shape \[1\] wants 1 \(box's arguments are positional: box\(low, high, shape, dtype\)\)$/,
  );
  await refused(
    'Upside-v0',
    { observationSpace: space('[1]', '[-1]', '[1]') },
    /^observation_space: Box low\[0\] = 1 is above high\[0\] = -1$/,
  );
  await refused('NaNBound-v0', { observationSpace: space('[NaN]', '[1]', '[1]') }, /^observation_space: Box low\[0\] is NaN$/);
  await refused(
    'BadDType-v0',
    { observationSpace: "({ ...box(-1, 1, [1]), dtype: 'f32' })" },
    /^observation_space: Box dtype "f32" is not one of float32/,
  );
  await refused('NoActions-v0', { actionSpace: 'discrete(0)' }, /^action_space: Discrete \/n must be >= 1$/);
  await refused('Kind-v0', { actionSpace: "({ type: 'Boxx' })" }, /^action_space: type "Boxx" is not a space kind/);
});

test("reset's obs outside the observation space, or reset returning Python's tuple, stops the load", async () => {
  await refused(
    'ResetOutside-v0',
    { reset: 'return { obs: new Float32Array([5]), info: {} };' },
    /^reset's obs\[0\] = 5 is outside the Box's \[-1, 1\] \(it must be in observation_space\)$/,
  );
  await refused(
    'ResetTuple-v0',
    { reset: 'return [new Float32Array([0]), {}];' },
    /^reset's result is an array of 2, not an object \{obs, info\}$/,
  );
  await refused(
    'ResetF64-v0',
    { reset: 'return { obs: new Float64Array([0]), info: {} };' },
    /^reset's obs is Float64Array\(8 bytes\), not the Float32Array of a float32 Box/,
  );
});

test("step's obs of the wrong length, a NaN or non-number reward, terminated or truncated not boolean, info not an object: each stops the load", async () => {
  const step = (fields: string) => ({
    step: `return { obs: new Float32Array([0]), reward: 0, terminated: false, truncated: false, info: {}, ${fields} };`,
  });
  await refused(
    'StepLength-v0',
    step('obs: new Float32Array([0, 0])'),
    /^step's obs has 2 elements, the Box's shape \[1\] wants 1 \(it must be in observation_space\)$/,
  );
  await refused('RewardNaN-v0', step('reward: NaN'), /^step's reward is NaN, not a finite number$/);
  await refused('RewardString-v0', step("reward: '1'"), /^step's reward is "1", not a number$/);
  await refused('Terminated01-v0', step('terminated: 0'), /^step's terminated is 0, not a boolean$/);
  await refused('TruncatedMissing-v0', step('truncated: undefined'), /^step's truncated is undefined, not a boolean$/);
  await refused('InfoNull-v0', step('info: null'), /^step's info is null, not a plain object$/);
});

test('a constructor or a step that throws stops the load, with what threw', async () => {
  await refused(
    'Ctor-v0',
    { constructorBody: "throw new Error('no model file');" },
    /^make\("Ctor-v0"\) with its default kwargs threw Error: no model file$/,
  );
  await refused(
    'StepThrows-v0',
    { step: "throw new RangeError('index out of range');" },
    /^step\(\d\) \(an action sampled from action_space\) threw RangeError: index out of range$/,
  );
  await refused('ResetThrows-v0', { reset: "throw new Error('no state');" }, /^reset\(\{seed: 0\}\) threw Error: no state$/);
});

test('good plugins load: a correct env, the example point-mass, the server test plugins; an env that says skipCheck is not checked', async () => {
  const good = writePlugin('Good-v0');
  const skipped = writePlugin('Skipped-v0', { step: "throw new Error('would fail the check');", skipCheck: true });
  const loaded = await loadPlugins([good, skipped, 'examples/point-mass/point-mass-env.js', 'test/server/slow-env-plugin.ts'], ROOT);
  assert.deepEqual(
    loaded.map((p) => p.envIds),
    [['Good-v0'], ['Skipped-v0'], ['PointMass-v0'], ['Slow-v0', 'SlowBig-v0', 'Where-v0', 'Frozen-v0']],
  );
});

test('every built-in env passes the checker', async () => {
  assert.ok(BUILT_IN.length >= 9, BUILT_IN.join(', '));
  for (const id of BUILT_IN) {
    await loadEnv(id); // the MuJoCo envs' module loads on first use
    checkEnv(id);
  }
});

test('env-server --plugin with a bad plugin exits 1 with the check message, and does not start', () => {
  const path = writePlugin('CliCoin-v0', { observationSpace: 'box({ low: -1, high: 1, shape: [1] })' });
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--plugin', path], {
    cwd: ROOT,
    encoding: 'utf8',
    // A server that starts anyway runs until killed.
    timeout: 30_000,
  });
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(
    cli.stderr,
    new RegExp(
      `^env-server: plugin ${path}: CliCoin-v0: make\\("CliCoin-v0"\\) with its default kwargs threw TypeError: box's arguments are positional`,
    ),
  );
  assert.doesNotMatch(cli.stdout, /listening/);
});
