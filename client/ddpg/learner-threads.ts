// Data parallelism for the learner: n − 1 worker threads, each with its own tfjs backend
// (wasm runs single-threaded in Node), compute the gradient of a share of the batch's rows
// while the calling thread computes its own share; the caller then adds the shares up and
// applies Adam. Parameters and gradients live in SharedArrayBuffers, so an update costs one
// small message (the rows) and two Atomics hand-offs per worker. update() stays synchronous:
// the caller blocks in Atomics.wait until the workers are done.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BackendName } from './backend.ts';
import type { Batch, GradientConfig, Losses } from './learner-gradients.ts';

/** Int32 slots of a worker's control block. */
export const CTRL = { go: 0, done: 1, state: 2, failed: 3 } as const;
const TIMEOUT_MS = 120_000;

export class GradientWorker {
  readonly grads: Float32Array;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl: Int32Array;
  private readonly losses: Float64Array;
  private seq = 0;
  private ready = false;

  constructor(backend: BackendName, cfg: GradientConfig, params: SharedArrayBuffer, target: SharedArrayBuffer) {
    const gradsBuf = new SharedArrayBuffer(params.byteLength);
    const ctrlBuf = new SharedArrayBuffer(32);
    this.grads = new Float32Array(gradsBuf);
    this.ctrl = new Int32Array(ctrlBuf, 0, 4);
    this.losses = new Float64Array(ctrlBuf, 16, 2);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // Node 20 does not apply `--import tsx` to a worker's entry module: register tsx in the
    // worker first, then load the TypeScript entry.
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const entry = JSON.stringify(new URL('./learner-worker.ts', import.meta.url).href);
    this.worker = new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`, {
      eval: true,
      workerData: { backend, cfg, params, target, grads: gradsBuf, ctrl: ctrlBuf, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
  }

  /** Hands rows of a batch to the worker; collect the result with finish(). */
  start(batch: Batch, norm: number, wantLosses: boolean): void {
    if (!this.ready) {
      this.waitFor(CTRL.state, 0, 'start');
      if (Atomics.load(this.ctrl, CTRL.state) !== 1) throw new Error(`learner worker failed to start: ${this.message()}`);
      this.ready = true;
    }
    const copy = (a: Float32Array) => a.slice(); // a view would clone its whole buffer
    const rows: Batch = { size: batch.size, obs: copy(batch.obs), actions: copy(batch.actions), rewards: copy(batch.rewards), nextObs: copy(batch.nextObs), terminated: copy(batch.terminated) };
    this.port.postMessage({ batch: rows, norm, wantLosses });
    this.seq++;
    Atomics.store(this.ctrl, CTRL.go, this.seq);
    Atomics.notify(this.ctrl, CTRL.go);
  }

  /** Blocks until the worker's gradient is in `grads`; returns its losses if they were asked for. */
  finish(wantLosses: boolean): Losses | null {
    while (Atomics.load(this.ctrl, CTRL.done) !== this.seq) this.waitFor(CTRL.done, this.seq - 1, 'answer');
    if (Atomics.load(this.ctrl, CTRL.failed)) throw new Error(`learner worker failed: ${this.message()}`);
    return wantLosses ? { critic: this.losses[0], actor: this.losses[1] } : null;
  }

  dispose(): void {
    this.port.postMessage({ stop: true });
    Atomics.store(this.ctrl, CTRL.go, ++this.seq);
    Atomics.notify(this.ctrl, CTRL.go);
    void this.worker.terminate();
  }

  private waitFor(slot: number, whileValue: number, what: string): void {
    if (Atomics.wait(this.ctrl, slot, whileValue, TIMEOUT_MS) === 'timed-out') throw new Error(`learner worker did not ${what} within ${TIMEOUT_MS / 1000} s`);
  }

  private message(): string {
    return String(receiveMessageOnPort(this.port)?.message ?? 'no message');
  }
}
