// npm run bench:protocol [-- --env Pendulum-v1 --steps 50000 --seconds 1.5 --sizes 1,16,64,256 --url ws://...]
// Through an env server in another process on loopback (or --url):
// 1. one env, one request in flight: steps/s and p50/p99 latency, against in-process stepping;
// 2. pipelining: k RemoteEnvs on one connection stepping concurrently (Promise.all), and
//    depth-k pipelining of one env (stepMany), against one round trip at a time;
// 3. vector envs: RemoteVectorEnv of 1, 16, 64, 256 sub-envs, env-steps/s = num_envs x
//    vector steps/s (one vector step in flight), against the in-process SyncVectorEnv;
// 4. in process, no sockets: the step messages of one env and of 256 sub-envs — bytes per
//    request/response and the time to encode, read (decode + check) and decode each, on both sides;
// 5. busy polling on both ends.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { make, makeVec } from '../envs/index.ts';
import { Connection, RemoteEnv } from '../client/remote-env.ts';
import { RemoteVectorEnv } from '../client/remote-vector-env.ts';
import { sample } from '../protocol/spaces.ts';
import { defaultRng } from '../protocol/random.ts';
import { decodeArray, encodeArray } from '../protocol/ndarray.ts';
import { encodeMessage } from '../protocol/codec.ts';
import { decodeStepRequest, decodeStepResponse, encodeStepRequest, encodeStepResponse } from '../protocol/fast-frames.ts';
import { toWire } from '../protocol/space-wire.ts';
import { batchLayout } from '../protocol/vector-api.ts';
import type { NDArray } from '../protocol/schema/ndarray.ts';
import type { EnvLike, SpaceValue } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import { batchedActionFromWire, makeVectorState, vectorStepSliced } from '../server/vector-slot.ts';
import { readRequest } from '../server/read-request.ts';
import { requestCheck } from '../protocol/validators.ts';
import { startServerProcess } from './server-process.ts';
import { benchArgs } from './cli-args.ts';

const USAGE = `
npm run bench:protocol -- [flags]
  --env ID           env to step (default Pendulum-v1)
  --steps N          timed steps per round of section 1 (default 50000)
  --warmup N         untimed steps first (default 5000)
  --rounds N         rounds of section 1 (default 3)
  --seconds S        seconds per timed row of sections 2, 3, 5 (default 1.5)
  --sizes LIST       num_envs of sections 3 and 5 (default 1,16,64,256)
  --sections LIST    which sections to run (default 1,2,3,4,5):
                     1 one request in flight, 2 pipelining, 3 vector envs,
                     4 step messages in process (no server), 5 busy polling
  --busy-poll-us N   busy-poll window of section 5 (default 1000)
  --url URL          use a running server instead of starting one (sections 1-3)
  -h, --help         this text`;

const values = benchArgs(USAGE, {
  env: { type: 'string', default: 'Pendulum-v1' },
  steps: { type: 'string', default: '50000' },
  warmup: { type: 'string', default: '5000' },
  rounds: { type: 'string', default: '3' },
  seconds: { type: 'string', default: '1.5' },
  sizes: { type: 'string', default: '1,16,64,256' },
  sections: { type: 'string', default: '1,2,3,4,5' },
  'busy-poll-us': { type: 'string', default: '1000' },
  url: { type: 'string' },
});
const envId = values.env!;
const steps = Number(values.steps);
const warmup = Number(values.warmup);
// Several rounds, each printed: on a shared machine one round can be slowed by other work.
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const VECTOR_SIZES = values.sizes!.split(',').map(Number);
const SECTIONS = new Set(values.sections!.split(',').map(Number));

interface Figures {
  stepsPerSec: number;
  p50us: number;
  p99us: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function table(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? Math.round(c).toLocaleString('en-US') : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j]).length)));
  for (const r of cells) console.log(r.map((c, j) => (j === 0 ? String(c).padEnd(widths[j]) : String(c).padStart(widths[j]))).join('  '));
}

/** Steps with pre-drawn actions (so action sampling is not timed), resetting at episode ends. */
async function run(env: EnvLike, n: number, actions: SpaceValue[]): Promise<Figures> {
  const lat = new Float64Array(n);
  await env.reset({ seed: 0 });
  const t0 = process.hrtime.bigint();
  let prev = t0;
  for (let i = 0; i < n; i++) {
    const r = await env.step(actions[i % actions.length]);
    if (r.terminated || r.truncated) await env.reset();
    const now = process.hrtime.bigint();
    lat[i] = Number(now - prev) / 1000;
    prev = now;
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();
  return { stepsPerSec: n / elapsed, p50us: percentile(lat, 0.5), p99us: percentile(lat, 0.99) };
}

/** Calls `round` (which performs `perRound` env steps) until `seconds` pass; env-steps/s. */
async function timed(perRound: number, round: (i: number) => Promise<unknown>, warmupRounds = 200): Promise<number> {
  for (let i = 0; i < warmupRounds; i++) await round(i);
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < seconds * 1000) {
    for (let k = 0; k < 20; k++) await round(i++);
  }
  return (i * perRound) / ((performance.now() - t0) / 1000);
}

/** A pool of batched actions for numEnvs sub-envs, cycled by the loops. */
function actionBatches(space: Space, numEnvs: number, count: number): Float32Array[] | Int32Array[] {
  const rng = defaultRng(2);
  const { itemSize } = batchLayout(space);
  if (space.type === 'Discrete')
    return Array.from({ length: count }, () => Int32Array.from({ length: numEnvs }, () => sample(space, rng) as number));
  return Array.from({ length: count }, () => {
    const out = new Float32Array(numEnvs * itemSize);
    for (let i = 0; i < numEnvs; i++) out.set(sample(space, rng) as Float32Array, i * itemSize);
    return out;
  });
}

/** Median µs of `fn` over several timed batches. */
function micro(fn: () => unknown, batch = 2000): number {
  const samples: number[] = [];
  for (let b = 0; b < 15; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// A bare ws echo server in another process: its round trip is the floor under every remote
// figure here (on this VM it moves between ~7k and ~35k round trips/s with the host's load).
const ECHO = `const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws, req) => { req.socket.setNoDelay(true); ws.on('message', (d) => ws.send(d)); });`;

async function echoRoundTrips(): Promise<Figures> {
  const child = spawn(process.execPath, ['-e', ECHO], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    const payload = new Uint8Array(64);
    const once = () =>
      new Promise<void>((r) => {
        ws.once('message', () => r());
        ws.send(payload);
      });
    for (let i = 0; i < warmup; i++) await once();
    const lat = new Float64Array(steps);
    const t0 = process.hrtime.bigint();
    let prev = t0;
    for (let i = 0; i < steps; i++) {
      await once();
      const now = process.hrtime.bigint();
      lat[i] = Number(now - prev) / 1000;
      prev = now;
    }
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    ws.close();
    lat.sort();
    return { stepsPerSec: steps / elapsed, p50us: percentile(lat, 0.5), p99us: percentile(lat, 0.99) };
  } finally {
    child.kill();
  }
}

const local = make(envId);
const rng = defaultRng(1);
const actions = Array.from({ length: 1024 }, () => sample(local.actionSpace, rng));

// ---- 1. one request in flight ----------------------------------------------------------------
const rows: [string, Figures][] = [];
if (SECTIONS.has(1)) {
  await run(local, warmup, actions);
  rows.push(['in-process', await run(local, steps, actions)]);
}

const needsServer = SECTIONS.has(1) || SECTIONS.has(2) || SECTIONS.has(3);
const server = values.url
  ? { url: values.url, stop: async () => {} }
  : needsServer
    ? await startServerProcess()
    : { url: '', stop: async () => {} };
const where = values.url ? server.url : needsServer ? 'server in another process' : 'no server';
const pipelineRows: (string | number)[][] = [];
const vectorRows: (string | number)[][] = [];
try {
  if (SECTIONS.has(1)) {
    const remote = await RemoteEnv.connect(server.url, envId);
    await run(remote, warmup, actions);
    for (let r = 1; r <= rounds; r++) rows.push([`RemoteEnv, round ${r}`, await run(remote, steps, actions)]);
    await remote.close();
    rows.push(['(bare ws echo of 64 bytes, for scale)', await echoRoundTrips()]);
  }

  // ---- 2. pipelining ---------------------------------------------------------------------------
  // Episodes are not reset here: stepping past the end is allowed and costs the same.
  if (SECTIONS.has(2)) {
    const conn = await Connection.open(server.url);
    const one = await RemoteEnv.make(conn, envId);
    await one.reset({ seed: 0 });
    const sequential = await timed(1, (i) => one.step(actions[i & 1023]));
    pipelineRows.push(['one env, one round trip at a time', sequential, 1]);
    for (const k of [4, 16, 48]) {
      const envs = await Promise.all(Array.from({ length: k }, () => RemoteEnv.make(conn, envId)));
      await Promise.all(envs.map((e, i) => e.reset({ seed: i })));
      const rate = await timed(k, (i) => Promise.all(envs.map((e, j) => e.step(actions[(i + j) & 1023]))), 50);
      pipelineRows.push([`${k} RemoteEnvs on one connection, Promise.all`, rate, rate / sequential]);
      await Promise.all(envs.map((e) => e.close()));
    }
    for (const k of [16, 64]) {
      const batch = Array.from({ length: k }, (_, j) => actions[j]);
      const rate = await timed(k, () => one.stepMany(batch), 50);
      pipelineRows.push([`one env, stepMany depth ${k}`, rate, rate / sequential]);
    }
    await conn.close();
  }

  // ---- 3. vector envs ---------------------------------------------------------------------------
  for (const n of SECTIONS.has(3) ? VECTOR_SIZES : []) {
    const vec = await RemoteVectorEnv.connect(server.url, envId, n);
    const pool = actionBatches(vec.singleActionSpace, n, 16);
    await vec.reset({ seed: 0 });
    const lat: number[] = [];
    let prev = performance.now();
    const rate = await timed(n, async (i) => {
      await vec.step(pool[i & 15]);
      const now = performance.now();
      if (lat.length < 100_000) lat.push((now - prev) * 1000);
      prev = now;
    });
    lat.sort((a, b) => a - b);
    vectorRows.push([`RemoteVectorEnv, num_envs ${n}`, rate / n, rate, lat[lat.length >> 1]]);
    await vec.close();
  }
} finally {
  await server.stop();
}
// The same loop in process, for reference (copy: false, as the server runs it).
if (SECTIONS.has(3)) {
  const inproc = makeVec(envId, 256, {}, { copy: false });
  const inprocPool = actionBatches(inproc.singleActionSpace, 256, 16);
  inproc.reset({ seed: 0 });
  const inprocRate = await timed(256, async (i) => inproc.step(inprocPool[i & 15]));
  vectorRows.push(['in-process SyncVectorEnv, num_envs 256', inprocRate / 256, inprocRate, 1e6 / (inprocRate / 256)]);
}

// ---- 5. busy polling -----------------------------------------------------------------------------
// The same loops with both ends polling instead of sleeping between messages (opt-in:
// GYMWIRE_BUSY_POLL_US for the server, busyPollMicros for the client).
const busyRows: (string | number)[][] = [];
const busyUs = Number(values['busy-poll-us']);
if (SECTIONS.has(5) && !values.url) {
  process.env.GYMWIRE_BUSY_POLL_US = String(busyUs);
  const busyServer = await startServerProcess();
  delete process.env.GYMWIRE_BUSY_POLL_US;
  try {
    const opts = { busyPollMicros: busyUs };
    const one = await RemoteEnv.connect(busyServer.url, envId, {}, opts);
    await one.reset({ seed: 0 });
    const seqRate = await timed(1, (i) => one.step(actions[i & 1023]));
    busyRows.push(['one env, one round trip at a time', seqRate / 1, seqRate]);
    const batch = Array.from({ length: 16 }, (_, j) => actions[j]);
    const pipeRate = await timed(16, () => one.stepMany(batch), 50);
    busyRows.push(['one env, stepMany depth 16', pipeRate / 16, pipeRate]);
    await one.close();
    for (const n of VECTOR_SIZES) {
      const vec = await RemoteVectorEnv.connect(busyServer.url, envId, n, {}, opts);
      const pool = actionBatches(vec.singleActionSpace, n, 16);
      await vec.reset({ seed: 0 });
      const rate = await timed(n, (i) => vec.step(pool[i & 15]));
      busyRows.push([`RemoteVectorEnv, num_envs ${n}`, rate / n, rate]);
      await vec.close();
    }
  } finally {
    await busyServer.stop();
  }
}

// ---- 4. the step messages, in process ------------------------------------------------------------
// "read" is what the server does with a frame before the handler runs (server/read-request.ts:
// decode, envelope, schema); "check" turns the wire action into the env's typed array.
const messageRows: (string | number)[][] = [];
const N = 256;
if (SECTIONS.has(4)) {
  const single = make(envId);
  single.reset({ seed: 0 });
  const wireAction = toWire(single.actionSpace, actions[0]);
  const singleRequest = encodeStepRequest(1, 1, wireAction);
  const decodedSingle = decodeStepRequest(singleRequest);
  const stepCheck = requestCheck('step')!;
  const generalRequest = encodeMessage({ id: 1, op: 'step', handle: 1, action: wireAction });
  const stepped = single.step(actions[0]);
  const singleResponse = encodeStepResponse(1, { ...stepped, obs: toWire(single.observationSpace, stepped.obs), info: {} }).slice();
  messageRows.push(
    ['one env: client encode step request', singleRequest.length, micro(() => encodeStepRequest(1, 1, wireAction)).toFixed(2)],
    ['one env: server read step request (fast path)', singleRequest.length, micro(() => readRequest(singleRequest)).toFixed(2)],
    ['one env: server read step request (general msgpack)', generalRequest.length, micro(() => readRequest(generalRequest)).toFixed(2)],
    ['one env: schema check of the decoded step request', '', micro(() => stepCheck.Check(decodedSingle)).toFixed(3)],
    ['one env: client decode step response', singleResponse.length, micro(() => decodeStepResponse(singleResponse)).toFixed(2)],
  );
  single.close();

  const state = makeVectorState(() => make(envId), N);
  state.vec.reset({ seed: 0 });
  const batch = actionBatches(state.vec.singleActionSpace, N, 1)[0];
  const { itemShape, dtype } = batchLayout(state.vec.singleActionSpace);
  const clientEncode = () => encodeStepRequest(1, 1, encodeArray(batch, [N, ...itemShape], dtype));
  const request = clientEncode();
  const serverRead = () => readRequest(request);
  const serverDecode = () => batchedActionFromWire(state, (decodeStepRequest(request) as { action: NDArray }).action);
  const result = vectorStepSliced(state, serverDecode()).run(Infinity)!;
  const serverEncode = () => encodeStepResponse(1, result);
  const response = serverEncode().slice();
  const clientDecode = () => {
    const r = decodeStepResponse(response)!.result as { obs: NDArray; reward: NDArray; terminated: NDArray; truncated: NDArray };
    return [decodeArray(r.obs), decodeArray(r.reward), decodeArray(r.terminated), decodeArray(r.truncated)];
  };
  const simulate = () => vectorStepSliced(state, batch).run(Infinity)!;
  messageRows.push(
    [`${N} sub-envs: client encode step request`, request.length, micro(clientEncode).toFixed(2)],
    [`${N} sub-envs: server read step request`, request.length, micro(serverRead).toFixed(2)],
    [`${N} sub-envs: server decode + check batched action`, request.length, micro(serverDecode).toFixed(2)],
    [`${N} sub-envs: server encode step response`, response.length, micro(serverEncode).toFixed(2)],
    [`${N} sub-envs: client decode step response (4 arrays)`, response.length, micro(clientDecode).toFixed(2)],
    [`(server: the ${N} sub-env steps themselves)`, '', micro(simulate, 200).toFixed(2)],
  );
  state.vec.close();
}

console.log(`\n${envId}, node ${process.version}, ${where}; ${seconds}s per timed row\n`);
if (rows.length > 0) console.log('1. one env, one request in flight');
if (rows.length > 0)
  table(
    ['path', 'steps/s', 'p50 µs', 'p99 µs'],
    rows.map(([name, f]) => [name, f.stepsPerSec, f.p50us.toFixed(1), f.p99us.toFixed(1)]),
  );
if (pipelineRows.length > 0) console.log('\n2. pipelining (env-steps/s over one connection)');
if (pipelineRows.length > 0)
  table(
    ['path', 'steps/s', 'x sequential'],
    pipelineRows.map(([name, rate, x]) => [name, rate, (x as number).toFixed(1)]),
  );
if (vectorRows.length > 0) console.log('\n3. vector envs, one vector step in flight');
if (vectorRows.length > 0)
  table(
    ['path', 'vector steps/s', 'env-steps/s', 'p50 µs/step'],
    vectorRows.map(([name, vs, es, p50]) => [name, vs, es, (p50 as number).toFixed(1)]),
  );
if (messageRows.length > 0) {
  console.log(`\n4. step messages in process (${envId}), median µs per message`);
  table(['message', 'bytes', 'µs'], messageRows);
}
if (busyRows.length > 0) {
  console.log(`\n5. busy polling on both ends (${busyUs} µs windows; costs CPU while waiting)`);
  table(['path', 'requests/s', 'env-steps/s'], busyRows);
}
