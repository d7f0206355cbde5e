// An n-dimensional array on the wire: element type, shape and the raw little-endian bytes.
import { Type, type Static } from '@sinclair/typebox';
import { DType } from './spaces.ts';

export const NDArray = Type.Object(
  {
    dtype: DType,
    shape: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Array shape, row-major; [] for a scalar.' }),
    data: Type.Uint8Array({
      description: 'msgpack bin: the elements, row-major, little-endian; bool is one byte (0 or 1) per element.',
    }),
  },
  { $id: 'NDArray' },
);
export type NDArray = Static<typeof NDArray>;

/**
 * A value of a space on the wire: a number (Discrete), an NDArray (Box, MultiDiscrete,
 * MultiBinary), an array (Tuple) or a map (Dict). The space says which one to expect.
 */
export const WireValue = Type.Recursive(
  (Self) => Type.Union([Type.Number(), NDArray, Type.Array(Self), Type.Record(Type.String(), Self)]),
  { $id: 'WireValue' },
);
export type WireValue = Static<typeof WireValue>;
