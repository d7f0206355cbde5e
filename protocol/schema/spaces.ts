// Spaces as data: what travels on the wire and what every env declares.
// Bounds are flat, row-major arrays of plain numbers (±Infinity allowed: msgpack floats carry them).
import Type, { type Static } from 'typebox';
import { MsgpackNumber } from './wire-types.ts';

export const DType = Type.Union(
  [
    Type.Literal('float32'),
    Type.Literal('float64'),
    Type.Literal('int8'),
    Type.Literal('int32'),
    Type.Literal('int64'),
    Type.Literal('uint8'),
    Type.Literal('bool'),
  ],
  { $id: 'DType', description: 'Element type of an array, named as numpy names it.' },
);
export type DType = Static<typeof DType>;

const Shape = Type.Array(Type.Integer({ minimum: 0 }), { description: 'Array shape, row-major.' });

export const BoxSpace = Type.Object(
  {
    type: Type.Literal('Box'),
    shape: Shape,
    dtype: DType,
    low: Type.Array(MsgpackNumber(), { description: 'Lower bounds, flattened row-major; -Infinity for unbounded.' }),
    high: Type.Array(MsgpackNumber(), { description: 'Upper bounds, flattened row-major; Infinity for unbounded.' }),
  },
  { $id: 'BoxSpace' },
);
export type BoxSpace = Static<typeof BoxSpace>;

export const DiscreteSpace = Type.Object(
  { type: Type.Literal('Discrete'), n: Type.Integer({ minimum: 1 }), start: Type.Integer() },
  { $id: 'DiscreteSpace' },
);
export type DiscreteSpace = Static<typeof DiscreteSpace>;

export const MultiDiscreteSpace = Type.Object(
  {
    type: Type.Literal('MultiDiscrete'),
    nvec: Type.Array(Type.Integer({ minimum: 1 })),
    start: Type.Array(Type.Integer()),
    dtype: DType,
  },
  { $id: 'MultiDiscreteSpace' },
);
export type MultiDiscreteSpace = Static<typeof MultiDiscreteSpace>;

export const MultiBinarySpace = Type.Object({ type: Type.Literal('MultiBinary'), shape: Shape }, { $id: 'MultiBinarySpace' });
export type MultiBinarySpace = Static<typeof MultiBinarySpace>;

export const Space = Type.Cyclic(
  {
    Space: Type.Union([
      BoxSpace,
      DiscreteSpace,
      MultiDiscreteSpace,
      MultiBinarySpace,
      Type.Object({ type: Type.Literal('Tuple'), spaces: Type.Array(Type.Ref('Space')) }),
      Type.Object({ type: Type.Literal('Dict'), spaces: Type.Record(Type.String(), Type.Ref('Space')) }),
    ]),
  },
  'Space',
);
export type Space = Static<typeof Space>;
export type TupleSpace = Extract<Space, { type: 'Tuple' }>;
export type DictSpace = Extract<Space, { type: 'Dict' }>;
