// MuJoCo's own WebAssembly build (the `mujoco-js` package), loaded on first use: importing
// the envs library costs nothing, and a process that never makes a MuJoCo env never loads
// its 11 MB. make() is synchronous, as Gymnasium's is, so the module is loaded first by
// `await loadMujoco()` (the server does it before it makes one; registry's loadEnv(id) too).
import { readFileSync } from 'node:fs';
import type { MainModule, MjData, MjModel } from 'mujoco-js';
import { GymwireError } from '../../protocol/errors.ts';

export type { MainModule, MjData, MjModel };

/** The model files shipped in envs/mujoco/assets/ (Gymnasium 1.4.0's, unchanged). */
export const SHIPPED_MODELS = [
  'ant.xml',
  'half_cheetah.xml',
  'hopper.xml',
  'humanoid.xml',
  'humanoidstandup.xml',
  'inverted_double_pendulum.xml',
  'inverted_pendulum.xml',
  'point.xml',
  'pusher.xml',
  'pusher_v5.xml',
  'reacher.xml',
  'swimmer.xml',
  'walker2d.xml',
  'walker2d_v5.xml',
] as const;
export type ShippedModel = (typeof SHIPPED_MODELS)[number];

const ASSETS = new URL('./assets/', import.meta.url);
/** Where the model files are written in the module's in-memory file system. */
const MODEL_DIR = '/gymwire-models';

let loading: Promise<MainModule> | null = null;
let loaded: MainModule | null = null;
/** Each shipped file as compiled once, kept for the process's life: what envs copy. */
const compiledModels = new Map<ShippedModel, MjModel>();

/** Loads MuJoCo's WebAssembly module once; every later call gets the same module. */
export function loadMujoco(): Promise<MainModule> {
  loading ??= import('mujoco-js').then(async ({ default: factory }) => {
    const module = await factory();
    module.FS.mkdir(MODEL_DIR);
    loaded = module;
    return module;
  });
  return loading;
}

/** Whether loadMujoco() has finished, so that a MuJoCo env can be made synchronously. */
export function mujocoLoaded(): boolean {
  return loaded !== null;
}

/** The loaded module, or an error saying to load it first. */
export function mujoco(envName: string): MainModule {
  if (loaded === null) {
    throw new GymwireError('unsupported', `${envName} runs on MuJoCo's WebAssembly module: await loadEnv('${envName}') before make()`);
  }
  return loaded;
}

/** Whether `name` is one of the shipped model files (the only ones an env may load). */
export function isShippedModel(name: unknown): name is ShippedModel {
  return typeof name === 'string' && (SHIPPED_MODELS as readonly string[]).includes(name);
}

/**
 * A new MjModel of a shipped file; the caller frees it with delete(). Each file is compiled
 * from its XML once per process; every env gets its own copy of that compiled model
 * (mj_copyModel), which is what compiling the same XML again would give, much faster.
 */
export function loadModel(module: MainModule, file: ShippedModel): MjModel {
  let compiled = compiledModels.get(file);
  if (compiled === undefined) {
    const path = `${MODEL_DIR}/${file}`;
    module.FS.writeFile(path, readFileSync(new URL(file, ASSETS), 'utf8'));
    const loaded = module.MjModel.loadFromXML(path) as MjModel | null | undefined;
    module.FS.unlink(path);
    if (!loaded) throw new GymwireError('internal', `MuJoCo could not load the shipped model ${file}`);
    compiledModels.set(file, (compiled = loaded));
  }
  return new module.MjModel(compiled);
}
