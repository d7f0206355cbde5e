// Gymnasium's own 200-step runs of the MuJoCo v5 envs (test/fixtures/mujoco/steps/, written by
// scripts/record-mujoco-steps.py: how they were made is at its top), decoded.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';

export const STEPS_DIR = new URL('../fixtures/mujoco/steps/', import.meta.url);

/** Numbers as the recorder packs them: little-endian bytes, shuffled (byte planes), zlib, base64. */
export type Packed = string;

interface RecordedReset {
  /** The step index before which this reset happened (0: the seeded first reset). */
  step: number;
  obs: Packed;
  info: Record<string, number[]>;
}

interface RecordingFile {
  gymnasium: string;
  numpy: string;
  mujoco: string;
  env_id: string;
  kwargs: Record<string, unknown>;
  seed: number;
  action_seed: number;
  max_episode_steps: number;
  steps: number;
  overrun_steps: number;
  obs_size: number;
  action_size: number;
  actions: Packed;
  obs: Packed;
  obs_sha256: string[];
  reward: Packed;
  terminated: number[];
  truncated: number[];
  info: Record<string, { width: number; values: Packed }>;
  resets: RecordedReset[];
}

export interface Reset {
  obs: Float64Array;
  info: Record<string, Float64Array>;
}

/** One recording, unpacked: per step t, rows t of each table. */
export interface Recording {
  /** The file's name: the env id, or the env id and what its kwargs are for. */
  name: string;
  envId: string;
  /** The constructor kwargs Gymnasium's class was given (most recordings: none, the defaults). */
  kwargs: Record<string, unknown>;
  seed: number;
  maxEpisodeSteps: number;
  steps: number;
  /** Steps taken past an episode's first termination before the reset. */
  overrunSteps: number;
  actions: Float32Array[];
  /** Each step's observation rounded to float32 (as recorded, to keep the files small)... */
  obs32: Float32Array[];
  /** ...and the first 8 bytes (hex) of the SHA-256 of its exact little-endian float64 bytes. */
  obsSha256: string[];
  reward: Float64Array;
  terminated: Set<number>;
  truncated: Set<number>;
  /** info key -> one row (width numbers) per step. */
  info: Map<string, Float64Array[]>;
  /** step index -> the reset before it. */
  resets: Map<number, Reset>;
}

/** The bytes of a packed array, unshuffled. */
function unpackBytes(packed: Packed, itemSize: number): Uint8Array {
  const shuffled = inflateSync(Buffer.from(packed, 'base64'));
  const n = shuffled.length / itemSize;
  if (!Number.isInteger(n)) throw new Error(`packed array of ${shuffled.length} bytes is not of ${itemSize}-byte items`);
  const bytes = new Uint8Array(shuffled.length);
  for (let b = 0; b < itemSize; b++) for (let i = 0; i < n; i++) bytes[i * itemSize + b] = shuffled[b * n + i];
  return bytes;
}

export function unpackFloat64(packed: Packed): Float64Array {
  return new Float64Array(unpackBytes(packed, 8).buffer);
}

export function unpackFloat32(packed: Packed): Float32Array {
  return new Float32Array(unpackBytes(packed, 4).buffer);
}

/** `flat` cut into rows of `width`; exactly `rows` of them. */
function rowsOf<T extends Float64Array | Float32Array>(flat: T, width: number, rows: number, what: string): T[] {
  if (flat.length !== width * rows) throw new Error(`${what}: ${flat.length} numbers, expected ${rows} x ${width}`);
  return Array.from({ length: rows }, (_, t) => flat.subarray(t * width, (t + 1) * width) as T);
}

/** What the recorder stores as a step's obs_sha256. */
export function obsDigest(obs: Float64Array): string {
  const bytes = new Uint8Array(obs.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < obs.length; i++) view.setFloat64(8 * i, obs[i], true);
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** A recorded kwarg: JSON holds infinities as the strings "Infinity" / "-Infinity". */
function kwarg(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(kwarg);
  return v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
}

/** The recordings' names, from the files present. */
export function recordingNames(): string[] {
  if (!existsSync(STEPS_DIR)) throw new Error(`missing ${STEPS_DIR.pathname} (Gymnasium's recordings, in the repository)`);
  return readdirSync(STEPS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadRecording(name: string): Recording {
  const f = JSON.parse(readFileSync(new URL(`${name}.json`, STEPS_DIR), 'utf8')) as RecordingFile;
  const info = new Map<string, Float64Array[]>();
  for (const [key, { width, values }] of Object.entries(f.info))
    info.set(key, rowsOf(unpackFloat64(values), width, f.steps, `info.${key}`));
  const resets = new Map<number, Reset>();
  for (const r of f.resets) {
    const resetInfo = Object.fromEntries(Object.entries(r.info).map(([k, v]) => [k, Float64Array.from(v)]));
    resets.set(r.step, { obs: unpackFloat64(r.obs), info: resetInfo });
  }
  return {
    name,
    envId: f.env_id,
    kwargs: Object.fromEntries(Object.entries(f.kwargs).map(([k, v]) => [k, kwarg(v)])),
    seed: f.seed,
    maxEpisodeSteps: f.max_episode_steps,
    steps: f.steps,
    overrunSteps: f.overrun_steps,
    actions: rowsOf(unpackFloat32(f.actions), f.action_size, f.steps, 'actions'),
    obs32: rowsOf(unpackFloat32(f.obs), f.obs_size, f.steps, 'obs'),
    obsSha256: f.obs_sha256,
    reward: rowsOf(unpackFloat64(f.reward), f.steps, 1, 'reward')[0],
    terminated: new Set(f.terminated),
    truncated: new Set(f.truncated),
    info,
    resets,
  };
}
