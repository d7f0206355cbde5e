// Top functions by self time in a V8 .cpuprofile (from node --cpu-prof).
//
//   npx tsx bench/cpuprofile-top.ts CPU.*.cpuprofile [count] [--inclusive]
// --inclusive: time in a function and everything it calls (each function counted once per stack).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const inclusive = process.argv.includes('--inclusive');
const [file, countArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: tsx bench/cpuprofile-top.ts FILE.cpuprofile [count]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (node: ProfileNode): string => {
  const f = node.callFrame;
  return `${f.functionName || '(anonymous)'}  ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  let id: number | undefined = profile.samples[i];
  const seen = new Set<string>();
  while (id !== undefined) {
    const key = keyOf(byId.get(id)!);
    if (!seen.has(key)) self.set(key, (self.get(key) ?? 0) + dt);
    seen.add(key);
    id = inclusive ? parent.get(id) : undefined;
  }
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 30));
for (const [key, t] of top) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`);
