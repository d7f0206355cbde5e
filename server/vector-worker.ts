// The entry of a vector-env worker thread (started by server/vector-workers.ts). It hosts big
// vector envs away from the thread that reads and answers every connection, so their work and
// their heap (and its garbage collection: ~1 GiB for 1024 BipedalWalkerHardcore sub-envs) do
// not delay anyone else's answers. It knows the envs that envs/index.ts and the server's plugin
// modules register. Requests from different connections are run in parts, in turns, as in the
// main thread (server/scheduler.ts); each answer goes back as a message.
import { parentPort, workerData } from 'node:worker_threads';
import { make, pendingLoad } from '../envs/index.ts';
import { GymwireError } from '../protocol/errors.ts';
import { loadPlugins } from './plugins.ts';
import { Scheduler, type Sliced, type Turn } from './scheduler.ts';
import { LocalVector, buildVectorState } from './vector-slot.ts';
import type { FromWorker, ToWorker, WorkerInit } from './vector-workers.ts';

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

/** The vector envs this worker holds, by worker handle. */
const envs = new Map<number, LocalVector>();
let nextHandle = 1;
/** The request running for each worker handle (at most one: a connection's requests come one at a time). */
const running = new Map<number, Request>();

/**
 * A full garbage collection of this thread's heap. V8's gc() is exposed to contexts made after
 * the flag is set; the flag is the process's, the context (and the heap collected) this thread's.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const scheduler = new Scheduler((line) => post({ log: line }));

/** An error as an answer: a GymwireError keeps its code, anything else (the env threw) is internal. */
function errorOf(e: unknown, what: string): { error: ReturnType<GymwireError['toBody']> } {
  if (e instanceof GymwireError) return { error: e.toBody() };
  return { error: { code: 'internal', message: `${what} failed: ${e instanceof Error ? e.message : String(e)}` } };
}

/** One request being run in parts; answers its rid when done. */
class Request implements Turn {
  inTurn = false;
  done = false;

  constructor(
    private readonly rid: number,
    private readonly what: string,
    private readonly work: Sliced<unknown>,
    private readonly onDone: () => void = () => {},
  ) {}

  runTurn(deadline: number): boolean {
    if (this.done) return false;
    let value: unknown;
    try {
      value = this.work.run(deadline);
      if (value === null) return true;
    } catch (e) {
      this.finish();
      post({ rid: this.rid, ...errorOf(e, this.what) });
      return false;
    }
    this.finish();
    post({ rid: this.rid, value });
    return false;
  }

  /** Its env was closed meanwhile: no answer (nobody waits for it). */
  abandon(): void {
    this.done = true;
    this.work.cancel();
  }

  private finish(): void {
    this.done = true;
    this.onDone();
  }
}

function start(rid: number, what: string, wh: number | null, work: () => Sliced<unknown>): void {
  let sliced: Sliced<unknown>;
  try {
    sliced = work();
  } catch (e) {
    post({ rid, ...errorOf(e, what) });
    return;
  }
  const request = new Request(rid, what, sliced, () => {
    if (wh !== null && running.get(wh) === request) running.delete(wh);
  });
  if (wh !== null) running.set(wh, request);
  scheduler.wake(request);
}

function hosted(wh: number): LocalVector {
  const env = envs.get(wh);
  if (!env) throw new GymwireError('internal', `the worker holds no vector env ${wh}`);
  return env;
}

function onMessage(m: ToWorker): void {
  switch (m.op) {
    case 'make': {
      // An env whose module loads on first use (MuJoCo) is made once it has loaded.
      const loading = pendingLoad(m.envId);
      if (loading !== null) {
        loading.then(
          () => onMessage(m),
          (e: unknown) => post({ rid: m.rid, ...errorOf(e, `loading ${m.envId}`) }),
        );
        return;
      }
      start(m.rid, 'make', null, () =>
        buildVectorState(() => make(m.envId, m.kwargs), m.numEnvs).map((state) => {
          const env = new LocalVector(state);
          const wh = nextHandle++;
          envs.set(wh, env);
          return {
            wh,
            observationSpace: env.singleObservationSpace,
            actionSpace: env.singleActionSpace,
            spec: env.spec,
            obsBytes: env.obsBytes,
          };
        }),
      );
      return;
    }
    case 'reset':
      start(m.rid, 'reset', m.wh, () => hosted(m.wh).reset(m.seed, m.options));
      return;
    case 'step':
      start(m.rid, 'step', m.wh, () => hosted(m.wh).step(m.action));
      return;
    case 'close': {
      running.get(m.wh)?.abandon();
      running.delete(m.wh);
      const env = envs.get(m.wh);
      envs.delete(m.wh);
      try {
        env?.close();
      } catch (e) {
        post({ log: `closing vector env ${m.wh}: ${(e as Error)?.message ?? String(e)}` });
      }
      // Its memory is freed now, in this thread (no other connection waits on this heap's
      // collection), and then the server's budget gives its charge back.
      collectGarbage();
      post({ freed: m.wh });
      return;
    }
  }
}

try {
  // The server's thread loaded (and checked) these modules before starting this worker.
  await loadPlugins(init.pluginModules, process.cwd(), { check: false });
  port.on('message', onMessage);
  post({ ready: true });
} catch (e) {
  post({ failed: (e as Error)?.stack ?? String(e) });
}
