// SAC on the kernels: the critic pair's and the actor's gradients against tf.grad of the same
// losses (the soft clipped double-Q target, the tanh-squashed Gaussian policy with its log-prob
// correction and CleanRL's log-std squashing), what update() changes when (critics and their
// targets every update, the actor policyFrequency times every policyFrequency-th, no target
// actor), the entropy coefficient's direction, the deterministic policy and the exported actor,
// and runs that repeat for a seed and any thread count.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backends/choice.ts';
import { Learner, type Batch, type LearnerOptions } from '../../agents/learner.ts';
import { actorSpec, layerSlots, meanHead, mlpForward } from '../../agents/networks.ts';
import { defaultRng } from '../../protocol/random.ts';
import { assertClose, maxAbsDiff, randomBatch, referenceTensors, refMlp } from './learner-reference.ts';

before(async () => {
  await selectBackend('wasm'); // tf.grad's backend for the reference; the learner runs on the kernels
});

const OBS = 3;
const ACT = 2;
const GAMMA = 0.9;
const TAU = 0.01;
const LR = 1e-3;

function options(): LearnerOptions {
  return {
    algo: 'sac',
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

function makeSac(extra: Partial<LearnerOptions> = {}): Learner {
  return new Learner({ ...options(), ...extra });
}

/** A batch with the policy noise of both samples (standard normal, some |ε| > 2 so the tanh saturates on a few rows). */
function batchWithNoise(n: number, seed: number): Batch {
  const b = randomBatch(n, seed, OBS, ACT);
  const rng = defaultRng([seed, 77]);
  const draw = () => Float32Array.from({ length: n * ACT }, (_, i) => (i % 7 === 0 ? 2.5 : 1) * rng.normal());
  b.sacNoise = { next: draw(), current: draw() };
  return b;
}

/** The policy's sample and log-prob on tensors: u = tanh(mean + exp(ls)·ε), ls = −5 + 3.5(tanh(raw) + 1). */
function refSample(l: Learner, theta: tf.Tensor1D, s: tf.Tensor2D, eps: Float32Array) {
  const B = s.shape[0];
  const head = refMlp(theta, l.actorSpec, 0, s, false);
  const mean = tf.slice(head, [0, 0], [B, ACT]);
  const ls = tf.add(-5, tf.mul(3.5, tf.add(tf.tanh(tf.slice(head, [0, ACT], [B, ACT])), 1)));
  const e = tf.tensor2d(eps.subarray(0, B * ACT), [B, ACT]);
  const u = tf.tanh(tf.add(mean, tf.mul(tf.exp(ls), e))) as tf.Tensor2D;
  const logN = tf.sub(tf.sub(tf.mul(-0.5, tf.square(e)), ls), 0.5 * Math.log(2 * Math.PI));
  const logp = tf.sum(tf.sub(logN, tf.log(tf.add(tf.sub(1, tf.square(u)), 1e-6))), 1, true);
  return { u, logp };
}

/**
 * tf.grad of L_Q = Σᵢ mean (Qᵢ(s, a) − y)², y = r + γ(1 − terminated)·(min(Q'₁, Q'₂)(s', u') − α·log π(u'|s')),
 * and of L_π = mean (α·log π(u|s) − min(Q₁, Q₂)(s, u)), as one flat vector [∂L_π/∂actor, ∂L_Q/∂critic₁,
 * ∂L_Q/∂critic₂]; also the statistics and on how many rows Q₁ is the min in L_π.
 */
function reference(l: Learner, b: Batch, alpha: number) {
  const critic = (flat: tf.Tensor1D, i: number, x: tf.Tensor2D) => refMlp(flat, l.criticSpec, l.criticBase(i), x, false);
  return tf.tidy(() => {
    const { theta, target, s, a, s2, r, d } = referenceTensors(l.getState(), b, OBS, ACT);
    const next = refSample(l, theta, s2, b.sacNoise!.next);
    const x2 = tf.concat([s2, next.u], 1);
    const soft = tf.sub(tf.minimum(critic(target, 0, x2), critic(target, 1, x2)), tf.mul(alpha, next.logp));
    const y = tf.add(r, tf.mul(tf.mul(GAMMA, tf.sub(1, d)), soft));
    const sa = tf.concat([s, a], 1);
    const mse = (p: tf.Tensor1D, i: number) => tf.mean(tf.square(tf.sub(critic(p, i, sa), y)));
    const criticLoss = (p: tf.Tensor) => tf.add(mse(p as tf.Tensor1D, 0), mse(p as tf.Tensor1D, 1)) as tf.Scalar;
    const actorParts = (p: tf.Tensor1D) => {
      const now = refSample(l, p, s, b.sacNoise!.current);
      const x = tf.concat([s, now.u], 1);
      return { q1: critic(p, 0, x), q2: critic(p, 1, x), logp: now.logp };
    };
    const actorLoss = (p: tf.Tensor) => {
      const { q1, q2, logp } = actorParts(p as tf.Tensor1D);
      return tf.mean(tf.sub(tf.mul(alpha, logp), tf.minimum(q1, q2))) as tf.Scalar;
    };
    const grads = Float32Array.from(tf.grad(actorLoss)(theta).dataSync());
    grads.set(tf.grad(criticLoss)(theta).dataSync().subarray(l.actorSize), l.actorSize);
    const parts = actorParts(theta);
    return {
      grads,
      critic: (mse(theta, 0).dataSync()[0] + mse(theta, 1).dataSync()[0]) / 2,
      actor: actorLoss(theta).dataSync()[0],
      logPi: tf.mean(parts.logp).dataSync()[0],
      q: tf.mean(critic(theta, 0, sa)).dataSync()[0],
      q2: tf.mean(critic(theta, 1, sa)).dataSync()[0],
      firstIsMin: Array.from(tf.lessEqual(parts.q1, parts.q2).dataSync()).filter((v) => v === 1).length,
    };
  });
}

/** Shifts critic 2's output bias so that each critic is the min of L_π on about half the rows. */
function crossCritics(l: Learner, b: Batch): void {
  const st = l.getState();
  const diffs = tf.tidy(() => {
    const theta = tf.tensor1d(st.params);
    const s = tf.tensor2d(b.obs.subarray(0, b.size * OBS), [b.size, OBS]);
    const x = tf.concat([s, refSample(l, theta, s, b.sacNoise!.current).u], 1);
    const q = (i: number) => refMlp(theta, l.criticSpec, l.criticBase(i), x, false);
    return Array.from(tf.sub(q(0), q(1)).dataSync()).sort((p, q) => p - q);
  });
  const slots = layerSlots(l.criticSpec, l.criticBase(1));
  st.params[slots[slots.length - 1].bOffset] += diffs[diffs.length >> 1];
  l.setState(st);
}

const CASES: { actor: number[]; critic: number[]; batch: number; threads: number; alpha?: number }[] = [
  { actor: [16, 8], critic: [12, 8], batch: 32, threads: 1 },
  { actor: [37, 70], critic: [45, 33], batch: 7, threads: 2 },
  { actor: [64, 64], critic: [64, 64], batch: 33, threads: 2, alpha: 0.3 },
  { actor: [256, 256], critic: [256, 256], batch: 65, threads: 2 },
];
for (const c of CASES) {
  const tuned = c.alpha === undefined;
  test(`SAC kernels: critic pair and actor gradients match tf.grad (actor ${c.actor}, critics ${c.critic}, batch ${c.batch}, ${c.threads} thread${c.threads > 1 ? 's' : ''}, ${tuned ? 'tuned α' : `α ${c.alpha}`})`, () => {
    const l = makeSac({ actorHidden: c.actor, criticHidden: c.critic, threads: c.threads, autotune: tuned, alpha: c.alpha ?? 0.2 });
    // Move params away from the init, the critics' targets away from the params (and a tuned α away from 1).
    for (let i = 0; i < 12; i++) l.update(randomBatch(i % 2 ? 9 : 32, 100 + i, OBS, ACT));
    const b = batchWithNoise(c.batch, 7);
    crossCritics(l, b);
    const mine = l.gradients(b);
    const alpha = mine.losses.alpha!;
    if (tuned) assert.ok(alpha !== 1 && Math.abs(alpha - 1) < 0.1, `the tuned α moved from 1 (${alpha})`);
    else assert.equal(alpha, c.alpha);
    const ref = reference(l, b, alpha);
    assertClose(mine.grads.subarray(0, l.actorSize), ref.grads.subarray(0, l.actorSize), 'actor gradient');
    assertClose(
      mine.grads.subarray(l.criticBase(0), l.criticBase(1)),
      ref.grads.subarray(l.criticBase(0), l.criticBase(1)),
      'critic 1 gradient',
    );
    assertClose(mine.grads.subarray(l.criticBase(1)), ref.grads.subarray(l.criticBase(1)), 'critic 2 gradient');
    assert.ok(ref.firstIsMin > 0 && ref.firstIsMin < c.batch, `each critic is the min on some rows (${ref.firstIsMin}/${c.batch})`);
    const close = (x: number, y: number, what: string) =>
      assert.ok(Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y)), `${what}: ${x} vs ${y}`);
    close(mine.losses.critic, ref.critic, 'critic loss');
    close(mine.losses.actor, ref.actor, 'actor loss');
    close(mine.losses.logPi!, ref.logPi, 'mean log π');
    close(mine.losses.q, ref.q, 'mean Q1');
    close(mine.losses.q2!, ref.q2, 'mean Q2');
    l.dispose();
  });
}

test('SAC update: critics and their targets every update; the actor policyFrequency times every policyFrequency-th update; no target actor', () => {
  const l = makeSac({ policyFrequency: 2 });
  const A = l.actorSize;
  const s0 = l.getState();
  const b1 = batchWithNoise(32, 11);
  const g1 = l.gradients(b1).grads;
  l.update(b1);
  const s1 = l.getState();
  // Adam's first step moves each parameter by lr·g/(|g| + ε): ±lr wherever the gradient is not tiny.
  for (let i = A; i < l.size; i++) {
    if (Math.abs(g1[i]) < 1e-4) continue;
    assert.ok(Math.abs(s1.params[i] - (s0.params[i] - LR * Math.sign(g1[i]))) < 1e-6, `critic param ${i}`);
  }
  assert.deepEqual(s1.params.subarray(0, A), s0.params.subarray(0, A), 'update 1: the actor waits');
  const polyak = Float32Array.from(s0.target, (t, i) => (i < A ? t : t + TAU * (s1.params[i] - t)));
  assert.ok(maxAbsDiff(s1.target, polyak) < 1e-7, "update 1: θ' ← θ' + τ(θ − θ') for the critics");
  assert.equal(s1.sac!.actorSteps, 0);
  assert.equal(s1.sac!.logAlpha, 0);

  l.update(batchWithNoise(32, 12));
  const s2 = l.getState();
  assert.equal(s2.sac!.actorSteps, 2, 'update 2: two actor steps');
  assert.ok(maxAbsDiff(s2.params.subarray(0, A), s1.params.subarray(0, A)) > 0, 'update 2: the actor moved');
  assert.deepEqual(s2.target.subarray(0, A), s0.target.subarray(0, A), "the target vector's actor slice never moves");
  l.dispose();
});

test("SAC's entropy coefficient: α grows when the policy's entropy is under the target, shrinks when over, stays without autotune", () => {
  // Adam's first step on log α is −lr·sign(∂L_α/∂log α) = lr·sign(mean log π + H̄): up when −mean log π < H̄.
  const firstStep = (extra: Partial<LearnerOptions>) => {
    const l = makeSac({ policyFrequency: 1, ...extra });
    const b = batchWithNoise(32, 21);
    const logPi = l.update(b, true)!.logPi!;
    const st = l.getState().sac!;
    l.dispose();
    return { logAlpha: st.logAlpha, logPi };
  };
  const over = firstStep({ targetEntropy: 50 }); // more entropy than the policy has: α must grow
  const under = firstStep({ targetEntropy: -50 });
  assert.ok(Math.abs(over.logAlpha - LR) < 1e-9, `log α up by lr: ${over.logAlpha}`);
  assert.ok(Math.abs(under.logAlpha + LR) < 1e-9, `log α down by lr: ${under.logAlpha}`);
  // The default target, −|A|: the direction follows the measured entropy.
  const dflt = firstStep({});
  assert.equal(Math.sign(dflt.logAlpha), Math.sign(dflt.logPi - ACT), `default target −${ACT}, mean log π ${dflt.logPi}`);
  const fixed = makeSac({ autotune: false, alpha: 0.05, policyFrequency: 1 });
  for (let i = 0; i < 3; i++) assert.equal(fixed.update(batchWithNoise(16, 30 + i), true)!.alpha, 0.05);
  fixed.dispose();
});

test("SAC's deterministic policy is tanh of the mean head, and the exported actor is that head alone", () => {
  const l = makeSac();
  for (let i = 0; i < 4; i++) l.update(randomBatch(32, 500 + i, OBS, ACT));
  const obs = Float32Array.of(0.1, -0.7, 0.4, 0.9, 0.2, -0.3);
  const act = l.act(obs, 2);
  const st = l.getState();
  const exported = l.actorParams();
  const spec = actorSpec(OBS, ACT, [16, 8]);
  assert.deepEqual(exported, meanHead(l.actorSpec, st.params, ACT));
  for (let i = 0; i < 2; i++) {
    const o = obs.subarray(i * OBS, (i + 1) * OBS);
    const full = mlpForward(l.actorSpec, st.params, o, false);
    const mine = mlpForward(spec, exported, o, true);
    for (let j = 0; j < ACT; j++) {
      assert.ok(Math.abs(mine[j] - Math.tanh(full[j])) < 1e-6, 'the exported actor is tanh(mean)');
      assert.ok(Math.abs(act[i * ACT + j] - mine[j]) < 1e-5, 'act() is tanh(mean)');
    }
  }
  assert.throws(() => l.actorParams('target'), /SAC has no target actor/);
  // Exploration draws around it: in [-1, 1], and not the deterministic action.
  const drawn = l.explore(obs, 2, defaultRng(3));
  assert.ok(drawn.every((u) => u >= -1 && u <= 1) && maxAbsDiff(drawn, act) > 1e-3);
  l.dispose();
});

test('SAC: identical for 1, 2 and 3 threads and repeatable for a seed (policy noise and α included); state round-trips', () => {
  const run = (threads: number, seed = 1) => {
    const l = makeSac({ actorHidden: [40, 33], criticHidden: [64, 20], threads, seed });
    const stats = Array.from({ length: 9 }, (_, i) => l.update(randomBatch(i === 4 ? 1 : 37, 800 + i, OBS, ACT), true));
    const out = { state: l.getState(), stats, act: l.act(Float32Array.of(0.1, 0.2, 0.3, -0.5, 0.4, 0.9), 2) };
    l.dispose();
    return out;
  };
  const one = run(1);
  assert.deepEqual(run(2), one);
  assert.deepEqual(run(3), one);
  assert.notDeepEqual(run(1, 2).state.params, one.state.params);

  const a = makeSac();
  for (let i = 0; i < 5; i++) a.update(randomBatch(16, i, OBS, ACT));
  const b = makeSac({ seed: 99 });
  b.setState(a.getState());
  for (let i = 5; i < 10; i++) {
    a.update(randomBatch(16, i, OBS, ACT));
    b.update(randomBatch(16, i, OBS, ACT));
  }
  assert.deepEqual(a.getState(), b.getState());
  const td3 = new Learner({ ...options(), algo: 'td3' });
  assert.throws(() => td3.setState(a.getState()), /needs \d+/);
  td3.dispose();
  a.dispose();
  b.dispose();
});

test('SAC refuses the tfjs backend with a clear message', () => {
  assert.throws(() => makeSac({ backend: 'tfjs' }), /SAC runs on the learner's WebAssembly kernels only/);
});
