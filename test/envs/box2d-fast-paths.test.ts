// The planck-overlay fast paths (envs/box2d/planck-overlay) must not change a single bit:
// every Box2D env runs seeded random actions through several episodes in worlds with all fast
// paths and in worlds with none (stock planck, with the overlay's Box2D-parity pieces in
// both), and observations, rewards and BipedalWalker's lidar end points (drawn, not observed)
// are compared exactly. V8's block coverage, taken while these comparisons run, then reports
// which branches of the fast paths they exercised, and the test fails if a fast path's
// branch that these envs do reach was not compared.
import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';
import { test } from 'node:test';
import type { BipedalWalker } from '../../envs/box2d/bipedal-walker.ts';
import type { Wrapper } from '../../envs/wrappers.ts';
import type { SpaceValue } from '../../protocol/env-api.ts';

// Coverage counts only code compiled after it starts: the modules under test load below.
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
const { make } = await import('../../envs/index.ts');
const { ALL_FAST_PATHS, NO_FAST_PATHS, setDefaultFastPaths } = await import('../../envs/box2d/planck-overlay/world.ts');
const { defaultRng } = await import('../../protocol/random.ts');
const { sample } = await import('../../protocol/spaces.ts');

interface Trace {
  obs: number[];
  rewards: number[];
  episodes: number;
}

function trace(id: string, steps: number, kwargs: Record<string, unknown> = {}): Trace {
  const env = make(id, kwargs);
  const lidar = ((env as Wrapper<unknown, unknown>).unwrapped as Partial<BipedalWalker>).lidar;
  const rng = defaultRng(7);
  const out: Trace = { obs: [], rewards: [], episodes: 0 };
  out.obs.push(...(env.reset({ seed: 100 }).obs as Float32Array));
  for (let t = 0; t < steps; t++) {
    const action: SpaceValue = sample(env.actionSpace, rng);
    const r = env.step(action);
    out.obs.push(...(r.obs as Float32Array));
    out.rewards.push(r.reward);
    if (lidar) for (const ray of lidar) out.obs.push(ray.p2[0], ray.p2[1]);
    if (r.terminated || r.truncated) {
      out.episodes++;
      out.obs.push(...(env.reset({ seed: 100 + out.episodes }).obs as Float32Array));
    }
  }
  env.close();
  return out;
}

function assertSameTrace(fast: Trace, stock: Trace): void {
  assert.equal(fast.episodes, stock.episodes);
  assert.equal(fast.obs.length, stock.obs.length);
  for (let i = 0; i < fast.obs.length; i++) {
    if (!Object.is(fast.obs[i], stock.obs[i])) assert.fail(`obs value ${i}: ${fast.obs[i]} (fast) vs ${stock.obs[i]} (stock)`);
  }
  for (let i = 0; i < fast.rewards.length; i++) {
    if (!Object.is(fast.rewards[i], stock.rewards[i])) assert.fail(`reward ${i}: ${fast.rewards[i]} (fast) vs ${stock.rewards[i]} (stock)`);
  }
}

const CASES: [string, number, Record<string, unknown>][] = [
  ['LunarLander-v3', 600, {}],
  ['LunarLanderContinuous-v3', 600, {}],
  ['LunarLanderContinuous-v3', 300, { enable_wind: true }],
  ['BipedalWalker-v3', 400, {}],
  ['BipedalWalkerHardcore-v3', 400, {}],
];

for (const [id, steps, kwargs] of CASES) {
  test(`${id}${Object.keys(kwargs).length ? ' ' + JSON.stringify(kwargs) : ''}: fast paths are bit-identical to stock planck`, () => {
    setDefaultFastPaths(NO_FAST_PATHS);
    let stock: Trace;
    try {
      stock = trace(id, steps, kwargs);
    } finally {
      setDefaultFastPaths(ALL_FAST_PATHS);
    }
    const fast = trace(id, steps, kwargs);
    assert.ok(fast.episodes >= 1, 'the trace should cover a reset');
    assertSameTrace(fast, stock);
  });
}

// Branches of the fast paths these envs never take, with why. Any other branch not taken by
// the comparisons above fails the test below: it would be a fast path left unchecked.
const NEVER_TAKEN: [file: string, snippet: string, why: string][] = [
  ['revolute-joint', 'fixedRotation)⟨this.m_motorImpulse=0', 'every joint here has its motor on and rotating bodies'],
  ['revolute-joint', '⟨{this.m_limitState=EQUAL_LIMITS}', 'no joint here has equal limits'],
  ['revolute-joint', '===EQUAL_LIMITS)⟨', 'no joint here has equal limits'],
  ['revolute-joint', '⟨else{this.m_limitState=INACTIVE_LIMIT}', 'every joint here has its limit on'],
  ['revolute-joint', '⟨else{impulse.x=0;impulse.y=0;impulse.z=0;', 'the worlds here always warm-start'],
  ['contact-velocity', '===null)⟨return;', 'a contact in an island has its fixtures and bodies'],
  ['ray-cast', 'if(node==null)⟨continue', "the tree's inner nodes have two children"],
  ['ray-cast', 'if(fraction===0)⟨break', 'no lidar ray starts on the ground'],
  ['ray-cast', '⟨returnfallbackRayCast(', 'the ground is made of edges and polygons'],
  ['ray-cast', 'if(denominator==0)⟨returnfalse', 'no ray runs exactly parallel to an edge'],
  ['ray-cast', 'if(rr==0)⟨returnfalse', 'no edge has zero length'],
  ['ray-cast', 'if(denominator==0)⟨{if(numerator<0)returnfalse}', "no ray runs exactly parallel to a polygon's side"],
  ['ray-cast', 'returntrue}⟨returnfalse⟩', 'no ray starts inside a polygon'],
];

interface CoverageRange {
  startOffset: number;
  endOffset: number;
  count: number;
}

test('the comparisons exercised the fast paths: a report of their branches', async (t) => {
  const { result } = (await session.post('Profiler.takePreciseCoverage')) as {
    result: { scriptId: string; url: string; functions: { functionName: string; ranges: CoverageRange[] }[] }[];
  };
  await session.post('Profiler.stopPreciseCoverage');
  await session.post('Debugger.enable');
  const unexplained: string[] = [];
  let files = 0;
  for (const script of result) {
    const file = /planck-overlay\/(revolute-joint|contact-velocity|ray-cast)\.ts$/.exec(script.url)?.[1];
    if (file === undefined) continue;
    files++;
    const { scriptSource } = (await session.post('Debugger.getScriptSource', { scriptId: script.scriptId })) as { scriptSource: string };
    for (const fn of script.functions) {
      // The module body, tsx's __name helper and planck's own ray cast are not fast paths.
      if (fn.functionName === '' || fn.functionName === '__name' || fn.functionName === 'fallbackRayCast') continue;
      const [whole, ...blocks] = fn.ranges;
      // A block's code, after the condition that leads to it (tsx's output, spaces removed).
      const code = (b: CoverageRange): string =>
        `${scriptSource.slice(Math.max(whole.startOffset, b.startOffset - 40), b.startOffset)}⟨${scriptSource.slice(b.startOffset, b.endOffset)}⟩`.replace(
          /\s+/g,
          '',
        );
      const skipped = blocks.filter((b) => b.count === 0).map(code);
      t.diagnostic(
        `${file} ${fn.functionName}: called ${whole.count} times, ${blocks.length - skipped.length} of ${blocks.length} branches taken`,
      );
      if (whole.count === 0) unexplained.push(`${file} ${fn.functionName} never ran`);
      for (const code of skipped) {
        const known = NEVER_TAKEN.find(([f, snippet]) => f === file && code.includes(snippet));
        t.diagnostic(`  not taken: ${code.slice(0, 110)}${known ? ` (${known[2]})` : ''}`);
        if (!known) unexplained.push(`${file} ${fn.functionName}: ${code.slice(0, 140)}`);
      }
    }
  }
  session.disconnect();
  assert.equal(files, 3, 'coverage should include the three fast-path modules');
  assert.deepEqual(unexplained, [], 'fast-path branches the comparisons did not exercise');
});
