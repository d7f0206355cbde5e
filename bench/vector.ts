// Steps/s of SyncVectorEnv over Pendulum-v1 sub-envs, in process, into preallocated
// batched arrays (copy: false), and the vector layer's own per-step allocation.
// Run: npm run bench:vector  (node --expose-gc lets it measure allocation).
import '../envs/index.ts';
import { registrations } from '../envs/registry.ts';
import { BaseEnv } from '../envs/base-env.ts';
import { box } from '../protocol/spaces.ts';
import type { Frame, ResetResult, StepResult } from '../protocol/env-api.ts';
import { batchLayout } from '../protocol/vector-api.ts';
import { SyncVectorEnv, makeVec } from '../envs/vector/sync-vector-env.ts';

const ENV_ID = process.argv[2] ?? 'Pendulum-v1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);

function bench(vec: SyncVectorEnv, seconds: number): { vecSteps: number; elapsed: number } {
  const space = vec.singleActionSpace;
  const { itemSize } = batchLayout(space);
  const width = vec.numEnvs * itemSize;
  // A fixed pool of valid actions, cycled, so the loop itself allocates nothing.
  const u = (i: number) => (Math.sin(i * 12.9898) * 43758.5453) % 1; // in (-1, 1)
  let actions: Float32Array | Int32Array;
  let pool: Float32Array | Int32Array;
  if (space.type === 'Discrete') {
    actions = new Int32Array(width);
    pool = Int32Array.from({ length: 4096 }, (_, i) => space.start + Math.floor(Math.abs(u(i)) * space.n));
  } else if (space.type === 'Box') {
    actions = new Float32Array(width);
    pool = Float32Array.from({ length: 4096 }, (_, i) => {
      const k = i % itemSize;
      const lo = Math.max(space.low[k], -1e3);
      const hi = Math.min(space.high[k], 1e3);
      return lo + ((u(i) + 1) / 2) * (hi - lo);
    });
  } else {
    throw new Error(`bench:vector steps Box or Discrete actions, not ${space.type}`);
  }
  vec.reset({ seed: 0 });
  for (let t = 0; t < 200; t++) vec.step(actions); // warm-up: JIT, first autoresets
  let steps = 0;
  let p = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 50; k++) {
      for (let i = 0; i < width; i++) actions[i] = pool[p++ & 4095];
      vec.step(actions);
      steps++;
    }
    now = process.hrtime.bigint();
  }
  return { vecSteps: steps, elapsed: Number(now - start) / 1e9 };
}

/** A sub-env that allocates nothing per step, to see what the vector layer itself allocates. */
class StaticEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = box(-1, 1, [3]);
  readonly actionSpace = box(-2, 2, [1]);
  private readonly result: StepResult<Float32Array> = {
    obs: new Float32Array(3),
    reward: 0,
    terminated: false,
    truncated: false,
    info: {},
  };
  private readonly resetResult: ResetResult<Float32Array> = { obs: new Float32Array(3), info: {} };
  private t = 0;
  reset(): ResetResult<Float32Array> {
    this.t = 0;
    return this.resetResult;
  }
  step(action: Float32Array): StepResult<Float32Array> {
    this.result.reward = action[0];
    this.result.truncated = ++this.t >= 200;
    return this.result;
  }
  render(): Frame {
    return { width: 0, height: 0, data: new Uint8Array(0) };
  }
}

function bytesPerVecStep(vec: SyncVectorEnv, steps: number): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const actions = new Float32Array(vec.numEnvs);
  vec.reset({ seed: 0 });
  for (let t = 0; t < 5000; t++) vec.step(actions);
  // heapUsed grows by what is allocated until a scavenge frees it: measure short runs
  // (no scavenge in them unless steps allocate a lot) after a full gc, and take the median,
  // which a one-off allocation (JIT tier-up, feedback) in one run does not move.
  const grown: number[] = [];
  for (let trial = 0; trial < 7; trial++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let t = 0; t < steps; t++) vec.step(actions);
    grown.push(process.memoryUsage().heapUsed - before);
  }
  grown.sort((a, b) => a - b);
  return grown[3] / steps;
}

if (!registrations().some((r) => r.id === ENV_ID)) {
  console.error(
    `${ENV_ID} is not registered (yet); known: ${
      registrations()
        .map((r) => r.id)
        .join(', ') || 'none'
    }`,
  );
  process.exit(1);
}

// Measured first, while the vector's call sites have seen one env class only (later,
// megamorphic loads of a sub-env's double reward can box it: V8's allocation, not ours).
const staticVec = new SyncVectorEnv(
  Array.from({ length: 256 }, () => () => new StaticEnv()),
  { copy: false },
);
const bytes = bytesPerVecStep(staticVec, 2000);
console.log(
  bytes === null
    ? 'allocation: run with node --expose-gc to measure'
    : `vector layer allocation at 256 allocation-free sub-envs, copy: false: ${bytes.toFixed(1)} bytes per vector step`,
);

console.log(`SyncVectorEnv over ${ENV_ID}, in process, ${SECONDS}s per row (node ${process.version})`);
console.log('num_envs  copy   vector steps/s   sub-env steps/s');
for (const n of [1, 16, 64, 256]) {
  for (const copy of n === 256 ? [false, true] : [false]) {
    const vec = makeVec(ENV_ID, n, {}, { copy });
    const { vecSteps, elapsed } = bench(vec, SECONDS);
    vec.close();
    const vecRate = vecSteps / elapsed;
    const envSteps = (vecSteps * n) / elapsed;
    console.log(
      `${String(n).padStart(8)}  ${String(copy).padEnd(5)}  ${vecRate.toFixed(0).padStart(14)}   ${envSteps.toFixed(0).padStart(15)}`,
    );
  }
}

// The same env stepped directly, no vector layer, for comparison (its own reset on episode end).
{
  const env = makeVec(ENV_ID, 1).envs[0];
  const space = env.actionSpace;
  const { itemSize } = batchLayout(space);
  const box = new Float32Array(itemSize);
  env.reset({ seed: 0 });
  let steps = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 100; k++) {
      let action: number | Float32Array;
      if (space.type === 'Discrete') action = space.start + (steps % space.n);
      else {
        for (let j = 0; j < itemSize; j++)
          box[j] = space.type === 'Box' ? Math.max(space.low[j], Math.min(space.high[j], Math.sin(steps + j))) : 0;
        action = box;
      }
      const r = env.step(action);
      if (r.terminated || r.truncated) env.reset();
      steps++;
    }
    now = process.hrtime.bigint();
  }
  console.log(`single ${ENV_ID} without the vector layer: ${(steps / (Number(now - start) / 1e9)).toFixed(0)} steps/s`);
}
