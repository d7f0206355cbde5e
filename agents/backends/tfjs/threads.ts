// Data parallelism for the learner: n − 1 worker threads, each with its own tfjs backend
// (wasm runs single-threaded in Node), compute the gradient of a share of the batch's rows
// while the calling thread computes its own share; then every thread applies Adam to its own
// range of the parameter vector, summing the shares' gradients as it goes. Parameters, Adam
// moments and gradients live in SharedArrayBuffers, so an update costs one small message (the
// rows) and four Atomics hand-offs per worker. update() stays synchronous: the calling thread
// blocks in Atomics.wait while it waits for the workers.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { AdamConfig, Batch, Losses, TfjsBackendName } from '../types.ts';
import type { GradientConfig } from './gradients.ts';

/** Int32 slots of a worker's control block (then three float64 losses at byte 32). */
export const CTRL = { go: 0, done: 1, state: 2, failed: 3, adamGo: 4, adamDone: 5 } as const;
const TIMEOUT_MS = 120_000;

/** What a worker is started with (workerData). */
export interface WorkerInit {
  backend: TfjsBackendName;
  gradients: GradientConfig;
  adam: AdamConfig;
  params: SharedArrayBuffer;
  target: SharedArrayBuffer;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  /** Every thread's gradient buffer, the calling thread's first; `index` is this worker's. */
  grads: SharedArrayBuffer[];
  index: number;
  /** The worker's Adam range of the parameter vector. */
  from: number;
  to: number;
  ctrl: SharedArrayBuffer;
  port: MessagePort;
}

/** One update's job: a share of the rows (null: none this time, the gradient share is zero). */
export interface Job {
  stop?: boolean;
  batch: Batch | null;
  norm: number;
  wantLosses: boolean;
  adamStep: number;
  /** The learning-rate factor of this update (the worker's copy of the Adam config has the rest). */
  lrScale: number;
}

export class GradientWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl: Int32Array;
  private readonly losses: Float64Array;
  private seq = 0;
  private ready = false;

  constructor(init: Omit<WorkerInit, 'ctrl' | 'port'>) {
    const ctrlBuf = new SharedArrayBuffer(64);
    this.ctrl = new Int32Array(ctrlBuf, 0, 8);
    this.losses = new Float64Array(ctrlBuf, 32, 3);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // Built (dist/), the entry is compiled JavaScript. From the sources it is TypeScript, and
    // Node 20 does not apply `--import tsx` to a worker's entry module: register tsx in the
    // worker first, then load it.
    const built = !import.meta.url.endsWith('.ts');
    const entry = JSON.stringify(new URL(built ? './worker.js' : './worker.ts', import.meta.url).href);
    const load = built
      ? `import(${entry})`
      : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${entry}); })`;
    const workerData: WorkerInit = { ...init, ctrl: ctrlBuf, port: port2 };
    // A failure to load reports like a failure to start (state −1) instead of a silent hang.
    const boot = `const { workerData: d } = require('node:worker_threads');
      ${load}.catch((err) => {
        d.port.postMessage(String(err && err.stack || err));
        const ctrl = new Int32Array(d.ctrl, 0, 8);
        Atomics.store(ctrl, ${CTRL.state}, -1);
        Atomics.notify(ctrl, ${CTRL.state});
      });`;
    this.worker = new Worker(boot, { eval: true, workerData, transferList: [port2] });
    this.worker.unref();
  }

  /** Hands the worker its rows (or none) for the update that will be Adam step `adamStep`. */
  start(batch: Batch | null, norm: number, wantLosses: boolean, adamStep: number, lrScale: number): void {
    if (!this.ready) {
      this.waitWhile(CTRL.state, 0, 'start');
      if (Atomics.load(this.ctrl, CTRL.state) !== 1) throw new Error(`learner worker failed to start: ${this.message()}`);
      this.ready = true;
    }
    const copy = (a: Float32Array) => a.slice(); // a view would clone its whole buffer
    const rows = batch && {
      size: batch.size,
      obs: copy(batch.obs),
      actions: copy(batch.actions),
      rewards: copy(batch.rewards),
      nextObs: copy(batch.nextObs),
      terminated: copy(batch.terminated),
      ...(batch.horizon ? { horizon: copy(batch.horizon) } : {}),
    };
    const job: Job = { batch: rows, norm, wantLosses, adamStep, lrScale };
    this.port.postMessage(job);
    this.signal(CTRL.go, ++this.seq);
  }

  /** Blocks until the worker's gradient share is written; returns its losses if they were asked for. */
  gradientDone(wantLosses: boolean): Losses | null {
    this.waitFor(CTRL.done);
    if (Atomics.load(this.ctrl, CTRL.failed)) throw new Error(`learner worker failed: ${this.message()}`);
    return wantLosses ? { critic: this.losses[0], actor: this.losses[1], q: this.losses[2] } : null;
  }

  /** Lets the worker apply Adam to its range (every thread's gradient share is written). */
  startAdam(): void {
    this.signal(CTRL.adamGo, this.seq);
  }

  adamDone(): void {
    this.waitFor(CTRL.adamDone);
  }

  dispose(): void {
    if (this.ready) {
      this.port.postMessage({ stop: true });
      this.signal(CTRL.go, ++this.seq);
    }
    void this.worker.terminate();
  }

  private signal(slot: number, value: number): void {
    Atomics.store(this.ctrl, slot, value);
    Atomics.notify(this.ctrl, slot);
  }

  private waitFor(slot: number): void {
    let v: number;
    while ((v = Atomics.load(this.ctrl, slot)) !== this.seq) this.waitWhile(slot, v, 'answer');
  }

  private waitWhile(slot: number, value: number, what: string): void {
    if (Atomics.wait(this.ctrl, slot, value, TIMEOUT_MS) === 'timed-out')
      throw new Error(`learner worker did not ${what} within ${TIMEOUT_MS / 1000} s`);
  }

  private message(): string {
    return String(receiveMessageOnPort(this.port)?.message ?? 'no message');
  }
}
