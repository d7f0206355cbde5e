// Fuzz: >100,000 hostile frames (random bytes, truncated msgpack, wrong types, odd arrays,
// NaN/Inf, odd handles, deep nesting, mutated valid requests, oversized frames) from several
// connections to a server in another process. Asserts: the server never exits, every frame
// under the payload limit gets exactly one answer (with the request's id when it had a readable
// one), oversized frames close their connection with 1009, and a well-behaved client on its own
// connection steps on throughout, equal to a local env. Seeded: FUZZ_SEED=<n> reproduces a run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { make } from '../../envs/index.ts';
import { RemoteEnv } from '../../client/remote-env.ts';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { encodeStepRequest } from '../../protocol/fast-frames.ts';
import { checkErrorResponse } from '../../protocol/validators.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = Number(process.env.FUZZ_SEED ?? 20240607);
const CONNECTIONS = 4;
const FRAMES_PER_CONNECTION = 25_500;
const WINDOW = 48; // frames in flight per connection
const MAX_PAYLOAD = 65536;
const OVERSIZED = 24;

let child: ChildProcess;
let url: string;
let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
let serverStderr = '';

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--max-payload', String(MAX_PAYLOAD), '--max-envs', '8', '--max-num-envs', '16'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (serverStderr = (serverStderr + d.toString()).slice(-20_000)));
  child.once('exit', (code, signal) => (exited = { code, signal }));
  url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${serverStderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (ws:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
  });
});
after(() => {
  if (!exited) child.kill('SIGKILL');
});

// ---- seeded randomness ------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Fuzzer {
  readonly rand: () => number;
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  string(): string {
    return this.pick([
      () => '',
      () => 'step',
      () => 'x'.repeat(this.int(2000)),
      () => String.fromCharCode(...Array.from({ length: this.int(20) }, () => this.int(0xd7ff))),
      () => '\u0000\ud800',
      () => 'CartPole-v1',
      () => '__proto__',
    ])();
  }
  /** Any msgpack value, including the awkward ones. */
  value(depth = 0): unknown {
    const leaves = [
      () => null,
      () => this.rand() < 0.5,
      () => this.int(10) - 5,
      () => -this.int(2 ** 31),
      () => 2 ** 53 + this.int(10),
      () => 2 ** 64,
      () => -(2 ** 63),
      () => NaN,
      () => Infinity,
      () => -Infinity,
      () => -0,
      () => 1e308,
      () => this.rand() * 1e6 - 5e5,
      () => this.string(),
      () => this.bytes(this.int(64)),
      () => this.ndarray(),
    ];
    if (depth > 3 || this.rand() < 0.7) return this.pick(leaves)();
    if (this.rand() < 0.5) return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = this.int(5); i > 0; i--) {
      // defineProperty: an own "__proto__" key, as a decoder would produce, not a prototype change
      const key = this.pick(['a', 'dtype', 'shape', 'data', 'id', 'op', 'handle', '__proto__', 'constructor', this.string()]);
      Object.defineProperty(o, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }
  /** NDArray-shaped maps that are wrong in every way: dtype, shape, data length, values. */
  ndarray(): unknown {
    const dtype = this.pick(['float32', 'float64', 'int8', 'int32', 'int64', 'uint8', 'bool', 'float16', 'complex128', '', 'object', 7, null]);
    const shape = this.pick<() => unknown>([
      () => [1],
      () => [],
      () => [this.int(5), this.int(5)],
      () => [1e9],
      () => [2 ** 31, 2 ** 31],
      () => [-1],
      () => [NaN],
      () => [1.5],
      () => Array.from({ length: 64 }, () => 2),
      () => 'shape',
      () => [Infinity],
    ])();
    const data = this.pick<() => unknown>([
      () => new Uint8Array(new Float32Array([NaN]).buffer),
      () => new Uint8Array(new Float32Array([Infinity]).buffer),
      () => new Uint8Array(new Float32Array([-Infinity]).buffer),
      () => new Uint8Array(new Float64Array([NaN]).buffer),
      () => new Uint8Array(new Float32Array([this.rand() * 4 - 2]).buffer),
      () => this.bytes(this.int(9)),
      () => new Uint8Array(this.int(60_000)),
      () => 'data',
      () => [1, 2, 3],
      () => null,
    ])();
    return { dtype, shape, data };
  }
}

// ---- hand-made msgpack (for what an encoder would refuse or recurse on) ----------------------

function mpStr(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return b.length < 32 ? [0xa0 | b.length, ...b] : [0xd9, b.length, ...b];
}
function mpUint(n: number): number[] {
  return n < 128 ? [n] : [0xce, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
/** {id, op: "reset", handle: 1, options: {a: {a: ... nil}}} nested `depth` deep, or a bare nested array. */
function deepFrame(depth: number, asOptions: boolean, id: number): Uint8Array {
  const nest = asOptions ? [0x81, ...mpStr('a')] : [0x91];
  const head = asOptions ? [0x84, ...mpStr('id'), ...mpUint(id), ...mpStr('op'), ...mpStr('reset'), ...mpStr('handle'), 1, ...mpStr('options')] : [];
  const out = new Uint8Array(head.length + nest.length * depth + 1);
  out.set(head, 0);
  for (let i = 0; i < depth; i++) out.set(nest, head.length + i * nest.length);
  out[out.length - 1] = 0xc0;
  return out;
}

// ---- one fuzzing connection -------------------------------------------------------------------

type Expect = number | null | 'any';

interface Counts {
  sent: number;
  answers: number;
  errors: number;
  results: number;
  idMismatches: number;
  malformed: number;
  byCode: Record<string, number>;
}

const ENV_IDS = ['CartPole-v1', 'Pendulum-v1', 'MountainCar-v0', 'Acrobot-v1', 'MountainCarContinuous-v0', 'Nope-v0', ''];

async function fuzzConnection(seed: number, frames: number): Promise<Counts> {
  const f = new Fuzzer(seed);
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const counts: Counts = { sent: 0, answers: 0, errors: 0, results: 0, idMismatches: 0, malformed: 0, byCode: {} };
  const expected: Expect[] = [];
  let wake: (() => void) | null = null;
  let closed: string | null = null;
  ws.on('message', (data: Buffer) => {
    counts.answers++;
    const want = expected.shift();
    let msg: { id?: unknown; result?: unknown; error?: { code: string } };
    try {
      msg = decodeMessage(data) as typeof msg;
    } catch {
      counts.malformed++;
      return;
    }
    const result = (msg as { result?: unknown }).result;
    if (result !== undefined) counts.results++;
    else if (checkErrorResponse.Check(msg)) {
      counts.errors++;
      counts.byCode[msg.error.code] = (counts.byCode[msg.error.code] ?? 0) + 1;
    } else counts.malformed++;
    if (want !== 'any' && msg.id !== want) counts.idMismatches++;
    // Envs the fuzz makes become targets, so requests get past the handle check to the env.
    const made = result as { handle?: unknown; action_space?: { type?: string; shape?: number[] }; vector?: boolean } | undefined;
    if (made && typeof made.handle === 'number' && made.action_space && !made.vector) {
      const space = made.action_space;
      seen.push({ handle: made.handle, discrete: space.type === 'Discrete', dim: space.type === 'Box' ? (space.shape ?? [1]).reduce((a, b) => a * b, 1) : 1 });
      if (seen.length > 6) seen.shift();
    }
    wake?.();
  });
  ws.on('close', (code, reason) => {
    closed = `${code} ${reason}`;
    wake?.();
  });
  const send = async (frame: Uint8Array | string, expect: Expect) => {
    // Oversized frames are tested on their own connections (they close the connection).
    if (typeof frame !== 'string' && frame.length > MAX_PAYLOAD) {
      frame = frame.subarray(0, MAX_PAYLOAD);
      expect = 'any';
    }
    while (counts.sent - counts.answers >= WINDOW && closed === null) await new Promise<void>((r) => (wake = r));
    if (closed !== null) throw new Error(`fuzz connection closed by the server after ${counts.sent} frames: ${closed}`);
    expected.push(expect);
    counts.sent++;
    ws.send(frame);
  };

  let nextId = 1;
  type Live = { handle: number; discrete: boolean; dim: number };
  /** Envs made so far (from answers); copied into `live` only at barriers, so frames do not depend on timing. */
  const seen: Live[] = [];
  let live: Live[] = [];
  const handles = [1, 2, 3];
  await send(encodeMessage({ id: nextId, op: 'hello', protocol_version: '1.1', client_name: 'fuzz', client_version: '0' }), nextId++);
  await send(encodeMessage({ id: nextId, op: 'make', env_id: 'CartPole-v1' }), nextId++);
  await send(encodeMessage({ id: nextId, op: 'make', env_id: 'Pendulum-v1' }), nextId++);
  await send(encodeMessage({ id: nextId, op: 'reset', handle: 1, seed: 0 }), nextId++);
  await send(encodeMessage({ id: nextId, op: 'reset', handle: 2, seed: 0 }), nextId++);

  /** A request that is valid (or nearly: the env may still refuse it). */
  const validStep = (id: number): Record<string, unknown> => {
    const env = live.length > 0 ? f.pick(live) : { handle: 1, discrete: true, dim: 1 };
    const action = env.discrete
      ? f.int(3)
      : { dtype: 'float32', shape: [env.dim], data: new Uint8Array(Float32Array.from({ length: env.dim }, () => f.rand() * 4 - 2).buffer) };
    return { id, op: 'step', handle: env.handle, action };
  };
  const validRequest = (id: number): Record<string, unknown> => {
    const handle = live.length > 0 && f.rand() < 0.8 ? f.pick(live).handle : f.pick(handles);
    return f.pick<() => Record<string, unknown>>([
      () => validStep(id),
      () => validStep(id),
      () => validStep(id),
      () => ({ id, op: 'reset', handle, seed: f.rand() < 0.5 ? f.int(1000) : null }),
      () => ({ id, op: 'reset', handle, options: f.value() }),
      () => ({ id, op: 'make', env_id: f.pick(ENV_IDS), ...(f.rand() < 0.3 ? { num_envs: f.pick([1, 2, 3, 17, 0, -1, 1e9]) } : {}), ...(f.rand() < 0.3 ? { kwargs: f.value() } : {}) }),
      () => ({ id, op: 'close', handle: f.rand() < 0.2 ? f.int(12) : handle }),
      () => ({ id, op: 'list_envs' }),
      () => ({ id, op: 'hello', protocol_version: f.pick(['1.1', '1.0', '2.0', '', 'x.y', '1']), client_name: 'f', client_version: '0' }),
      () => ({ id, op: f.pick(['render', 'teleport', '', 'STEP', '__proto__']), handle }),
    ])();
  };

  for (let k = 0; k < frames; k++) {
    if (k % 1000 === 0) {
      while (counts.answers < counts.sent && closed === null) await new Promise<void>((r) => (wake = r));
      live = seen.slice();
    }
    const id = nextId++;
    const r = f.rand();
    if (r < 0.1) {
      // random bytes, sometimes starting like a map
      const b = f.bytes(f.int(f.rand() < 0.05 ? 8000 : 120));
      if (b.length > 0 && f.rand() < 0.5) b[0] = f.pick([0x80 | f.int(16), 0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xdc, 0xdd]);
      await send(b, 'any');
    } else if (r < 0.2) {
      // truncated msgpack
      const whole = encodeMessage(validRequest(id));
      await send(whole.subarray(0, f.int(whole.length)), 'any');
    } else if (r < 0.38) {
      // valid msgpack, one field of the wrong type or value
      const req = validRequest(id);
      const key = f.pick([...Object.keys(req).filter((k) => k !== 'id' && k !== 'op'), 'handle', 'action', 'seed', 'extra']);
      req[key] = f.value();
      await send(encodeMessage(req), id);
    } else if (r < 0.52) {
      // arrays: wrong dtypes, shapes, lengths, NaN/Inf, huge claimed sizes
      const handle = f.pick([1, 2, 2, 3]);
      const action = f.ndarray();
      const frame = f.rand() < 0.5 ? encodeMessage({ id, op: 'step', handle, action }) : (() => { try { return encodeStepRequest(id, handle, action as never); } catch { return encodeMessage({ id, op: 'step', handle, action }); } })();
      await send(frame.length <= MAX_PAYLOAD ? frame : encodeMessage({ id, op: 'step', handle, action: null }), id);
    } else if (r < 0.58) {
      // odd handles and ids
      const handle = f.pick([-1, -0, 0, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, NaN, Infinity, -Infinity, 1.5, '1', null]);
      await send(encodeMessage({ id, op: f.pick(['step', 'reset', 'render', 'close']), handle, action: 0 }), id);
    } else if (r < 0.62) {
      const badId = f.pick([-1, 2 ** 53, 2 ** 64, NaN, Infinity, 1.5, '7', null, [], {}]);
      await send(encodeMessage({ id: badId, op: 'list_envs' }), null);
    } else if (r < 0.635) {
      // deep nesting, inside a request or bare
      await send(deepFrame(1000 + f.int(30_000), f.rand() < 0.5, id), 'any');
    } else if (r < 0.645) {
      // big but allowed: a near-limit frame of valid msgpack
      await send(encodeMessage({ id, op: 'step', handle: 2, action: { dtype: 'float32', shape: [15_000], data: new Uint8Array(60_000) } }), id);
    } else if (r < 0.66) {
      await send(f.pick(['', 'hello', '{"id":1,"op":"list_envs"}', '\u0000']), null);
    } else if (r < 0.84) {
      // mutated valid request: flipped bits, inserted or deleted bytes
      const b = Array.from(f.rand() < 0.5 ? encodeMessage(validRequest(id)) : encodeStepRequest(id, 2, { dtype: 'float32', shape: [1], data: new Uint8Array(4) }));
      for (let m = 1 + f.int(4); m > 0; m--) {
        const at = f.int(b.length + 1);
        const kind = f.int(3);
        if (kind === 0 && at < b.length) b[at] ^= 1 << f.int(8);
        else if (kind === 1) b.splice(at, 0, f.int(256));
        else b.splice(at, 1);
      }
      await send(new Uint8Array(b), 'any');
    } else {
      // plain valid traffic, which must keep working among the garbage
      await send(k % 7 === 0 ? encodeStepRequest(id, 2, { dtype: 'float32', shape: [1], data: new Uint8Array(4) }) : encodeMessage(validRequest(id)), id);
    }
  }
  while (counts.answers < counts.sent && closed === null) await new Promise<void>((r) => (wake = r));
  ws.close();
  if (closed !== null && counts.answers < counts.sent) throw new Error(`fuzz connection closed: ${closed}`);
  return counts;
}

/** A frame over the payload limit: the connection is closed with 1009, nothing else. */
async function oversized(seed: number): Promise<number> {
  const f = new Fuzzer(seed);
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
  ws.on('error', () => {});
  const size = MAX_PAYLOAD + 1 + f.int(4 * MAX_PAYLOAD);
  ws.send(f.rand() < 0.5 ? new Uint8Array(size) : encodeMessage({ id: 1, op: 'step', handle: 1, action: { dtype: 'float32', shape: [size / 4], data: new Uint8Array(size) } }));
  return code;
}

test(`fuzz: ${CONNECTIONS} x ${FRAMES_PER_CONNECTION} hostile frames; the server answers each, never crashes, and a good client is unaffected (seed ${SEED})`, async () => {
  const t0 = Date.now();
  let fuzzing = true;

  // The well-behaved client: steps CartPole the whole time, checked against a local copy.
  const good = (async () => {
    const remote = await RemoteEnv.connect(url, 'CartPole-v1', {}, { reconnect: false });
    const local = make('CartPole-v1');
    let steps = 0;
    let seed = 0;
    assert.deepEqual(await remote.reset({ seed }), local.reset({ seed }));
    while (fuzzing || steps < 100) {
      const a = steps % 3 === 0 ? 1 : 0;
      const r = await remote.step(a);
      const l = local.step(a);
      assert.deepEqual(r, l, `good client step ${steps}`);
      steps++;
      if (l.terminated || l.truncated) {
        seed++;
        assert.deepEqual(await remote.reset({ seed }), local.reset({ seed }));
      }
    }
    await remote.close();
    return steps;
  })();

  const results = await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => fuzzConnection(SEED * 31 + c, FRAMES_PER_CONNECTION)));
  const closeCodes = [];
  for (let i = 0; i < OVERSIZED; i++) closeCodes.push(await oversized(SEED + 1000 + i));
  fuzzing = false;
  const goodSteps = await good;

  const total = { sent: 0, answers: 0, errors: 0, results: 0, idMismatches: 0, malformed: 0 };
  const byCode: Record<string, number> = {};
  for (const c of results) {
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += c[k];
    for (const [code, n] of Object.entries(c.byCode)) byCode[code] = (byCode[code] ?? 0) + n;
  }
  const crashes = exited === null ? 0 : 1;
  console.log(
    `fuzz seed ${SEED}: frames sent ${total.sent} (+${OVERSIZED} oversized), answers ${total.answers}, errors returned ${total.errors}, results ${total.results}, ` +
      `id mismatches ${total.idMismatches}, malformed answers ${total.malformed}, 1009 closes ${closeCodes.filter((c) => c === 1009).length}/${OVERSIZED}, ` +
      `good client steps ${goodSteps}, crashes ${crashes}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n  errors by code: ${JSON.stringify(byCode)}`,
  );

  assert.equal(crashes, 0, `the server exited: ${JSON.stringify(exited)}\n${serverStderr}`);
  assert.ok(total.sent >= 100_000, `only ${total.sent} frames`);
  for (const [i, c] of results.entries()) assert.equal(c.answers, c.sent, `connection ${i}: ${c.sent} frames, ${c.answers} answers`);
  assert.equal(total.idMismatches, 0);
  assert.equal(total.malformed, 0);
  assert.ok(total.errors > total.sent / 2, 'most frames are bad');
  assert.ok(total.results > 1000, 'valid requests among them still succeed');
  assert.deepEqual(closeCodes, Array(OVERSIZED).fill(1009));
  assert.ok(goodSteps >= 100);

  // Still serving after all that.
  const after = await RemoteEnv.connect(url, 'Pendulum-v1', {}, { reconnect: false });
  await after.reset({ seed: 0 });
  await after.close();
  assert.equal(exited, null);
});
