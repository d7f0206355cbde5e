// Picks what computes the learner's updates. 'auto' tries, in order: our WebAssembly SIMD
// kernels (kernel-core.ts; see bench/learner.ts), then tfjs with @tensorflow/tfjs-node (native
// TensorFlow) when installed, then tfjs-wasm (XNNPACK), then tfjs's plain-JS cpu backend; when
// tfjs-node is installed as well, the trainer times the kernels against it and keeps the
// faster. `--backend` forces one. Every choice is logged. TensorFlow.js is imported only when a
// tfjs backend is tried: a run on the kernels never loads it.
import { createRequire } from 'node:module';
import { kernelsUnavailable } from '../kernels/engine.ts';
import type { Algo } from '../train-config.ts';
import type { BackendChoice, BackendName, LearnerBackend, TfjsBackendName } from './types.ts';

type TfjsModule = typeof import('./tfjs/index.ts');
let tfjs: TfjsModule | null = null;

/** Loads the tfjs backend (and TensorFlow.js with it); later calls return the same module. */
export async function loadTfjs(): Promise<TfjsModule> {
  tfjs ??= await import('./tfjs/index.ts');
  return tfjs;
}

/** The tfjs backend if something loaded it, else null. */
export function loadedTfjs(): TfjsModule | null {
  return tfjs;
}

/** Whether the optional native TensorFlow package is installed (found, not loaded). */
function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/**
 * Initialises the first backend of the choice's order that works; returns its name.
 * `kernelsProbe` says why the kernels cannot run (null: they can); tests replace it.
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
  log: (msg: string) => void = () => {},
  kernelsProbe: () => string | null = kernelsUnavailable,
): Promise<BackendName> {
  const order: BackendName[] = choice === 'auto' ? ['kernels', 'tensorflow', 'wasm', 'cpu'] : [choice === 'node' ? 'tensorflow' : choice];
  for (const name of order) {
    const why = name === 'kernels' ? kernelsProbe() : await (await loadTfjs()).startTfjsBackend(name);
    if (why === null) {
      if (name === 'kernels') {
        // With tfjs-node installed, the trainer times the kernels against it (learner.ts fasterBackend).
        if (choice === 'auto' && tfjsNodeInstalled() && (await (await loadTfjs()).startTfjsBackend('tensorflow')) === null) {
          log('tfjs-node is installed too: the trainer will time both');
        }
        log('learner backend: kernels (WebAssembly SIMD, shared-memory threads)');
        return 'kernels';
      }
      const running = (await loadTfjs()).activeTfjsBackend();
      log(`learner backend: tfjs ${running}`);
      return running;
    }
    if (choice !== 'auto') throw new Error(`backend '${choice}' could not be initialised: ${why}`);
    log(`learner backend ${name} unavailable (${why}); trying the next`);
  }
  throw new Error('no learner backend could be initialised');
}

/** The running tfjs backend, or null when tfjs was never loaded. */
export function activeTfjsBackend(): TfjsBackendName | null {
  return tfjs?.activeTfjsBackend() ?? null;
}

/** Which update implementation 'auto' means here, and why (for the log). */
export function resolveBackend(choice: LearnerBackend | 'auto' = 'auto', algo: Algo = 'ddpg'): { backend: LearnerBackend; why: string } {
  const missing = kernelsUnavailable();
  if (algo !== 'ddpg' && (choice === 'tfjs' || missing !== null)) {
    const reason = missing ? `, and they cannot run here: ${missing}` : '; use --backend auto or kernels';
    throw new Error(`${algo.toUpperCase()} runs on the learner's WebAssembly kernels only (the tfjs backend is DDPG's)${reason}`);
  }
  if (choice === 'tfjs') return { backend: 'tfjs', why: 'asked for' };
  if (missing === null) return { backend: 'kernels', why: choice === 'auto' ? 'WebAssembly SIMD + threads available' : 'asked for' };
  if (choice === 'kernels') throw new Error(`the learner's WebAssembly kernels cannot run here: ${missing}`);
  return { backend: 'tfjs', why: `WebAssembly kernels unavailable (${missing})` };
}
