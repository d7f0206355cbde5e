// The conformance checks: each one exercises one rule of protocol/PROTOCOL.md against a live
// server over fresh connections, and either returns (pass), returns skip(reason), or throws
// CheckFailure with the reason.
import { inflateSync } from 'node:zlib';
import { encodeMessage } from '../protocol/codec.ts';
import { allocate, decodeArray, encodeArray, looksLikeNDArray } from '../protocol/ndarray.ts';
import { contains, sample, shapeSize } from '../protocol/spaces.ts';
import { fromWire, toWire } from '../protocol/space-wire.ts';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';
import { checkErrorResponse, issues, resultCheck } from '../protocol/validators.ts';
import { rangeProblem } from '../protocol/kwarg-range.ts';
import type { Op, EnvInfo, HelloResult } from '../protocol/schema/messages.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { NDArray } from '../protocol/schema/ndarray.ts';
import type { TypedArray } from '../protocol/env-api.ts';
import { WireClient, describe, fail, type Frame } from './wire.ts';

/** The protocol version the checks are written against. */
export const CHECKED_VERSION = '1.2';
const MAJOR = CHECKED_VERSION.split('.')[0];

export interface Skip {
  skip: string;
}
function skip(reason: string): Skip {
  return { skip: reason };
}

/** Skips a check of something protocol 1.2 added when the server speaks an older 1.x (the reason starts "needs protocol 1.2"). */
function needs12(ctx: Context, what: string): Skip | null {
  const [major, minor] = ctx.hello.protocol_version.split('.').map(Number);
  return major === 1 && minor < 2 ? skip(`needs protocol 1.2 (${what}); the server speaks ${ctx.hello.protocol_version}`) : null;
}

/** A map {key: value} in msgpack bytes, with `value` written as given (so it may be anything, a broken thing included). */
function rawMap(entries: [string, Uint8Array][]): Uint8Array {
  const parts = entries.flatMap(([k, v]) => [encodeMessage(k), v]);
  return Uint8Array.from([0x80 | entries.length, ...parts.flatMap((p) => Array.from(p))]);
}

/** A frame for `op` on handle 1 whose `field` holds raw msgpack bytes; the id is the caller's. */
function handleFrame(op: string, field: string, value: Uint8Array): (id: Uint8Array) => Uint8Array {
  return (id) =>
    rawMap([
      ['id', id],
      ['op', encodeMessage(op)],
      ['handle', encodeMessage(1)],
      [field, value],
    ]);
}

export interface Context {
  url: string;
  timeoutMs: number;
  /** The env the env-level checks use. */
  env: EnvInfo;
  /** The server's hello result. */
  hello: HelloResult;
  /** A new connection, handshake done. Closed after the check. */
  connect(): Promise<WireClient>;
  /** A new connection, no handshake. Closed after the check. */
  raw(): Promise<WireClient>;
}

export interface Check {
  name: string;
  run(ctx: Context): Promise<void | Skip>;
}

// ---- response helpers ---------------------------------------------------------------------

/** The result of a success response of `op`, checked against the op's result schema. */
export function expectResult(op: Op, response: Frame): any {
  if ('error' in response) fail(`${op} failed: ${describe(response.error)}`);
  const check = resultCheck(op);
  if (!check.Check(response.result)) {
    const why = issues(check, response.result, 3)
      .map((i) => `${i.path} ${i.message}`)
      .join('; ');
    fail(`${op} result does not match its schema (${why}): ${describe(response.result)}`);
  }
  return response.result;
}

/** The error body of an error response, which must carry `code` (one of `codes`). */
function expectError(op: string, response: Frame, codes: string | string[], id?: number | null): Frame {
  const want = Array.isArray(codes) ? codes : [codes];
  if ('result' in response) fail(`${op}: expected error ${want.join(' or ')}, got a result: ${describe(response.result)}`);
  if (!checkErrorResponse.Check(response)) {
    const why = issues(checkErrorResponse, response, 3)
      .map((i) => `${i.path} ${i.message}`)
      .join('; ');
    fail(`${op}: the error response does not match the schema (${why}): ${describe(response)}`);
  }
  if (!want.includes(response.error.code))
    fail(`${op}: expected error ${want.join(' or ')}, got ${response.error.code} (${response.error.message})`);
  if (id !== undefined && response.id !== id)
    fail(`${op}: the error response has id ${JSON.stringify(response.id)}, expected ${JSON.stringify(id)}`);
  return response.error;
}

// ---- values -------------------------------------------------------------------------------

/**
 * Checks that a wire value is a member of `space`: a Box value must be an NDArray of exactly
 * the space's dtype and shape with every element inside the bounds (NaN never is).
 */
function expectInSpace(space: Space, wire: unknown, what: string): void {
  if (space.type === 'Box') {
    if (!looksLikeNDArray(wire)) fail(`${what} is not an NDArray: ${describe(wire)}`);
    if (wire.dtype !== space.dtype) fail(`${what} has dtype ${wire.dtype}, the space's is ${space.dtype}`);
    if (!sameShape(wire.shape, space.shape)) fail(`${what} has shape [${wire.shape}], the space's is [${space.shape}]`);
    const arr = decodeArray(wire);
    if (!contains(space, arr)) fail(`${what} ${fmt(arr)} is outside the space (low ${fmt(space.low)}, high ${fmt(space.high)})`);
    return;
  }
  let value;
  try {
    value = fromWire(space, wire, 'internal', what);
  } catch (e) {
    fail(`${what} is not a value of the space: ${(e as Error).message}`);
  }
  if (!contains(space, value)) fail(`${what} ${describe(wire)} is outside the space`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function fmt(values: ArrayLike<number | bigint>): string {
  return `[${Array.from(values, (v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : String(v))).join(', ')}]`;
}

/** The bytes of a wire value, for equality (NDArray data, numbers, nested). */
function sameWire(a: unknown, b: unknown): boolean {
  if (looksLikeNDArray(a) && looksLikeNDArray(b)) {
    return a.dtype === b.dtype && sameShape(a.shape, b.shape) && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameWire(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameWire(ka, kb) && ka.every((k) => sameWire((a as any)[k], (b as any)[k]));
  }
  return Object.is(a, b);
}

/** A random valid action on the wire. */
function randomAction(space: Space, rng: NumpyGenerator): unknown {
  return toWire(space, sample(space, rng));
}

async function makeEnv(c: WireClient, env: EnvInfo, extra: Record<string, unknown> = {}): Promise<any> {
  return expectResult('make', await c.call('make', { env_id: env.id, ...extra }));
}

async function reset(c: WireClient, handle: number, seed?: number | null): Promise<any> {
  return expectResult('reset', await c.call('reset', seed === undefined ? { handle } : { handle, seed }));
}

async function step(c: WireClient, handle: number, action: unknown): Promise<any> {
  return expectResult('step', await c.call('step', { handle, action }));
}

// ---- the checks ---------------------------------------------------------------------------

const handshake: Check[] = [
  {
    name: 'hello: handshake answers with the server version and limits',
    async run(ctx) {
      const c = await ctx.raw();
      const r = expectResult(
        'hello',
        await c.call('hello', { protocol_version: CHECKED_VERSION, client_name: 'gymwire-conformance', client_version: CHECKED_VERSION }),
      );
      if (!/^\d+\.\d+$/.test(r.protocol_version)) fail(`protocol_version '${r.protocol_version}' is not MAJOR.MINOR`);
      if (r.protocol_version.split('.')[0] !== MAJOR) fail(`server speaks ${r.protocol_version}; these checks are for ${MAJOR}.x`);
      if (!(r.limits.max_payload_bytes > 0) || !(r.limits.max_envs > 0)) fail(`limits must be positive: ${describe(r.limits)}`);
    },
  },
  {
    name: 'hello: a client of an older minor version (1.0) is accepted',
    async run(ctx) {
      const c = await ctx.raw();
      expectResult(
        'hello',
        await c.call('hello', { protocol_version: `${MAJOR}.0`, client_name: 'gymwire-conformance', client_version: '0' }),
      );
      expectResult('list_envs', await c.call('list_envs'));
    },
  },
  {
    name: 'hello: another major version gets version_mismatch and the connection stays open',
    async run(ctx) {
      const c = await ctx.raw();
      const id = c.id();
      c.send('hello', { protocol_version: '99.0', client_name: 'gymwire-conformance', client_version: '0' }, id);
      const err = expectError('hello 99.0', await c.next(), 'version_mismatch', id);
      const told = err.details?.server_protocol_version;
      if (typeof told !== 'string' || told.split('.')[0] !== MAJOR)
        fail(`details.server_protocol_version should name the server's version, got ${describe(err.details)}`);
      expectError('list_envs after a refused hello', await c.call('list_envs'), 'not_ready');
      expectResult(
        'hello',
        await c.call('hello', { protocol_version: CHECKED_VERSION, client_name: 'gymwire-conformance', client_version: '0' }),
      );
    },
  },
  {
    name: 'hello: requests before hello get not_ready',
    async run(ctx) {
      const c = await ctx.raw();
      for (const [op, fields] of [
        ['list_envs', {}],
        ['make', { env_id: ctx.env.id }],
        ['step', { handle: 1, action: 0 }],
      ] as const) {
        const id = c.id();
        c.send(op, fields, id);
        expectError(`${op} before hello`, await c.next(), 'not_ready', id);
      }
    },
  },
  {
    name: 'requests: ids are echoed (0 and 2^53-1) and unknown fields are ignored',
    async run(ctx) {
      const c = await ctx.raw();
      c.send(
        'hello',
        { protocol_version: CHECKED_VERSION, client_name: 'gymwire-conformance', client_version: '0', x_future_field: [1, 2] },
        0,
      );
      const r0 = await c.next();
      if (r0.id !== 0) fail(`id 0 came back as ${describe(r0.id)}`);
      expectResult('hello', r0);
      const big = Number.MAX_SAFE_INTEGER;
      c.send('list_envs', { x_future_field: 'ignored' }, big);
      const r1 = await c.next();
      if (r1.id !== big) fail(`id 2^53-1 came back as ${describe(r1.id)}`);
      expectResult('list_envs', r1);
    },
  },
];

const listing: Check[] = [
  {
    name: 'list_envs: every entry has an id, spaces, limits and kwarg specs',
    async run(ctx) {
      const c = await ctx.connect();
      const { envs } = expectResult('list_envs', await c.call('list_envs')) as { envs: EnvInfo[] };
      if (envs.length === 0) fail('the server lists no env');
      const ids = new Set<string>();
      for (const e of envs) {
        if (ids.has(e.id)) fail(`env id ${e.id} is listed twice`);
        ids.add(e.id);
        for (const [name, k] of Object.entries(e.kwargs)) {
          if (k.type === 'range') continue; // 1.4: its own check (range kwargs)
          if (k.default !== null && typeof k.default !== (k.type === 'integer' ? 'number' : k.type)) {
            fail(`${e.id}: kwarg ${name} is declared ${k.type} with default ${describe(k.default)}`);
          }
        }
      }
      if (!ids.has(ctx.env.id)) fail(`${ctx.env.id} is not listed`);
    },
  },
  {
    name: 'list_envs: every entry says the reset options its env reads, its render modes and render_fps (1.2)',
    async run(ctx) {
      const old = needs12(ctx, 'reset_options, render_modes, render_fps');
      if (old) return old;
      const c = await ctx.connect();
      const { envs } = expectResult('list_envs', await c.call('list_envs')) as { envs: EnvInfo[] };
      for (const e of envs) {
        if (e.reset_options === undefined || e.render_modes === undefined || e.render_fps === undefined) {
          const got = describe({ reset_options: e.reset_options, render_modes: e.render_modes, render_fps: e.render_fps });
          fail(`${e.id}: reset_options, render_modes and render_fps must all be present in 1.2 (got ${got})`);
        }
        for (const [name, o] of Object.entries(e.reset_options)) {
          if (o.default !== null && typeof o.default !== (o.type === 'integer' ? 'number' : o.type)) {
            fail(`${e.id}: reset option ${name} is declared ${o.type} with default ${describe(o.default)}`);
          }
        }
        if (e.render_modes.some((m) => m !== 'rgb_array'))
          fail(`${e.id}: render_modes ${describe(e.render_modes)}; over the wire only rgb_array exists`);
        if (e.render_fps !== null && !(e.render_fps > 0)) fail(`${e.id}: render_fps ${e.render_fps} is not positive`);
      }
    },
  },
];

const lifecycle: Check[] = [
  {
    name: 'make/reset/step/close: a round trip with results of the right shape',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      if (m.num_envs !== 1) fail(`make without num_envs must give num_envs 1, got ${m.num_envs}`);
      if (m.vector === true) fail('make without num_envs gave a vector env');
      if (m.spec.id !== ctx.env.id) fail(`spec.id is ${m.spec.id}, expected ${ctx.env.id}`);
      if (!sameWire(m.observation_space, ctx.env.observation_space)) fail('make and list_envs disagree on the observation space');
      if (!sameWire(m.action_space, ctx.env.action_space)) fail('make and list_envs disagree on the action space');
      for (const name of Object.keys(ctx.env.kwargs)) if (!(name in m.spec.kwargs)) fail(`spec.kwargs lacks ${name} (make fills defaults)`);
      const r = await reset(c, m.handle, 1);
      expectInSpace(m.observation_space, r.obs, 'reset obs');
      const s = await step(c, m.handle, randomAction(m.action_space, defaultRng(1)));
      expectInSpace(m.observation_space, s.obs, 'step obs');
      if (typeof s.reward !== 'number') fail(`reward is ${describe(s.reward)}`);
      expectResult('close', await c.call('close', { handle: m.handle }));
    },
  },
  {
    name: 'reset: seed null and options null are accepted',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      const r = expectResult('reset', await c.call('reset', { handle: m.handle, seed: null, options: null }));
      expectInSpace(m.observation_space, r.obs, 'reset obs');
    },
  },
  {
    name: 'reset: a declared reset option given a value the env cannot read gets bad_request, and the env stays usable (1.2)',
    async run(ctx) {
      const old = needs12(ctx, 'reset_options in list_envs');
      if (old) return old;
      const option = Object.entries(ctx.env.reset_options ?? {}).find(([, o]) => o.type === 'number' || o.type === 'integer');
      if (!option) return skip(`${ctx.env.id} declares no number reset option`);
      const c = await ctx.connect();
      const { handle } = await makeEnv(c, ctx.env);
      for (const bad of ['not a number', { a: 1 }]) {
        expectError(
          `reset with options.${option[0]} = ${describe(bad)}`,
          await c.call('reset', { handle, seed: 0, options: { [option[0]]: bad } }),
          'bad_request',
        );
      }
      await reset(c, handle, 0);
      expectResult('step', await c.call('step', { handle, action: randomAction(ctx.env.action_space, defaultRng(0)) }));
    },
  },
  {
    name: 'observations: every obs of 300 random steps (with resets) is inside the observation space',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      const rng = defaultRng(7);
      expectInSpace(m.observation_space, (await reset(c, m.handle, 7)).obs, 'reset obs');
      for (let i = 0; i < 300; i++) {
        const s = await step(c, m.handle, randomAction(m.action_space, rng));
        expectInSpace(m.observation_space, s.obs, `obs of step ${i + 1}`);
        if (s.terminated || s.truncated)
          expectInSpace(m.observation_space, (await reset(c, m.handle)).obs, `reset obs after step ${i + 1}`);
      }
    },
  },
  {
    name: 'seeding: the same seed twice gives the same obs and the same trajectory',
    async run(ctx) {
      if (ctx.env.nondeterministic) return skip(`${ctx.env.id} is declared nondeterministic`);
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      const other = await makeEnv(c, ctx.env);
      const rngA = defaultRng(3);
      const actions = Array.from({ length: 20 }, () => randomAction(m.action_space, rngA));
      const trajectory = async (handle: number) => {
        const out: unknown[] = [(await reset(c, handle, 42)).obs];
        for (const a of actions) {
          const s = await step(c, handle, a);
          out.push(s.obs, s.reward, s.terminated);
          if (s.terminated || s.truncated) break;
        }
        return out;
      };
      const first = await trajectory(m.handle);
      const again = await trajectory(m.handle);
      if (!sameWire(first[0], again[0])) fail(`reset(seed=42) twice on one env: ${describe(first[0])} then ${describe(again[0])}`);
      if (!sameWire(first, again)) fail('reset(seed=42) twice with the same actions gave different trajectories');
      const fresh = await trajectory(other.handle);
      if (!sameWire(first, fresh)) fail('two envs reset with seed 42 and given the same actions differ');
    },
  },
  {
    name: 'seeding: an unseeded reset continues the stream (differs from the seeded one)',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      const a = (await reset(c, m.handle, 5)).obs;
      const b = (await reset(c, m.handle)).obs;
      if (!sameWire(a, b)) return;
      const other = (await reset(c, m.handle, 6)).obs;
      if (sameWire(a, other)) return skip(`${ctx.env.id}'s reset obs does not depend on the seed (seeds 5 and 6 give the same obs)`);
      fail(`reset() after reset(seed=5) gave the same obs ${describe(a)}: the unseeded reset must keep drawing from the generator`);
    },
  },
  {
    name: 'step: before the first reset gets reset_needed',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      expectError(
        'step before reset',
        await c.call('step', { handle: m.handle, action: randomAction(m.action_space, defaultRng(0)) }),
        'reset_needed',
      );
      await reset(c, m.handle, 0);
      await step(c, m.handle, randomAction(m.action_space, defaultRng(0)));
    },
  },
  {
    name: 'close: the handle is gone afterwards (step, reset, close get unknown_handle)',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      await reset(c, m.handle, 0);
      expectResult('close', await c.call('close', { handle: m.handle }));
      expectError(
        'step after close',
        await c.call('step', { handle: m.handle, action: randomAction(m.action_space, defaultRng(0)) }),
        'unknown_handle',
      );
      expectError('reset after close', await c.call('reset', { handle: m.handle }), 'unknown_handle');
      expectError('close twice', await c.call('close', { handle: m.handle }), 'unknown_handle');
    },
  },
  {
    name: 'render: an rgb_array frame of width x height x 3 bytes',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      await reset(c, m.handle, 0);
      const response = await c.call('render', { handle: m.handle });
      if ('error' in response && response.error.code === 'unsupported')
        return skip(`render is unsupported for ${ctx.env.id}: ${response.error.message}`);
      const { frame } = expectResult('render', response);
      if (frame.data.byteLength !== frame.width * frame.height * 3)
        fail(`frame ${frame.width}x${frame.height} has ${frame.data.byteLength} bytes`);
    },
  },
  {
    name: 'render encodings (1.3): raw, zlib, png offered; zlib inflates to the raw frame; png is a PNG of its size; others unsupported',
    async run(ctx) {
      const [major, minor] = ctx.hello.protocol_version.split('.').map(Number);
      if (major === 1 && minor < 3) return skip(`needs protocol 1.3 (render encodings); the server speaks ${ctx.hello.protocol_version}`);
      const offered = ctx.hello.render_encodings ?? [];
      for (const e of ['raw', 'zlib', 'png']) if (!offered.includes(e)) fail(`hello's render_encodings ${describe(offered)} lack ${e}`);
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      await reset(c, m.handle, 0);
      const first = await c.call('render', { handle: m.handle });
      if ('error' in first && first.error.code === 'unsupported')
        return skip(`render is unsupported for ${ctx.env.id}: ${first.error.message}`);
      const raw = expectResult('render', first).frame;
      if (raw.encoding !== undefined && raw.encoding !== 'raw') fail(`a render asking no encoding came as ${describe(raw.encoding)}`);
      const z = expectResult('render', await c.call('render', { handle: m.handle, encoding: 'zlib' })).frame;
      if (z.encoding !== 'zlib') fail(`a zlib render came with encoding ${describe(z.encoding)}`);
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(z.data, { maxOutputLength: raw.data.byteLength + 1 });
      } catch (e) {
        fail(`the zlib frame does not inflate to ${raw.data.byteLength} bytes: ${(e as Error).message}`);
      }
      if (Buffer.compare(Buffer.from(inflated), Buffer.from(raw.data)) !== 0)
        fail('the zlib frame inflates to other bytes than the raw frame');
      const p = expectResult('render', await c.call('render', { handle: m.handle, encoding: 'png' })).frame;
      if (p.encoding !== 'png') fail(`a png render came with encoding ${describe(p.encoding)}`);
      const head = Buffer.from(p.data.subarray(0, 24));
      if (
        !head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ||
        head.toString('latin1', 12, 16) !== 'IHDR'
      )
        fail('the png frame does not start with the PNG signature and IHDR');
      if (head.readUInt32BE(16) !== raw.width || head.readUInt32BE(20) !== raw.height)
        fail(`the PNG is ${head.readUInt32BE(16)}x${head.readUInt32BE(20)}, the frame ${raw.width}x${raw.height}`);
      expectError('render encoding webp', await c.call('render', { handle: m.handle, encoding: 'webp' }), 'unsupported');
    },
  },
];

/** Wrong actions for `space`: [what, wire value] pairs every server must refuse with invalid_action. */
function wrongActions(space: Space): [string, unknown][] {
  const rng = defaultRng(0);
  switch (space.type) {
    case 'Box': {
      const n = shapeSize(space.shape);
      const good = toWire(space, sample(space, rng)) as NDArray;
      const other = space.dtype === 'float32' ? 'float64' : 'float32';
      const out: [string, unknown][] = [
        ['an action with one element too many', encodeArray(allocate(space.dtype, n + 1), [n + 1], space.dtype)],
        [`an action of dtype ${other}`, encodeArray(allocate(other, n), space.shape, other)],
        ['an action whose bytes do not match its shape', { ...good, data: good.data.subarray(0, good.data.byteLength - 1) }],
        ['a number instead of an NDArray', 0],
      ];
      if (space.dtype === 'float32' || space.dtype === 'float64') {
        const nan = space.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
        nan[0] = NaN;
        out.push(['an action with a NaN', encodeArray(nan, space.shape, space.dtype)]);
        const inf = space.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
        inf[n - 1] = Infinity;
        out.push(['an action with an Infinity', encodeArray(inf, space.shape, space.dtype)]);
      }
      return out;
    }
    case 'Discrete':
      return [
        [`${space.start + space.n} (one past the last action)`, space.start + space.n],
        [`${space.start - 1} (below start)`, space.start - 1],
        ['0.5 (not an integer)', space.start + 0.5],
        ['an NDArray instead of an integer', encodeArray(new Float32Array([space.start]), [1], 'float32')],
      ];
    default:
      return [['a number where the space wants something else', 0.25]];
  }
}

const actions: Check[] = [
  {
    name: 'step: wrong action shape/dtype/NaN/range get invalid_action, and the env and connection keep working',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      await reset(c, m.handle, 0);
      for (const [what, action] of wrongActions(m.action_space)) {
        const id = c.id();
        c.send('step', { handle: m.handle, action }, id);
        expectError(`step with ${what}`, await c.next(), 'invalid_action', id);
      }
      const s = await step(c, m.handle, randomAction(m.action_space, defaultRng(0)));
      expectInSpace(m.observation_space, s.obs, 'obs of a valid step after the refused ones');
    },
  },
];

/** The range kwargs of `env` (1.4), by name. */
function rangeKwargs(env: EnvInfo): string[] {
  return Object.entries(env.kwargs)
    .filter(([, k]) => k.type === 'range')
    .map(([name]) => name);
}

const ranges: Check[] = [
  {
    name:
      "range kwargs (1.4): listed defaults are [low, high] pairs; with the env's first range kwarg (if any), " +
      'make takes and echoes one, malformed ones get invalid_kwargs',
    async run(ctx) {
      const [major, minor] = ctx.hello.protocol_version.split('.').map(Number);
      if (major === 1 && minor < 4) return skip(`needs protocol 1.4 (range kwargs); the server speaks ${ctx.hello.protocol_version}`);
      const c = await ctx.connect();
      const { envs } = expectResult('list_envs', await c.call('list_envs')) as { envs: EnvInfo[] };
      for (const e of envs) {
        for (const name of rangeKwargs(e)) {
          const d = e.kwargs[name].default;
          if (d !== null && rangeProblem(d) !== null) fail(`${e.id}: range kwarg ${name}'s default ${describe(d)} ${rangeProblem(d)}`);
        }
      }
      const name = rangeKwargs(ctx.env).find((n) => ctx.env.kwargs[n].default !== null);
      if (name === undefined) return; // the env has none: the listed defaults are what there is to check
      const given = ctx.env.kwargs[name].default as [number, number];
      const m = await makeEnv(c, ctx.env, { kwargs: { [name]: given } });
      if (!sameWire(m.spec.kwargs[name], given))
        fail(`make with ${name} ${describe(given)}: spec.kwargs has ${describe(m.spec.kwargs[name])}`);
      expectResult('close', await c.call('close', { handle: m.handle }));
      const bad: [string, unknown][] = [
        ['one number', [given[0]]],
        ['three numbers', [given[0], given[1], given[1]]],
        ['a string end', [given[0], 'x']],
        ['NaN', [NaN, given[1]]],
        ['low > high', [1, 0]],
        ['a bare number', 1],
      ];
      for (const [what, value] of bad) {
        expectError(
          `make with ${name} = ${what}`,
          await c.call('make', { env_id: ctx.env.id, kwargs: { [name]: value } }),
          'invalid_kwargs',
        );
      }
    },
  },
];

const errors: Check[] = [
  {
    name: 'make: an unknown env id gets unknown_env',
    async run(ctx) {
      const c = await ctx.connect();
      expectError('make NoSuchEnv-v0', await c.call('make', { env_id: 'NoSuchEnv-v0' }), 'unknown_env');
    },
  },
  {
    name: 'make: an unknown kwarg gets invalid_kwargs',
    async run(ctx) {
      const c = await ctx.connect();
      expectError(
        'make with kwarg __conformance_bogus__',
        await c.call('make', { env_id: ctx.env.id, kwargs: { __conformance_bogus__: 1 } }),
        'invalid_kwargs',
      );
    },
  },
  {
    name: 'handles: reset/step/render/close on a handle never made get unknown_handle',
    async run(ctx) {
      const c = await ctx.connect();
      const h = 987_654_321;
      expectError('reset', await c.call('reset', { handle: h }), 'unknown_handle');
      expectError('step', await c.call('step', { handle: h, action: 0 }), 'unknown_handle');
      expectError('render', await c.call('render', { handle: h }), 'unknown_handle');
      expectError('close', await c.call('close', { handle: h }), 'unknown_handle');
    },
  },
  {
    name: 'ops: an unknown op gets unsupported with the request id',
    async run(ctx) {
      const c = await ctx.connect();
      const id = c.id();
      c.send('fly_to_the_moon', {}, id);
      expectError('op fly_to_the_moon', await c.next(), 'unsupported', id);
    },
  },
  {
    name:
      'frames: malformed msgpack, a non-map, a missing id, a schema violation and a text frame get bad_request, ' +
      'and the connection survives',
    async run(ctx) {
      const c = await ctx.connect();
      c.sendRaw(new Uint8Array([0xc1])); // 0xc1 is never used in msgpack
      expectError('byte 0xc1', await c.next(), 'bad_request', null);
      c.sendRaw(new Uint8Array([0x92, 0x01])); // an array announced with 2 items, cut short
      expectError('truncated msgpack', await c.next(), 'bad_request', null);
      c.sendRaw(encodeMessage([1, 'hello']));
      expectError('an array instead of a map', await c.next(), 'bad_request', null);
      c.sendRaw(encodeMessage({ op: 'list_envs' }));
      expectError('a map without id', await c.next(), 'bad_request', null);
      const id = c.id();
      c.sendRaw(encodeMessage({ id, op: 'reset', handle: 'one' }));
      expectError('reset with a string handle', await c.next(), 'bad_request', id);
      c.sendRaw('{"id": 1, "op": "list_envs"}');
      expectError('a text frame', await c.next(), 'bad_request');
      expectResult('list_envs', await c.call('list_envs'));
      if (c.closed) fail(`the server closed the connection (code ${c.closed.code})`);
    },
  },
  {
    name:
      'frames: extension types, nesting over 32 deep, more than 65,536 values, non-string and repeated keys get bad_request with the id, ' +
      'and the connection survives (1.2)',
    async run(ctx) {
      const old = needs12(ctx, 'plain msgpack only, depth and size bounds');
      if (old) return old;
      const c = await ctx.connect();
      const cases: [string, (id: Uint8Array) => Uint8Array][] = [
        [
          'a fixext 1 in an unknown field',
          (i) =>
            rawMap([
              ['id', i],
              ['op', encodeMessage('list_envs')],
              ['x', Uint8Array.of(0xd4, 0x01, 0x00)],
            ]),
        ],
        ['a timestamp (ext -1) as a reset seed', handleFrame('reset', 'seed', Uint8Array.of(0xd6, 0xff, 0, 0, 0, 0))],
        // msgpackr's structured clone: an array (id ext 0x69) whose one element points (ext 0x70) back at it.
        ['a cyclic action', handleFrame('step', 'action', Uint8Array.of(0xd6, 0x69, 0, 0, 0, 0, 0x91, 0xd6, 0x70, 0, 0, 0, 0))],
        ['an action nested 33 deep', handleFrame('step', 'action', Uint8Array.from([...Array(32).fill(0x91), 0x00]))],
        ['an action nested 100,000 deep', handleFrame('step', 'action', Uint8Array.from([...Array(100_000).fill(0x91), 0x00]))],
        ['an options map with an integer key', handleFrame('reset', 'options', Uint8Array.of(0x81, 0x01, 0x02))],
        [
          // Decoders disagree on which of two equal keys wins: refused rather than read one way.
          'a map with the key op twice',
          (i) =>
            rawMap([
              ['id', i],
              ['op', encodeMessage('list_envs')],
              ['op', encodeMessage('close')],
              ['handle', encodeMessage(1)],
            ]),
        ],
        [
          '70,000 nils',
          (i) =>
            rawMap([
              ['id', i],
              ['op', encodeMessage('list_envs')],
              ['x', Uint8Array.from([0xdd, 0, 1, 0x11, 0x70, ...Array(70_000).fill(0xc0)])],
            ]),
        ],
      ];
      for (const [what, frame] of cases) {
        const id = c.id();
        const bytes = frame(encodeMessage(id));
        if (bytes.length > ctx.hello.limits.max_payload_bytes) continue; // that would be the 1009 check
        c.sendRaw(bytes);
        expectError(what, await c.next(), 'bad_request', id);
      }
      c.sendRaw(
        rawMap([
          ['id', Uint8Array.of(0xd4, 0x01, 0x00)],
          ['op', encodeMessage('list_envs')],
        ]),
      );
      expectError('an extension type as the id', await c.next(), 'bad_request', null);
      expectResult('list_envs', await c.call('list_envs'));
      if (c.closed) fail(`the server closed the connection (code ${c.closed.code})`);
    },
  },
  {
    name: 'limits: a frame over max_payload_bytes closes the connection with 1009',
    async run(ctx) {
      const max = ctx.hello.limits.max_payload_bytes;
      if (max > 64 * 1024 * 1024) return skip(`max_payload_bytes ${max} is too large to test cheaply`);
      const c = await ctx.connect();
      c.sendRaw(encodeMessage({ id: c.id(), op: 'list_envs', padding: new Uint8Array(max + 1) }));
      const closed = await c.waitClosed();
      if (closed === null) fail(`the connection stayed open ${ctx.timeoutMs} ms after a ${max + 1}-byte frame`);
      if (closed.code !== 1009) fail(`closed with code ${closed.code}, expected 1009`);
    },
  },
  {
    name: 'limits: one env more than max_envs on a connection gets limit_exceeded',
    async run(ctx) {
      const max = ctx.hello.limits.max_envs;
      if (max > 256) return skip(`max_envs ${max} is too many to open in a check`);
      const c = await ctx.connect();
      for (let i = 0; i < max; i++) c.send('make', { env_id: ctx.env.id });
      const answers: Frame[] = [];
      for (let i = 0; i < max; i++) answers.push(await c.next());
      // A big env (a MuJoCo one) may fill the server's memory budget (section 8) before max_envs
      // handles are open: that refusal is limit_exceeded too, naming the budget in its details.
      const early = answers.findIndex((r) => r.error?.code === 'limit_exceeded' && r.error.details?.env_memory_limit !== undefined);
      const made = answers.filter((r) => r.result !== undefined).map((r) => r.result.handle as number);
      let outcome: Skip | undefined;
      if (early >= 0) {
        const why = answers[early].error.message;
        outcome = skip(`the memory budget refused make ${early + 1} of ${max} (${ctx.env.id} is too big for max_envs of them): ${why}`);
      } else {
        for (const r of answers) expectResult('make', r);
        expectError(`make number ${max + 1}`, await c.call('make', { env_id: ctx.env.id }), 'limit_exceeded');
      }
      // Closed here, in request order, so the next check's envs do not wait for this connection's to be freed.
      for (const handle of made) c.send('close', { handle });
      for (const _ of made) await c.next();
      return outcome;
    },
  },
];

const pipelining: Check[] = [
  {
    name: 'pipelining: 200 requests sent at once are answered in the order sent, errors in place',
    async run(ctx) {
      const c = await ctx.connect();
      const m = await makeEnv(c, ctx.env);
      await reset(c, m.handle, 0);
      const rng = defaultRng(11);
      const sent: { id: number; op: string; expect: 'result' | 'error' }[] = [];
      // Ids go down, so answers sorted by id would come back in the wrong order.
      let id = 1_000_000;
      for (let i = 0; i < 200; i++) {
        id -= 1 + (i % 3);
        if (i % 50 === 49) {
          c.send('step', { handle: 424242, action: 0 }, id);
          sent.push({ id, op: 'step on a bad handle', expect: 'error' });
        } else if (i % 20 === 10) {
          c.send('list_envs', {}, id);
          sent.push({ id, op: 'list_envs', expect: 'result' });
        } else if (i % 40 === 0) {
          c.send('reset', { handle: m.handle, seed: i }, id);
          sent.push({ id, op: 'reset', expect: 'result' });
        } else {
          c.send('step', { handle: m.handle, action: randomAction(m.action_space, rng) }, id);
          sent.push({ id, op: 'step', expect: 'result' });
        }
      }
      for (let i = 0; i < sent.length; i++) {
        const r = await c.next();
        if (r.id !== sent[i].id) fail(`answer ${i + 1} has id ${describe(r.id)}, the ${i + 1}th request sent had id ${sent[i].id}`);
        if (sent[i].expect === 'error') expectError(sent[i].op, r, 'unknown_handle');
        else if ('error' in r) fail(`${sent[i].op} (request ${i + 1}) failed: ${describe(r.error)}`);
      }
    },
  },
];

const vector: Check[] = [
  {
    name: 'vector: make num_envs 3 gives batched reset/step arrays, seeds per sub-env',
    async run(ctx) {
      const n = 3;
      const c = await ctx.connect();
      const response = await c.call('make', { env_id: ctx.env.id, num_envs: n });
      if ('error' in response) {
        if (response.error.code === 'unsupported') return skip(`the server does not make vector envs: ${response.error.message}`);
        if (response.error.code === 'limit_exceeded') return skip(`num_envs ${n} is over a limit: ${response.error.message}`);
      }
      const m = expectResult('make', response);
      if (m.num_envs !== n) fail(`make num_envs ${n} answered num_envs ${m.num_envs}`);
      if (m.vector !== true) fail(`make num_envs ${n} must answer vector: true, got ${describe(m.vector)}`);
      const single: Space = m.observation_space;
      if (!sameWire(single, ctx.env.observation_space)) fail('a vector env must report the single sub-env observation space');
      const act: Space = m.action_space;
      if (single.type !== 'Box' || (act.type !== 'Box' && act.type !== 'Discrete')) {
        return skip(`batched values checked for Box observations and Box/Discrete actions; ${ctx.env.id} has ${single.type}/${act.type}`);
      }
      const r = expectResult('reset', await c.call('reset', { handle: m.handle, seed: 100 }));
      const rows = expectBatch(single, r.obs, n, 'vector reset obs');
      if (!ctx.env.nondeterministic) {
        const one = await makeEnv(c, ctx.env);
        const lone = (await reset(c, one.handle, 101)).obs as NDArray;
        if (Buffer.compare(Buffer.from(lone.data), Buffer.from(rows[1])) !== 0) {
          fail('reset(seed=100) of a vector env must seed sub-env 1 with 101, like a single env reset with seed 101');
        }
      }
      const rng = defaultRng(5);
      const batch =
        act.type === 'Box'
          ? batchBox(act, n, rng)
          : encodeArray(
              Int32Array.from({ length: n }, () => act.start + rng.integers(act.n)),
              [n],
              'int32',
            );
      for (let t = 0; t < 3; t++) {
        const s = expectResult('step', await c.call('step', { handle: m.handle, action: batch }));
        expectBatch(single, s.obs, n, `vector step obs`);
        expectArray(s.reward, 'float64', [n], 'vector reward');
        expectArray(s.terminated, 'bool', [n], 'vector terminated');
        expectArray(s.truncated, 'bool', [n], 'vector truncated');
      }
      const wrong = act.type === 'Box' ? batchBox(act, n + 1, rng) : encodeArray(new Int32Array(n + 1), [n + 1], 'int32');
      expectError(`vector step with ${n + 1} actions`, await c.call('step', { handle: m.handle, action: wrong }), 'invalid_action');
      expectResult('close', await c.call('close', { handle: m.handle }));
    },
  },
];

/** Makes a vector env of `n` for the autoreset/mask checks, or says why they cannot run. */
async function vectorOrSkip(ctx: Context, c: WireClient, n: number, kwargs: Record<string, unknown> = {}): Promise<any | Skip> {
  const response = await c.call('make', { env_id: ctx.env.id, num_envs: n, kwargs });
  if ('error' in response && (response.error.code === 'unsupported' || response.error.code === 'limit_exceeded')) {
    return skip(`no vector env of ${n}: ${response.error.code} (${response.error.message})`);
  }
  const m = expectResult('make', response);
  const obs: Space = m.observation_space;
  const act: Space = m.action_space;
  if (obs.type !== 'Box' || (act.type !== 'Box' && act.type !== 'Discrete')) {
    return skip(`batched values checked for Box observations and Box/Discrete actions; ${ctx.env.id} has ${obs.type}/${act.type}`);
  }
  if (ctx.env.nondeterministic) return skip(`${ctx.env.id} is declared nondeterministic`);
  return m;
}

function randomBatch(act: Space, n: number, rng: NumpyGenerator): NDArray {
  if (act.type === 'Box') return batchBox(act, n, rng);
  const d = act as Extract<Space, { type: 'Discrete' }>;
  return encodeArray(
    Int32Array.from({ length: n }, () => d.start + rng.integers(d.n)),
    [n],
    'int32',
  );
}

/** Row i of a batched action, as a single env's action. */
function actionRow(act: Space, batch: NDArray, i: number, n: number): unknown {
  if (act.type === 'Discrete') return (decodeArray(batch) as Int32Array)[i];
  const size = batch.data.byteLength / n;
  return { dtype: batch.dtype, shape: batch.shape.slice(1), data: batch.data.subarray(i * size, (i + 1) * size) };
}

function anyTrue(w: NDArray): boolean {
  return Array.from(decodeArray(w) as Uint8Array).some((x) => x !== 0);
}

function rowBytes(w: NDArray, i: number, n: number): Buffer {
  const size = w.data.byteLength / n;
  return Buffer.from(w.data.subarray(i * size, (i + 1) * size));
}

vector.push(
  {
    name: 'vector: NEXT_STEP autoreset (the step after an episode ends resets that sub-env: reward 0, reset obs)',
    async run(ctx) {
      const n = 2;
      const c = await ctx.connect();
      const m = await vectorOrSkip(ctx, c, n, { max_episode_steps: 2 });
      if ('skip' in m) return m;
      const rng = defaultRng(21);
      const actions = [randomBatch(m.action_space, n, rng), randomBatch(m.action_space, n, rng), randomBatch(m.action_space, n, rng)];
      expectResult('reset', await c.call('reset', { handle: m.handle, seed: 50 }));
      const s1 = expectResult('step', await c.call('step', { handle: m.handle, action: actions[0] }));
      if (anyTrue(s1.terminated) || anyTrue(s1.truncated)) return skip('a sub-env ended on its first step');
      const s2 = expectResult('step', await c.call('step', { handle: m.handle, action: actions[1] }));
      const trunc2 = decodeArray(s2.truncated);
      const term2 = decodeArray(s2.terminated);
      for (let i = 0; i < n; i++) if (!trunc2[i] && !term2[i]) fail(`sub-env ${i} is not truncated after 2 steps with max_episode_steps 2`);
      const s3 = expectResult('step', await c.call('step', { handle: m.handle, action: actions[2] }));
      const r3 = decodeArray(s3.reward);
      const t3 = decodeArray(s3.terminated);
      const u3 = decodeArray(s3.truncated);
      for (let i = 0; i < n; i++) {
        if (Number(r3[i]) !== 0 || t3[i] || u3[i])
          fail(`sub-env ${i} on the autoreset step: reward ${r3[i]}, terminated ${t3[i]}, truncated ${u3[i]}; expected 0, false, false`);
        // The same as a single env: seed 50 + i, the same two actions, then an unseeded reset.
        const one = await makeEnv(c, ctx.env, { kwargs: { max_episode_steps: 2 } });
        await reset(c, one.handle, 50 + i);
        await step(c, one.handle, actionRow(m.action_space, actions[0], i, n));
        await step(c, one.handle, actionRow(m.action_space, actions[1], i, n));
        const again = (await reset(c, one.handle)).obs as NDArray;
        if (Buffer.compare(Buffer.from(again.data), rowBytes(s3.obs, i, n)) !== 0) {
          fail(`row ${i} of the autoreset step's obs is not the unseeded reset obs a single env gives after the same episode`);
        }
      }
    },
  },
  {
    name: 'vector: reset with options.reset_mask resets only the marked sub-envs',
    async run(ctx) {
      const n = 2;
      const c = await ctx.connect();
      const m = await vectorOrSkip(ctx, c, n);
      if ('skip' in m) return m;
      expectResult('reset', await c.call('reset', { handle: m.handle, seed: 60 }));
      const s = expectResult('step', await c.call('step', { handle: m.handle, action: randomBatch(m.action_space, n, defaultRng(1)) }));
      const mask = encodeArray(new Uint8Array([1, 0]), [n], 'bool');
      const r = expectResult('reset', await c.call('reset', { handle: m.handle, options: { reset_mask: mask } }));
      expectBatch(m.observation_space, r.obs, n, 'masked reset obs');
      if (Buffer.compare(rowBytes(r.obs, 1, n), rowBytes(s.obs, 1, n)) !== 0) fail('row 1 (not in reset_mask) changed on a masked reset');
      const none = encodeArray(new Uint8Array([0, 0]), [n], 'bool');
      expectError(
        'reset_mask marking no sub-env',
        await c.call('reset', { handle: m.handle, options: { reset_mask: none } }),
        'bad_request',
      );
    },
  },
);

function batchBox(space: Extract<Space, { type: 'Box' }>, n: number, rng: NumpyGenerator): NDArray {
  const size = shapeSize(space.shape);
  const parts = Array.from({ length: n }, () => sample(space, rng) as TypedArray);
  const out = space.dtype === 'float64' ? new Float64Array(n * size) : new Float32Array(n * size);
  parts.forEach((p, i) => (out as Float32Array).set(p as Float32Array, i * size));
  return encodeArray(out, [n, ...space.shape], space.dtype);
}

function expectArray(wire: unknown, dtype: string, shape: number[], what: string): NDArray {
  if (!looksLikeNDArray(wire)) fail(`${what} is not an NDArray: ${describe(wire)}`);
  if (wire.dtype !== dtype) fail(`${what} has dtype ${wire.dtype}, expected ${dtype}`);
  if (!sameShape(wire.shape, shape)) fail(`${what} has shape [${wire.shape}], expected [${shape}]`);
  decodeArray(wire);
  return wire;
}

/** A batched Box value: [n, ...shape] of the space's dtype, each row in the space. Returns the rows' bytes. */
function expectBatch(space: Extract<Space, { type: 'Box' }>, wire: unknown, n: number, what: string): Uint8Array[] {
  const w = expectArray(wire, space.dtype, [n, ...space.shape], what);
  const rowBytes = w.data.byteLength / n;
  const rows: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = { dtype: w.dtype, shape: space.shape, data: w.data.subarray(i * rowBytes, (i + 1) * rowBytes) };
    expectInSpace(space, row, `${what}[${i}]`);
    rows.push(row.data);
  }
  return rows;
}

/** Every check, in the order they run. */
export const CHECKS: Check[] = [...handshake, ...listing, ...lifecycle, ...actions, ...ranges, ...errors, ...pipelining, ...vector];
