// What the fuzzer sends on one connection: a mix of grammar values placed in every field of
// every request kind (test/server/attack-frames.ts's slots), valid requests that keep the
// session's envs stepping, raw random bytes, and valid frames truncated or mutated byte by
// byte. Each frame knows what its answer must be.
import fc from 'fast-check';
import { encodeMessage } from '../../protocol/codec.ts';
import { encodeStepRequest } from '../../protocol/fast-frames.ts';
import { slots, type Slot } from '../server/attack-frames.ts';
import { msgpackValue, refusal, type Gen } from './msgpack-grammar.ts';

export interface Expect {
  /** The answer's id: a number or null, or 'any' when the frame's id is not known (raw and mutated bytes). */
  readonly id: number | null | 'any';
  /** The error code the answer must carry, when the frame must be refused. */
  readonly code?: string;
}

export interface FuzzFrame {
  /** For the counts: "field: extension type", "valid request", "mutated frame", ... */
  readonly cls: string;
  build(id: number): { bytes: Uint8Array; expect: Expect };
  /** How fast-check prints a counterexample: the class, the field and the bytes (as built with id 1). */
  [fc.toStringMethod](): string;
}

function described(cls: string, where: string, build: FuzzFrame['build']): FuzzFrame {
  return {
    cls,
    build,
    [fc.toStringMethod]: () => {
      const hex = Buffer.from(build(1).bytes).toString('hex');
      return `${cls} ${where} <${hex.length > 400 ? `${hex.slice(0, 400)}... (${hex.length / 2} bytes)` : hex}>`;
    },
  };
}

/** Handles the connection opened before the frames: a CartPole env and a 2-sub-env vector CartPole. */
export interface Handles {
  readonly single: number;
  readonly vector: number;
}

function fieldFrame(slot: Slot, value: Gen): FuzzFrame {
  const refused = refusal(value, slot.depth);
  return described(`field: ${refused ?? 'plain msgpack'}`, `in ${slot.name}`, (id) => {
    const bytes = slot.frame(id, value.bytes);
    const answerId = slot.answersWithId ? id : refused === null ? value.asId : readableIdOf(value);
    return { bytes, expect: { id: answerId, code: refused === null ? undefined : 'bad_request' } };
  });
}

/** An id in the id field is still read from a refused frame when it is itself a plain integer. */
function readableIdOf(value: Gen): number | null {
  return value.hostile === null && value.depth === 0 ? value.asId : null;
}

const ENV_IDS = ['CartPole-v1', 'Pendulum-v1', 'MountainCar-v0', 'Acrobot-v1', 'Nope-v0', ''];

/** Requests that are valid or nearly so (the env may still refuse the action), in the general and the fast encodings. */
function validRequest(h: Handles): fc.Arbitrary<FuzzFrame> {
  const req = (cls: string, body: fc.Arbitrary<Record<string, unknown>>, fast = false): fc.Arbitrary<FuzzFrame> =>
    body.map((b) =>
      described(cls, String(b.op), (id: number) => ({
        bytes: fast && b.op === 'step' ? encodeStepRequest(id, b.handle as number, b.action) : encodeMessage({ id, ...b }),
        expect: { id },
      })),
    );
  const handle = fc.constantFrom(h.single, h.single, h.vector, 99);
  return fc.oneof(
    {
      arbitrary: req(
        'valid request',
        fc.integer({ min: 0, max: 2 }).map((a) => ({ op: 'step', handle: h.single, action: a })),
        true,
      ),
      weight: 6,
    },
    {
      arbitrary: req(
        'valid request',
        fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([a, b, nd]) => ({
          op: 'step',
          handle: h.vector,
          action: nd ? { dtype: 'int32', shape: [2], data: new Uint8Array(Int32Array.of(a, b).buffer) } : [a, b],
        })),
        true,
      ),
      weight: 3,
    },
    {
      arbitrary: req(
        'valid request',
        fc.tuple(handle, fc.option(fc.nat(1000))).map(([handle, seed]) => ({ op: 'reset', handle, seed })),
      ),
      weight: 2,
    },
    {
      arbitrary: req(
        'valid request',
        fc
          .tuple(handle, fc.double({ min: -0.2, max: 0 }), fc.double({ min: 0, max: 0.2 }))
          .map(([handle, low, high]) => ({ op: 'reset', handle, options: { low, high } })),
      ),
      weight: 1,
    },
    {
      arbitrary: req(
        'valid request',
        fc
          .tuple(fc.constantFrom(...ENV_IDS), fc.constantFrom(1, 1, 2, 3, 0, 17))
          .map(([env_id, num_envs]) => ({ op: 'make', env_id, num_envs })),
      ),
      weight: 1,
    },
    {
      arbitrary: req(
        'valid request',
        fc.constantFrom(h.single + 2, h.vector + 2, 99).map((handle) => ({ op: 'close', handle })),
      ),
      weight: 1,
    },
    {
      arbitrary: req(
        'valid request',
        handle.map((handle) => ({ op: 'render', handle })),
      ),
      weight: 1,
    },
    { arbitrary: req('valid request', fc.constant({ op: 'list_envs' })), weight: 1 },
    {
      arbitrary: req(
        'valid request',
        fc
          .constantFrom('1.2', '1.0', '2.0', 'x')
          .map((v) => ({ op: 'hello', protocol_version: v, client_name: 'fuzz', client_version: '0' })),
      ),
      weight: 1,
    },
  );
}

/** A valid step frame with bytes flipped, inserted or deleted, or cut short. */
function mutated(h: Handles): fc.Arbitrary<FuzzFrame> {
  const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 }));
  return fc
    .tuple(fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { freq: 2 }))
    .map(([fast, edits, cut]) =>
      described(cut === null ? 'mutated frame' : 'truncated frame', fast ? 'of a step' : 'of a reset', (id: number) => {
        const base = fast
          ? encodeStepRequest(id, h.single, 1)
          : encodeMessage({ id, op: 'reset', handle: h.single, seed: 7, options: { low: -0.01 } });
        let b = Array.from(base);
        if (cut !== null) b = b.slice(0, cut % b.length);
        else
          for (const [at, kind, byte] of edits) {
            const i = at % (b.length + 1);
            if (kind === 0 && i < b.length) b[i] ^= 1 << (byte & 7);
            else if (kind === 1) b.splice(i, 0, byte);
            else b.splice(i, 1);
          }
        return { bytes: Uint8Array.from(b), expect: { id: 'any' } };
      }),
    );
}

const raw: fc.Arbitrary<FuzzFrame> = fc
  .tuple(fc.uint8Array({ maxLength: 200 }), fc.option(fc.constantFrom(0x80, 0x84, 0xde, 0xdf, 0xc4, 0xdc, 0xd6, 0xc7, 0xc1)))
  .map(([b, first]) =>
    described('raw bytes', '', () => ({
      bytes: first === null || b.length === 0 ? b : Uint8Array.from([first, ...b.subarray(1)]),
      expect: { id: 'any' },
    })),
  );

/** One frame of any class. */
export function fuzzFrame(h: Handles): fc.Arbitrary<FuzzFrame> {
  const all = slots(h.single, h.vector);
  const field = fc.tuple(fc.constantFrom(...all), msgpackValue).map(([slot, value]) => fieldFrame(slot, value));
  return fc.oneof(
    { arbitrary: field, weight: 10 },
    { arbitrary: validRequest(h), weight: 5 },
    { arbitrary: mutated(h), weight: 3 },
    { arbitrary: raw, weight: 1 },
  );
}
