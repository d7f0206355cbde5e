// Starting one of tfjs's backends: tfjs-node (native TensorFlow, an optional dependency),
// tfjs-wasm (XNNPACK) or the plain-JS cpu backend. Only the tfjs backend loads this module,
// so a run on the kernels never loads TensorFlow.js.
import * as tf from '@tensorflow/tfjs';
import type { TfjsBackendName } from '../types.ts';

let wasmLoaded = false;

async function tryNode(): Promise<string | null> {
  try {
    // Optional dependency: a string variable keeps TypeScript from requiring its types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return (await tf.setBackend('tensorflow')) ? null : 'setBackend failed';
  } catch (err) {
    return `@tensorflow/tfjs-node not loadable (${String((err as Error)?.message ?? err).split('\n')[0]})`;
  }
}

async function tryWasm(): Promise<string | null> {
  try {
    if (!wasmLoaded) {
      await import('@tensorflow/tfjs-backend-wasm');
      wasmLoaded = true;
    }
    return (await tf.setBackend('wasm')) ? null : 'setBackend failed';
  } catch (err) {
    return String((err as Error)?.message ?? err);
  }
}

async function tryCpu(): Promise<string | null> {
  return (await tf.setBackend('cpu')) ? null : 'setBackend failed';
}

/** Starts tfjs's backend `name`; null when it runs, else why not. */
export async function startTfjsBackend(name: TfjsBackendName): Promise<string | null> {
  const why = name === 'tensorflow' ? await tryNode() : name === 'wasm' ? await tryWasm() : await tryCpu();
  if (why === null) await tf.ready();
  return why;
}

/** The tfjs backend running now. */
export function activeTfjsBackend(): TfjsBackendName {
  return tf.getBackend() as TfjsBackendName;
}
