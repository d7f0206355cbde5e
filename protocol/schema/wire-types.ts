// The two msgpack types JSON Schema has no word for, as TypeBox 1.x schemas:
// - a number that may be NaN or ±Infinity (msgpack floats carry them; TypeBox's own Number
//   accepts finite numbers only). Published as {"type": "number"}.
// - bin, arriving as a Uint8Array. Published as {"x-msgpack": "bin"}.
// Each is an Unsafe schema (no JSON Schema keyword to check) refined with a one-line check;
// json-schema.ts writes the published form.
import Type, { type TSchemaOptions } from 'typebox';

/** Marks a number that may be non-finite; json-schema.ts publishes it as {type: 'number'}. */
export const NUMBER_MARK = 'x-msgpack-number';

export function MsgpackNumber(options: TSchemaOptions = {}) {
  return Type.Refine(
    Type.Unsafe<number>({ ...options, [NUMBER_MARK]: true }),
    (v) => typeof v === 'number',
    () => 'must be a number',
  );
}

export function Bin(options: TSchemaOptions = {}) {
  return Type.Refine(
    Type.Unsafe<Uint8Array>({ ...options, 'x-msgpack': 'bin' }),
    (v) => v instanceof Uint8Array,
    () => 'must be msgpack bin',
  );
}
