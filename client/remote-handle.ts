// What RemoteEnv and RemoteVectorEnv share: a server-side handle that belongs to one
// generation of its Connection. When the connection is re-opened, the server-side env died
// with the old one: calls other than reset() reject with connection_lost
// (details.interrupted), reset() re-makes the env on the new connection, and close() never
// sends a handle that names nothing (or another env) there.
import { GymwireError } from '../protocol/errors.ts';
import type { Connection } from './connection.ts';
import type { KwargValue } from '../protocol/schema/env-spec.ts';

export type Kwargs = Record<string, KwargValue>;

export abstract class RemoteHandle {
  private closed = false;
  /** The connection generation `handle` belongs to; an older one means the env is gone. */
  private generation: number;
  private remaking: Promise<void> | null = null;

  protected constructor(
    readonly connection: Connection,
    protected _handle: number,
    private readonly ownsConnection: boolean,
    /** What the server holds, for messages: "Pendulum-v1", "Pendulum-v1 x8". */
    private readonly what: string,
  ) {
    this.generation = connection.generation;
  }

  /** The env's handle on the server (changes when it is re-made after a reconnect). */
  get handle(): number {
    return this._handle;
  }

  /** True when the connection was re-opened since the env was made: the next reset() re-makes it. */
  get needsRemake(): boolean {
    return this.generation !== this.connection.generation;
  }

  /** Makes the same env again on the current connection and returns its handle; throws if it is not the same env. */
  protected abstract remake(): Promise<number>;

  protected lost(call: string): GymwireError {
    return new GymwireError(
      'connection_lost',
      `${call}: the connection to ${this.connection.url} was re-opened and ${this.what} with it; ` +
        'its episode was interrupted — reset() to re-make it and start a new one',
      { interrupted: true, reconnecting: false },
    );
  }

  /** Closes a handle made by remake() that turned out unusable; best effort. */
  protected discard(handle: number): void {
    this.connection.request('close', { op: 'close', handle }).catch(() => {});
  }

  /** Waits out a reconnect and re-makes the env on the new connection if its handle is stale. */
  protected async ensureMade(): Promise<void> {
    if (this.connection.reconnecting) await this.connection.ready();
    if (!this.needsRemake) return;
    this.remaking ??= (async () => {
      const generation = this.connection.generation;
      this._handle = await this.remake();
      this.generation = generation;
    })().finally(() => (this.remaking = null));
    await this.remaking;
  }

  /** Closes the env on the server (and the connection, if connect() opened it). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.connection.closed && !this.connection.reconnecting && !this.needsRemake) {
        await this.connection.request('close', { op: 'close', handle: this._handle });
      }
    } catch (e) {
      if (!(e instanceof GymwireError && e.code === 'connection_lost')) throw e;
    } finally {
      if (this.ownsConnection) await this.connection.close();
    }
  }
}
