// RemoteEnv: an env living in a gymwire server, with the Env API answered through promises.
// After its Connection reconnects (the server-side env died with the old connection), the
// next reset() re-makes the env transparently; until then step()/render() reject with
// connection_lost (details.interrupted), as did the call the drop cut: the episode is over.
import type { EnvLike, Frame, ResetArgs, ResetResult, SpaceValue, StepResult } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvSpec } from '../protocol/schema/env-spec.ts';
import type { EnvInfo, StepResult as WireStepResult } from '../protocol/schema/messages.ts';
import { GymwireError } from '../protocol/errors.ts';
import { decodeValue, infoFromWire, toWire } from '../protocol/space-wire.ts';
import { encodeStepRequest } from '../protocol/fast-frames.ts';
import { Connection, RequestTimeoutError, type ConnectOptions, type ReconnectOptions } from './connection.ts';
import { RemoteHandle, type Kwargs } from './remote-handle.ts';
import { offeredEncodings, pickEncoding, type FrameEncoding } from '../protocol/frame-encoding.ts';
import { decodeFrame, encodedFrame, type EncodedFrame } from './frame-decode.ts';

export type { Kwargs };

export class RemoteEnv extends RemoteHandle implements EnvLike {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly spec: EnvSpec;
  private pendingAction: unknown = null;
  // Bound once: the step path allocates no closure per call.
  private readonly encodeStep = (id: number) => encodeStepRequest(id, this._handle, this.pendingAction);

  private constructor(
    connection: Connection,
    handle: number,
    observationSpace: Space,
    actionSpace: Space,
    spec: EnvSpec,
    ownsConnection: boolean,
    private readonly envId: string,
    private readonly kwargs: Kwargs,
  ) {
    super(connection, handle, ownsConnection, envId);
    this.observationSpace = observationSpace;
    this.actionSpace = actionSpace;
    this.spec = spec;
  }

  protected async remake(): Promise<number> {
    const r = await this.connection.request('make', { op: 'make', env_id: this.envId, kwargs: this.kwargs });
    if (r.vector || JSON.stringify([r.observation_space, r.action_space]) !== JSON.stringify([this.observationSpace, this.actionSpace])) {
      this.discard(r.handle);
      throw new GymwireError('internal', `${this.envId} was re-made after a reconnect with other spaces than before; make a new RemoteEnv`);
    }
    return r.handle;
  }

  /** Connects to `url`, does the handshake and makes `envId` there. close() also closes the connection. */
  static async connect(url: string, envId: string, kwargs: Kwargs = {}, opts: ConnectOptions = {}): Promise<RemoteEnv> {
    const connection = await Connection.open(url, opts);
    try {
      return await RemoteEnv.make(connection, envId, kwargs, true);
    } catch (e) {
      await connection.close();
      throw e;
    }
  }

  /** Makes `envId` on an existing connection (several envs may share one); close() leaves the connection open. */
  static async make(connection: Connection, envId: string, kwargs: Kwargs = {}, ownsConnection = false): Promise<RemoteEnv> {
    const r = await connection.request('make', { op: 'make', env_id: envId, kwargs });
    if (r.vector) {
      // Cannot happen for a request without num_envs, unless the server misbehaves.
      connection.request('close', { op: 'close', handle: r.handle }).catch(() => {});
      throw new GymwireError('internal', `make(${envId}) answered with a vector env; use RemoteVectorEnv for those`);
    }
    return new RemoteEnv(connection, r.handle, r.observation_space, r.action_space, r.spec, ownsConnection, envId, kwargs);
  }

  /** Every env the server offers, with its spaces and accepted kwargs. */
  async listEnvs(): Promise<EnvInfo[]> {
    if (this.connection.reconnecting) await this.connection.ready();
    return (await this.connection.request('list_envs', { op: 'list_envs' })).envs;
  }

  async reset(args: ResetArgs = {}): Promise<ResetResult> {
    await this.ensureMade();
    const r = await this.connection.request('reset', {
      op: 'reset',
      handle: this._handle,
      seed: args.seed ?? null,
      options: args.options ?? null,
    });
    return { obs: decodeValue(this.observationSpace, r.obs), info: infoFromWire(r.info) };
  }

  /**
   * One step. Calls may overlap: each request is sent at once, without waiting for earlier
   * answers (pipelining), and results come back in call order — on one env as well as
   * across envs sharing a Connection (e.g. `Promise.all(envs.map((e, i) => e.step(a[i])))`).
   */
  async step(action: SpaceValue): Promise<StepResult> {
    if (this.needsRemake) throw this.lost('step');
    // encodeStep reads pendingAction synchronously inside sendFrame, so overlapping calls are safe.
    this.pendingAction = toWire(this.actionSpace, action);
    const r = (await this.connection.sendFrame('step', this.encodeStep)) as WireStepResult;
    return {
      obs: decodeValue(this.observationSpace, r.obs),
      reward: r.reward,
      terminated: r.terminated,
      truncated: r.truncated,
      info: infoFromWire(r.info),
    };
  }

  /**
   * Sends every action at once (depth-k pipelining: one round trip's latency for k steps)
   * and resolves with the k results in order. As with k step() calls, a sub-episode ending
   * part-way is not reset in between: the env sees exactly these actions.
   */
  stepMany(actions: readonly SpaceValue[]): Promise<StepResult[]> {
    return Promise.all(actions.map((a) => this.step(a)));
  }

  /** The rgb_array frame; it travels zlib-compressed when the server offers that (1.3), raw otherwise. */
  async render(): Promise<Frame> {
    const encoding = pickEncoding(offeredEncodings(this.connection.server), ['zlib']);
    return decodeFrame(await this.renderEncoded(encoding));
  }

  /**
   * The frame as the server sends it in `encoding` (1.3; a server before 1.3 sends only raw, and
   * one that does not offer the encoding answers unsupported): PNG files to pass on to a browser.
   */
  async renderEncoded(encoding: FrameEncoding): Promise<EncodedFrame> {
    if (this.needsRemake) throw this.lost('render');
    const request =
      encoding === 'raw' ? { op: 'render' as const, handle: this._handle } : { op: 'render' as const, handle: this._handle, encoding };
    const { frame } = await this.connection.request('render', request);
    return encodedFrame(frame);
  }
}

export { Connection, RequestTimeoutError, type ConnectOptions, type ReconnectOptions };
