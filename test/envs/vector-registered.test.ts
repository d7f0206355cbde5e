// makeVec over the registered envs: a vector of N equals N envs from make() reset with
// seed+i and reset again by hand after each episode, replaying Gymnasium's recorded
// actions; the autoreset obs is Gymnasium's own second (unseeded) reset obs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../envs/index.ts';
import { make } from '../../envs/registry.ts';
import type { TypedArray } from '../../protocol/env-api.ts';
import { makeVec } from '../../envs/vector/sync-vector-env.ts';
import { loadGolden } from './golden.ts';

const near = (actual: ArrayLike<number>, expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(
      Math.abs(actual[k] - expected[k]) <= 1e-5 * Math.max(1, Math.abs(expected[k])),
      `${what}[${k}]: ${actual[k]} vs ${expected[k]}`,
    );
  }
};

for (const id of ['CartPole-v1', 'Pendulum-v1', 'LunarLander-v3', 'LunarLanderContinuous-v3']) {
  test(`makeVec('${id}', 3): seeds seed+i, NEXT_STEP autoreset, equal to 3 manually reset envs`, (t) => {
    const n = 3;
    const goldens = [0, 1, 2].map((s) => loadGolden(id, s));
    const vec = makeVec(id, n);
    assert.equal(vec.spec?.id, id);
    const singles = Array.from({ length: n }, () => make(id));
    const space = vec.singleActionSpace;
    const actSize = space.type === 'Box' ? space.shape.reduce((a, b) => a * b, 1) : 1;
    const obsSize = goldens[0].reset_obs.length;
    const row = (a: TypedArray, i: number) => Array.from(a.subarray(i * obsSize, (i + 1) * obsSize) as Float32Array);

    const r = vec.reset({ seed: 0 });
    assert.ok(r.obs instanceof Float32Array && r.obs.length === n * obsSize);
    for (let i = 0; i < n; i++) {
      const single = singles[i].reset({ seed: i }).obs as Float32Array;
      assert.deepEqual(row(r.obs, i), Array.from(single), `reset obs of sub-env ${i}`);
      near(single, goldens[i].reset_obs, `${id} seed ${i} reset obs`);
    }

    // Sub-env i replays its golden actions; after its episode it keeps taking the last one.
    const stepOf = new Array<number>(n).fill(0);
    const pending = new Array<boolean>(n).fill(false);
    const autoresetAt = new Array<number>(n).fill(-1);
    const episodeLength = new Array<number>(n).fill(-1);
    let comparedToGolden = 0;
    // TimeLimit ends every episode by max_episode_steps, so each sub-env autoresets within it.
    const maxT = (vec.spec?.max_episode_steps ?? 1000) + 2;
    for (let step = 0; step < maxT && autoresetAt.some((a) => a < 0); step++) {
      const actions = space.type === 'Discrete' ? new Int32Array(n) : new Float32Array(n * actSize);
      const perEnv: (number | Float32Array)[] = [];
      for (let i = 0; i < n; i++) {
        const steps = goldens[i].steps;
        const a = steps[Math.min(stepOf[i], steps.length - 1)].action;
        if (typeof a === 'number') {
          actions[i] = a;
          perEnv.push(a);
        } else {
          actions.set(a, i * actSize);
          perEnv.push(Float32Array.from(a));
        }
      }
      const s = vec.step(actions);
      for (let i = 0; i < n; i++) {
        if (pending[i]) {
          const reset = singles[i].reset().obs as Float32Array;
          assert.deepEqual(row(s.obs, i), Array.from(reset), `autoreset obs of sub-env ${i}`);
          if (autoresetAt[i] < 0) {
            // The unseeded reset continues the generator's stream, so it matches Gymnasium's
            // only after an episode of the recorded length (chaotic envs may drift from it;
            // that is the env's exactness, tested with the env).
            if (episodeLength[i] === goldens[i].steps.length) {
              near(reset, goldens[i].second_reset_obs, `${id} seed ${i} second reset obs`);
              comparedToGolden++;
            }
            autoresetAt[i] = step;
          }
          assert.equal(s.rewards[i], 0);
          assert.equal(s.terminated[i] | s.truncated[i], 0);
          pending[i] = false;
          stepOf[i] = 0;
          continue;
        }
        const e = singles[i].step(perEnv[i]);
        assert.deepEqual(row(s.obs, i), Array.from(e.obs as Float32Array), `obs of sub-env ${i} at vector step ${step}`);
        assert.equal(s.rewards[i], e.reward);
        assert.equal(s.terminated[i], e.terminated ? 1 : 0);
        assert.equal(s.truncated[i], e.truncated ? 1 : 0);
        pending[i] = e.terminated || e.truncated;
        stepOf[i]++;
        if (pending[i] && autoresetAt[i] < 0) episodeLength[i] = stepOf[i];
      }
    }
    assert.ok(
      autoresetAt.every((a) => a > 0),
      `every sub-env autoreset (at vector steps ${autoresetAt})`,
    );
    t.diagnostic(
      `episode lengths ${episodeLength} (Gymnasium: ${goldens.map((g) => g.steps.length)}); ${comparedToGolden} autoreset obs compared to Gymnasium's`,
    );
    vec.close();
  });
}
