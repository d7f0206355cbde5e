// The trained actor on its own: saveActor(dir) / loadActor(dir) → a policy usable without
// tfjs (the forward pass is plain JS), by the rollout CLI or anything else. DDPG's and TD3's
// actors are the same kind of network, and so is SAC's exported one (its mean head).
import type { EvalActor } from './train-config.ts';
import { readSnapshot, writeSnapshot, floatsOf, textOf, snapshotIn, CheckpointError } from './checkpoint-io.ts';
import { ACTOR_FORMAT, CHECKPOINT_FORMAT, makePolicy, type ActorDescription, type Policy } from './actor-policy.ts';
import { actorSpec, meanHead, paramCount } from './networks.ts';

export { CHECKPOINT_FORMAT, makePolicy, scaleAction, type ActorDescription, type Policy } from './actor-policy.ts';

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
 * save was killed between its two renames). Checksums are verified. By default it is the
 * exported actor (actor.bin: the one the run evaluated); `which` picks the online or the target
 * actor out of a training checkpoint's learner state instead.
 */
export function loadActor(dir: string, which?: EvalActor): Policy {
  const d = snapshotIn(dir, 'checkpoint');
  let files: Map<string, Uint8Array>;
  let exported = true;
  try {
    files = readSnapshot(d, ACTOR_FORMAT);
  } catch (e) {
    if (!(e instanceof CheckpointError) || !/holds a/.test(e.message)) throw e;
    files = readSnapshot(d, CHECKPOINT_FORMAT);
    exported = false;
  }
  if (which && exported)
    throw new CheckpointError(`${d} is an exported actor: the ${which} actor can only be picked from a training checkpoint`);
  const description = JSON.parse(textOf(files, 'actor.json')) as ActorDescription;
  const bin = files.get(which === 'online' ? 'params.bin' : which === 'target' ? 'target.bin' : 'actor.bin');
  if (!bin) throw new CheckpointError(`${d} has no ${which ?? 'actor'} parameters`);
  const params = floatsOf(bin);
  if (!which) return makePolicy(description, params);
  const { obsDim, actDim, hidden } = description;
  if (description.algo === 'sac') {
    // SAC's learner actor has two heads (mean, log std) and no target: the policy is the online mean head.
    if (which === 'target') throw new CheckpointError(`${d} is a SAC run's: SAC has no target actor (use --actor online)`);
    const spec = actorSpec(obsDim, 2 * actDim, hidden);
    return makePolicy(description, meanHead(spec, params.subarray(0, paramCount(spec)), actDim));
  }
  // The learner's vectors start with the actor's parameters (critics follow).
  return makePolicy(description, params.subarray(0, paramCount(actorSpec(obsDim, actDim, hidden))));
}
