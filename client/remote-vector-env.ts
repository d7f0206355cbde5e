// RemoteVectorEnv: a vector env living in a gymwire server (make with num_envs), behind the
// same batched API as the in-process SyncVectorEnv (protocol/vector-api.ts), so collection
// code runs unchanged against either. One step is one request carrying every sub-env's
// action as one NDArray, and one response with one NDArray per batched field.
import type { TypedArray } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvSpec } from '../protocol/schema/env-spec.ts';
import type { NDArray } from '../protocol/schema/ndarray.ts';
import type { VectorStepResult as WireVectorStep } from '../protocol/schema/messages.ts';
import {
  batchLayout,
  typedArrayOf,
  type AutoresetMode,
  type BatchLayout,
  type VectorActions,
  type VectorEnvLike,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
} from '../protocol/vector-api.ts';
import { GymwireError } from '../protocol/errors.ts';
import { decodeArray, encodeArray, isArrayOf, looksLikeNDArray } from '../protocol/ndarray.ts';
import { infoFromWire, infoToWire } from '../protocol/space-wire.ts';
import { encodeStepRequest } from '../protocol/fast-frames.ts';
import { Connection, type ConnectOptions } from './connection.ts';
import { RemoteHandle, type Kwargs } from './remote-handle.ts';

export class RemoteVectorEnv<O extends TypedArray = TypedArray> extends RemoteHandle implements VectorEnvLike<O> {
  readonly autoresetMode: AutoresetMode = 'NextStep';
  private readonly obsLayout: BatchLayout;
  private readonly actLayout: BatchLayout;
  private readonly actShape: number[];
  /** Actions of another array type are converted into this buffer, which the frame then copies. */
  private readonly actionBuffer: TypedArray;
  private pendingAction: NDArray | null = null;
  // Bound once: the step path allocates no closure per call.
  private readonly encodeStep = (id: number) => encodeStepRequest(id, this._handle, this.pendingAction);

  private constructor(
    connection: Connection,
    handle: number,
    readonly numEnvs: number,
    readonly singleObservationSpace: Space,
    readonly singleActionSpace: Space,
    readonly spec: EnvSpec | null,
    ownsConnection: boolean,
    private readonly envId: string,
    private readonly kwargs: Kwargs,
  ) {
    super(connection, handle, ownsConnection, `${envId} x${numEnvs}`);
    this.obsLayout = batchLayout(singleObservationSpace);
    this.actLayout = batchLayout(singleActionSpace);
    this.actShape = [numEnvs, ...this.actLayout.itemShape];
    this.actionBuffer = typedArrayOf(this.actLayout.dtype, numEnvs * this.actLayout.itemSize);
  }

  /** Connects to `url` and makes a vector env of numEnvs `envId`s there. close() also closes the connection. */
  static async connect<O extends TypedArray = TypedArray>(
    url: string,
    envId: string,
    numEnvs: number,
    kwargs: Kwargs = {},
    opts: ConnectOptions = {},
  ): Promise<RemoteVectorEnv<O>> {
    const connection = await Connection.open(url, opts);
    try {
      return await RemoteVectorEnv.make<O>(connection, envId, numEnvs, kwargs, true);
    } catch (e) {
      await connection.close();
      throw e;
    }
  }

  /** Makes the vector env on an existing connection (shared with other envs); close() leaves the connection open. */
  static async make<O extends TypedArray = TypedArray>(
    connection: Connection,
    envId: string,
    numEnvs: number,
    kwargs: Kwargs = {},
    ownsConnection = false,
  ): Promise<RemoteVectorEnv<O>> {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new GymwireError('invalid_kwargs', `num_envs must be a positive integer, got ${numEnvs}`);
    }
    const r = await connection.request('make', { op: 'make', env_id: envId, kwargs, num_envs: numEnvs, vector: true });
    if (r.vector !== true || r.num_envs !== numEnvs) {
      connection.request('close', { op: 'close', handle: r.handle }).catch(() => {});
      throw new GymwireError(
        'unsupported',
        `${connection.url} did not make a vector env of ${numEnvs} (protocol ${connection.server.protocol_version})`,
      );
    }
    return new RemoteVectorEnv<O>(
      connection,
      r.handle,
      numEnvs,
      r.observation_space,
      r.action_space,
      r.spec,
      ownsConnection,
      envId,
      kwargs,
    );
  }

  protected async remake(): Promise<number> {
    const r = await this.connection.request('make', {
      op: 'make',
      env_id: this.envId,
      kwargs: this.kwargs,
      num_envs: this.numEnvs,
      vector: true,
    });
    const same =
      JSON.stringify([r.observation_space, r.action_space]) === JSON.stringify([this.singleObservationSpace, this.singleActionSpace]);
    if (r.vector !== true || r.num_envs !== this.numEnvs || !same) {
      this.discard(r.handle);
      throw new GymwireError(
        'internal',
        `${this.envId} x${this.numEnvs} was re-made after a reconnect unlike before; make a new RemoteVectorEnv`,
      );
    }
    return r.handle;
  }

  async reset(args: VectorResetArgs = {}): Promise<VectorResetResult<O>> {
    const seed = args.seed;
    await this.ensureMade();
    const r = await this.connection.request('reset', {
      op: 'reset',
      handle: this._handle,
      seed: seed === undefined || seed === null ? null : typeof seed === 'number' ? seed : Array.from(seed, (s) => s ?? null),
      options: args.options === undefined ? null : this.optionsToWire(args.options),
    });
    return { obs: this.batchedObs(r.obs), info: infoFromWire(r.info) };
  }

  /**
   * One step of every sub-env. Calls may overlap (they are pipelined on the connection and
   * answered in order), though with NEXT_STEP autoreset an agent normally waits for the obs.
   */
  async step(actions: VectorActions): Promise<VectorStepResult<O>> {
    if (this.needsRemake) throw this.lost('step');
    this.pendingAction = this.actionsToWire(actions);
    const r = (await this.connection.sendFrame('step', this.encodeStep)) as WireVectorStep;
    if (!looksLikeNDArray(r.reward) || !looksLikeNDArray(r.terminated) || !looksLikeNDArray(r.truncated)) {
      throw new GymwireError('internal', 'the server answered a vector step with an unbatched result');
    }
    return {
      obs: this.batchedObs(r.obs),
      rewards: this.column(r.reward, Float64Array) as Float64Array,
      terminated: this.column(r.terminated, Uint8Array) as Uint8Array,
      truncated: this.column(r.truncated, Uint8Array) as Uint8Array,
      info: infoFromWire(r.info),
    };
  }

  private actionsToWire(actions: VectorActions): NDArray {
    const { dtype, itemSize } = this.actLayout;
    const length = this.numEnvs * itemSize;
    if (actions.length !== length) {
      throw new GymwireError(
        'invalid_action',
        `expected ${length} batched action values (${this.numEnvs} envs x ${itemSize}), got ${actions.length}`,
      );
    }
    let arr: TypedArray;
    if (isArrayOf(dtype, actions)) {
      arr = actions;
    } else {
      arr = this.actionBuffer;
      if (arr instanceof BigInt64Array) for (let i = 0; i < length; i++) arr[i] = BigInt(actions[i]);
      else for (let i = 0; i < length; i++) (arr as Float64Array)[i] = Number(actions[i]);
    }
    // The frame copies these bytes before step() returns, so the buffer can be reused.
    return encodeArray(arr, this.actShape, dtype);
  }

  private optionsToWire(options: Record<string, unknown>): Record<string, unknown> {
    const { reset_mask: mask, ...rest } = options;
    const out = infoToWire(rest);
    if (mask === undefined) return out;
    // numpy bool arrays on the wire; a boolean[] travels as is.
    const wireMask = mask instanceof Uint8Array ? encodeArray(mask, [mask.length], 'bool') : mask;
    return { ...out, reset_mask: wireMask };
  }

  private batchedObs(wire: unknown): O {
    if (!looksLikeNDArray(wire)) throw new GymwireError('internal', 'the server sent a vector observation that is not an NDArray');
    const obs = decodeArray(wire);
    if (obs.length !== this.numEnvs * this.obsLayout.itemSize) {
      throw new GymwireError('internal', `the server sent ${obs.length} observation values for ${this.numEnvs} sub-envs`);
    }
    return obs as O;
  }

  private column(wire: NDArray, ctor: typeof Float64Array | typeof Uint8Array): TypedArray {
    const a = decodeArray(wire);
    if (!(a instanceof ctor) || a.length !== this.numEnvs) {
      throw new GymwireError('internal', `the server sent a batched ${wire.dtype}[${wire.shape.join(', ')}] for ${this.numEnvs} sub-envs`);
    }
    return a;
  }
}

export type { ConnectOptions };
