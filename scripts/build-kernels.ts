// npm run build:kernels — compiles the learner's WebAssembly kernels
// (agents/kernels/assembly/mlp.ts, AssemblyScript) to agents/kernels/mlp.wasm.
// The .wasm is committed, so installing gymwire needs no compiler; test/agents/kernels-build.test.ts
// checks that the committed file is what this source builds to.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNEL_SOURCE = fileURLToPath(new URL('../agents/kernels/assembly/mlp.ts', import.meta.url));
export const KERNEL_WASM = fileURLToPath(new URL('../agents/kernels/mlp.wasm', import.meta.url));

// SIMD128 and threads (atomics, shared memory) only: no relaxed SIMD, which Node 20 hides behind a flag.
const FLAGS = [
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '16384',
  '--enable',
  'simd',
  '--enable',
  'threads',
  '--disable',
  'bulk-memory',
];

/**
 * Compiles the kernels and returns the .wasm bytes (throws with the compiler's messages).
 * The compiler runs in a plain Node child: loaded through a TypeScript loader (tsx), whose
 * hooks see each of its modules, binaryen's many megabytes of JavaScript cost several times
 * the compile itself.
 */
export async function buildKernels(): Promise<Uint8Array> {
  const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
  const dir = mkdtempSync(join(tmpdir(), 'gymwire-kernels-'));
  try {
    const out = join(dir, 'mlp.wasm');
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [asc, KERNEL_SOURCE, ...FLAGS, '--outFile', out], { timeout: 300_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`kernel build failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
      );
    });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wasm = await buildKernels();
  writeFileSync(KERNEL_WASM, wasm);
  console.log(`wrote ${KERNEL_WASM} (${wasm.length} bytes)`);
}
