// Picks what computes the learner's updates. 'auto' tries, in order: our WebAssembly SIMD
// kernels (learner-kernels.ts; fastest measured here, see bench/learner.ts), then tfjs with
// @tensorflow/tfjs-node (native TensorFlow) when installed, then tfjs-wasm (XNNPACK), then
// tfjs's plain-JS cpu backend; when tfjs-node is installed as well, the trainer times the
// kernels against it and keeps the faster. `--backend` forces one. Every choice is logged.
import * as tf from '@tensorflow/tfjs';
import { kernelsUnavailable } from './kernels/engine.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What runs the learner: our kernels, or tfjs on one of its backends. */
export type LearnerBackend = 'kernels' | BackendName;
export type BackendChoice = LearnerBackend | 'node' | 'auto';

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

/**
 * Initialises the first backend of the choice's order that works; returns its name.
 * `kernelsProbe` says why the kernels cannot run (null: they can); tests replace it.
 */
export async function selectBackend(choice: BackendChoice = 'auto', log: (msg: string) => void = () => {}, kernelsProbe: () => string | null = kernelsUnavailable): Promise<LearnerBackend> {
  const order: LearnerBackend[] = choice === 'auto' ? ['kernels', 'tensorflow', 'wasm', 'cpu'] : [choice === 'node' ? 'tensorflow' : choice];
  for (const name of order) {
    const why = name === 'kernels' ? kernelsProbe() : name === 'tensorflow' ? await tryNode() : name === 'wasm' ? await tryWasm() : await tryCpu();
    if (why === null) {
      if (name !== 'kernels') await tf.ready();
      // With tfjs-node installed, the trainer times the kernels against it (learner.ts fasterEngine).
      if (name === 'kernels' && choice === 'auto' && (await tryNode()) === null) log('tfjs-node is installed too: the trainer will time both');
      log(name === 'kernels' ? 'learner backend: kernels (WebAssembly SIMD, shared-memory threads)' : `learner backend: tfjs ${tf.getBackend()}`);
      return name === 'kernels' ? 'kernels' : (tf.getBackend() as BackendName);
    }
    if (choice !== 'auto') throw new Error(`backend '${choice}' could not be initialised: ${why}`);
    log(`learner backend ${name} unavailable (${why}); trying the next`);
  }
  throw new Error('no learner backend could be initialised');
}
