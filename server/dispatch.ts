// One frame in, one frame out: decode, validate, run the op, encode the answer.
// Everything a client sends ends as a response; nothing here throws to the caller.
import { encodeMessage } from '../protocol/codec.ts';
import { encodeStepResponse } from '../protocol/fast-frames.ts';
import { GymwireError } from '../protocol/errors.ts';
import { fromWire, infoToWire, toWire } from '../protocol/space-wire.ts';
import {
  PROTOCOL_VERSION,
  type Op,
  type RequestOf,
  type ResultOf,
} from '../protocol/schema/messages.ts';
import { readRequest } from './read-request.ts';
import { errorFrame, thrownErrorFrame } from './error-frames.ts';
import { preview } from '../protocol/preview.ts';
import { SERVER_NAME, SERVER_VERSION } from './options.ts';
import { checkRenderSize } from './limits.ts';
import type { EnvCatalog } from './env-catalog.ts';
import type { Session } from './session.ts';
import { batchedActionFromWire, makeVectorState, vectorReset, vectorStep } from './vector-slot.ts';

const MAJOR = PROTOCOL_VERSION.split('.')[0];

type Handler<K extends Op> = (session: Session, req: RequestOf[K], catalog: EnvCatalog) => ResultOf[K];

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

const handlers: { [K in Op]: Handler<K> } = {
  hello(session, req) {
    const major = req.protocol_version.split('.')[0];
    if (major !== MAJOR) {
      throw new GymwireError(
        'version_mismatch',
        `client speaks protocol ${req.protocol_version}, this server speaks ${PROTOCOL_VERSION}`,
        { server_protocol_version: PROTOCOL_VERSION },
      );
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
    };
  },

  list_envs(_session, _req, catalog) {
    return { envs: catalog.list() };
  },

  make(session, req) {
    const numEnvs = req.num_envs ?? 1;
    const vector = req.vector ?? numEnvs > 1;
    if (!vector && numEnvs !== 1) throw new GymwireError('bad_request', `vector: false with num_envs ${numEnvs}; a single env has num_envs 1`);
    const kwargs = req.kwargs ?? {};
    const bareSpec = { id: req.env_id, max_episode_steps: null, reward_threshold: null, nondeterministic: false, kwargs };
    session.checkRoom(numEnvs);
    if (vector) {
      const state = guarded(() => makeVectorState(() => session.opts.makeEnv(req.env_id, kwargs), numEnvs), `make(${preview(req.env_id)})`);
      const slot = session.openVector(state);
      const spec = state.vec.spec ?? bareSpec;
      return { handle: slot.handle, observation_space: slot.observationSpace, action_space: slot.actionSpace, spec, num_envs: numEnvs, vector: true };
    }
    const env = guarded(() => session.opts.makeEnv(req.env_id, kwargs), `make(${preview(req.env_id)})`);
    const slot = session.open(env);
    const spec = env.spec ?? bareSpec;
    return { handle: slot.handle, observation_space: slot.observationSpace, action_space: slot.actionSpace, spec, num_envs: 1, vector: false };
  },

  reset(session, req) {
    const slot = session.usable(req.handle);
    const markBroken = (m: string) => (slot.broken = `reset threw: ${m}`);
    if (slot.vector !== null) {
      const state = slot.vector;
      return guarded(() => vectorReset(state, req.seed ?? null, req.options ?? null), 'reset', markBroken);
    }
    if (Array.isArray(req.seed)) throw new GymwireError('bad_request', 'a list of seeds is for vector envs; this handle is a single env');
    const args = { seed: req.seed ?? undefined, options: req.options ?? undefined };
    const env = slot.env;
    const { obs, info } = guarded(() => env.reset(args), 'reset', markBroken);
    return { obs: guarded(() => toWire(slot.observationSpace, obs), 'encoding the observation', markBroken), info: infoToWire(info) };
  },

  step(session, req) {
    const slot = session.usable(req.handle);
    const vector = slot.vector;
    if (vector !== null) {
      const actions = batchedActionFromWire(vector, req.action);
      try {
        return vectorStep(vector, actions);
      } catch (e) {
        // A sub-env threw part-way through the batch: the vector env's state is unknown now.
        if (e instanceof GymwireError && e.code !== 'internal') throw e;
        const message = e instanceof Error ? e.message : String(e);
        slot.broken = `step threw: ${message}`;
        throw new GymwireError('internal', `step failed: ${message}`);
      }
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
    const slot = session.usable(req.handle);
    if (slot.vector !== null) throw new GymwireError('unsupported', 'render a vector env: not supported; make a single env to render');
    const env = slot.env;
    const frame = guarded(() => env.render(), 'render');
    checkRenderSize(frame.width, frame.height, session.opts.maxRenderPixels);
    return { frame: { width: frame.width, height: frame.height, data: frame.data } };
  },

  close(session, req) {
    guarded(() => session.close(req.handle), 'close');
    return {};
  },
};

/** The answer to one incoming frame. */
export function dispatch(session: Session, catalog: EnvCatalog, frame: Uint8Array): Uint8Array {
  const read = readRequest(frame);
  if (!read.ok) return read.answer;
  const { id, op, request: message } = read;
  if (!session.ready && op !== 'hello') {
    return errorFrame(id, { code: 'not_ready', message: `send hello before ${op}` });
  }
  try {
    const result = (handlers[op] as Handler<Op>)(session, message, catalog);
    return op === 'step' ? encodeStepResponse(id, result as ResultOf['step']) : encodeMessage({ id, result });
  } catch (e) {
    return thrownErrorFrame(id, op, e, session.opts.log);
  }
}
