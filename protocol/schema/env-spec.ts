import Type, { type Static } from 'typebox';
import { MsgpackNumber } from './wire-types.ts';

export const EnvSpec = Type.Object(
  {
    id: Type.String(),
    max_episode_steps: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    reward_threshold: Type.Union([MsgpackNumber(), Type.Null()]),
    nondeterministic: Type.Boolean(),
    kwargs: Type.Record(Type.String(), Type.Unknown(), { description: 'The kwargs the env was made with.' }),
  },
  { $id: 'EnvSpec' },
);
export type EnvSpec = Static<typeof EnvSpec>;

/**
 * A (low, high) pair of numbers, low <= high, either end possibly infinite (1.4): a kwarg of
 * type 'range', such as Hopper's healthy_z_range = (0.7, inf). msgpack floats carry ±Infinity.
 */
export const KwargRange = Type.Tuple([MsgpackNumber(), MsgpackNumber()], {
  $id: 'KwargRange',
  description: '[low, high], low <= high; either may be ±Infinity, neither NaN (1.4).',
});
export type KwargRange = Static<typeof KwargRange>;

/** A value make's kwargs may hold: what some KwargSpec type accepts, or null. */
export type KwargValue = number | boolean | string | null | KwargRange;

/** One keyword argument an env accepts at make(); list_envs reports these. */
export const KwargSpec = Type.Object(
  {
    type: Type.Union(
      [Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean'), Type.Literal('string'), Type.Literal('range')],
      { description: "What make accepts for it; 'range' (1.4) is a [low, high] pair of numbers (KwargRange)." },
    ),
    default: Type.Union([MsgpackNumber(), Type.Boolean(), Type.String(), KwargRange, Type.Null()]),
    description: Type.String(),
  },
  { $id: 'KwargSpec' },
);
export type KwargSpec = Static<typeof KwargSpec>;

/** One key an env's reset(options=...) reads; list_envs reports these (1.2). */
export const ResetOptionSpec = Type.Object(
  {
    type: Type.Union([Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean'), Type.Literal('string')], {
      description: 'What the env reads the value as; a value it cannot read as that gets bad_request.',
    }),
    default: Type.Union([MsgpackNumber(), Type.Boolean(), Type.String(), Type.Null()], {
      description: 'What the env uses when the key is absent.',
    }),
    description: Type.String(),
  },
  { $id: 'ResetOptionSpec' },
);
export type ResetOptionSpec = Static<typeof ResetOptionSpec>;
