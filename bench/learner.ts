// DDPG gradient updates per second, 256x256 nets, batch 256, Pendulum-sized (obs 3, act 1),
// for every backend that loads. Compares:
//   autodiff   — the textbook version: per-layer tf.Variables, optimizer.minimize (tf.variableGrads)
//                with two tf.train.adam optimizers, Polyak per variable. The "before".
//   hand/native   — client/ddpg/learner.ts with matMul's transpose flags.
//   hand/explicit — client/ddpg/learner.ts with tf.transpose + plain matMul (the default). The "after",
//                   once per --threads value (threads > 1: worker threads share each batch's rows).
// Usage: npm run bench:learner [-- --seconds 4 --backends wasm,cpu --threads 1,2]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../client/ddpg/backend.ts';
import { DdpgLearner, type Batch } from '../client/ddpg/learner.ts';
import { defaultRng } from '../protocol/random.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    backends: { type: 'string', default: 'tensorflow,wasm,cpu' },
    batch: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '256,256' },
    threads: { type: 'string', default: '1,2' },
  },
});
const SECONDS = Number(values.seconds);
const B = Number(values.batch);
const HIDDEN = values.hidden!.split(',').map(Number);
const THREADS = values.threads!.split(',').map(Number);
const OBS = 3;
const ACT = 1;

function makeBatches(n: number): Batch[] {
  const rng = defaultRng(0);
  const f = (k: number) => Float32Array.from(rng.uniformArray(-1, 1, k));
  return Array.from({ length: n }, () => ({
    size: B,
    obs: f(B * OBS),
    actions: f(B * ACT),
    rewards: f(B),
    nextObs: f(B * OBS),
    terminated: Float32Array.from({ length: B }, () => (rng.random() < 0.01 ? 1 : 0)),
  }));
}

interface Updater {
  update(b: Batch): void;
  sync(): void;
  dispose(): void;
}

/** The textbook tfjs DDPG update, for comparison. */
function autodiffUpdater(): Updater {
  const dense = (sizes: number[], rng: ReturnType<typeof defaultRng>) =>
    sizes.slice(1).map((out, l) => {
      const inp = sizes[l];
      const bound = l === sizes.length - 2 ? 3e-3 : 1 / Math.sqrt(inp);
      return {
        w: tf.variable(tf.tensor2d(Float32Array.from(rng.uniformArray(-bound, bound, inp * out)), [inp, out])),
        b: tf.variable(tf.tensor1d(Float32Array.from(rng.uniformArray(-bound, bound, out)))),
      };
    });
  const rng = defaultRng(0);
  const actor = dense([OBS, ...HIDDEN, ACT], rng);
  const critic = dense([OBS + ACT, ...HIDDEN, 1], rng);
  const clone = (net: typeof actor) => net.map((l) => ({ w: tf.variable(l.w.clone(), false), b: tf.variable(l.b.clone(), false) }));
  const actorT = clone(actor);
  const criticT = clone(critic);
  const run = (net: typeof actor, x: tf.Tensor, tanhOut: boolean) => {
    let h = x;
    net.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.w), l.b);
      h = i < net.length - 1 ? tf.relu(h) : tanhOut ? tf.tanh(h) : h;
    });
    return h;
  };
  const optA = tf.train.adam(1e-3);
  const optC = tf.train.adam(1e-3);
  const vars = (net: typeof actor) => net.flatMap((l) => [l.w, l.b]);
  return {
    update(batch) {
      tf.tidy(() => {
        const s = tf.tensor2d(batch.obs, [B, OBS]);
        const a = tf.tensor2d(batch.actions, [B, ACT]);
        const s2 = tf.tensor2d(batch.nextObs, [B, OBS]);
        const r = tf.tensor2d(batch.rewards, [B, 1]);
        const d = tf.tensor2d(batch.terminated, [B, 1]);
        const y = tf.add(r, tf.mul(tf.mul(0.99, tf.sub(1, d)), run(criticT, tf.concat([s2, run(actorT, s2, true)], 1), false)));
        optC.minimize(() => tf.mean(tf.square(tf.sub(run(critic, tf.concat([s, a], 1), false), y))) as tf.Scalar, false, vars(critic));
        optA.minimize(() => tf.neg(tf.mean(run(critic, tf.concat([s, run(actor, s, true)], 1), false))) as tf.Scalar, false, vars(actor));
        for (const [src, dst] of [[actor, actorT], [critic, criticT]] as const) {
          src.forEach((l, i) => {
            dst[i].w.assign(tf.add(tf.mul(dst[i].w, 0.995), tf.mul(l.w, 0.005)));
            dst[i].b.assign(tf.add(tf.mul(dst[i].b, 0.995), tf.mul(l.b, 0.005)));
          });
        }
      });
    },
    sync() {
      actor[0].b.dataSync();
    },
    dispose() {
      for (const v of [...vars(actor), ...vars(critic), ...vars(actorT), ...vars(criticT)]) v.dispose();
      optA.dispose();
      optC.dispose();
    },
  };
}

function handUpdater(transposeMode: 'explicit' | 'native', threads = 1): Updater {
  const learner = new DdpgLearner({ obsDim: OBS, actDim: ACT, actorHidden: HIDDEN, criticHidden: HIDDEN, gamma: 0.99, tau: 0.005, actorLr: 1e-3, criticLr: 1e-3, seed: 0, transposeMode, threads });
  return {
    update: (b) => void learner.update(b),
    sync: () => void learner.act(new Float32Array(OBS)),
    dispose: () => learner.dispose(),
  };
}

function measure(make: () => Updater, batches: Batch[]): number {
  const u = make();
  for (let i = 0; i < 3; i++) u.update(batches[i % batches.length]);
  u.sync();
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < SECONDS * 1000) {
    u.update(batches[n % batches.length]);
    n++;
    if (n % 4 === 0) u.sync();
  }
  u.sync();
  const rate = n / ((performance.now() - t0) / 1000);
  const leaked = tf.memory().numTensors - tensorsBefore;
  u.dispose();
  if (leaked !== 0) console.log(`    (warning: ${leaked} tensors leaked)`);
  return rate;
}

function matmulMicro(): string {
  const x = tf.randomNormal([B, HIDDEN[0]]);
  const w = tf.randomNormal([HIDDEN[0], HIDDEN[0]]);
  const dz = tf.randomNormal([B, HIDDEN[0]]);
  const time = (f: () => tf.Tensor) => {
    tf.tidy(f).dispose();
    const t0 = performance.now();
    let k = 0;
    while (performance.now() - t0 < 500) {
      const r = tf.tidy(f);
      r.dataSync();
      r.dispose();
      k++;
    }
    return (performance.now() - t0) / k;
  };
  const plain = time(() => tf.matMul(x, w));
  const flagB = time(() => tf.matMul(x, w, false, true));
  const explB = time(() => tf.matMul(x, tf.transpose(w)));
  // The weight-gradient product hᵀ·dz ([H,B]x[B,H]).
  const flagA = time(() => tf.matMul(x, dz, true, false));
  const explA = time(() => tf.matMul(tf.transpose(x), dz));
  for (const t of [x, w, dz]) t.dispose();
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  return `matmul ${B}x${HIDDEN[0]}x${HIDDEN[0]}: plain ${f(plain)}, a·bᵀ flag ${f(flagB)} vs transpose+matMul ${f(explB)}, hᵀ·dz flag ${f(flagA)} vs transpose+matMul ${f(explA)}`;
}

const batches = makeBatches(8);
console.log(`DDPG learner benchmark: nets ${HIDDEN.join('x')}, batch ${B}, obs ${OBS}, act ${ACT}, ~${SECONDS}s per variant`);
for (const name of values.backends!.split(',') as BackendName[]) {
  try {
    await selectBackend(name);
  } catch {
    console.log(`${name}: not available`);
    continue;
  }
  console.log(`${name}:`);
  console.log(`  ${matmulMicro()}`);
  const variants: [string, () => Updater][] = [
    ['autodiff (before)', autodiffUpdater],
    ['hand/native transposes', () => handUpdater('native')],
    ...THREADS.map((n): [string, () => Updater] => [`hand/explicit, ${n} thread${n > 1 ? 's' : ''}${n === 1 ? ' (default)' : ''}`, () => handUpdater('explicit', n)]),
  ];
  for (const [label, make] of variants) {
    console.log(`  ${label.padEnd(36)} ${measure(make, batches).toFixed(1).padStart(7)} updates/s`);
  }
}
