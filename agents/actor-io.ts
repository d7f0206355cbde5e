// The trained actor on its own: saveActor(dir) / loadActor(dir) → a policy usable without
// tfjs (the forward pass is plain JS), by the rollout CLI or anything else. DDPG's and TD3's
// actors are the same kind of network.
import { readSnapshot, writeSnapshot, floatsOf, textOf, snapshotIn, CheckpointError, MANIFEST } from './checkpoint-io.ts';
import { actorSpec, mlpForward, paramCount } from './networks.ts';

export const ACTOR_FORMAT = 'gymwire-ddpg-actor';
export const CHECKPOINT_FORMAT = 'gymwire-ddpg-checkpoint';

export interface ActorDescription {
  envId: string;
  /** The algorithm that trained it (absent in actors from before TD3: DDPG). */
  algo?: 'ddpg' | 'td3';
  obsDim: number;
  actDim: number;
  hidden: number[];
  /** Action Box bounds: the tanh output u ∈ [-1, 1] maps to low + (u + 1)/2 · (high − low). */
  low: number[];
  high: number[];
}

export interface Policy {
  readonly description: ActorDescription;
  /** Deterministic action (no exploration noise), in the env's action units. */
  act(obs: ArrayLike<number>): Float32Array;
}

export function scaleAction(u: ArrayLike<number>, low: ArrayLike<number>, high: ArrayLike<number>, out: Float32Array = new Float32Array(u.length)): Float32Array {
  for (let i = 0; i < u.length; i++) out[i] = low[i] + 0.5 * (u[i] + 1) * (high[i] - low[i]);
  return out;
}

export function makePolicy(description: ActorDescription, params: Float32Array): Policy {
  const spec = actorSpec(description.obsDim, description.actDim, description.hidden);
  const need = paramCount(spec);
  if (params.length !== need) throw new CheckpointError(`actor has ${params.length} parameters, its description needs ${need}`);
  return {
    description,
    act(obs) {
      if (obs.length !== description.obsDim) throw new RangeError(`policy expects ${description.obsDim} observation values, got ${obs.length}`);
      return scaleAction(mlpForward(spec, params, obs, true), description.low, description.high);
    },
  };
}

/** The files that make up an exported actor (also part of every training checkpoint). */
export function actorFiles(description: ActorDescription, params: Float32Array): Record<string, string | Float32Array> {
  return { 'actor.json': JSON.stringify(description, null, 2), 'actor.bin': params };
}

export function saveActor(dir: string, description: ActorDescription, params: Float32Array): void {
  makePolicy(description, params); // validates sizes before anything is written
  writeSnapshot(dir, ACTOR_FORMAT, actorFiles(description, params));
}

/**
 * Loads a policy from an actor directory (saveActor), a training checkpoint directory, or a
 * run directory (uses its checkpoint/ as --resume does: the previous one, moved aside, when a
 * save was killed between its two renames). Checksums are verified.
 */
export function loadActor(dir: string): Policy {
  const d = snapshotIn(dir, 'checkpoint');
  let files: Map<string, Uint8Array>;
  try {
    files = readSnapshot(d, ACTOR_FORMAT);
  } catch (e) {
    if (!(e instanceof CheckpointError) || !/holds a/.test(e.message)) throw e;
    files = readSnapshot(d, CHECKPOINT_FORMAT);
  }
  const description = JSON.parse(textOf(files, 'actor.json')) as ActorDescription;
  const bin = files.get('actor.bin');
  if (!bin) throw new CheckpointError(`${d} has no actor.bin`);
  return makePolicy(description, floatsOf(bin));
}
