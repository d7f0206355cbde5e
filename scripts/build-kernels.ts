// npm run build:kernels — compiles the learner's WebAssembly kernels
// (agents/kernels/assembly/mlp.ts, AssemblyScript) to agents/kernels/mlp.wasm.
// The .wasm is committed, so installing gymwire needs no compiler; test/agents/kernels-build.test.ts
// checks that the committed file is what this source builds to.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

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

/** Compiles the kernels and returns the .wasm bytes (throws with the compiler's messages). */
export async function buildKernels(): Promise<Uint8Array> {
  let wasm: Uint8Array | null = null;
  let errors = '';
  const { error } = await asc.main([KERNEL_SOURCE, ...FLAGS, '--outFile', 'mlp.wasm'], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) wasm = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
    },
    stderr: { write: (s: string | Uint8Array) => void (errors += typeof s === 'string' ? s : new TextDecoder().decode(s)) } as never,
  });
  if (error || !wasm) throw new Error(`kernel build failed: ${error?.message ?? 'no output'}\n${errors}`);
  return wasm;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wasm = await buildKernels();
  writeFileSync(KERNEL_WASM, wasm);
  console.log(`wrote ${KERNEL_WASM} (${wasm.length} bytes)`);
}
