// The layout's import rules (README "Layout"): dependencies point one way, so each folder can
// be read — and reused — without the ones above it, and no module imports itself round a ring,
// within a folder or across. Every .ts file's import specifiers (static, `export … from`,
// dynamic `import()` with a literal, `import type`, `typeof import()`) and, in the .js of
// examples/, JSDoc's `import('…')` types are parsed and each relative one is mapped to the file
// and the top-level folder it lands in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** What each folder may import besides itself; folders not listed (test, bench, scripts) may import anything. */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: [],
  graphics: ['protocol'],
  envs: ['protocol', 'graphics'],
  server: ['envs', 'protocol', 'graphics'],
  client: ['protocol'],
  agents: ['client', 'envs', 'protocol', 'graphics'],
  conformance: ['protocol'],
  bin: ['server', 'agents', 'conformance'],
  // The manifests' generator reads the server's port, drain grace and probe paths.
  k8s: ['server'],
  // Plugins get their API passed in; JSDoc names its types (erased at run time).
  examples: ['server', 'protocol'],
  // The browser page: the protocol, and agents/ only for the pure actor forward pass (esbuild's
  // browser build refuses anything that needs Node).
  web: ['protocol', 'agents'],
};
const FREE = ['test', 'bench', 'scripts'];

/** The import specifiers of a TypeScript source (with JSDoc's import() types, for JavaScript). */
export function importSpecifiers(source: string): string[] {
  const found = ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
  const typeImports = [...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
  return [...new Set([...found, ...typeImports])];
}

/** Every ring of imports among these files (paths relative to ROOT), each as its files in order. */
export function cycles(files: { path: string; source: string }[]): string[][] {
  const known = new Set(files.map((f) => f.path));
  const edges = new Map<string, string[]>();
  for (const { path, source } of files) {
    const targets = importSpecifiers(source)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(ROOT, resolve(ROOT, dirname(path), spec)))
      .filter((target) => known.has(target) && target !== path);
    edges.set(path, [...new Set(targets)]);
  }
  // Tarjan's strongly connected components: a component of more than one file is a ring.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const rings: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const ring: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      ring.push(w);
    } while (w !== v);
    if (ring.length > 1) rings.push(ring.reverse());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return rings;
}

/** The top-level folder of a repository-relative path ('' for files at the root). */
function folderOf(rel: string): string {
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : '';
}

/** Every forbidden import among these files (paths relative to ROOT), as "file: specifier (a → b)". */
export function violations(files: { path: string; source: string }[]): string[] {
  const out: string[] = [];
  for (const { path, source } of files) {
    const from = folderOf(path);
    if (FREE.includes(from)) continue;
    const allowed = MAY_IMPORT[from];
    for (const spec of importSpecifiers(source)) {
      if (!spec.startsWith('.') && !spec.startsWith('/')) continue; // a package
      const target = relative(ROOT, resolve(ROOT, dirname(path), spec));
      const to = folderOf(target);
      if (to === from) continue;
      if (!allowed) out.push(`${path}: ${spec} (files at the top level import nothing of ours)`);
      else if (target.startsWith('..')) out.push(`${path}: ${spec} (outside the project)`);
      else if (!allowed.includes(to))
        out.push(`${path}: ${spec} (${from} → ${to}; ${from} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'})`);
    }
  }
  return out;
}

/** The sources under dir: .ts everywhere, .js in examples/ (plugins ship as JavaScript). */
function sourceFiles(dir: string, js: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p, js));
    else if (name.endsWith('.ts') || (js && name.endsWith('.js'))) out.push(p);
  }
  return out;
}

function projectFiles(): { path: string; source: string }[] {
  return [...Object.keys(MAY_IMPORT), ...FREE]
    .flatMap((d) => sourceFiles(join(ROOT, d), d === 'examples'))
    .map((p) => ({ path: relative(ROOT, p), source: readFileSync(p, 'utf8') }));
}

test('every import follows the layout rules (no upward imports)', () => {
  const files = projectFiles();
  assert.ok(files.length > 150, `found ${files.length} source files`);
  for (const folder of ['agents', 'client', 'k8s', 'examples'])
    assert.ok(
      files.some((f) => f.path.startsWith(`${folder}${sep}`)),
      `${folder}/ is scanned`,
    );
  assert.deepEqual(violations(files), []);
});

test('no import cycles, within a folder or across folders (type-only imports included)', () => {
  assert.deepEqual(cycles(projectFiles()), []);
});

/** A made-up source file at a /-separated path, for the checkers' own tests. */
const file = (path: string, source: string) => ({ path: path.split('/').join(sep), source });

test('the cycle finder sees rings of static, type-only and dynamic imports, and only rings', () => {
  const rings = cycles(
    Object.entries({
      'agents/a.ts': "import { b } from './b.ts';",
      'agents/b.ts': "import type { C } from './sub/c.ts';",
      'agents/sub/c.ts': "const a = await import('../a.ts');",
      'envs/x.ts': "import { y } from './y.ts';",
      'envs/y.ts': 'export const y = 1;',
      'envs/z.ts': "/** @type {import('./w.js').W} */ let z;",
      'envs/w.js': "/** @typedef {import('./z.ts').Z} W */",
    }).map(([path, source]) => file(path, source)),
  );
  assert.deepEqual(
    rings.map((r) => r.map((p) => p.split(sep).join('/')).sort()),
    [
      ['agents/a.ts', 'agents/b.ts', 'agents/sub/c.ts'],
      ['envs/w.js', 'envs/z.ts'],
    ],
  );
});

test('the checker sees static, type-only, re-exported and dynamic imports, and each rule', () => {
  const found = violations([
    file('protocol/x.ts', "import { a } from '../envs/registry.ts';"),
    file('client/x.ts', "import type { T } from '../agents/config.ts';"),
    file('client/y.ts', "export { b } from '../envs/index.ts';"),
    file('envs/x.ts', "const m = await import('../server/server.ts');"),
    file('server/x.ts', "import '../client/remote-env.ts';"),
    file('conformance/x.ts', "import { RemoteEnv } from '../client/remote-env.ts';"),
    file('agents/x.ts', "import { startServer } from '../server/server.ts';"),
    // allowed:
    file(
      'agents/y.ts',
      "import { RemoteEnv } from '../client/remote-env.ts'; import * as tf from '@tensorflow/tfjs'; import { make } from '../envs/index.ts';",
    ),
    file('server/y.ts', "import { make } from '../envs/index.ts'; import { Canvas } from '../graphics/canvas.ts';"),
    file('test/x.ts', "import { train } from '../agents/trainer.ts'; import { startServer } from '../server/server.ts';"),
    file('envs/box2d/x.ts', "import { a } from '../../protocol/spaces.ts'; import { b } from '../base-env.ts';"),
  ]);
  assert.equal(found.length, 7, found.join('\n'));
  assert.match(found[0], /protocol → envs; protocol may import nothing of ours/);
  assert.match(found[6], /agents → server/);
});
