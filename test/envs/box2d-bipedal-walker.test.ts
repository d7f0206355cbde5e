// BipedalWalker against Gymnasium 1.4's recorded episodes (shared/golden), plus its
// termination, time limits and reward for forward progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../envs/index.ts';
import { BipedalWalker } from '../../envs/box2d/bipedal-walker.ts';
import { BipedalWalkerHeuristic } from '../../envs/box2d/heuristics.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { Wrapper } from '../../envs/wrappers.ts';
import { loadGolden } from './golden.ts';
import { defaultRng } from '../../protocol/random.ts';


const golden = (seed: number) => loadGolden('BipedalWalker-v3', seed);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, idx: number[]): number {
  let m = 0;
  for (const i of idx) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const ALL = Array.from({ length: 24 }, (_, i) => i);
const HULL = [0, 1, 2, 3];
const LIDAR = Array.from({ length: 10 }, (_, i) => 14 + i);

for (const seed of [0, 1, 2]) {
  test(`BipedalWalker-v3 seed ${seed}: reset, 20 replayed steps and the next reset follow Gymnasium`, () => {
    const g = golden(seed);
    const env = make('BipedalWalker-v3');
    // Terrain, push, legs and lidar after the first step: float32 rounding (measured ≤ 1.6e-6).
    const obs = env.reset({ seed }).obs as Float32Array;
    assert.ok(obs instanceof Float32Array && obs.length === 24);
    assert.ok(maxAbsDiff(obs, g.reset_obs, ALL) < 1e-5, `reset obs ${Array.from(obs)} vs ${g.reset_obs}`);

    // Once the motors push the feet into the ground (friction 2.5), Box2D's float32 contact
    // and time-of-impact resolution and planck's float64 one part: hull velocities and joint
    // speeds agree to ~1e-7 on the first step, yet the joint angles already differ by ~1e-2
    // (position-level corrections), and a foot's contact flag can flip for a few steps,
    // which kicks a joint speed by up to ~0.7 (seed 0). So the replay checks what the
    // walker does, not every joint: measured over 20 steps, hull state ≤ 1.8e-2, lidar
    // ≤ 2.3e-3, per-step reward ≤ 9.6e-3, 20-step return ≤ 4.3e-3.
    let ret = 0;
    let goldenRet = 0;
    for (let t = 0; t < 20; t++) {
      const st = g.steps[t];
      const r = env.step(new Float32Array(st.action as number[]));
      const o = r.obs as Float32Array;
      assert.ok(maxAbsDiff(o, st.obs, HULL) < 5e-2, `step ${t}: hull ${Array.from(o.slice(0, 4))} vs ${st.obs.slice(0, 4)}`);
      assert.ok(maxAbsDiff(o, st.obs, LIDAR) < 1e-2, `step ${t}: lidar`);
      assert.ok(Math.abs(r.reward - st.reward) < 2e-2, `step ${t}: reward ${r.reward} vs ${st.reward}`);
      assert.equal(r.terminated, st.terminated);
      ret += r.reward;
      goldenRet += st.reward;
    }
    assert.ok(Math.abs(ret - goldenRet) < 2e-2, `20-step return ${ret} vs ${goldenRet}`);
    // Stepping draws nothing, so the unseeded reset continues Gymnasium's stream exactly.
    const second = env.reset().obs as Float32Array;
    assert.ok(maxAbsDiff(second, g.second_reset_obs, ALL) < 1e-5, `second reset ${Array.from(second)} vs ${g.second_reset_obs}`);
  });
}

test('whole episodes: under random actions drawn as the recordings drew them, the walker falls when Gymnasium\'s does', () => {
  // Past contact the replays part (above), so whole episodes are compared in distribution:
  // the three recordings (uniform actions in 1.2x the bounds) fall at steps 84-94; ours, over
  // 20 seeds with such actions, falls at a median step within 25% of their mean. (The
  // episodes that do not fall, 1/4 of ours, kneel until the 1600-step limit.)
  const recorded = [0, 1, 2].map((seed) => golden(seed).steps);
  for (const steps of recorded) assert.ok(steps[steps.length - 1].terminated && steps[steps.length - 1].reward === -100);
  const recordedMean = recorded.reduce((a, s) => a + s.length, 0) / recorded.length;
  const falls: number[] = [];
  for (let seed = 0; seed < 20; seed++) {
    const env = make('BipedalWalker-v3');
    env.reset({ seed });
    const rng = defaultRng(1000 + seed);
    for (let t = 1; ; t++) {
      const r = env.step(Float32Array.from({ length: 4 }, () => rng.uniform(-1.2, 1.2)));
      if (r.terminated) {
        assert.equal(r.reward, -100, 'a fall costs -100');
        falls.push(t);
      }
      if (r.terminated || r.truncated) break;
    }
  }
  falls.sort((a, b) => a - b);
  assert.ok(falls.length >= 10, `only ${falls.length} of 20 episodes fell`);
  const median = falls[Math.floor(falls.length / 2)];
  assert.ok(Math.abs(median - recordedMean) <= 0.25 * recordedMean, `median fall at step ${median}, recordings at ${recordedMean.toFixed(1)} on average`);
});

test('a limp walker (no motor torque) collapses onto its hull: terminated with -100', () => {
  const env = new BipedalWalker();
  env.reset({ seed: 4 });
  let last;
  let steps = 0;
  for (; steps < 500; steps++) {
    last = env.step([0, 0, 0, 0]);
    if (last.terminated) break;
  }
  assert.ok(last!.terminated, 'should have fallen');
  assert.equal(last!.reward, -100);
  assert.ok(steps > 5, `fell after ${steps} steps`);
});

test('make() truncates at 1600 steps (2000 hardcore)', () => {
  for (const [id, limit] of [['BipedalWalker-v3', 1600], ['BipedalWalkerHardcore-v3', 2000]] as const) {
    const env = make(id);
    assert.equal(env.spec?.max_episode_steps, limit);
    assert.equal(env.spec?.reward_threshold, 300);
    assert.equal(((env as Wrapper).unwrapped as BipedalWalker).hardcore, id.includes('Hardcore'));
    env.reset({ seed: 0 });
    // No controller keeps this walker up that long, so the episode ends (terminated) long
    // before; stepping on regardless, the time limit still fires at exactly its step.
    const action = new Float32Array([0.3, -0.3, 0.3, -0.3]);
    for (let t = 1; t < limit; t++) assert.equal(env.step(action).truncated, false, `${id} step ${t}`);
    assert.equal(env.step(action).truncated, true);
  }
});

test('hardcore terrain has obstacles; normal terrain has none', () => {
  const normal = new BipedalWalker();
  normal.reset({ seed: 1 });
  const hard = new BipedalWalker({ hardcore: true });
  hard.reset({ seed: 1 });
  // Terrain bodies: 199 edges, plus stump/stair/pit polygons in hardcore.
  assert.equal(normal.terrain.length, 199);
  assert.ok(hard.terrain.length > 199 + 5, `hardcore terrain bodies: ${hard.terrain.length}`);
});

test("Gymnasium's scripted gait walks forward and earns positive reward", () => {
  const env = new BipedalWalker();
  let obs = env.reset({ seed: 0 }).obs;
  const gait = new BipedalWalkerHeuristic();
  const x0 = env.hull!.getPosition().x;
  let action: Float64Array = new Float64Array(4);
  let total = 0;
  for (let t = 0; t < 400; t++) {
    const r = env.step(action);
    total += r.reward;
    obs = r.obs;
    if (r.terminated) break;
    action = gait.step(obs);
  }
  const dx = env.hull!.getPosition().x - x0;
  // 130 reward per SCALE metres of progress: 400 steps of this gait cover ~15 m.
  assert.ok(dx > 5, `moved ${dx} m`);
  assert.ok(total > 20, `return ${total}`);
});

test('actions are checked: wrong length or non-finite is refused', () => {
  const env = new BipedalWalker();
  env.reset({ seed: 0 });
  assert.throws(() => env.step([0, 0, 0]), (e: unknown) => e instanceof GymwireError && e.code === 'invalid_action');
  assert.throws(() => env.step([0, 0, Number.POSITIVE_INFINITY, 0]), GymwireError);
  // Out-of-range actions act like ±1 (torque clipped), as in Gymnasium.
  const a = new BipedalWalker();
  const b = new BipedalWalker();
  a.reset({ seed: 2 });
  b.reset({ seed: 2 });
  assert.deepEqual(Array.from(a.step([3, -2, 1.5, -7]).obs), Array.from(b.step([1, -1, 1, -1]).obs));
});
