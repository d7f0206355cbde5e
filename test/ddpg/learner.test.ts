import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../client/ddpg/backend.ts';
import { DdpgLearner, type Batch } from '../../client/ddpg/learner.ts';
import { layerSlots, mlpForward } from '../../client/ddpg/networks.ts';
import { defaultRng } from '../../protocol/random.ts';

before(async () => {
  await selectBackend('wasm');
});

const OBS = 3;
const ACT = 2;

function randomBatch(n: number, seed: number, terminated?: number[]): Batch {
  const rng = defaultRng(seed);
  const f = (k: number) => Float32Array.from(rng.uniformArray(-1, 1, k));
  return {
    size: n,
    obs: f(n * OBS),
    actions: f(n * ACT),
    rewards: f(n),
    nextObs: f(n * OBS),
    terminated: Float32Array.from({ length: n }, (_, i) => (terminated ? terminated[i] : i % 3 === 0 ? 1 : 0)),
  };
}

function makeLearner(extra: Partial<ConstructorParameters<typeof DdpgLearner>[0]> = {}): DdpgLearner {
  return new DdpgLearner({ obsDim: OBS, actDim: ACT, actorHidden: [16, 8], criticHidden: [12, 8], gamma: 0.9, tau: 0.01, actorLr: 1e-3, criticLr: 1e-3, seed: 1, ...extra });
}

// Autodiff reference for the same losses, written the plain way with tf.grad over the flat vector.
function referenceGradients(learner: DdpgLearner, batch: Batch): Float32Array {
  const st = learner.getState();
  const B = batch.size;
  const mlp = (flat: tf.Tensor1D, spec: { sizes: number[] }, base: number, x: tf.Tensor2D, tanhOut: boolean) => {
    const slots = layerSlots(spec, base);
    let h = x;
    slots.forEach((s, l) => {
      const w = tf.reshape(tf.slice(flat, [s.wOffset], [s.inSize * s.outSize]), [s.inSize, s.outSize]) as tf.Tensor2D;
      const b = tf.slice(flat, [s.bOffset], [s.outSize]);
      h = tf.add(tf.matMul(h, w), b);
      if (l < slots.length - 1) h = tf.relu(h);
      else if (tanhOut) h = tf.tanh(h);
    });
    return h;
  };
  return tf.tidy(() => {
    const theta = tf.tensor1d(st.params);
    const target = tf.tensor1d(st.target);
    const s = tf.tensor2d(batch.obs, [B, OBS]);
    const a = tf.tensor2d(batch.actions, [B, ACT]);
    const s2 = tf.tensor2d(batch.nextObs, [B, OBS]);
    const r = tf.tensor2d(batch.rewards, [B, 1]);
    const d = tf.tensor2d(batch.terminated, [B, 1]);
    const aNext = mlp(target, learner.actorSpec, 0, s2, true);
    const qNext = mlp(target, learner.criticSpec, learner.actorSize, tf.concat([s2, aNext], 1), false);
    const y = tf.add(r, tf.mul(tf.mul(0.9, tf.sub(1, d)), qNext));
    const criticLoss = (p: tf.Tensor) => tf.mean(tf.square(tf.sub(mlp(p as tf.Tensor1D, learner.criticSpec, learner.actorSize, tf.concat([s, a], 1), false), y))) as tf.Scalar;
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

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const mode of ['explicit', 'native'] as const) {
  test(`hand-derived gradients match tf.grad (${mode} transposes)`, () => {
    const learner = makeLearner({ transposeMode: mode });
    // Move params away from the init (and target away from params) so every term is exercised.
    for (let i = 0; i < 20; i++) learner.update(randomBatch(32, 100 + i));
    const batch = randomBatch(32, 7);
    const ref = referenceGradients(learner, batch);
    const mine = tf.tidy(() => learner.gradients(batch).grads.dataSync().slice());
    assert.equal(mine.length, ref.length);
    const scale = Math.max(...ref.map(Math.abs));
    assert.ok(scale > 1e-4, 'reference gradient is not trivially zero');
    assert.ok(maxAbsDiff(mine, ref) <= 1e-5 + 1e-4 * scale, `max diff ${maxAbsDiff(mine, ref)} (scale ${scale})`);
    learner.dispose();
  });
}

test('targets: terminated transitions do not bootstrap, truncated (terminated=0) ones do', () => {
  const learner = makeLearner();
  for (let i = 0; i < 5; i++) learner.update(randomBatch(16, 300 + i));
  const base = randomBatch(1, 9, [0]);
  const term = { ...base, terminated: Float32Array.of(1) };
  // Critic loss gradient w.r.t. the output bias is 2(Q − y): recover y from it.
  const yOf = (b: Batch) =>
    tf.tidy(() => {
      const g = learner.gradients(b).grads.dataSync();
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

test('tf forward and the plain-JS policy forward agree', () => {
  const learner = makeLearner();
  for (let i = 0; i < 5; i++) learner.update(randomBatch(16, 500 + i));
  const obs = Float32Array.of(0.3, -0.7, 0.1);
  const tfOut = learner.act(obs);
  const jsOut = mlpForward(learner.actorSpec, learner.actorParams(), obs, true);
  assert.ok(maxAbsDiff(tfOut, jsOut) < 1e-5);
  learner.dispose();
});

test('no tensor leaks over many updates', () => {
  const before0 = tf.memory().numTensors;
  makeLearner().dispose();
  assert.equal(tf.memory().numTensors, before0, 'construct + dispose releases everything');
  const learner = makeLearner();
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

test('state round-trips: a restored learner continues identically', () => {
  const a = makeLearner();
  for (let i = 0; i < 10; i++) a.update(randomBatch(16, i));
  const b = makeLearner({ seed: 99 });
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

test('threads: 2 gives the same updates and losses as 1 (up to float rounding), any batch size', () => {
  const one = makeLearner();
  const two = makeLearner({ threads: 2 });
  for (let i = 0; i < 8; i++) {
    const b = randomBatch(i === 3 ? 1 : 33, 700 + i); // odd sizes; a single row leaves the worker idle
    const l1 = one.update(b, true)!;
    const l2 = two.update(b, true)!;
    assert.ok(Math.abs(l1.critic - l2.critic) <= 1e-6 * Math.max(1, Math.abs(l1.critic)), `critic loss ${l1.critic} vs ${l2.critic}`);
    assert.ok(Math.abs(l1.actor - l2.actor) <= 1e-6 * Math.max(1, Math.abs(l1.actor)), `actor loss ${l1.actor} vs ${l2.actor}`);
  }
  const [s1, s2] = [one.getState(), two.getState()];
  assert.ok(maxAbsDiff(s1.params, s2.params) < 1e-5, `params differ by ${maxAbsDiff(s1.params, s2.params)}`);
  assert.ok(maxAbsDiff(s1.params, makeLearner().getState().params) > 1e-4, 'the updates moved the parameters');
  assert.ok(maxAbsDiff(s1.adamV, s2.adamV) < 1e-8);
  assert.ok(maxAbsDiff(one.act(Float32Array.of(0.1, 0.2, 0.3)), two.act(Float32Array.of(0.1, 0.2, 0.3))) < 1e-5);
  one.dispose();
  two.dispose();
});
