// The hostile values of issue 10 (cycles and shared-reference DAGs built with msgpackr's
// structured clone, deep nesting, every extension type) and every field of every request
// kind to put them in. A frame is a request whose one field (or a value inside it: a kwarg,
// a reset option, a seed in a list, a part of an NDArray) is the attack's bytes.
import { Packr } from 'msgpackr';
import { EXT_FORMATS, FIXEXT_SIZE, array, bin, ext, map, nested, str, uint, NIL, type Bytes } from './msgpack-bytes.ts';

export interface Attack {
  /** The class in the report table, e.g. "cycle" or "ext8 type 0x70". */
  readonly name: string;
  readonly group: string;
  /** One msgpack value. */
  readonly bytes: Bytes;
}

const clone = new Packr({ structuredClone: true, useRecords: false });

/** A DAG of 2^depth leaves in depth * a few bytes: each level refers to the one below twice. */
function dag(depth: number, asMaps: boolean): unknown {
  let x: unknown = 1;
  for (let i = 0; i < depth; i++) x = asMaps ? { a: x, b: x } : [x, x];
  return x;
}

// The ext types msgpackr gives a meaning to (undefined, bigint, bundled strings, error, id,
// pointer, record, Set, typed array, RegExp, timestamp) and an unassigned one.
const EXT_TYPES = [0x00, 0x01, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff];

export function attacks(): Attack[] {
  const cyclicArray: unknown[] = [];
  cyclicArray.push(cyclicArray);
  const cyclicMap: Record<string, unknown> = {};
  cyclicMap.self = cyclicMap;
  const out: Attack[] = [
    { group: 'cycle', name: 'cycle: an array that contains itself (structured clone)', bytes: clone.pack(cyclicArray) },
    { group: 'cycle', name: 'cycle: a map that contains itself (structured clone)', bytes: clone.pack(cyclicMap) },
    { group: 'shared-reference DAG', name: 'DAG of 2^40 leaves, arrays (structured clone)', bytes: clone.pack(dag(40, false)) },
    { group: 'shared-reference DAG', name: 'DAG of 2^40 leaves, maps (structured clone)', bytes: clone.pack(dag(40, true)) },
    { group: 'deep nesting', name: 'arrays nested 900 deep around a string', bytes: nested(900, str('A')) },
    { group: 'deep nesting', name: 'maps nested 900 deep around a string', bytes: nested(900, str('A'), true) },
    { group: 'deep nesting', name: 'arrays nested 33 deep (one past the bound)', bytes: nested(33, NIL) },
    { group: 'deep nesting', name: 'arrays nested 200,000 deep', bytes: nested(200_000, NIL) },
  ];
  for (const format of EXT_FORMATS) {
    for (const type of EXT_TYPES) {
      const data = new Uint8Array(FIXEXT_SIZE[format] ?? 12);
      out.push({
        group: 'extension types',
        name: `${format} type 0x${type.toString(16).padStart(2, '0')}`,
        bytes: ext(format, type, data),
      });
    }
  }
  return out;
}

export interface Slot {
  /** e.g. "make.kwargs.g" */
  readonly name: string;
  /** The id the answer must carry: the frame's, or null when the attack sits in the id. */
  readonly answersWithId: boolean;
  /** Arrays/maps around the value: 1 for a top-level field, 2 inside kwargs, options, a seed list or an NDArray. */
  readonly depth: number;
  frame(id: number, value: Bytes): Bytes;
}

type Entries = [string, Bytes][];

/** Every field of every request kind, for an env opened as `single` (CartPole) and a 2-sub-env vector one. */
export function slots(single: number, vector: number): Slot[] {
  const int32x2 = bin(new Uint8Array(8));
  const ndarray = (parts: Partial<Record<'dtype' | 'shape' | 'data', Bytes>> = {}) =>
    map([
      ['dtype', parts.dtype ?? str('int32')],
      ['shape', parts.shape ?? array([uint(2)])],
      ['data', parts.data ?? int32x2],
    ]);
  const kinds: [string, (v: Bytes | null, field: string) => Entries][] = [
    [
      'hello',
      (v, f) => [
        ['protocol_version', pick(f, 'protocol_version', v, str('1.2'))],
        ['client_name', pick(f, 'client_name', v, str('x'))],
        ['client_version', pick(f, 'client_version', v, str('0'))],
      ],
    ],
    ['list_envs', (v, f) => (f === 'extra' ? [['extra', v!]] : [])],
    [
      'make',
      (v, f) => [
        ['env_id', pick(f, 'env_id', v, str('CartPole-v1'))],
        ['kwargs', f === 'kwargs.sutton_barto_reward' ? map([['sutton_barto_reward', v!]]) : pick(f, 'kwargs', v, map([]))],
        ['num_envs', pick(f, 'num_envs', v, uint(1))],
        ['vector', pick(f, 'vector', v, Uint8Array.of(0xc2))],
      ],
    ],
    [
      'reset',
      (v, f) => [
        ['handle', pick(f, 'handle', v, uint(single))],
        ['seed', f === 'seed[0]' ? array([v!]) : pick(f, 'seed', v, uint(0))],
        ['options', f === 'options.low' ? map([['low', v!]]) : pick(f, 'options', v, map([]))],
      ],
    ],
    [
      'step',
      (v, f) => [
        ['handle', pick(f, 'handle', v, uint(single))],
        ['action', pick(f, 'action', v, uint(0))],
      ],
    ],
    [
      'step (vector)',
      (v, f) => [
        ['handle', uint(vector)],
        [
          'action',
          f === 'action'
            ? v!
            : ndarray({
                dtype: f === 'action.dtype' ? v! : undefined,
                shape: f === 'action.shape' ? v! : undefined,
                data: f === 'action.data' ? v! : undefined,
              }),
        ],
      ],
    ],
    ['render', (v, f) => [['handle', pick(f, 'handle', v, uint(single))]]],
    ['close', (v, f) => [['handle', pick(f, 'handle', v, uint(single))]]],
  ];
  const fieldsOf: Record<string, string[]> = {
    hello: ['protocol_version', 'client_name', 'client_version'],
    list_envs: ['extra'],
    make: ['env_id', 'kwargs', 'kwargs.sutton_barto_reward', 'num_envs', 'vector'],
    reset: ['handle', 'seed', 'seed[0]', 'options', 'options.low'],
    step: ['handle', 'action'],
    'step (vector)': ['action', 'action.dtype', 'action.shape', 'action.data'],
    render: ['handle'],
    close: ['handle'],
  };
  const out: Slot[] = [];
  for (const [kind, body] of kinds) {
    const op = kind === 'step (vector)' ? 'step' : kind;
    for (const field of ['id', 'op', ...fieldsOf[kind]]) {
      out.push({
        name: `${kind}.${field}`,
        answersWithId: field !== 'id',
        depth: field.includes('.') || field.includes('[') ? 2 : 1,
        frame: (id, value) =>
          map([
            ['id', field === 'id' ? value : uint(id)],
            ['op', field === 'op' ? value : str(op)],
            ...body(field === 'id' || field === 'op' ? null : value, field),
          ]),
      });
    }
  }
  return out;
}

function pick(field: string, name: string, value: Bytes | null, normal: Bytes): Bytes {
  return field === name && value !== null ? value : normal;
}
