// Picks the fastest tfjs backend that loads: tfjs-node (native TensorFlow) when installed,
// else WebAssembly (XNNPACK, SIMD), else plain JS. `--backend` forces one.
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'node' | 'auto';

let wasmLoaded = false;

async function tryNode(): Promise<boolean> {
  try {
    // Optional dependency: a string variable keeps TypeScript from requiring its types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    if (!wasmLoaded) {
      await import('@tensorflow/tfjs-backend-wasm');
      wasmLoaded = true;
    }
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** Selects and initialises a backend; returns the name of the one running. */
export async function selectBackend(choice: BackendChoice = 'auto', log: (msg: string) => void = () => {}): Promise<BackendName> {
  const order: BackendName[] =
    choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice === 'node' ? 'tensorflow' : choice];
  for (const name of order) {
    const ok = name === 'tensorflow' ? await tryNode() : name === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      log(`tfjs backend: ${tf.getBackend()}`);
      return tf.getBackend() as BackendName;
    }
    if (choice !== 'auto') throw new Error(`tfjs backend '${choice}' could not be initialised`);
  }
  throw new Error('no tfjs backend could be initialised');
}
