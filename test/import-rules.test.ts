// The layout's import rules (README "Layout"): dependencies point one way, so each folder can
// be read — and reused — without the ones above it. Every .ts file's import specifiers (static,
// `export … from`, dynamic `import()` with a literal, `import type`) are parsed with the
// TypeScript compiler and each relative one is mapped to the top-level folder it lands in.
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
  examples: ['envs', 'protocol', 'graphics'],
  // The browser page: the protocol, and agents/ only for the pure actor forward pass (esbuild's browser build refuses anything that needs Node).
  web: ['protocol', 'agents'],
};
const FREE = ['test', 'bench', 'scripts'];

/** The import specifiers of a TypeScript source. */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
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
      else if (!allowed.includes(to)) out.push(`${path}: ${spec} (${from} → ${to}; ${from} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'})`);
    }
  }
  return out;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every import follows the layout rules (no upward imports)', () => {
  const files = [...Object.keys(MAY_IMPORT), ...FREE].flatMap((d) => tsFiles(join(ROOT, d))).map((p) => ({ path: relative(ROOT, p), source: readFileSync(p, 'utf8') }));
  assert.ok(files.length > 150, `found ${files.length} .ts files`);
  assert.ok(files.some((f) => f.path.startsWith(`agents${sep}`)) && files.some((f) => f.path.startsWith(`client${sep}`)));
  assert.deepEqual(violations(files), []);
});

test('the checker sees static, type-only, re-exported and dynamic imports, and each rule', () => {
  const file = (path: string, source: string) => ({ path: path.split('/').join(sep), source });
  const found = violations([
    file('protocol/x.ts', "import { a } from '../envs/registry.ts';"),
    file('client/x.ts', "import type { T } from '../agents/config.ts';"),
    file('client/y.ts', "export { b } from '../envs/index.ts';"),
    file('envs/x.ts', "const m = await import('../server/server.ts');"),
    file('server/x.ts', "import '../client/remote-env.ts';"),
    file('conformance/x.ts', "import { RemoteEnv } from '../client/remote-env.ts';"),
    file('agents/x.ts', "import { startServer } from '../server/server.ts';"),
    // allowed:
    file('agents/y.ts', "import { RemoteEnv } from '../client/remote-env.ts'; import * as tf from '@tensorflow/tfjs'; import { make } from '../envs/index.ts';"),
    file('server/y.ts', "import { make } from '../envs/index.ts'; import { Canvas } from '../graphics/canvas.ts';"),
    file('test/x.ts', "import { train } from '../agents/trainer.ts'; import { startServer } from '../server/server.ts';"),
    file('envs/box2d/x.ts', "import { a } from '../../protocol/spaces.ts'; import { b } from '../base-env.ts';"),
  ]);
  assert.equal(found.length, 7, found.join('\n'));
  assert.match(found[0], /protocol → envs; protocol may import nothing of ours/);
  assert.match(found[6], /agents → server/);
});
