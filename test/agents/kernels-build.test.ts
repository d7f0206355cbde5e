// The committed agents/kernels/mlp.wasm is what its AssemblyScript source builds to
// (npm run build:kernels), so installs need no compiler and the source stays the truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildKernels, KERNEL_WASM } from '../../scripts/build-kernels.ts';

test('agents/kernels/mlp.wasm is current (else: npm run build:kernels)', async () => {
  const built = await buildKernels();
  const committed = readFileSync(KERNEL_WASM);
  assert.ok(
    Buffer.from(built).equals(committed),
    `mlp.wasm differs from a build of its source (${built.length} vs ${committed.length} bytes): run npm run build:kernels`,
  );
});
