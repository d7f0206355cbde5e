// The fuzzer: a fast-check property over sequences of frames (frames.ts). Each run opens a
// connection, says hello, makes a CartPole (handle 1) and a 2-sub-env vector CartPole
// (handle 2), then sends its frames pipelined and checks every answer: exactly one per frame,
// in order, a well-formed response, the frame's id when it had a readable one, bad_request
// for every frame the byte scan must refuse, and no wait longer than answerWithinMs. A
// failure is shrunk by fast-check to a short sequence and reported with its seed and path.
import fc from 'fast-check';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../../protocol/codec.ts';
import { checkErrorResponse } from '../../protocol/validators.ts';
import { fuzzFrame, type Expect, type FuzzFrame } from './frames.ts';
import { startServerProcess, type ServerProcess } from '../../bench/server-process.ts';

export interface FuzzOptions {
  url: string;
  seed: number;
  /** fast-check runs, one connection each. */
  runs: number;
  /** At most this many frames per run. */
  framesPerRun: number;
  /** The server's max_payload_bytes: bigger frames are not sent here (see oversizedCloses). */
  maxPayload: number;
  answerWithinMs?: number;
  /** Frames in flight at once. */
  window?: number;
}

export interface FuzzCounts {
  runs: number;
  frames: number;
  byClass: Record<string, number>;
  byCode: Record<string, number>;
  results: number;
  /** Frames generated over the payload limit, not sent. */
  skipped: number;
}

const HANDLES = { single: 1, vector: 2 };

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  return ws;
}

/** Sends `frames` (with their expectations) pipelined, `window` at a time, and checks each answer in order. */
async function exchange(
  ws: WebSocket,
  frames: { bytes: Uint8Array; expect: Expect; cls: string }[],
  window: number,
  answerWithinMs: number,
  counts: FuzzCounts,
): Promise<void> {
  let answered = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  let closed: string | null = null;
  ws.on('message', (data: Buffer) => {
    const f = frames[answered++];
    if (f === undefined) failure ??= new Error(`an answer more than the ${frames.length} frames sent`);
    else {
      try {
        checkAnswer(data, f.expect, f.cls, counts);
      } catch (e) {
        failure ??= e as Error;
      }
    }
    wake?.();
  });
  ws.on('close', (code, reason) => {
    closed = `${code} ${reason}`;
    wake?.();
  });
  const wait = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        failure ??= new Error(`no answer within ${answerWithinMs} ms (frame ${answered}: ${frames[answered]?.cls})`);
        resolve();
      }, answerWithinMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  for (let sent = 0; sent < frames.length; sent++) {
    while (sent - answered >= window && failure === null && closed === null) await wait();
    if (failure !== null || closed !== null) break;
    ws.send(frames[sent].bytes);
  }
  while (answered < frames.length && failure === null && closed === null) await wait();
  ws.removeAllListeners('message');
  if (failure !== null) throw failure;
  if (closed !== null) throw new Error(`the server closed the connection (${closed}) after ${answered} of ${frames.length} answers`);
}

function checkAnswer(data: Buffer, expect: Expect, cls: string, counts: FuzzCounts): void {
  const msg = decodeMessage(data) as { id?: unknown; result?: unknown; error?: { code: string } };
  const what = () =>
    `${cls}: answer ${JSON.stringify(msg, (_k, v) => (v instanceof Uint8Array ? `<bin ${v.length}>` : v)).slice(0, 300)}, expected ${JSON.stringify(expect)}`;
  if (msg.result !== undefined) {
    counts.results++;
    if (expect.code !== undefined) throw new Error(what());
  } else {
    if (!checkErrorResponse.Check(msg)) throw new Error(`malformed answer: ${what()}`);
    bump(counts.byCode, msg.error!.code);
    if (expect.code !== undefined && msg.error!.code !== expect.code) throw new Error(what());
  }
  // === rather than Object.is: an id of -0 comes back as 0.
  if (expect.id !== 'any' && msg.id !== expect.id && !(msg.id === null && expect.id === null)) throw new Error(`wrong id: ${what()}`);
}

/** One run: a fresh connection with its two envs, then the frames. */
async function run(opts: Required<FuzzOptions>, frames: FuzzFrame[], counts: FuzzCounts): Promise<void> {
  const ws = await open(opts.url);
  try {
    let id = 1;
    const setup = [
      { op: 'hello', protocol_version: '1.2', client_name: 'fuzz', client_version: '0' },
      { op: 'make', env_id: 'CartPole-v1' },
      { op: 'make', env_id: 'CartPole-v1', num_envs: 2 },
      { op: 'reset', handle: HANDLES.single, seed: 0 },
      { op: 'reset', handle: HANDLES.vector, seed: 0 },
    ].map((m) => ({ bytes: encodeMessage({ id: id, ...m }), expect: { id: id++ }, cls: 'setup' }));
    const built = [];
    for (const f of frames) {
      const b = f.build(id++);
      if (b.bytes.length > opts.maxPayload) counts.skipped++;
      else built.push({ ...b, cls: f.cls });
    }
    const before = { ...counts.byCode };
    await exchange(ws, setup, 8, opts.answerWithinMs, counts);
    if (Object.keys(counts.byCode).some((k) => counts.byCode[k] !== before[k])) throw new Error('the setup requests failed');
    await exchange(ws, built, opts.window, opts.answerWithinMs, counts);
    counts.runs++;
    counts.frames += built.length;
    for (const f of built) bump(counts.byClass, f.cls);
  } finally {
    ws.terminate();
  }
}

/** Every class of frame the fuzzer generates (FuzzCounts.byClass keys). */
export const FRAME_CLASSES = [
  'field: plain msgpack',
  'field: extension type',
  'field: structured clone',
  'field: too deep',
  'field: byte 0xc1',
  'field: non-string key',
  'valid request',
  'mutated frame',
  'truncated frame',
  'raw bytes',
];

/** A TypeScript server (server/cli.ts) in another process, with the limits the fuzz runs use. */
export function spawnFuzzTarget(maxPayload: number): Promise<ServerProcess> {
  return startServerProcess(['--max-payload', String(maxPayload), '--max-envs', '8', '--max-num-envs', '16']);
}

/** Runs the property; throws fast-check's report (seed, counterexample) when an invariant breaks. */
export async function fuzzServer(options: FuzzOptions): Promise<FuzzCounts> {
  const opts: Required<FuzzOptions> = { answerWithinMs: 5000, window: 32, ...options };
  const counts: FuzzCounts = { runs: 0, frames: 0, byClass: {}, byCode: {}, results: 0, skipped: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzFrame(HANDLES), { minLength: 1, maxLength: opts.framesPerRun, size: 'max' }), (frames) =>
        run(opts, frames, counts),
      ),
      { seed: opts.seed, numRuns: opts.runs },
    );
  } catch (e) {
    // fast-check's report names the seed, path and shrunk frames; the broken invariant is its cause.
    const cause = (e as Error).cause;
    throw new Error(`${(e as Error).message}\nBroken invariant: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  return counts;
}

/** Frames over the payload limit, each on its own connection: the close codes (1009 expected). */
export async function oversizedCloses(url: string, maxPayload: number, seed: number, count: number): Promise<number[]> {
  const sizes = fc.sample(fc.integer({ min: maxPayload + 1, max: 5 * maxPayload }), { seed, numRuns: count });
  const codes: number[] = [];
  for (const [i, size] of sizes.entries()) {
    const ws = await open(url);
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send(
      i % 2 === 0
        ? new Uint8Array(size)
        : encodeMessage({ id: 1, op: 'step', handle: 1, action: { dtype: 'float32', shape: [size >> 2], data: new Uint8Array(size) } }),
    );
    codes.push(await code);
  }
  return codes;
}
