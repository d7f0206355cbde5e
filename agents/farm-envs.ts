// The training envs on a farm: `--url dns+ws://NAME:PORT` stands for every server NAME
// resolves to (client/discovery.ts). Each server hosts its share of the sub-envs as one vector
// env; the shares follow the farm as it changes:
//   - a server appears or leaves DNS (scale-up, a draining pod leaving its Service): the run
//     moves its sub-envs at the next step where every episode has just ended (none is cut), or
//     after MAX_DEFER_S if episodes never line up;
//   - a server without vector envs (optional in the protocol) hosts its share as single envs;
//   - a server's connection drops: the trainer's reconnect path re-opens the envs over the
//     farm; a server that cannot be reached then is reported to discovery (left out while DNS
//     may still list it) and the next try goes to the others.
// Connections to farm servers do not reconnect by themselves: the server may be gone for good,
// and re-opening over the current farm is the trainer's job.
import { GymwireError } from '../protocol/errors.ts';
import type { EnvLike } from '../protocol/env-api.ts';
import type { TrainConfig } from './train-config.ts';
import type { BatchPart } from './env-group.ts';
import { openServerShare } from './server-share.ts';
import type { DiscoveryOptions, FarmChange, FarmDiscovery } from '../client/discovery.ts';

/**
 * Longest a farm change waits for every episode to end together before the envs move anyway:
 * well inside a draining server's grace (30 s by default) once DNS has dropped it (a few s).
 */
const MAX_DEFER_S = 10;

export class FarmEnvs {
  /** The server of each sub-env as last opened (null before the first). */
  private assignment: (string | null)[];
  /** When the farm changed since the envs were last opened (performance.now()), else null. */
  private changedAt: number | null = null;

  private constructor(
    private readonly c: TrainConfig,
    private readonly discovery: FarmDiscovery,
    private readonly log: (line: string) => void,
  ) {
    this.assignment = new Array(c.numEnvs).fill(null);
    discovery.on('change', (change: FarmChange) => {
      this.changedAt ??= performance.now();
      const what = [...change.added.map((u) => `+${u}`), ...change.removed.map((u) => `-${u}`)].join(' ');
      log(`farm ${discovery.farm.url}: ${what}; ${change.urls.length} server${change.urls.length === 1 ? '' : 's'} now`);
    });
    discovery.on('resolveFailed', (e) => log(`farm ${discovery.farm.url}: ${e.message}; keeping the last servers`));
  }

  /** Resolves the farm (rejecting if its name cannot be resolved) and watches it. */
  static async start(c: TrainConfig, url: string, opts: DiscoveryOptions, log: (line: string) => void): Promise<FarmEnvs> {
    const { FarmDiscovery } = await import('../client/discovery.ts');
    const discovery = new FarmDiscovery(url, opts);
    try {
      await discovery.start();
    } catch (e) {
      discovery.close();
      throw e;
    }
    return new FarmEnvs(c, discovery, log);
  }

  private connectOptions() {
    return { requestTimeoutMs: this.c.requestTimeout * 1000, reconnect: false as const };
  }

  /** The servers now; connection_lost when there is none (retried by the trainer's reopen path). */
  private servers(): string[] {
    const urls = this.discovery.urls;
    if (urls.length === 0) throw new GymwireError('connection_lost', `farm ${this.discovery.farm.url} has no server right now`);
    return urls;
  }

  /**
   * Opens the sub-envs over the servers now: respread() keeps the shares balanced, and each
   * server's share is one vector env (single envs where it has none). A server that cannot be
   * reached is reported and the whole open fails with connection_lost, so the trainer's retry
   * opens over the others.
   */
  async openParts(): Promise<BatchPart[]> {
    const { respread } = await import('../client/discovery.ts');
    const { assignment } = respread(this.assignment, this.servers());
    this.changedAt = null;
    const shares = new Map<string, number>();
    for (const s of assignment) shares.set(s!, (shares.get(s!) ?? 0) + 1);
    const parts: BatchPart[] = [];
    try {
      for (const [url, n] of shares) {
        try {
          parts.push(...(await openServerShare(url, this.c.env, n, this.c.envKwargs, this.connectOptions())));
        } catch (e) {
          if (e instanceof GymwireError && e.code === 'connection_lost') this.discovery.reportFailure(url);
          throw e;
        }
      }
    } catch (e) {
      await Promise.all(parts.map((p) => p.close().catch(() => {})));
      throw e;
    }
    this.assignment = assignment;
    this.log(`farm: sub-envs per server ${[...shares].map(([u, n]) => `${u} ${n}`).join(', ')}`);
    return parts;
  }

  /** The evaluation env, on the first server of the farm (re-opened there, or elsewhere, when it drops). */
  async openEvalEnv(): Promise<EnvLike> {
    const { RemoteEnv } = await import('../client/remote-env.ts');
    const url = this.servers()[0];
    try {
      return await RemoteEnv.connect(url, this.c.env, this.c.envKwargs, this.connectOptions());
    } catch (e) {
      if (e instanceof GymwireError && e.code === 'connection_lost') this.discovery.reportFailure(url);
      throw e;
    }
  }

  /**
   * Whether the sub-envs should move to the farm as it is now: it changed, and `runningEpisodes`
   * is 0 (every episode just ended, so moving cuts none) or the change has waited MAX_DEFER_S.
   */
  moveDue(runningEpisodes: number): boolean {
    if (this.changedAt === null) return false;
    return runningEpisodes === 0 || performance.now() - this.changedAt >= MAX_DEFER_S * 1000;
  }

  /** Sub-envs per server as last opened. */
  shares(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.assignment) if (s !== null) out[s] = (out[s] ?? 0) + 1;
    return out;
  }

  close(): void {
    this.discovery.close();
  }
}
