// An n-dimensional array on the wire: element type, shape and the raw little-endian bytes.
import Type, { type Static } from 'typebox';
import { MsgpackNumber, Bin } from './wire-types.ts';
import { DType } from './spaces.ts';

export const NDArray = Type.Object(
  {
    dtype: DType,
    shape: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Array shape, row-major; [] for a scalar.' }),
    data: Bin({
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
export const WireValue = Type.Cyclic(
  {
    WireValue: Type.Union([MsgpackNumber(), NDArray, Type.Array(Type.Ref('WireValue')), Type.Record(Type.String(), Type.Ref('WireValue'))]),
  },
  'WireValue',
);
export type WireValue = Static<typeof WireValue>;
