// Big vector envs run in worker threads (server/vector-worker.ts), the rest in this thread.
//
// Why: the thread that reads and answers every connection must stay free. Running a big batch
// in parts here (server/scheduler.ts) keeps one connection from holding it, but the batch's
// CPU time still competes with the answers for this thread, and its heap (1024
// BipedalWalkerHardcore sub-envs hold ~1 GiB) makes every garbage collection of this thread
// long. In a worker, the work and the heap are elsewhere: this thread mostly sleeps, so the
// OS wakes it at once when a request arrives, even on a busy machine.
//
// A vector env goes to a worker when what it is charged (num_envs x its env's memory cost) is
// at least WORKER_FROM_BYTES and the server builds envs with the registry's make() (the worker
// imports envs/index.ts and the server's plugin modules); an id the worker does not know is
// built here. Smaller vector envs stay here: a worker's round trip would cost them more than
// their work.
import { Worker } from 'node:worker_threads';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvSpec } from '../protocol/schema/env-spec.ts';
import type { ErrorBody } from '../protocol/schema/errors.ts';
import type { VectorSeed } from '../protocol/vector-api.ts';
import type { VectorStepResult as WireVectorStep, ResetResult as WireReset } from '../protocol/schema/messages.ts';
import { GymwireError } from '../protocol/errors.ts';
import type { Env } from '../protocol/env-api.ts';
import type { Kwargs } from '../envs/index.ts';
import { Awaited, Sliced } from './scheduler.ts';
import { LocalVector, buildVectorState, type VectorHost } from './vector-slot.ts';

/** Vector envs charged at least this much (bytes) run in a worker. */
const WORKER_FROM_BYTES = 16 * 1024 * 1024;

export interface WorkerInit {
  /** Plugin modules (absolute paths) the worker loads, as the server did. */
  pluginModules: string[];
}

/** A request to a worker, before the thread numbers it. */
type WorkerRequest =
  | { op: 'make'; envId: string; kwargs: Kwargs; numEnvs: number }
  | { op: 'reset'; wh: number; seed: VectorSeed | null; options: Record<string, unknown> | null }
  | { op: 'step'; wh: number; action: unknown };

export type ToWorker = (WorkerRequest & { rid: number }) | { op: 'close'; wh: number };

export interface MadeInWorker {
  wh: number;
  observationSpace: Space;
  actionSpace: Space;
  spec: EnvSpec | null;
  obsBytes: number;
}

export type FromWorker =
  | { ready: true }
  | { failed: string }
  | { log: string }
  | { freed: number }
  | { rid: number; value: unknown }
  | { rid: number; error: ErrorBody };

interface Waiting {
  awaited: Awaited<unknown>;
  /** Set by cancel(): a make answered after it must have its env closed. */
  cancelled: boolean;
}

/** One worker thread and the requests waiting for its answers. */
class VectorThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextRid = 1;
  /** Bytes charged for the envs it holds (new envs go to the least loaded thread). */
  load = 0;
  dead: string | null = null;

  constructor(
    init: WorkerInit,
    private readonly log: (line: string) => void,
  ) {
    // Built (dist/), the entry is compiled JavaScript. From the sources it is TypeScript, and
    // Node 20 does not apply `--import tsx` to a worker's entry module: register tsx in the
    // worker first, then load it (as agents/backends/tfjs/threads.ts does).
    const built = !import.meta.url.endsWith('.ts');
    const entry = JSON.stringify(new URL(built ? './vector-worker.js' : './vector-worker.ts', import.meta.url).href);
    const load = built
      ? `import(${entry})`
      : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${entry}); })`;
    const boot = `const { parentPort } = require('node:worker_threads');
      ${load}.catch((err) => parentPort.postMessage({ failed: String(err && err.stack || err) }));`;
    this.worker = new Worker(boot, { eval: true, workerData: init });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.die(`it failed: ${e.message}`));
    this.worker.on('exit', (code) => this.die(`it exited (${code})`));
  }

  /** Sends a request; its answer (or error) arrives as the result of the returned work. */
  request<T>(message: WorkerRequest): Sliced<T> {
    const rid = this.nextRid++;
    const entry: Waiting = { awaited: new Awaited<unknown>(() => (entry.cancelled = true)), cancelled: false };
    if (this.dead !== null) {
      entry.awaited.reject(new GymwireError('env_broken', `the worker thread holding this env stopped (${this.dead}); make a new one`));
    } else {
      this.waiting.set(rid, entry);
      this.worker.postMessage({ ...message, rid } satisfies ToWorker);
    }
    return entry.awaited.work as Sliced<T>;
  }

  /** Closes worker env `wh`; `freed` is called once the worker has collected its memory (or is gone). */
  close(wh: number, freed: () => void = () => {}): void {
    if (this.dead !== null) {
      freed();
      return;
    }
    this.whenFreed.set(wh, freed);
    this.worker.postMessage({ op: 'close', wh } satisfies ToWorker);
  }

  /** Closed envs whose memory the worker has not reported collected yet. */
  private readonly whenFreed = new Map<number, () => void>();

  private onMessage(m: FromWorker): void {
    if ('freed' in m) {
      const freed = this.whenFreed.get(m.freed);
      this.whenFreed.delete(m.freed);
      freed?.();
      return;
    }
    if ('log' in m) {
      this.log(`vector worker: ${m.log}`);
      return;
    }
    if ('failed' in m) {
      this.log(`vector worker failed to start: ${m.failed}`);
      void this.worker.terminate();
      return;
    }
    if (!('rid' in m)) return;
    const entry = this.waiting.get(m.rid);
    if (!entry) return;
    this.waiting.delete(m.rid);
    if ('error' in m) {
      // An env that threw answers internal, which breaks it here as it would have in this thread.
      entry.awaited.reject(GymwireError.fromBody(m.error));
    } else if (entry.cancelled) {
      const made = m.value as Partial<MadeInWorker> | null;
      if (made && typeof made.wh === 'number') this.close(made.wh);
    } else {
      entry.awaited.resolve(m.value);
    }
  }

  private die(why: string): void {
    // Its heap is gone with it: every closed env's memory is freed.
    for (const freed of this.whenFreed.values()) freed();
    this.whenFreed.clear();
    if (this.dead !== null) return;
    this.dead = why;
    this.log(`vector worker stopped: ${why}`);
    const error = new GymwireError('internal', `the worker thread running this request stopped (${why})`);
    for (const entry of this.waiting.values()) entry.awaited.reject(error);
    this.waiting.clear();
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A vector env held by a worker thread. */
class RemoteVector implements VectorHost {
  readonly inThisThread = false;
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly spec: EnvSpec | null;
  readonly obsBytes: number;
  private closed = false;

  constructor(
    private readonly thread: VectorThread,
    private readonly made: MadeInWorker,
    numEnvs: number,
    private readonly bytes: number,
  ) {
    this.numEnvs = numEnvs;
    this.singleObservationSpace = made.observationSpace;
    this.singleActionSpace = made.actionSpace;
    this.spec = made.spec;
    this.obsBytes = made.obsBytes;
    thread.load += bytes;
  }

  reset(seed: VectorSeed | null, options: Record<string, unknown> | null): Sliced<WireReset> {
    return this.thread.request({ op: 'reset', wh: this.made.wh, seed, options });
  }

  step(action: unknown): Sliced<WireVectorStep> {
    return this.thread.request({ op: 'step', wh: this.made.wh, action });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.thread.load -= this.bytes;
    this.thread.close(this.made.wh, () => {
      const freed = this.freed;
      this.freed = null;
      freed?.();
    });
  }

  private freed: (() => void) | null = null;

  /** Calls `fn` once the worker has collected this closed env's memory. */
  onMemoryFreed(fn: () => void): void {
    this.freed = fn;
  }
}

export class VectorWorkers {
  private readonly threads: VectorThread[] = [];

  constructor(
    /** Worker threads at most (0: every vector env runs in this thread). */
    private readonly count: number,
    private readonly init: WorkerInit,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Builds a vector env of `numEnvs` envs made by `makeOne` (charged `bytes`): in a worker
   * when it is big and `viaRegistry` (makeOne is the registry's make of `envId`), else here.
   */
  make(envId: string, kwargs: Kwargs, numEnvs: number, bytes: number, makeOne: () => Env, viaRegistry: boolean): Sliced<VectorHost> {
    const local = () => buildVectorState(makeOne, numEnvs).map((state): VectorHost => new LocalVector(state));
    if (this.count === 0 || !viaRegistry || bytes < WORKER_FROM_BYTES) return local();
    const thread = this.pick();
    const remote = thread.request<MadeInWorker>({ op: 'make', envId, kwargs, numEnvs });
    // An id the worker does not know (registered in this thread, not by a module) is built here.
    let fallback: Sliced<VectorHost> | null = null;
    return new Sliced(
      (deadline) => {
        if (fallback === null) {
          let made: MadeInWorker | null;
          try {
            made = remote.run(deadline);
          } catch (e) {
            if (!(e instanceof GymwireError && e.code === 'unknown_env')) throw e;
            fallback = local();
            return fallback.run(deadline);
          }
          return made === null ? null : new RemoteVector(thread, made, numEnvs, bytes);
        }
        return fallback.run(deadline);
      },
      () => (fallback ?? remote).cancel(),
      (wake) => (fallback === null ? remote.whenReady!(wake) : wake()),
    );
  }

  /** The live thread holding the fewest bytes of envs, or a new one while there are fewer than `count`. */
  private pick(): VectorThread {
    for (let i = this.threads.length - 1; i >= 0; i--) if (this.threads[i].dead !== null) this.threads.splice(i, 1);
    if (this.threads.length < this.count) {
      const t = new VectorThread(this.init, this.log);
      this.threads.push(t);
      return t;
    }
    return this.threads.reduce((a, b) => (b.load < a.load ? b : a));
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
    this.threads.length = 0;
  }
}
