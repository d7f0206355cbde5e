// What a snapshot directory holds (checkpoint-io.ts reads and writes them on disk): the
// manifest's shape and the byte encodings of its files. No I/O here, so a browser page can
// read an exported actor's files with the same rules (web/actor-files.ts).

export const MANIFEST = 'manifest.json';

export interface Manifest {
  format: string;
  version: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function bytesOf(x: Uint8Array | Float32Array | string): Uint8Array {
  if (typeof x === 'string') return new TextEncoder().encode(x);
  if (x instanceof Float32Array) {
    // Stored little-endian, like every array on the wire.
    const out = new Uint8Array(x.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < x.length; i++) view.setFloat32(i * 4, x[i], true);
    return out;
  }
  return x;
}

export function floatsOf(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new CheckpointError(`float32 file has ${bytes.length} bytes, not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
