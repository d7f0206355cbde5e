import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildConfig, flagsHelp, lrScaleAt } from '../../agents/config.ts';
import { BASE_CONFIG, DDPG_DEFAULTS, defaultsFor } from '../../agents/defaults.ts';
import { BACKEND_CHOICES } from '../../agents/backends/types.ts';
import { parseJson, stringifyJson } from '../../agents/json-text.ts';

test('per-env defaults, then config file, then flags', () => {
  const bare = buildConfig({ env: 'Pendulum-v1' });
  assert.deepEqual(bare.actorHidden, DDPG_DEFAULTS['Pendulum-v1'].actorHidden);
  assert.equal(bare.out, 'runs/Pendulum-v1-ddpg-s0');
  const unknown = buildConfig({ env: 'Foo-v0' });
  assert.deepEqual(unknown.actorHidden, BASE_CONFIG.actorHidden);
  const c = buildConfig(
    { 'actor-lr': '3e-4', 'critic-hidden': '400,300', 'save-replay': true, seed: '7' },
    { env: 'Pendulum-v1', actorLr: 1e-2, gamma: 0.9 },
  );
  assert.equal(c.actorLr, 3e-4);
  assert.equal(c.gamma, 0.9);
  assert.deepEqual(c.criticHidden, [400, 300]);
  assert.equal(c.saveReplay, true);
  assert.equal(c.out, 'runs/Pendulum-v1-ddpg-s7');
});

test('bad values are rejected with the flag named', () => {
  assert.throws(() => buildConfig({ steps: 'ten' }), /--steps/);
  assert.throws(() => buildConfig({ 'actor-hidden': '64,x' }), /--actor-hidden/);
  assert.throws(() => buildConfig({ tau: '0' }), /tau/);
  assert.throws(() => buildConfig({ noise: 'pink' }), /noise/);
});

test('--url: ws:// and wss:// servers, repeatable; one dns+ws:// or dns+wss:// farm, given alone', () => {
  assert.deepEqual(buildConfig({ url: ['ws://a:1', 'wss://b:2'], 'num-envs': '2' }).url, ['ws://a:1', 'wss://b:2']);
  assert.equal(buildConfig({ url: ['dns+ws://envs.ns.svc.cluster.local:8765'] }).url, 'dns+ws://envs.ns.svc.cluster.local:8765');
  assert.equal(buildConfig({ url: ['dns+wss://envs:8765'] }).url, 'dns+wss://envs:8765');
  assert.throws(() => buildConfig({ url: ['dns+ws://envs:1', 'ws://a:1'], 'num-envs': '2' }), /farm .* given alone/);
  assert.throws(() => buildConfig({ url: ['dns+http://envs:1'] }), /--url/);
  assert.throws(() => buildConfig({}, { url: ['dns+ws://envs:1', 'ws://a:1'], numEnvs: 2 }), /config url: a farm/);
});

test('a new noise sigma without a final sigma means no decay', () => {
  const c = buildConfig({ 'noise-sigma': '0.3' });
  assert.equal(c.noiseSigmaFinal, 0.3);
});

test("defaults per env and algorithm: TD3 takes the env's DDPG row, then its own; --algo selects them like --env", () => {
  const ll = defaultsFor('LunarLanderContinuous-v3', 'td3');
  assert.equal(ll.algo, 'td3');
  assert.equal(ll.gamma, 0.98);
  assert.equal(ll.bufferSize, 200_000);
  assert.equal(ll.learningStarts, 10_000);
  assert.equal(ll.policyDelay, 2);
  assert.equal(ll.policyNoise, 0.2);
  assert.equal(ll.noiseClip, 0.5);
  // DDPG's row normalises the critic and decays σ (measured with DDPG only); TD3 keeps neither.
  const ddpgLl = defaultsFor('LunarLanderContinuous-v3', 'ddpg');
  assert.deepEqual([ddpgLl.criticLayerNorm, ddpgLl.noiseSigmaFinal, ddpgLl.noiseDecaySteps], [true, 0.02, 150_000]);
  assert.deepEqual([ll.criticLayerNorm, ll.noiseSigmaFinal, ll.noiseDecaySteps], [false, 0.1, 0]);
  assert.equal(buildConfig({ 'no-critic-layer-norm': true }, { env: 'LunarLanderContinuous-v3' }).criticLayerNorm, false);
  assert.throws(
    () => buildConfig({ backend: 'cpu' }, { env: 'LunarLanderContinuous-v3' }),
    /layer normalisation runs on the WebAssembly kernels only .* --no-critic-layer-norm/,
  );
  assert.equal(buildConfig({ backend: 'cpu', 'no-critic-layer-norm': true }, { env: 'LunarLanderContinuous-v3' }).backend, 'cpu');
  assert.deepEqual(buildConfig({ algo: 'td3', env: 'LunarLanderContinuous-v3' }), { ...ll, out: 'runs/LunarLanderContinuous-v3-td3-s0' });
  assert.equal(buildConfig({}, { algo: 'td3', env: 'BipedalWalker-v3' }).algo, 'td3');
  assert.throws(() => buildConfig({ algo: 'sacc' }), /--algo: "sacc" is not one of ddpg, td3, sac/);
  assert.throws(() => buildConfig({ algo: 'td3', backend: 'wasm' }), /TD3 runs on the WebAssembly kernels only/);
  assert.throws(() => buildConfig({ algo: 'td3', 'policy-delay': '0' }), /policyDelay/);
});

test("SAC's defaults: CleanRL's base (not DDPG's rows), then its own env row; its flags, CleanRL's names, and what it refuses", () => {
  const base = defaultsFor('HalfCheetah-v5', 'sac');
  assert.deepEqual(
    [base.actorLr, base.criticLr, base.learningStarts, base.gamma, base.tau, base.batchSize, base.actorHidden, base.criticHidden],
    [3e-4, 1e-3, 5000, 0.99, 0.005, 256, [256, 256], [256, 256]],
  );
  assert.deepEqual([base.policyFrequency, base.autotune, base.alpha, base.targetEntropy, base.noise], [2, true, 0.2, null, 'none']);
  const ll = defaultsFor('LunarLanderContinuous-v3', 'sac');
  assert.deepEqual([ll.criticLayerNorm, ll.nStep, ll.updatesPerStep, ll.noise], [false, 1, 1, 'none'], "none of DDPG's row");
  assert.deepEqual([ll.actorLr, ll.criticLr, ll.lrSchedule, ll.tau, ll.learningStarts], [7.3e-4, 7.3e-4, 'linear', 0.01, 10_000]);
  const bw = defaultsFor('BipedalWalker-v3', 'sac');
  assert.deepEqual([bw.gamma, bw.tau, bw.bufferSize, bw.steps], [0.98, 0.02, 300_000, 500_000]);
  const c = buildConfig({
    algo: 'sac',
    'policy-lr': '1e-4',
    'q-lr': '2e-4',
    'no-autotune': true,
    alpha: '0.05',
    'target-entropy': '-3',
    'policy-frequency': '1',
  });
  assert.deepEqual(
    [c.actorLr, c.criticLr, c.autotune, c.alpha, c.targetEntropy, c.policyFrequency, c.out],
    [1e-4, 2e-4, false, 0.05, -3, 1, 'runs/Pendulum-v1-sac-s0'],
  );
  assert.equal(buildConfig({ algo: 'sac', 'actor-lr': '5e-4' }).actorLr, 5e-4);
  assert.throws(
    () => buildConfig({ algo: 'sac', 'actor-lr': '1e-4', 'policy-lr': '2e-4' }),
    /--actor-lr and --policy-lr are the same setting/,
  );
  assert.throws(() => buildConfig({ algo: 'sac', backend: 'cpu' }), /SAC runs on the WebAssembly kernels only/);
  assert.throws(() => buildConfig({ algo: 'sac', noise: 'gaussian' }), /SAC explores by sampling its policy/);
  assert.throws(() => buildConfig({ algo: 'sac', 'eval-actor': 'target' }), /SAC has no target actor/);
  assert.throws(() => buildConfig({ algo: 'sac', 'policy-frequency': '0' }), /policyFrequency/);
  assert.throws(() => buildConfig({ algo: 'sac', alpha: '-1' }), /alpha/);
  const help = flagsHelp(defaultsFor('Pendulum-v1', 'sac'));
  for (const flag of ['policy-lr', 'q-lr', 'alpha', '[no-]autotune', 'target-entropy', 'policy-frequency'])
    assert.ok(help.includes(`--${flag} `), `--help lists --${flag}`);
});

test('train --help shows the defaults of the env and algorithm chosen, not the base ones', () => {
  const line = (help: string, flag: string) => help.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `)) ?? '';
  assert.match(line(flagsHelp(defaultsFor('Pendulum-v1')), 'actor-hidden'), /\(default \[64,64\]\)$/);
  assert.match(line(flagsHelp(), 'actor-hidden'), /\(default \[256,256\]\)$/);
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cli = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'agents/train.ts', '--algo', 'td3', '--env', 'LunarLanderContinuous-v3', '--help'],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /Defaults below are TD3's for LunarLanderContinuous-v3\./);
  assert.match(line(cli.stdout, 'gamma'), /\(default 0\.98\)$/);
  assert.match(line(cli.stdout, 'steps'), /\(default 300000\)$/);
  assert.match(line(cli.stdout, 'buffer-size'), /\(default 200000\)$/);
  assert.match(line(cli.stdout, 'algo'), /\(default "td3"\)$/);
  assert.match(line(cli.stdout, 'policy-delay'), /\(default 2\)$/);
});

test("--lr-schedule: constant keeps the rates; linear takes SB3's progress remaining, 1 − step/steps, down to 0; anything else is refused", () => {
  assert.equal(buildConfig({}, {}).lrSchedule, 'constant');
  assert.deepEqual(
    [0, 5000, 7500, 10_000, 12_000].map((s) => lrScaleAt('linear', s, 10_000)),
    [1, 0.5, 0.25, 0, 0],
  );
  assert.deepEqual(
    [0, 10_000].map((s) => lrScaleAt('constant', s, 10_000)),
    [1, 1],
  );
  assert.equal(buildConfig({}, { lrSchedule: 'linear' }).lrSchedule, 'linear');
  assert.throws(() => buildConfig({}, { lrSchedule: 'cosine' as never }), /lr-schedule.*constant or linear/);
});

test('--eval-actor: online by default; target from the flag; anything else is refused', () => {
  assert.equal(buildConfig({}, {}).evalActor, 'online');
  assert.equal(buildConfig({ 'eval-actor': 'target' }).evalActor, 'target');
  assert.throws(() => buildConfig({ 'eval-actor': 'average' }), /evalActor: must be online or target/);
});

test("--help's shown defaults are what a run gets: --out's pattern, --backend's choices", () => {
  const help = flagsHelp(defaultsFor('Pendulum-v1', 'td3'));
  const pattern = /--out STRING +output directory \(default (\S+)\)/.exec(help)?.[1];
  assert.ok(pattern, help);
  const c = buildConfig({ env: 'Pendulum-v1', algo: 'td3', seed: '7' });
  assert.equal(pattern.replace('<env>', c.env).replace('<algo>', c.algo).replace('<seed>', String(c.seed)), c.out);
  for (const choice of BACKEND_CHOICES) {
    if (choice !== 'auto') assert.match(help, new RegExp(`--backend .*\\| ${choice}\\b`));
    assert.equal(buildConfig({ backend: choice, algo: 'ddpg' }).backend, choice);
  }
  assert.throws(() => buildConfig({ backend: 'bogus' }), /must be auto, kernels, tensorflow, node, wasm, cpu; got "bogus"/);
});

test('--env-kwargs and run files carry range kwargs with infinite ends (Infinity, as Python json writes it)', () => {
  const c = buildConfig({ env: 'Hopper-v5', 'env-kwargs': '{"healthy_z_range": [0.8, Infinity], "note": "Infinity"}' });
  assert.deepEqual(c.envKwargs, { healthy_z_range: [0.8, Infinity], note: 'Infinity' });
  // config.json and state.json are written and read with these: the range comes back, not [0.8, null].
  const text = stringifyJson({ envKwargs: { r: [-Infinity, 10], s: 'a "NaN" -Infinity' }, x: NaN }, 2);
  assert.match(text, /-Infinity,\n\s+10/);
  assert.deepEqual(parseJson(text), { envKwargs: { r: [-Infinity, 10], s: 'a "NaN" -Infinity' }, x: NaN });
  assert.throws(() => buildConfig({ 'env-kwargs': '{"r": [0.8, Inf]}' }), /--env-kwargs/);
});
