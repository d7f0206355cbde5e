// The WebAssembly kernel engine: one shared WebAssembly.Memory, the compiled kernels
// (mlp.wasm, built from assembly/mlp.ts) instantiated on this thread and on n − 1 worker
// threads, a bump allocator for buffers, and `run(plan)`: every thread runs the plan, taking
// its share of each op, with barriers (spin, then Atomics wait) inside the wasm between ops.
// run() is synchronous: this thread works too and returns when all threads have finished.
import { readFileSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { HEADER, HEADER_BYTES, LOSSES_OFFSET, OP_WORDS, SCALARS_OFFSET } from './plan.ts';

const PAGE = 65536;
const MAX_PAGES = 16384; // 1 GiB of address space at most; pages are committed only when grown into
const WASM_URL = new URL('./mlp.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

/** The compiled kernels, or an error saying why this runtime cannot run them. */
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
  return compiled;
}

/** Null when the kernels can run here (WASM SIMD, threads and shared memory), else the reason. */
export function kernelsUnavailable(): string | null {
  try {
    kernelModule();
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// The worker's whole program: instantiate the same module on the shared memory, then run each
// plan it is handed (GO counts plans) until told to stop. Plain JS so it needs no loader.
const WORKER = `
const { workerData: d } = require('node:worker_threads');
const h = new Int32Array(d.memory.buffer, 0, ${HEADER_BYTES / 4});
const G = ${HEADER.GO}, STOP = ${HEADER.STOP}, FAILED = ${HEADER.FAILED}, GEN = ${HEADER.BAR_GEN};
let run;
try {
  run = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports.run;
} catch (err) {
  d.port.postMessage(String(err && err.stack || err));
  Atomics.store(h, FAILED, 1);
}
// GO starts at 0 and counts plans: a worker that starts late still runs the first plan.
let seq = 0;
Atomics.add(h, ${HEADER.READY}, 1);
Atomics.notify(h, ${HEADER.READY});
for (;;) {
  // A short spin (~0.1 ms: Atomics.load costs ~50 ns in this loop) catches back-to-back
  // updates; then sleep, so a worker does not hold a core the env or its server needs.
  for (let i = 0; i < 2000 && Atomics.load(h, G) === seq; i++);
  while (Atomics.load(h, G) === seq) Atomics.wait(h, G, seq, 1000);
  seq = Atomics.load(h, G);
  if (Atomics.load(h, STOP) || !run) break;
  try {
    run(0, Atomics.load(h, ${HEADER.PLAN}), d.tid, Atomics.load(h, ${HEADER.THREADS}));
  } catch (err) {
    d.port.postMessage(String(err && err.stack || err));
    Atomics.store(h, FAILED, 1);
    Atomics.add(h, GEN, 1);
    Atomics.notify(h, GEN);
    break;
  }
}`;
const READY = HEADER.READY;

export class KernelEngine {
  readonly memory: WebAssembly.Memory;
  readonly threads: number;
  private readonly run: (hdr: number, plan: number, tid: number, nt: number) => void;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private top = HEADER_BYTES;
  private started = false;
  private disposed = false;

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`kernel threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.run = instance.exports.run as KernelEngine['run'];
    this.setScalar(0, 0);
    for (let tid = 1; tid < threads; tid++) {
      const { port1, port2 } = new MessageChannel();
      this.ports.push(port1);
      const w = new Worker(WORKER, {
        eval: true,
        workerData: { module: kernelModule(), memory: this.memory, tid, port: port2 },
        transferList: [port2 as never],
      });
      w.unref();
      this.workers.push(w);
    }
  }

  private get i32(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, HEADER_BYTES / 4);
  }

  /** Reserves `bytes` (64-byte aligned, zeroed), growing the memory as needed; returns the address. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = ptr + Math.ceil(Math.max(bytes, 1) / 64) * 64;
    const need = Math.ceil((this.top + 256) / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    return ptr;
  }

  allocFloats(n: number): number {
    return this.alloc(4 * n);
  }

  /** A Float32Array view of n floats at ptr (valid until the memory next grows). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  setScalar(slot: number, x: number): void {
    new Float32Array(this.memory.buffer, SCALARS_OFFSET, 32)[slot] = x;
  }

  loss(slot: number): number {
    return new Float64Array(this.memory.buffer, LOSSES_OFFSET, 8)[slot];
  }

  /** Sets the shared compress buffer and the per-thread scratch (bytes each) the plans may use. */
  setWorkspace(cmpBytes: number, pairs: number, scratchBytes: number): void {
    const h = this.i32;
    h[HEADER.CMP] = this.alloc(cmpBytes);
    h[HEADER.CNT] = this.alloc(4 * pairs);
    const stride = Math.ceil((scratchBytes + 64) / 64) * 64;
    h[HEADER.SCRATCH] = this.alloc(stride * this.threads);
    h[HEADER.SCRATCH_STRIDE] = stride;
  }

  /** Copies a plan into memory; returns its address. */
  load(plan: Int32Array): number {
    if (plan.length % OP_WORDS !== 0) throw new Error('malformed plan');
    const ptr = this.alloc(4 * plan.length);
    new Int32Array(this.memory.buffer, ptr, plan.length).set(plan);
    return ptr;
  }

  /** Runs a loaded plan on all threads (or on this one only with `alone`). */
  exec(plan: number, alone = false): void {
    if (this.disposed) throw new Error('kernel engine used after dispose');
    const h = this.i32;
    if (alone || this.workers.length === 0) {
      this.run(0, plan, 0, 1);
      return;
    }
    if (!this.started) {
      // Workers load in the background; the first plan waits for them (bounded).
      const t0 = Date.now();
      while (Atomics.load(h, READY) < this.workers.length && !Atomics.load(h, HEADER.FAILED)) {
        if (Date.now() - t0 > 60_000) throw new Error('kernel worker threads did not start within 60 s');
        Atomics.wait(h, READY, Atomics.load(h, READY), 50);
      }
      this.started = true;
    }
    this.check();
    h[HEADER.PLAN] = plan;
    h[HEADER.THREADS] = this.threads;
    Atomics.add(h, HEADER.GO, 1);
    Atomics.notify(h, HEADER.GO);
    this.run(0, plan, 0, this.threads);
    this.check();
  }

  private check(): void {
    if (Atomics.load(this.i32, HEADER.FAILED)) {
      const why =
        this.ports
          .map((p) => receiveMessageOnPort(p)?.message)
          .filter((m) => m !== undefined)
          .join('; ') || 'a barrier waited 120 s for a thread that never came';
      throw new Error(`learner kernel worker failed: ${why}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const h = this.i32;
    Atomics.store(h, HEADER.STOP, 1);
    Atomics.add(h, HEADER.GO, 1);
    Atomics.notify(h, HEADER.GO);
    for (const w of this.workers) void w.terminate();
    for (const p of this.ports) p.close();
  }
}
