// An env living on the server, driven from the page: make, reset, step, render, close, with
// values decoded into typed arrays by protocol/space-wire.ts as client/remote-env.ts does.
import type { ResetResult, SpaceValue, StepResult } from '../protocol/env-api.ts';
import { offeredEncodings, pickEncoding, type FrameEncoding } from '../protocol/frame-encoding.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { EnvInfo } from '../protocol/schema/messages.ts';
import type { KwargValue } from '../protocol/schema/env-spec.ts';
import { decodeValue, infoFromWire, toWire } from '../protocol/space-wire.ts';
import { GymwireError } from '../protocol/errors.ts';
import type { BrowserConnection } from './connection.ts';

export type Kwargs = Record<string, KwargValue>;

/** A frame as the server sent it: `data` is a PNG file, or raw RGB bytes (a server before 1.3). */
export interface PageFrame {
  width: number;
  height: number;
  encoding: string;
  data: Uint8Array;
}

export async function listEnvs(connection: BrowserConnection): Promise<EnvInfo[]> {
  return (await connection.request('list_envs', { op: 'list_envs' })).envs;
}

export class BrowserEnv {
  private closed = false;
  /** PNG when the server offers it (1.3): the browser decodes it natively, and it is ~1% of the raw frame. */
  readonly encoding: FrameEncoding;

  private constructor(
    private readonly connection: BrowserConnection,
    readonly handle: number,
    readonly envId: string,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
  ) {
    this.encoding = pickEncoding(offeredEncodings(connection.server), ['png']);
  }

  static async make(connection: BrowserConnection, envId: string, kwargs: Kwargs = {}): Promise<BrowserEnv> {
    const r = await connection.request('make', { op: 'make', env_id: envId, kwargs });
    if (r.vector) {
      connection.request('close', { op: 'close', handle: r.handle }).catch(() => {});
      throw new GymwireError('internal', `make(${envId}) answered with a vector env`);
    }
    return new BrowserEnv(connection, r.handle, envId, r.observation_space, r.action_space);
  }

  async reset(seed: number | null = null): Promise<ResetResult> {
    const r = await this.connection.request('reset', { op: 'reset', handle: this.handle, seed, options: null });
    return { obs: decodeValue(this.observationSpace, r.obs), info: infoFromWire(r.info) };
  }

  async step(action: SpaceValue): Promise<StepResult> {
    const r = await this.connection.request('step', { op: 'step', handle: this.handle, action: toWire(this.actionSpace, action) });
    if (!('reward' in r) || typeof r.reward !== 'number') throw new GymwireError('internal', 'step answered with a vector result');
    return {
      obs: decodeValue(this.observationSpace, r.obs),
      reward: r.reward,
      terminated: r.terminated as boolean,
      truncated: r.truncated as boolean,
      info: infoFromWire(r.info),
    };
  }

  async render(): Promise<PageFrame> {
    const request =
      this.encoding === 'raw'
        ? { op: 'render' as const, handle: this.handle }
        : { op: 'render' as const, handle: this.handle, encoding: this.encoding };
    const { frame } = await this.connection.request('render', request);
    return { width: frame.width, height: frame.height, encoding: frame.encoding ?? 'raw', data: frame.data };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.connection.closed) await this.connection.request('close', { op: 'close', handle: this.handle });
  }
}
