// An exported actor (agents/actor-io.ts saveActor, or a training checkpoint) read from the files
// a user picks in the page: actor.json, actor.bin and manifest.json. The checksums of the
// manifest are verified with the browser's SubtleCrypto, as loadActor does on disk, and the
// policy is agents/actor-policy.ts's plain-JS forward pass.
import { ACTOR_FORMAT, CHECKPOINT_FORMAT, makePolicy, type ActorDescription, type Policy } from '../agents/actor-policy.ts';
import { CheckpointError, floatsOf, MANIFEST, type Manifest } from '../agents/snapshot-format.ts';

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The policy in `files` (name → bytes); throws CheckpointError naming what is missing or damaged. */
export async function policyFromFiles(files: ReadonlyMap<string, Uint8Array>): Promise<Policy> {
  const manifestBytes = files.get(MANIFEST);
  if (manifestBytes === undefined) throw new CheckpointError(`pick the actor's ${MANIFEST} too (with actor.json and actor.bin)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
  } catch (e) {
    throw new CheckpointError(`${MANIFEST} is damaged: ${(e as Error).message}`);
  }
  if (manifest.format !== ACTOR_FORMAT && manifest.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${MANIFEST} describes a '${manifest.format}' snapshot, not an actor ('${ACTOR_FORMAT}') or a checkpoint`);
  }
  for (const name of ['actor.json', 'actor.bin']) {
    const meta = manifest.files?.[name];
    const data = files.get(name);
    if (meta === undefined) throw new CheckpointError(`${MANIFEST} does not list ${name}`);
    if (data === undefined) throw new CheckpointError(`pick ${name} too (an actor is actor.json, actor.bin and ${MANIFEST})`);
    if (data.length !== meta.bytes || (await sha256Hex(data)) !== meta.sha256) {
      throw new CheckpointError(`${name} is damaged (${data.length} bytes, sha256 mismatch with ${MANIFEST})`);
    }
  }
  let description: ActorDescription;
  try {
    description = JSON.parse(new TextDecoder().decode(files.get('actor.json'))) as ActorDescription;
  } catch (e) {
    throw new CheckpointError(`actor.json is not JSON: ${(e as Error).message}`);
  }
  return makePolicy(description, floatsOf(files.get('actor.bin')!));
}

/** Reads the picked files (a FileList from an <input type=file multiple>) by their base names. */
export async function readPickedFiles(list: Iterable<File>): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const f of list) out.set(f.name.replace(/^.*[\\/]/, ''), new Uint8Array(await f.arrayBuffer()));
  return out;
}

/** Why `policy` cannot drive an env with these observation / action sizes, or null when it can. */
export function policyMismatch(policy: Policy, envId: string, obsSize: number, actSize: number): string | null {
  const d = policy.description;
  if (d.obsDim !== obsSize || d.actDim !== actSize) {
    return (
      `the actor (trained on ${d.envId}) takes ${d.obsDim} observation values and gives ${d.actDim} actions; ` +
      `${envId} has ${obsSize} and ${actSize}`
    );
  }
  return null;
}
