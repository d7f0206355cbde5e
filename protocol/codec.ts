// The msgpack codec both ends use. Plain msgpack only (no msgpackr records/structures
// extension), so Python's msgpack or Rust's rmp decode every frame.
import { Packr } from 'msgpackr';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  // int64/uint64 from other peers decode as JS numbers (seeds, ids, handles stay below 2^53).
  int64AsType: 'number',
  // Typed arrays always travel as NDArray maps built by protocol/ndarray.ts, never as msgpackr extensions.
  moreTypes: false,
});

/** One message -> the bytes of one WebSocket binary frame. */
export function encodeMessage(message: unknown): Uint8Array {
  return packr.pack(message);
}

/** The bytes of one frame -> the message. Throws on malformed msgpack. bin fields are views into `bytes`. */
export function decodeMessage(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
