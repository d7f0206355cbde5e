import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backends/choice.ts';
import { Learner, fasterBackend, type Batch } from '../../agents/learner.ts';
import { mlpForward } from '../../agents/networks.ts';
import { assertClose, maxAbsDiff, randomBatch as batchOf, referenceTensors, refMlp } from './learner-reference.ts';

before(async () => {
  await selectBackend('wasm');
});

const OBS = 3;
const ACT = 2;

function randomBatch(n: number, seed: number, terminated?: number[]): Batch {
  return batchOf(n, seed, OBS, ACT, terminated);
}

type Options = ConstructorParameters<typeof Learner>[0];

/** The small learner most tests here build, with `extra` over it. */
function learnerOptions(extra: Partial<Options> = {}): Options {
  return {
    obsDim: OBS,
    actDim: ACT,
    actorHidden: [16, 8],
    criticHidden: [12, 8],
    gamma: 0.9,
    tau: 0.01,
    actorLr: 1e-3,
    criticLr: 1e-3,
    seed: 1,
    threads: 1,
    ...extra,
  };
}

function makeLearner(extra: Partial<Options> = {}): Learner {
  return new Learner(learnerOptions(extra));
}

// Autodiff reference for the same losses, written the plain way with tf.grad over the flat vector.
function referenceGradients(learner: Learner, batch: Batch): Float32Array {
  const norm = learner.opts.criticLayerNorm;
  const mlp = (flat: tf.Tensor1D, spec: { sizes: number[] }, base: number, x: tf.Tensor2D, tanhOut: boolean) =>
    refMlp(flat, spec, base, x, tanhOut, norm && spec === learner.criticSpec);
  return tf.tidy(() => {
    const { theta, target, s, a, s2, r, d } = referenceTensors(learner.getState(), batch, OBS, ACT);
    const aNext = mlp(target, learner.actorSpec, 0, s2, true);
    const qNext = mlp(target, learner.criticSpec, learner.actorSize, tf.concat([s2, aNext], 1), false);
    const y = tf.add(r, tf.mul(tf.mul(0.9, tf.sub(1, d)), qNext));
    const criticLoss = (p: tf.Tensor) =>
      tf.mean(tf.square(tf.sub(mlp(p as tf.Tensor1D, learner.criticSpec, learner.actorSize, tf.concat([s, a], 1), false), y))) as tf.Scalar;
    const actorLoss = (p: tf.Tensor) => {
      const pi = mlp(p as tf.Tensor1D, learner.actorSpec, 0, s, true);
      return tf.neg(tf.mean(mlp(p as tf.Tensor1D, learner.criticSpec, learner.actorSize, tf.concat([s, pi], 1), false))) as tf.Scalar;
    };
    const gc = tf.grad(criticLoss)(theta);
    const ga = tf.grad(actorLoss)(theta);
    const gcData = gc.dataSync();
    const out = Float32Array.from(ga.dataSync());
    out.set(gcData.subarray(learner.actorSize), learner.actorSize);
    return out;
  });
}

function assertGradientsMatch(learner: Learner, batch: Batch): void {
  assertClose(learner.gradients(batch).grads, referenceGradients(learner, batch));
}

for (const mode of ['explicit', 'native'] as const) {
  test(`tfjs backend: hand-derived gradients match tf.grad (${mode} transposes)`, () => {
    const learner = makeLearner({ backend: 'tfjs', transposeMode: mode });
    // Move params away from the init (and target away from params) so every term is exercised.
    for (let i = 0; i < 20; i++) learner.update(randomBatch(32, 100 + i));
    assertGradientsMatch(learner, randomBatch(32, 7));
    learner.dispose();
  });
}

// Layer widths around the kernels' tile sizes (2 rows x 16/32 columns), odd batch sizes, one row.
// With `norm`, the critic's hidden layers are layer-normalised (--critic-layer-norm).
const KERNEL_CASES: { actor: number[]; critic: number[]; batch: number; threads: number; norm?: boolean }[] = [
  { actor: [16, 8], critic: [12, 8], batch: 32, threads: 1 },
  { actor: [37, 70], critic: [45, 33], batch: 7, threads: 2 },
  { actor: [64, 64], critic: [64, 64], batch: 33, threads: 2 },
  { actor: [31], critic: [97, 17, 5], batch: 1, threads: 1 },
  { actor: [256, 256], critic: [256, 256], batch: 65, threads: 2 },
  { actor: [16, 8], critic: [12, 8], batch: 32, threads: 1, norm: true },
  { actor: [37, 70], critic: [45, 33], batch: 7, threads: 2, norm: true },
  { actor: [31], critic: [97, 17, 5], batch: 1, threads: 1, norm: true },
  { actor: [256, 256], critic: [256, 256], batch: 65, threads: 2, norm: true },
];
for (const c of KERNEL_CASES) {
  test(`kernels: gradients match tf.grad (actor ${c.actor}, critic ${c.critic}${c.norm ? ' layer-normalised' : ''}, batch ${c.batch}, ${c.threads} thread${c.threads > 1 ? 's' : ''})`, () => {
    const learner = makeLearner({
      backend: 'kernels',
      actorHidden: c.actor,
      criticHidden: c.critic,
      threads: c.threads,
      criticLayerNorm: c.norm ?? false,
    });
    for (let i = 0; i < 10; i++) learner.update(randomBatch(i % 2 ? 9 : 32, 100 + i));
    assertGradientsMatch(learner, randomBatch(c.batch, 7));
    learner.dispose();
  });
}

test('kernels: the update equals the tfjs backend (Adam + Polyak on the same gradients)', () => {
  const a = makeLearner({ backend: 'kernels' });
  const b = makeLearner({ backend: 'tfjs' });
  for (let i = 0; i < 10; i++) {
    const la = a.update(randomBatch(24, 200 + i), true)!;
    const lb = b.update(randomBatch(24, 200 + i), true)!;
    assert.ok(Math.abs(la.critic - lb.critic) <= 1e-5 * Math.max(1, Math.abs(lb.critic)), `critic loss ${la.critic} vs ${lb.critic}`);
    assert.ok(Math.abs(la.actor - lb.actor) <= 1e-5 * Math.max(1, Math.abs(lb.actor)), `actor loss ${la.actor} vs ${lb.actor}`);
  }
  const [sa, sb] = [a.getState(), b.getState()];
  for (const k of ['params', 'target', 'adamM', 'adamV'] as const)
    assert.ok(maxAbsDiff(sa[k], sb[k]) < 1e-5, `${k} differ by ${maxAbsDiff(sa[k], sb[k])}`);
  assert.ok(maxAbsDiff(sa.params, makeLearner().getState().params) > 1e-4, 'the updates moved the parameters');
  a.dispose();
  b.dispose();
});

test('kernels: results are identical for 1, 2 and 3 threads, and repeat for a seed', () => {
  const run = (threads: number) => {
    const l = makeLearner({ backend: 'kernels', actorHidden: [40, 33], criticHidden: [64, 20], threads });
    const losses = Array.from({ length: 12 }, (_, i) => l.update(randomBatch(i === 5 ? 1 : 37, 800 + i), true));
    const out = { state: l.getState(), losses, act: l.act(Float32Array.of(0.1, 0.2, 0.3, -0.5, 0.4, 0.9), 2) };
    l.dispose();
    return out;
  };
  const one = run(1);
  assert.deepEqual(run(2), one);
  assert.deepEqual(run(3), one);
  assert.deepEqual(run(1), one);
});

test('tfjs backend: native transposes off the wasm backend (tfjs-node, cpu), checked against tf.grad there', async () => {
  await selectBackend('cpu');
  try {
    const learner = makeLearner({ backend: 'tfjs' });
    assert.equal(learner.opts.transposeMode, 'native');
    for (let i = 0; i < 5; i++) learner.update(randomBatch(16, 150 + i));
    assertGradientsMatch(learner, randomBatch(17, 8));
    learner.dispose();
  } finally {
    await selectBackend('wasm');
  }
  const onWasm = makeLearner({ backend: 'tfjs' });
  assert.equal(onWasm.opts.transposeMode, 'explicit');
  onWasm.dispose();
});

test('fasterBackend times both backends on the given sizes and returns the faster (how auto picks with tfjs-node)', () => {
  const r = fasterBackend(learnerOptions({ actorHidden: [32, 32], criticHidden: [32, 32] }), 32, 0.15);
  assert.ok(r.rates.kernels > 0 && r.rates.tfjs > 0, JSON.stringify(r.rates));
  assert.equal(r.backend, r.rates.kernels >= r.rates.tfjs ? 'kernels' : 'tfjs');
});

for (const backend of ['kernels', 'tfjs'] as const)
  test(`targets (${backend}): terminated transitions do not bootstrap, truncated (terminated=0) ones do`, () => {
    const learner = makeLearner({ backend });
    for (let i = 0; i < 5; i++) learner.update(randomBatch(16, 300 + i));
    const base = randomBatch(1, 9, [0]);
    const term = { ...base, terminated: Float32Array.of(1) };
    // Critic loss gradient w.r.t. the output bias is 2(Q − y): recover y from it.
    const yOf = (b: Batch) =>
      tf.tidy(() => {
        const g = learner.gradients(b).grads;
        const q = learner.q(b.obs, b.actions, 1)[0];
        return q - g[g.length - 1] / 2;
      });
    const st = learner.getState();
    const aNext = mlpForward(learner.actorSpec, st.target, base.nextObs, true);
    const qNext = mlpForward(learner.criticSpec, st.target, [...base.nextObs, ...aNext], false, learner.actorSize)[0];
    const r = base.rewards[0];
    assert.ok(Math.abs(qNext) > 1e-6);
    assert.ok(Math.abs(yOf(base) - (r + 0.9 * qNext)) < 1e-5, 'truncated/non-terminal step bootstraps');
    assert.ok(Math.abs(yOf(term) - r) < 1e-5, 'terminal step uses the reward only');
    learner.dispose();
  });

for (const backend of ['kernels', 'tfjs'] as const)
  test(`${backend} forward and the plain-JS policy forward agree`, () => {
    const learner = makeLearner({ backend });
    for (let i = 0; i < 5; i++) learner.update(randomBatch(16, 500 + i));
    const obs = Float32Array.of(0.3, -0.7, 0.1, 0.5, 0.5, -0.2);
    const out = learner.act(obs, 2);
    const js = [0, 1].flatMap((i) =>
      Array.from(mlpForward(learner.actorSpec, learner.actorParams(), obs.subarray(3 * i, 3 * i + 3), true)),
    );
    assert.equal(out.length, 2 * ACT);
    assert.ok(maxAbsDiff(out, js) < 1e-5);
    learner.dispose();
  });

test('tfjs backend: no tensor leaks over many updates', () => {
  const before0 = tf.memory().numTensors;
  makeLearner({ backend: 'tfjs' }).dispose();
  assert.equal(tf.memory().numTensors, before0, 'construct + dispose releases everything');
  const learner = makeLearner({ backend: 'tfjs' });
  learner.update(randomBatch(32, 1));
  learner.act(Float32Array.of(0, 0, 0));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 300; i++) {
    learner.update(randomBatch(32, i), i % 50 === 0);
    learner.act(Float32Array.of(0.1, 0.2, 0.3));
  }
  learner.getState();
  assert.equal(tf.memory().numTensors, before);
  learner.dispose();
});

for (const backend of ['kernels', 'tfjs'] as const)
  test(`state round-trips (${backend}): a restored learner continues identically`, () => {
    const a = makeLearner({ backend });
    for (let i = 0; i < 10; i++) a.update(randomBatch(16, i));
    const b = makeLearner({ backend, seed: 99 });
    b.setState(a.getState());
    for (let i = 10; i < 15; i++) {
      a.update(randomBatch(16, i));
      b.update(randomBatch(16, i));
    }
    assert.deepEqual(a.getState(), b.getState());
    a.dispose();
    b.dispose();
  });

test('a few hundred updates fit a simple regression (critic learns rewards with γ-free targets)', () => {
  // With every transition terminal, Q(s,a) must learn r = s0 + a0; loss should fall sharply.
  const learner = makeLearner({ criticLr: 3e-3 });
  const mk = (seed: number): Batch => {
    const b = randomBatch(64, seed, new Array(64).fill(1));
    for (let i = 0; i < 64; i++) b.rewards[i] = b.obs[i * OBS] + b.actions[i * ACT];
    return b;
  };
  const first = learner.update(mk(0), true)!.critic;
  let lastLoss = first;
  for (let i = 1; i < 400; i++) lastLoss = learner.update(mk(i), i === 399)?.critic ?? lastLoss;
  assert.ok(lastLoss < first * 0.05, `critic loss ${first} -> ${lastLoss}`);
  learner.dispose();
});

test('tfjs backend, threads: 2 gives the same updates and losses as 1 (up to float rounding), any batch size', () => {
  const one = makeLearner({ backend: 'tfjs' });
  const two = makeLearner({ backend: 'tfjs', threads: 2 });
  for (let i = 0; i < 8; i++) {
    const b = randomBatch(i === 3 ? 1 : 33, 700 + i); // odd sizes; a single row leaves the worker idle
    const l1 = one.update(b, true)!;
    const l2 = two.update(b, true)!;
    assert.ok(Math.abs(l1.critic - l2.critic) <= 1e-6 * Math.max(1, Math.abs(l1.critic)), `critic loss ${l1.critic} vs ${l2.critic}`);
    assert.ok(Math.abs(l1.actor - l2.actor) <= 1e-6 * Math.max(1, Math.abs(l1.actor)), `actor loss ${l1.actor} vs ${l2.actor}`);
  }
  const [s1, s2] = [one.getState(), two.getState()];
  assert.ok(maxAbsDiff(s1.params, s2.params) < 1e-5, `params differ by ${maxAbsDiff(s1.params, s2.params)}`);
  assert.ok(maxAbsDiff(s1.params, makeLearner({ backend: 'tfjs' }).getState().params) > 1e-4, 'the updates moved the parameters');
  assert.ok(maxAbsDiff(s1.adamV, s2.adamV) < 1e-8);
  assert.ok(maxAbsDiff(one.act(Float32Array.of(0.1, 0.2, 0.3)), two.act(Float32Array.of(0.1, 0.2, 0.3))) < 1e-5);
  one.dispose();
  two.dispose();
});

// A learning-rate schedule's factor f: the update is the one with both rates × f, on every
// backend (the tfjs workers take f with each job).
for (const c of [
  { backend: 'kernels', algo: 'ddpg', threads: 2 },
  { backend: 'tfjs', algo: 'ddpg', threads: 2 },
  { backend: 'kernels', algo: 'td3', threads: 1 },
  { backend: 'kernels', algo: 'sac', threads: 1 },
] as const) {
  test(`${c.backend} ${c.algo}, ${c.threads} thread(s): lrScale f updates as learning rates × f`, () => {
    const scaled = makeLearner({ backend: c.backend, algo: c.algo, threads: c.threads, actorLr: 1e-3, criticLr: 2e-3 });
    const slower = makeLearner({ backend: c.backend, algo: c.algo, threads: c.threads, actorLr: 2.5e-4, criticLr: 5e-4 });
    const plain = makeLearner({ backend: c.backend, algo: c.algo, threads: c.threads, actorLr: 1e-3, criticLr: 2e-3 });
    scaled.lrScale = 0.25;
    assert.equal(scaled.lrScale, 0.25);
    for (let i = 0; i < 10; i++) {
      const b = randomBatch(16, 500 + i);
      for (const l of [scaled, slower, plain]) l.update(b);
    }
    const p = scaled.getState().params;
    assert.ok(maxAbsDiff(p, slower.getState().params) < 1e-7, 'rates × 0.25 differ from rates / 4');
    assert.ok(maxAbsDiff(p, plain.getState().params) > 1e-5, 'the factor changed nothing');
    assert.throws(() => (scaled.lrScale = 1.5), RangeError);
    for (const l of [scaled, slower, plain]) l.dispose();
  });
}

// n-step rows: a row k steps long bootstraps with γ^k. With every row 2 steps long under γ = 0.9
// the update must be the one-step update under γ = 0.81, for every backend and algorithm.
for (const c of [
  { backend: 'kernels', algo: 'ddpg', threads: 2 },
  { backend: 'tfjs', algo: 'ddpg', threads: 1 },
  { backend: 'kernels', algo: 'td3', threads: 1 },
  { backend: 'kernels', algo: 'sac', threads: 1 },
] as const) {
  test(`${c.backend} ${c.algo}: a row of horizon k is discounted by γ^k (n-step returns)`, () => {
    const nStep = makeLearner({ backend: c.backend, algo: c.algo, threads: c.threads, gamma: 0.9 });
    const oneStep = makeLearner({ backend: c.backend, algo: c.algo, threads: c.threads, gamma: 0.81 });
    const plain = makeLearner({ backend: c.backend, algo: c.algo, threads: c.threads, gamma: 0.9 });
    for (let i = 0; i < 20; i++) {
      const b = randomBatch(16, 300 + i);
      nStep.update({ ...b, horizon: new Float32Array(16).fill(2) });
      oneStep.update(b);
      plain.update(b);
    }
    const p = nStep.getState().params;
    assert.ok(maxAbsDiff(p, oneStep.getState().params) < 1e-6, 'γ = 0.9 over 2 steps differs from γ = 0.81 over one');
    assert.ok(maxAbsDiff(p, plain.getState().params) > 1e-5, 'the horizon changed nothing');
    for (const l of [nStep, oneStep, plain]) l.dispose();
  });
}
