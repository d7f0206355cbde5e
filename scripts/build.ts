// npm run build (and prepack): compiles the package into dist/ as it is installed. tsc emits
// the JavaScript and the .d.ts files (tsconfig.build.json); the files the modules read at run
// time by a path next to their own are copied beside their compiled module.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeWebAssets } from '../server/web-bundle.ts';
import { writePageAssets } from '../agents/dashboard/bundle.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Read at run time by `new URL(name, import.meta.url)`. */
export const ASSETS = [
  'agents/kernels/mlp.wasm',
  // The MuJoCo model files (Gymnasium 1.4.0's) and their licence.
  ...readdirSync(join(root, 'envs/mujoco/assets'))
    .filter((f) => f.endsWith('.xml') || f === 'LICENSE' || f === 'README.md')
    .map((f) => `envs/mujoco/assets/${f}`),
];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const asset of ASSETS) {
  mkdirSync(dirname(join(dist, asset)), { recursive: true });
  copyFileSync(join(root, asset), join(dist, asset));
}
// The env page: its HTML and CSS, and app.js bundled now, since the package has no web/ sources.
await writeWebAssets(join(dist, 'web'));
await writePageAssets(join(dist, 'agents/dashboard/page'));
console.log(`built ${dist}`);
