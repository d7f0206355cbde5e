// TD3 on the kernels: the critic pair's and the actor's gradients against tf.grad of the same
// losses (clipped double-Q target with target policy smoothing), what update() changes when
// (critics every update, actor and targets every policyDelay-th), the statistics it reports,
// and runs that repeat for a seed and any thread count.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backends/choice.ts';
import { Learner, type Batch, type LearnerOptions } from '../../agents/learner.ts';
import { layerSlots, mlpForward } from '../../agents/networks.ts';
import { assertClose, maxAbsDiff, randomBatch, referenceTensors, refMlp } from './learner-reference.ts';

before(async () => {
  await selectBackend('wasm'); // tf.grad's backend for the reference; the learner runs on the kernels
});

const OBS = 3;
const ACT = 2;
const GAMMA = 0.9;
const TAU = 0.01;
const LR = 1e-3;

function makeTd3(extra: Partial<LearnerOptions> = {}): Learner {
  return new Learner({ algo: 'td3', ...makeTd3Options(), ...extra });
}

/** A batch with its smoothing noise; |noise| up to 1.5 on some rows so the clamp to [-1, 1] is exercised. */
function batchWithNoise(n: number, seed: number): Batch {
  const b = randomBatch(n, seed, OBS, ACT);
  b.targetNoise = Float32Array.from({ length: n * ACT }, (_, i) => (i % 5 === 0 ? 1.5 : i % 5 === 1 ? -1.5 : 0.4 * Math.sin(seed + i)));
  return b;
}

/**
 * tf.grad of L_Q = Σᵢ mean (Qᵢ(s, a) − y)² over the critics and of L_μ = −mean Q₁(s, μ(s)),
 * y = r + γ(1 − terminated)·min(Q'₁, Q'₂)(s', clip(μ'(s') + noise, −1, 1)), as one flat vector
 * [∂L_μ/∂actor, ∂L_Q/∂critic₁, ∂L_Q/∂critic₂]; also the statistics and how often each target critic was the min.
 */
function reference(l: Learner, b: Batch) {
  const B = b.size;
  // The critics as the learner computes them (layer-normalised with --critic-layer-norm).
  const critic = (flat: tf.Tensor1D, i: number, x: tf.Tensor2D) =>
    refMlp(flat, l.criticSpec, l.criticBase(i), x, false, l.opts.criticLayerNorm);
  return tf.tidy(() => {
    const { theta, target, s, a, s2, r, d } = referenceTensors(l.getState(), b, OBS, ACT);
    const aNext = tf.clipByValue(
      tf.add(refMlp(target, l.actorSpec, 0, s2, true), tf.tensor2d(b.targetNoise!, [B, ACT])),
      -1,
      1,
    ) as tf.Tensor2D;
    const x2 = tf.concat([s2, aNext], 1);
    const q1n = critic(target, 0, x2);
    const q2n = critic(target, 1, x2);
    const y = tf.add(r, tf.mul(tf.mul(GAMMA, tf.sub(1, d)), tf.minimum(q1n, q2n)));
    const sa = tf.concat([s, a], 1);
    const mse = (p: tf.Tensor1D, i: number) => tf.mean(tf.square(tf.sub(critic(p, i, sa), y)));
    const criticLoss = (p: tf.Tensor) => tf.add(mse(p as tf.Tensor1D, 0), mse(p as tf.Tensor1D, 1)) as tf.Scalar;
    const actorLoss = (p: tf.Tensor) =>
      tf.neg(tf.mean(critic(p as tf.Tensor1D, 0, tf.concat([s, refMlp(p as tf.Tensor1D, l.actorSpec, 0, s, true)], 1)))) as tf.Scalar;
    const grads = Float32Array.from(tf.grad(actorLoss)(theta).dataSync());
    grads.set(tf.grad(criticLoss)(theta).dataSync().subarray(l.actorSize), l.actorSize);
    const firstIsMin = Array.from(tf.less(q1n, q2n).dataSync()).filter((v) => v === 1).length;
    return {
      grads,
      critic: (mse(theta, 0).dataSync()[0] + mse(theta, 1).dataSync()[0]) / 2,
      actor: actorLoss(theta).dataSync()[0],
      q: tf.mean(critic(theta, 0, sa)).dataSync()[0],
      q2: tf.mean(critic(theta, 1, sa)).dataSync()[0],
      firstIsMin,
    };
  });
}

/** Shifts target critic 2's output bias so that each target critic is the min on about half the rows. */
function crossTargets(l: Learner, b: Batch): void {
  const st = l.getState();
  const diffs: number[] = [];
  for (let i = 0; i < b.size; i++) {
    const s2 = b.nextObs.subarray(i * OBS, (i + 1) * OBS);
    const mu = mlpForward(l.actorSpec, st.target, s2, true);
    const a = Array.from(mu, (m, j) => Math.min(1, Math.max(-1, m + b.targetNoise![i * ACT + j])));
    const x = [...s2, ...a];
    const q = (k: number) =>
      l.opts.criticLayerNorm
        ? tf.tidy(
            () => refMlp(tf.tensor1d(st.target), l.criticSpec, l.criticBase(k), tf.tensor2d(x, [1, x.length]), false, true).dataSync()[0],
          )
        : mlpForward(l.criticSpec, st.target, x, false, l.criticBase(k))[0];
    diffs.push(q(0) - q(1));
  }
  diffs.sort((x, y) => x - y);
  const slots = layerSlots(l.criticSpec, l.criticBase(1));
  st.target[slots[slots.length - 1].bOffset] += diffs[diffs.length >> 1];
  l.setState(st);
}

const CASES: { actor: number[]; critic: number[]; batch: number; threads: number; norm?: boolean }[] = [
  { actor: [16, 8], critic: [12, 8], batch: 32, threads: 1 },
  { actor: [37, 70], critic: [45, 33], batch: 7, threads: 2 },
  { actor: [64, 64], critic: [64, 64], batch: 33, threads: 2 },
  { actor: [256, 256], critic: [256, 256], batch: 65, threads: 2 },
  { actor: [37, 70], critic: [45, 33], batch: 7, threads: 2, norm: true },
  { actor: [64, 64], critic: [64, 64], batch: 33, threads: 1, norm: true },
];
for (const c of CASES) {
  test(`TD3 kernels: critic pair and actor gradients match tf.grad (actor ${c.actor}, critics ${c.critic}${c.norm ? ' layer-normalised' : ''}, batch ${c.batch}, ${c.threads} thread${c.threads > 1 ? 's' : ''})`, () => {
    const l = makeTd3({ actorHidden: c.actor, criticHidden: c.critic, threads: c.threads, criticLayerNorm: c.norm ?? false });
    // Move params away from the init and the targets away from the params, the critics apart.
    for (let i = 0; i < 12; i++) l.update(randomBatch(i % 2 ? 9 : 32, 100 + i, OBS, ACT));
    const b = batchWithNoise(c.batch, 7);
    crossTargets(l, b);
    const ref = reference(l, b);
    const mine = l.gradients(b);
    assertClose(mine.grads.subarray(0, l.actorSize), ref.grads.subarray(0, l.actorSize), 'actor gradient');
    assertClose(
      mine.grads.subarray(l.criticBase(0), l.criticBase(1)),
      ref.grads.subarray(l.criticBase(0), l.criticBase(1)),
      'critic 1 gradient',
    );
    assertClose(mine.grads.subarray(l.criticBase(1)), ref.grads.subarray(l.criticBase(1)), 'critic 2 gradient');
    assert.ok(
      ref.firstIsMin > 0 && ref.firstIsMin < c.batch,
      `both target critics are the min on some rows (${ref.firstIsMin}/${c.batch})`,
    );
    const close = (x: number, y: number, what: string) =>
      assert.ok(Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y)), `${what}: ${x} vs ${y}`);
    close(mine.losses.critic, ref.critic, 'critic loss');
    close(mine.losses.actor, ref.actor, 'actor loss');
    close(mine.losses.q, ref.q, 'mean Q1');
    close(mine.losses.q2!, ref.q2, 'mean Q2');
    l.dispose();
  });
}

test('TD3 update: critics every update; actor and all targets only every policyDelay-th, the actor stepping at the updated critic', () => {
  const l = makeTd3({ policyDelay: 2 });
  const b1 = batchWithNoise(32, 11);
  const b2 = batchWithNoise(32, 12);
  const s0 = l.getState();
  const g1 = l.gradients(b1).grads;
  l.update(b1);
  const s1 = l.getState();
  const A = l.actorSize;
  // Adam's first step moves each parameter by lr·g/(|g| + ε): ±lr wherever the gradient is not tiny.
  const firstStep = (before: Float32Array, after: Float32Array, g: Float32Array, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (Math.abs(g[i]) < 1e-4) continue;
      assert.ok(
        Math.abs(after[i] - (before[i] - LR * Math.sign(g[i]))) < 1e-6,
        `param ${i}: ${before[i]} -> ${after[i]} with gradient ${g[i]}`,
      );
    }
  };
  firstStep(s0.params, s1.params, g1, A, l.size);
  assert.deepEqual(s1.params.subarray(0, A), s0.params.subarray(0, A), 'update 1: the actor waits');
  assert.deepEqual(s1.target, s0.target, 'update 1: the targets wait');
  assert.equal(s1.td3!.actorSteps, 0);

  // Update 2: the critics take their second step; the actor its first, with the gradient at the updated critic.
  const probe = makeTd3({ policyDelay: 2, seed: 5 });
  probe.setState(s1);
  const gActor = probe.gradients(b2).grads;
  probe.dispose();
  l.update(b2);
  const s2 = l.getState();
  firstStep(s1.params, s2.params, gActor, 0, A);
  assert.ok(maxAbsDiff(s2.params.subarray(A), s1.params.subarray(A)) > 0, 'update 2: the critics moved');
  assert.equal(s2.td3!.actorSteps, 1);
  const polyak = Float32Array.from(s1.target, (t, i) => t + TAU * (s2.params[i] - t));
  assert.ok(maxAbsDiff(s2.target, polyak) < 1e-7, `update 2: θ' ← θ' + τ(θ − θ') for actor and critics (${maxAbsDiff(s2.target, polyak)})`);
  l.dispose();
});

test('TD3: statistics come from the update itself (critic mean of both losses, Q1, Q2, actor loss of the last actor update)', () => {
  const l = makeTd3();
  for (let i = 0; i < 3; i++) l.update(randomBatch(32, 400 + i, OBS, ACT));
  const b = batchWithNoise(32, 9);
  const ref = reference(l, b); // at the parameters the critic plan sees
  const s = l.update(b, true)!; // update 4: delayed, so the actor loss is this update's, at the updated critic
  assert.ok(Math.abs(s.critic - ref.critic) < 1e-5 * Math.max(1, ref.critic));
  assert.ok(Math.abs(s.q - ref.q) < 1e-5 && Math.abs(s.q2! - ref.q2) < 1e-5);
  assert.ok(Number.isFinite(s.actor) && s.actor !== ref.actor, 'the actor loss is measured after the critic step');
  assert.equal(l.update(b, false), null);
  l.dispose();
});

test('TD3: identical for 1, 2 and 3 threads and repeatable for a seed (smoothing noise included); state round-trips', () => {
  const run = (threads: number, seed = 1) => {
    const l = makeTd3({ actorHidden: [40, 33], criticHidden: [64, 20], threads, seed });
    const stats = Array.from({ length: 9 }, (_, i) => l.update(randomBatch(i === 4 ? 1 : 37, 800 + i, OBS, ACT), true));
    const out = { state: l.getState(), stats, act: l.act(Float32Array.of(0.1, 0.2, 0.3, -0.5, 0.4, 0.9), 2) };
    l.dispose();
    return out;
  };
  const one = run(1);
  assert.deepEqual(run(2), one);
  assert.deepEqual(run(3), one);
  assert.notDeepEqual(run(1, 2).state.params, one.state.params);

  const a = makeTd3();
  for (let i = 0; i < 5; i++) a.update(randomBatch(16, i, OBS, ACT));
  const b = makeTd3({ seed: 99 });
  b.setState(a.getState());
  for (let i = 5; i < 10; i++) {
    a.update(randomBatch(16, i, OBS, ACT));
    b.update(randomBatch(16, i, OBS, ACT));
  }
  assert.deepEqual(a.getState(), b.getState());
  const ddpg = new Learner({ ...makeTd3Options(), algo: 'ddpg' });
  assert.throws(() => ddpg.setState(a.getState()), /needs \d+/);
  ddpg.dispose();
  a.dispose();
  b.dispose();
});

function makeTd3Options(): LearnerOptions {
  return {
    backend: 'kernels',
    obsDim: OBS,
    actDim: ACT,
    actorHidden: [16, 8],
    criticHidden: [12, 8],
    gamma: GAMMA,
    tau: TAU,
    actorLr: LR,
    criticLr: LR,
    seed: 1,
    threads: 1,
  };
}

test('TD3 refuses the tfjs backend with a clear message', () => {
  assert.throws(() => makeTd3({ backend: 'tfjs' }), /TD3 runs on the learner's WebAssembly kernels only/);
});

test("the critic's layer normalisation refuses the tfjs backend with a clear message", () => {
  assert.throws(
    () => makeTd3({ algo: 'ddpg', backend: 'tfjs', criticLayerNorm: true }),
    /layer normalisation runs on the learner's WebAssembly kernels only/,
  );
});
