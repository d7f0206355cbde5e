// A well-behaved client on its own connection, stepping CartPole against a local copy the
// whole time another test attacks the server: every answer must equal the local env's, and
// the longest wait for a step says whether the attack stalled other connections.
import assert from 'node:assert/strict';
import { make } from '../../envs/index.ts';
import { RemoteEnv } from '../../client/remote-env.ts';

export interface Bystander {
  /** The steps answered so far. */
  readonly steps: number;
  /** Stops after at least `minSteps` steps; resolves with what it saw (rejects on a wrong answer or a lost connection). */
  stop(minSteps?: number): Promise<{ steps: number; maxWaitMs: number }>;
}

export async function startBystander(url: string): Promise<Bystander> {
  const remote = await RemoteEnv.connect(url, 'CartPole-v1', {}, { reconnect: false });
  const local = make('CartPole-v1');
  let running = true;
  let minSteps = 0;
  let maxWaitMs = 0;
  let steps = 0;
  const run = (async () => {
    let seed = 0;
    assert.deepEqual(await remote.reset({ seed }), local.reset({ seed }));
    while (running || steps < minSteps) {
      const a = steps % 3 === 0 ? 1 : 0;
      const t0 = performance.now();
      const r = await remote.step(a);
      maxWaitMs = Math.max(maxWaitMs, performance.now() - t0);
      const l = local.step(a);
      assert.deepEqual(r, l, `bystander step ${steps}`);
      steps++;
      if (l.terminated || l.truncated) {
        seed++;
        assert.deepEqual(await remote.reset({ seed }), local.reset({ seed }));
      }
    }
    await remote.close();
    return steps;
  })();
  run.catch(() => {}); // reported by stop()
  return {
    get steps() {
      return steps;
    },
    async stop(min = 100) {
      minSteps = min;
      running = false;
      return { steps: await run, maxWaitMs };
    },
  };
}
