// Directory snapshots written atomically: every file goes into a fresh temp directory with a
// manifest of sha256 checksums, and only then is the directory swapped in by rename, so a
// crash leaves either the old checkpoint or the new one, never a mix. Loading verifies every
// checksum and names the damaged file.
//
// The swap is two renames (dir → .dir.old-*, .dir.tmp-* → dir). A crash between them leaves
// no `dir`, only the complete previous snapshot in .dir.old-*: readSnapshot falls back to it.
// A crash while the temp directory is being filled leaves a .dir.tmp-* without (or with a
// mismatching) manifest, which is never read; the next successful write removes leftovers.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { bytesOf, CheckpointError, MANIFEST, type Manifest } from './snapshot-format.ts';

export { floatsOf, CheckpointError, type Manifest } from './snapshot-format.ts';

function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

let writes = 0;

/** Writes `files` as directory `dir`, replacing any previous one atomically. */
export function writeSnapshot(dir: string, format: string, files: Record<string, Uint8Array | Float32Array | string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}-${writes++}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${stamp}`);
  mkdirSync(tmp);
  const manifest: Manifest = { format, version: 1, files: {} };
  for (const [name, content] of Object.entries(files)) {
    const data = bytesOf(content);
    writeDurable(join(tmp, name), data);
    manifest.files[name] = { bytes: data.length, sha256: sha256(data) };
  }
  writeDurable(join(tmp, MANIFEST), bytesOf(JSON.stringify(manifest, null, 2)));
  const old = join(parent, `.${basename(dir)}.old-${stamp}`);
  const hadOld = existsSync(dir);
  if (hadOld) renameSync(dir, old);
  renameSync(tmp, dir);
  fsyncDir(parent);
  // This snapshot is in place: the previous one and any leftovers of killed writers can go.
  for (const f of leftovers(dir)) rmSync(join(parent, f), { recursive: true, force: true });
}

/** Temp and old directories next to `dir` from interrupted or finished writes, oldest first. */
function leftovers(dir: string, kind: 'tmp' | 'old' | 'any' = 'any'): string[] {
  const parent = dirname(dir);
  if (!existsSync(parent)) return [];
  const prefix = `.${basename(dir)}.`;
  const stamp = (f: string) =>
    f
      .slice(prefix.length + 4)
      .split('-')
      .map(Number);
  return readdirSync(parent)
    .filter(
      (f) =>
        f.startsWith(prefix) &&
        (kind === 'any' ? /^(tmp|old)-/.test(f.slice(prefix.length)) : f.slice(prefix.length).startsWith(`${kind}-`)),
    )
    .sort((a, b) => stamp(a)[1] - stamp(b)[1] || a.localeCompare(b));
}

/** Makes the renames durable (best effort: not every platform can fsync a directory). */
function fsyncDir(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // ignored: durability of the rename is the OS's best effort there
  }
}

/** Reads and verifies a snapshot; throws CheckpointError naming what is missing or damaged. */
export function readSnapshot(dir: string, format: string): Map<string, Uint8Array> {
  return readSnapshotFrom(resolveSnapshot(dir), format);
}

/**
 * The directory to read for snapshot `dir`: `dir` itself, or — when a save was killed between
 * its two renames, so `dir` is gone — the previous snapshot it had moved aside.
 */
function resolveSnapshot(dir: string): string {
  if (existsSync(join(dir, MANIFEST)) || existsSync(dir)) return dir;
  const old = leftovers(dir, 'old');
  if (old.length > 0) return join(dirname(dir), old[old.length - 1]);
  return dir;
}

/**
 * The snapshot to read for `dir`, which is a snapshot itself or a run directory holding one as
 * `inner` (e.g. checkpoint/): `dir` if it has a manifest, else `dir/inner` — or, when a save
 * was killed between its renames, the previous one moved aside (resolveSnapshot).
 */
export function snapshotIn(dir: string, inner: string): string {
  if (existsSync(join(dir, MANIFEST))) return dir;
  const sub = join(dir, inner);
  if (existsSync(sub) || leftovers(sub, 'old').length > 0) return resolveSnapshot(sub);
  return resolveSnapshot(dir);
}

function readSnapshotFrom(dir: string, format: string): Map<string, Uint8Array> {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) {
    throw new CheckpointError(`${dir} is not a checkpoint: ${MANIFEST} is missing`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${manifestPath} is damaged: ${(e as Error).message}`);
  }
  if (manifest.format !== format) throw new CheckpointError(`${dir} holds a '${manifest.format}' snapshot, expected '${format}'`);
  const out = new Map<string, Uint8Array>();
  for (const [name, meta] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new CheckpointError(`checkpoint file ${path} is missing`);
    const data = new Uint8Array(readFileSync(path));
    if (data.length !== meta.bytes || sha256(data) !== meta.sha256) {
      throw new CheckpointError(`checkpoint file ${path} is damaged (${data.length} bytes, sha256 mismatch with ${MANIFEST})`);
    }
    out.set(name, data);
  }
  return out;
}

export function textOf(files: Map<string, Uint8Array>, name: string): string {
  const data = files.get(name);
  if (!data) throw new CheckpointError(`checkpoint has no ${name}`);
  return new TextDecoder().decode(data);
}
