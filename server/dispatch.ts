// One frame in, one frame out: decode, validate, run the op, encode the answer.
// Everything a client sends ends as a response; nothing here throws to the caller.
// A request on a vector env (make, reset, step) is run in parts instead: dispatch then returns
// a Job the scheduler runs until it yields the answer (server/scheduler.ts).
import { encodeMessage } from '../protocol/codec.ts';
import { encodeStepResponse } from '../protocol/fast-frames.ts';
import { GymwireError } from '../protocol/errors.ts';
import { fromWire, infoToWire, toWire } from '../protocol/space-wire.ts';
import { PROTOCOL_VERSION, type Op, type RequestOf, type ResultOf, type VectorStepResult } from '../protocol/schema/messages.ts';
import { readRequest } from './read-request.ts';
import { errorFrame, thrownErrorFrame } from './error-frames.ts';
import { preview } from '../protocol/preview.ts';
import { SERVER_NAME, SERVER_VERSION } from './options.ts';
import { make, pendingLoad } from '../envs/index.ts';
import { checkRenderSize } from './limits.ts';
import { FRAME_ENCODINGS, isFrameEncoding } from '../protocol/frame-encoding.ts';
import { encodeFrame } from '../graphics/frame-encode.ts';
import type { EnvCatalog } from './env-catalog.ts';
import type { Session } from './session.ts';
import { Sliced, type Job } from './scheduler.ts';
import { flatdim } from '../protocol/spaces.ts';
import { NO_STATS, type RequestStats } from './request-stats.ts';

const MAJOR = PROTOCOL_VERSION.split('.')[0];

/** A handler answers at once, or hands back work to run in parts. */
type Handler<K extends Op> = (session: Session, req: RequestOf[K], catalog: EnvCatalog) => ResultOf[K] | Sliced<ResultOf[K]>;

/** Runs env code: a GymwireError keeps its code; anything else is 'internal' and, for step/reset, breaks the env. */
function guarded<T>(fn: () => T, what: string, onCrash?: (message: string) => void): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GymwireError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    onCrash?.(message);
    throw new GymwireError('internal', `${what} failed: ${message}`);
  }
}

/**
 * `work` with guarded()'s rule applied to each part: anything but a GymwireError is internal,
 * and an internal failure (here, or reported by the worker thread running it) breaks the env;
 * `markBroken` gets the reason.
 */
function breaking<T>(work: Sliced<T>, what: string, markBroken: (message: string) => void): Sliced<T> {
  return new Sliced(
    (deadline) => {
      try {
        return work.run(deadline);
      } catch (e) {
        if (e instanceof GymwireError) {
          if (e.code === 'internal') markBroken(e.message);
          throw e;
        }
        const message = e instanceof Error ? e.message : String(e);
        markBroken(`${what} threw: ${message}`);
        throw new GymwireError('internal', `${what} failed: ${message}`);
      }
    },
    work.cancel,
    work.whenReady,
  );
}

/** `then()` run once `loading` settles: parked until then, its answer (or its own parts) after. */
function afterLoading<T>(loading: Promise<unknown>, envId: string, then: () => T | Sliced<T>): Sliced<T> {
  let outcome: { failed: false } | { failed: true; error: unknown } | null = null;
  loading.then(
    () => (outcome = { failed: false }),
    (error: unknown) => (outcome = { failed: true, error }),
  );
  let inner: Sliced<T> | null = null;
  return new Sliced<T>(
    (deadline) => {
      if (inner !== null) return inner.run(deadline);
      if (outcome === null) return null;
      if (outcome.failed) {
        const why = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        throw new GymwireError('internal', `make(${preview(envId)}): its module failed to load: ${why}`);
      }
      const result = then();
      if (!(result instanceof Sliced)) return result;
      inner = result;
      return inner.run(deadline);
    },
    () => inner?.cancel(),
    (wake) => {
      if (inner === null) void loading.then(wake, wake);
      else if (inner.whenReady !== null) inner.whenReady(wake);
      else wake();
    },
  );
}

const handlers: { [K in Op]: Handler<K> } = {
  hello(session, req) {
    const major = req.protocol_version.split('.')[0];
    if (major !== MAJOR) {
      throw new GymwireError('version_mismatch', `client speaks protocol ${req.protocol_version}, this server speaks ${PROTOCOL_VERSION}`, {
        server_protocol_version: PROTOCOL_VERSION,
      });
    }
    session.ready = true;
    return {
      protocol_version: PROTOCOL_VERSION,
      server_name: SERVER_NAME,
      server_version: SERVER_VERSION,
      limits: {
        max_payload_bytes: session.opts.maxPayloadBytes,
        max_envs: session.opts.maxEnvsPerConnection,
        max_num_envs: session.opts.maxNumEnvs,
        idle_timeout_ms: session.opts.idleTimeoutMs,
        max_render_pixels: session.opts.maxRenderPixels,
      },
      render_encodings: [...FRAME_ENCODINGS],
    };
  },

  list_envs(_session, _req, catalog) {
    return { envs: catalog.list(), render_encodings: [...FRAME_ENCODINGS] };
  },

  make(session, req, catalog) {
    // An env whose module loads on first use (MuJoCo): made once it has loaded, meanwhile
    // the connection's other envs keep being served.
    const loading = session.opts.makeEnv === make ? pendingLoad(req.env_id) : null;
    if (loading !== null) return afterLoading(loading, req.env_id, () => handlers.make(session, req, catalog));
    const numEnvs = req.num_envs ?? 1;
    const vector = req.vector ?? numEnvs > 1;
    if (!vector && numEnvs !== 1)
      throw new GymwireError('bad_request', `vector: false with num_envs ${numEnvs}; a single env has num_envs 1`);
    const kwargs = req.kwargs ?? {};
    const bareSpec = { id: req.env_id, max_episode_steps: null, reward_threshold: null, nondeterministic: false, kwargs };
    const charged = session.reserve(req.env_id, numEnvs);
    if (vector) {
      const viaRegistry = session.opts.makeEnv === make;
      const build = session.vectors.make(req.env_id, kwargs, numEnvs, charged, () => session.opts.makeEnv(req.env_id, kwargs), viaRegistry);
      return new Sliced(
        (deadline) => {
          let host;
          try {
            host = guarded(() => build.run(deadline), `make(${preview(req.env_id)})`);
          } catch (e) {
            // Whatever failed (a kwarg, the env, the spaces), what was built is closed: give its charge back.
            session.budget.release(charged);
            throw e;
          }
          if (host === null) return null;
          const slot = session.openVector(host, charged, req.env_id);
          const spec = host.spec ?? bareSpec;
          return {
            handle: slot.handle,
            observation_space: slot.observationSpace,
            action_space: slot.actionSpace,
            spec,
            num_envs: numEnvs,
            vector: true,
          };
        },
        () => {
          build.cancel();
          session.budget.release(charged);
        },
        build.whenReady,
      );
    }
    let env;
    try {
      env = guarded(() => session.opts.makeEnv(req.env_id, kwargs), `make(${preview(req.env_id)})`);
    } catch (e) {
      session.budget.release(charged);
      throw e;
    }
    const slot = session.open(env, charged, req.env_id);
    const spec = env.spec ?? bareSpec;
    return {
      handle: slot.handle,
      observation_space: slot.observationSpace,
      action_space: slot.actionSpace,
      spec,
      num_envs: 1,
      vector: false,
    };
  },

  reset(session, req) {
    const slot = session.usable(req.handle);
    const markBroken = (m: string) => (slot.broken = `reset threw: ${m}`);
    if (slot.vector !== null) {
      const host = slot.vector;
      session.budget.checkAnswer(host.obsBytes, `reset of ${host.numEnvs} sub-envs`);
      return breaking(
        guarded(() => host.reset(req.seed ?? null, req.options ?? null), 'reset', markBroken),
        'reset',
        (why) => (slot.broken = why),
      );
    }
    if (Array.isArray(req.seed)) throw new GymwireError('bad_request', 'a list of seeds is for vector envs; this handle is a single env');
    // At most 8 bytes per flattened element: a bound on the observation's size in the answer.
    session.budget.checkAnswer(8 * flatdim(slot.observationSpace), 'reset');
    const args = { seed: req.seed ?? undefined, options: req.options ?? undefined };
    const env = slot.env;
    const { obs, info } = guarded(() => env.reset(args), 'reset', markBroken);
    return { obs: guarded(() => toWire(slot.observationSpace, obs), 'encoding the observation', markBroken), info: infoToWire(info) };
  },

  step(session, req) {
    const slot = session.usable(req.handle);
    if (slot.vector !== null) {
      // A sub-env that throws part-way through the batch leaves the vector env's state unknown.
      return breaking(slot.vector.step(req.action), 'step', (why) => (slot.broken = why));
    }
    const action = fromWire(slot.actionSpace, req.action, 'invalid_action', 'action');
    // Inline rather than guarded(): this is the per-step path, so no closures per call.
    try {
      const r = slot.env.step(action);
      return {
        obs: toWire(slot.observationSpace, r.obs),
        reward: Number(r.reward),
        terminated: r.terminated,
        truncated: r.truncated,
        info: infoToWire(r.info),
      };
    } catch (e) {
      if (e instanceof GymwireError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      slot.broken = `step threw: ${message}`;
      throw new GymwireError('internal', `step failed: ${message}`);
    }
  },

  render(session, req) {
    const encoding = req.encoding ?? 'raw';
    if (!isFrameEncoding(encoding)) {
      throw new GymwireError('unsupported', `render encoding '${encoding}': this server offers ${FRAME_ENCODINGS.join(', ')}`, {
        encoding,
        render_encodings: [...FRAME_ENCODINGS],
      });
    }
    const slot = session.usable(req.handle);
    if (slot.vector !== null) throw new GymwireError('unsupported', 'render a vector env: not supported; make a single env to render');
    const env = slot.env;
    // Checked before rendering with the last frame's size, and after with this one's: a
    // render changes nothing, so a frame that does not fit is dropped and refused.
    session.budget.checkAnswer(slot.frameBytes, 'a frame');
    const frame = guarded(() => env.render(), 'render');
    checkRenderSize(frame.width, frame.height, session.opts.maxRenderPixels);
    slot.frameBytes = frame.data.byteLength;
    session.budget.checkAnswer(frame.data.byteLength, `a ${frame.width}x${frame.height} frame`);
    const size = { width: frame.width, height: frame.height };
    // Raw frames keep the 1.2 shape (no encoding field) whether or not the client asked.
    if (encoding === 'raw') return { frame: { ...size, data: frame.data } };
    return { frame: { ...size, encoding, data: guarded(() => encodeFrame(frame, encoding), `render (${encoding})`) } };
  },

  close(session, req) {
    guarded(() => session.close(req.handle), 'close');
    return {};
  },
};

/** The answer to one incoming frame, or the Job that will make it; steps and error answers are told to `stats`. */
export function dispatch(session: Session, catalog: EnvCatalog, frame: Uint8Array, stats: RequestStats = NO_STATS): Uint8Array | Job {
  const read = readRequest(frame);
  if (!read.ok) {
    stats.errorAnswered(read.code);
    return read.answer;
  }
  const { id, op, request: message } = read;
  if (!session.ready && op !== 'hello') {
    stats.errorAnswered('not_ready');
    return errorFrame(id, { code: 'not_ready', message: `send hello before ${op}` });
  }
  return run(session, catalog, id, op as Op, message as RequestOf[Op], stats);
}

/** dispatch, with any Job run to the end at once: for transports that answer every frame before reading the next. */
export function answerNow(session: Session, catalog: EnvCatalog, frame: Uint8Array): Uint8Array {
  const answer = dispatch(session, catalog, frame);
  return answer instanceof Uint8Array ? answer : answer.run(Infinity)!;
}

/** Runs a checked request: its answer frame, or a Job when it runs in parts. */
function run(session: Session, catalog: EnvCatalog, id: number, op: Op, message: RequestOf[Op], stats: RequestStats): Uint8Array | Job {
  const started = op === 'step' ? performance.now() : 0;
  try {
    const result = (handlers[op] as Handler<Op>)(session, message, catalog);
    if (result instanceof Sliced) return partsToJob(session, id, op, result, stats, started);
    if (op === 'step') stats.stepAnswered((performance.now() - started) / 1000, 1);
    return answerFrame(id, op, result);
  } catch (e) {
    return failureFrame(session, id, op, e, stats);
  }
}

function answerFrame(id: number, op: Op, result: ResultOf[Op]): Uint8Array {
  return op === 'step' ? encodeStepResponse(id, result as ResultOf['step']) : encodeMessage({ id, result });
}

function failureFrame(session: Session, id: number, op: Op, e: unknown, stats: RequestStats): Uint8Array {
  stats.errorAnswered(e instanceof GymwireError ? e.code : 'internal');
  return thrownErrorFrame(id, op, e, session.opts.log);
}

/** The Job that runs `work` and answers request `id` with its result or its error. */
function partsToJob(session: Session, id: number, op: Op, work: Sliced<ResultOf[Op]>, stats: RequestStats, started: number): Job {
  return new Sliced(
    (deadline) => {
      try {
        const result = work.run(deadline);
        if (result === null) return null;
        // A vector step: its time includes the turns it waited between parts.
        if (op === 'step') stats.stepAnswered((performance.now() - started) / 1000, (result as VectorStepResult).reward.shape[0] ?? 1);
        return answerFrame(id, op, result);
      } catch (e) {
        return failureFrame(session, id, op, e, stats);
      }
    },
    work.cancel,
    work.whenReady,
  );
}
