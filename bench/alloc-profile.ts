// Where a Box2D env allocates: V8's sampling heap profiler with collected objects included
// (node --heap-prof only keeps what is still alive at exit), top allocation sites by bytes.
//
//   npx tsx bench/alloc-profile.ts BipedalWalker-v3 [steps] [--callers]
import { Session } from 'node:inspector/promises';
import { runWorkload } from './box2d.ts';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const [id = 'BipedalWalker-v3', stepsArg = '3000'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
runWorkload(id, 500); // warm-up, so compilation is not counted
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
} as never);
const steps = Number(stepsArg);
runWorkload(id, steps);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: Node } };
const self = new Map<string, number>();
let total = 0;
const name = (n: Node | null): string => {
  if (n === null) return '';
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'}  ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
const withCaller = process.argv.includes('--callers');
const walk = (n: Node, parent: Node | null = null): void => {
  if (n.selfSize > 0) {
    const key = withCaller ? `${name(n)}  <-  ${name(parent)}` : name(n);
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  for (const c of n.children) walk(c, n);
};
walk(profile.head);
console.log(`${id}: ~${(total / steps).toFixed(0)} bytes allocated per step (sampled)`);
for (const [key, bytes] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${(bytes / steps).toFixed(0).padStart(6)} B/step  ${key}`);
}
