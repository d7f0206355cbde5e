// Our MuJoCo envs replay Gymnasium's own 200-step runs (test/fixtures/mujoco/steps/, recorded
// by scripts/record-mujoco-steps.py: Gymnasium 1.4.0's *_v5.py and mujoco_env.py code, run on
// mujoco-js through a stand-in `mujoco` module). Each env is made from its class with the
// recording's kwargs inside our TimeLimit (the recorded max_episode_steps), reset with the
// recorded seed and again (unseeded) when an episode is truncated or has run the recorded overrun
// past its first termination, and stepped with the recorded actions; every step's observation,
// reward, terminated, truncated and numeric info entries, and every reset's observation and
// info, are compared with Gymnasium's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco } from '../../envs/mujoco/runtime.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { TimeLimit } from '../../envs/wrappers.ts';
import type { Info } from '../../protocol/env-api.ts';
import { InvertedPendulumEnv } from '../../envs/mujoco/inverted-pendulum.ts';
import { InvertedDoublePendulumEnv } from '../../envs/mujoco/inverted-double-pendulum.ts';
import { ReacherEnv } from '../../envs/mujoco/reacher.ts';
import { PusherEnv } from '../../envs/mujoco/pusher.ts';
import { SwimmerEnv } from '../../envs/mujoco/swimmer.ts';
import { HalfCheetahEnv } from '../../envs/mujoco/half-cheetah.ts';
import { HopperEnv } from '../../envs/mujoco/hopper.ts';
import { Walker2dEnv } from '../../envs/mujoco/walker2d.ts';
import { AntEnv } from '../../envs/mujoco/ant.ts';
import { HumanoidEnv } from '../../envs/mujoco/humanoid.ts';
import { HumanoidStandupEnv } from '../../envs/mujoco/humanoid-standup.ts';
import { loadRecording, obsDigest, recordingNames, type Recording } from './mujoco-recordings.ts';

before(() => loadMujoco());

type Kwargs = Record<string, unknown>;

/** Each v5 env's class, made directly (with the recording's kwargs, in our TimeLimit) rather than through the registry. */
const ENVS: Record<string, (kwargs: Kwargs) => MujocoEnv> = {
  'InvertedPendulum-v5': (k) => new InvertedPendulumEnv(k),
  'InvertedDoublePendulum-v5': (k) => new InvertedDoublePendulumEnv(k),
  'Reacher-v5': (k) => new ReacherEnv(k),
  'Pusher-v5': (k) => new PusherEnv(k),
  'Swimmer-v5': (k) => new SwimmerEnv(k),
  'HalfCheetah-v5': (k) => new HalfCheetahEnv(k),
  'Hopper-v5': (k) => new HopperEnv(k),
  'Walker2d-v5': (k) => new Walker2dEnv(k),
  'Ant-v5': (k) => new AntEnv(k),
  'Humanoid-v5': (k) => new HumanoidEnv(k),
  'HumanoidStandup-v5': (k) => new HumanoidStandupEnv(k),
};

const NAMES = recordingNames();

test('every v5 env has a recording with its default kwargs, and every recording is of a v5 env', () => {
  for (const id of Object.keys(ENVS)) {
    assert.ok(NAMES.includes(id), `no recording ${id}.json`);
    assert.deepEqual(loadRecording(id).kwargs, {}, `${id}.json: default kwargs`);
  }
  for (const name of NAMES) assert.ok(loadRecording(name).envId in ENVS, `${name}.json: not one of the v5 envs`);
});

/**
 * Envs whose observation holds sin/cos of joint angles (InvertedDoublePendulum's link angles,
 * Reacher's arm angles): V8's Math.sin/cos (fdlibm's, within 1 ulp) and numpy's differ in the
 * last bits: on AVX-512 machines (the recording one is) numpy's float64 sin/cos are SVML's,
 * within 4 ulp. So those values are compared to within 5 ulp, not bit for bit. Everything else
 * in every observation is MuJoCo's state copied, clipped or subtracted as Gymnasium does (same
 * MuJoCo build, same inputs), so it must be identical.
 */
const TRIG_OBS = new Set(['InvertedDoublePendulum-v5', 'Reacher-v5']);
const MAX_TRIG_ULPS = 5;

/**
 * Info terms Gymnasium computes from the float32 action in float32: np.sum(np.square(action))
 * rounds each square and each partial sum to float32 (numpy 1.24, as recorded), where we sum in
 * float64. Each rounding is within 2^-24 relative and all terms are >= 0, so the two differ by
 * at most (nu + 1) * 2^-24 relative: far below what any change of a weight would make.
 */
const FLOAT32_SUMS = new Set(['reward_ctrl']);
const FLOAT32_SUM_ENVS = new Set(['Reacher-v5', 'Pusher-v5', 'Swimmer-v5', 'HalfCheetah-v5', 'Hopper-v5', 'Walker2d-v5', 'Ant-v5']);
/**
 * Everything else is float64 on both sides, but sums may be taken in another order (numpy sums
 * 8 lanes pairwise, we left to right; Humanoid's 84 squared contact forces) and norms by another
 * routine: relative n * 2^-53 for n <= 84 terms bounds that.
 */
const FLOAT64_REL = 84 * 2 ** -53;

/** Distance in units in the last place between two doubles (0 when identical, NaN included). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b) || Math.sign(a) !== Math.sign(b)) return Infinity;
  const bits = new BigInt64Array(new Float64Array([Math.abs(a), Math.abs(b)]).buffer);
  return Number(bits[0] > bits[1] ? bits[0] - bits[1] : bits[1] - bits[0]);
}

function relDiff(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** The info dict's numeric entries (arrays flattened), as the recorder keeps them. */
function numericInfo(info: Info): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [k, v] of Object.entries(info)) {
    if (typeof v === 'number' || typeof v === 'boolean') out.set(k, [Number(v)]);
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) out.set(k, Array.from(v as Float64Array));
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out.set(k, v as number[]);
  }
  return out;
}

/** The largest differences seen (reported, not asserted: the assertions are per value). */
interface Worst {
  obsUlps: number;
  rewardRel: number;
  float32SumRel: number;
  float64Rel: number;
}

class Replay {
  readonly worst: Worst = { obsUlps: 0, rewardRel: 0, float32SumRel: 0, float64Rel: 0 };
  private readonly trig: boolean;
  private readonly float32Rel: number;

  constructor(
    private readonly rec: Recording,
    nu: number,
  ) {
    this.trig = TRIG_OBS.has(rec.envId);
    this.float32Rel = FLOAT32_SUM_ENVS.has(rec.envId) ? (nu + 1) * 2 ** -24 : 0;
  }

  /** A float64 observation (at reset) against the recorded one: bit for bit, or within MAX_TRIG_ULPS. */
  obs(actual: Float64Array, expected: Float64Array, where: string): void {
    assert.equal(actual.length, expected.length, `${this.rec.name} obs size ${where}`);
    for (let i = 0; i < expected.length; i++) {
      const d = ulps(actual[i], expected[i]);
      this.worst.obsUlps = Math.max(this.worst.obsUlps, d);
      assert.ok(d <= (this.trig ? MAX_TRIG_ULPS : 0), `${this.rec.name} obs[${i}] ${where}: ours ${actual[i]}, Gymnasium's ${expected[i]}`);
    }
  }

  /** A step's observation: each value rounds to the recorded float32; and the exact bytes' digest matches. */
  stepObs(actual: Float64Array, t: number): void {
    const expected = this.rec.obs32[t];
    assert.equal(actual.length, expected.length, `${this.rec.name} obs size at step ${t}`);
    for (let i = 0; i < expected.length; i++) {
      // A last-bit difference (TRIG_OBS) may round to the neighbouring float32: one float32 ulp.
      const ok = Object.is(Math.fround(actual[i]), expected[i]) || (this.trig && relDiff(Math.fround(actual[i]), expected[i]) <= 2 ** -23);
      assert.ok(ok, `${this.rec.name} obs[${i}] at step ${t}: ours ${actual[i]}, Gymnasium's ${expected[i]} (as float32)`);
    }
    if (!this.trig)
      assert.equal(obsDigest(actual), this.rec.obsSha256[t], `${this.rec.name} obs at step ${t} is not bit for bit Gymnasium's`);
  }

  /** Numeric info entries: the same keys, each value within its tolerance. */
  info(actual: Info, expected: ReadonlyMap<string, ArrayLike<number>>, where: string): void {
    const got = numericInfo(actual);
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${this.rec.name} info keys ${where}`);
    for (const [k, values] of got) {
      const want = expected.get(k)!;
      assert.equal(values.length, want.length, `${this.rec.name} info.${k} size ${where}`);
      const float32 = FLOAT32_SUMS.has(k) && this.float32Rel > 0;
      for (let i = 0; i < want.length; i++) {
        const d = relDiff(values[i], want[i]);
        if (float32) this.worst.float32SumRel = Math.max(this.worst.float32SumRel, d);
        else this.worst.float64Rel = Math.max(this.worst.float64Rel, d);
        assert.ok(
          d <= (float32 ? this.float32Rel : FLOAT64_REL),
          `${this.rec.name} info.${k}[${i}] ${where}: ours ${values[i]}, Gymnasium's ${want[i]}`,
        );
      }
    }
  }

  /**
   * The reward: Gymnasium's sum of its terms, so off by at most what its terms are off by:
   * the float32 sums' bound times their size, plus float64 rounding of the terms' sum.
   */
  reward(actual: number, t: number, info: Info): void {
    const expected = this.rec.reward[t];
    let termScale = Math.abs(expected);
    let float32Part = 0;
    for (const [k, [v]] of numericInfo(info)) {
      if (FLOAT32_SUMS.has(k)) float32Part += Math.abs(v);
      if (k.startsWith('reward_') || k.endsWith('_penalty')) termScale += Math.abs(v);
    }
    this.worst.rewardRel = Math.max(this.worst.rewardRel, relDiff(actual, expected));
    const tolerance = this.float32Rel * float32Part + FLOAT64_REL * termScale;
    assert.ok(Math.abs(actual - expected) <= tolerance, `${this.rec.name} reward at step ${t}: ours ${actual}, Gymnasium's ${expected}`);
  }
}

function replay(rec: Recording, build: () => MujocoEnv): Worst {
  const inner = build();
  const env = new TimeLimit(inner, rec.maxEpisodeSteps);
  const check = new Replay(rec, inner.model.nu);
  const resetAt = (t: number, r: { obs: Float64Array; info: Info }) => {
    const expected = rec.resets.get(t);
    assert.ok(expected, `${rec.name}: we reset before step ${t}, Gymnasium did not`);
    check.obs(r.obs, expected.obs, `at the reset before step ${t}`);
    check.info(r.info, new Map(Object.entries(expected.info)), `at the reset before step ${t}`);
  };
  try {
    resetAt(0, env.reset({ seed: rec.seed }));
    let resets = 1;
    let firstTerminated: number | null = null;
    for (let t = 0; t < rec.steps; t++) {
      const r = env.step(rec.actions[t]);
      check.stepObs(r.obs, t);
      assert.equal(r.terminated, rec.terminated.has(t), `${rec.name} terminated at step ${t}`);
      assert.equal(r.truncated, rec.truncated.has(t), `${rec.name} truncated at step ${t}`);
      const stepInfo = new Map([...rec.info].map(([k, rows]) => [k, rows[t]]));
      check.info(r.info, stepInfo, `at step ${t}`);
      check.reward(r.reward, t, r.info);
      // The recorder's rule: step on past the first termination for overrunSteps, then reset.
      if (r.terminated && firstTerminated === null) firstTerminated = t;
      const overrun = firstTerminated !== null && t - firstTerminated >= rec.overrunSteps;
      if ((r.truncated || overrun) && t + 1 < rec.steps) {
        firstTerminated = null;
        resetAt(t + 1, env.reset());
        resets++;
      }
    }
    assert.equal(resets, rec.resets.size, `${rec.name}: resets`);
  } finally {
    env.close();
  }
  return check.worst;
}

for (const name of NAMES) {
  test(`${name}: Gymnasium's recorded 200 steps, replayed step by step`, (t) => {
    const rec = loadRecording(name);
    assert.equal(rec.steps, 200);
    const worst = replay(rec, () => ENVS[rec.envId](rec.kwargs));
    t.diagnostic(`${name}: largest differences ${JSON.stringify(worst)}`);
  });
}
