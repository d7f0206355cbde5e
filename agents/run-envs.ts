// The envs of a run: opening them (in this process, on servers, or on a farm) and opening them
// again, with backoff, when their connection is gone for good (recovery.ts decides when).
import type { EnvLike } from '../protocol/env-api.ts';
import type { VectorEnvLike } from '../protocol/vector-api.ts';
import { GymwireError } from '../protocol/errors.ts';
import { retryWithBackoff } from '../protocol/backoff.ts';
import { isFarmUrl, serverUrls } from './config.ts';
import type { TrainConfig } from './train-config.ts';
import { isConnectionLoss } from './evaluation.ts';
import { EnvGroup, singleEnvPart, spreadEnvs, vectorPart, type BatchPart } from './env-group.ts';
import { openServerShare } from './server-share.ts';
import { FarmEnvs } from './farm-envs.ts';
import type { DiscoveryOptions } from '../client/discovery.ts';

export type EnvFactory = (config: TrainConfig) => Promise<EnvLike>;
/** Opens the training envs as vector envs whose sub-envs add up to config.numEnvs. */
export type VectorEnvFactory = (config: TrainConfig) => Promise<VectorEnvLike[]>;

/** The longest wait between two tries at re-opening lost envs. */
const MAX_REOPEN_DELAY_MS = 8000;

/** What the trainer's remote envs connect with. */
function connectOptions(c: TrainConfig): { requestTimeoutMs: number } {
  return { requestTimeoutMs: c.requestTimeout * 1000 };
}

/**
 * One env: make() in this process, or RemoteEnv on the first server (of a farm: the first it
 * resolves to); each imported only when used.
 */
export const openEnv: EnvFactory = async (c) => {
  let [url] = serverUrls(c);
  if (url && isFarmUrl(url)) {
    const { resolveFarm } = await import('../client/discovery.ts');
    const farm = url;
    [url] = await resolveFarm(farm);
    if (!url) throw new GymwireError('connection_lost', `farm ${farm} has no server right now`);
  }
  if (url) {
    const { RemoteEnv } = await import('../client/remote-env.ts');
    return RemoteEnv.connect(url, c.env, c.envKwargs, connectOptions(c));
  }
  const { make, loadEnv } = await import('../envs/index.ts');
  await loadEnv(c.env); // a lazily loaded env (MuJoCo's) needs its module first
  return make(c.env, c.envKwargs);
};

/**
 * The training envs: one SyncVectorEnv of numEnvs in this process, or, with servers, their
 * share of the numEnvs sub-envs on each server (spreadEnvs).
 */
async function openTrainingEnvs(c: TrainConfig): Promise<BatchPart[]> {
  const urls = serverUrls(c);
  if (urls.length === 0) {
    const { makeVec, loadEnv } = await import('../envs/index.ts');
    await loadEnv(c.env);
    // copy: false — the group copies each result out before the next step.
    return [vectorPart(makeVec(c.env, c.numEnvs, c.envKwargs, { copy: false }))];
  }
  const shares = spreadEnvs(c.numEnvs, urls.length);
  const parts: BatchPart[] = [];
  try {
    for (let k = 0; k < urls.length; k++) parts.push(...(await openServerShare(urls[k], c.env, shares[k], c.envKwargs, connectOptions(c))));
  } catch (e) {
    await closeQuietly(parts);
    throw e;
  }
  return parts;
}

async function closeQuietly(parts: { close(): unknown }[]): Promise<void> {
  for (const p of parts) {
    try {
      await p.close();
    } catch {
      // closing after a failure: the first error is the one worth reporting
    }
  }
}

/**
 * The envs of a run: the training batch and the evaluation env, each re-openable when its
 * connection is gone for good (a last resort under the clients' own reconnects).
 */
export class RunEnvs {
  group!: EnvGroup;
  evalEnv: EnvLike | null = null;
  private parts: BatchPart[] = [];

  constructor(
    private readonly c: TrainConfig,
    private readonly openParts: () => Promise<BatchPart[]>,
    private readonly openEval: (() => Promise<EnvLike>) | null,
    /** The farm the envs live on (a dns+ws:// URL), else null. */
    readonly farm: FarmEnvs | null = null,
  ) {}

  async open(): Promise<void> {
    await this.openGroup();
    if (this.openEval) this.evalEnv = await this.openEval();
  }

  private async openGroup(): Promise<void> {
    this.parts = await this.openParts();
    this.group = new EnvGroup(this.parts);
    if (this.group.numEnvs !== this.c.numEnvs)
      throw new Error(`the env factory made ${this.group.numEnvs} sub-envs, config.numEnvs is ${this.c.numEnvs}`);
  }

  /**
   * Closes the training envs and opens them again, retrying with backoff while they are
   * unreachable; `now`: the first try at once (a planned move, not a lost server).
   */
  async reopenGroup(log: (s: string) => void, now = false): Promise<void> {
    await closeQuietly(this.parts);
    this.parts = [];
    await this.retry('training envs', () => this.openGroup(), log, now);
  }

  async reopenEval(log: (s: string) => void): Promise<void> {
    if (!this.openEval) return;
    if (this.evalEnv) await closeQuietly([this.evalEnv]);
    this.evalEnv = null;
    const open = this.openEval;
    await this.retry(
      'evaluation env',
      async () => {
        this.evalEnv = await open();
      },
      log,
    );
  }

  private async retry(what: string, open: () => Promise<void>, log: (s: string) => void, now = false): Promise<void> {
    const { reconnectAttempts: attempts, reconnectDelay: delay } = this.c;
    const plan = { attempts, baseDelayMs: delay * 1000, maxDelayMs: MAX_REOPEN_DELAY_MS, firstNow: now };
    const onWait = (ms: number, k: number) => {
      if (ms > 0) log(`opening the ${what} again in ${(ms / 1000).toFixed(1)} s (attempt ${k + 1}/${attempts})`);
    };
    const outcome = await retryWithBackoff(plan, open, { onWait, retryable: isConnectionLoss });
    if (outcome.ok) return;
    throw outcome.error ?? new GymwireError('connection_lost', `${what}: no reconnect attempts allowed (--reconnect-attempts 0)`);
  }

  async close(): Promise<void> {
    await closeQuietly(this.parts);
    if (this.evalEnv) await closeQuietly([this.evalEnv]);
    this.farm?.close();
  }
}

/** Where a run's envs come from: factories (tests, embedding code), else config.url. */
export interface EnvSources {
  /**
   * Makes one env. Used for evaluation, and for training (numEnvs of them, each a sub-env
   * with autoreset done by the trainer) unless vectorEnvFactory is given.
   */
  envFactory?: EnvFactory;
  /** Makes the training envs as vector envs (default: openTrainingEnvs). */
  vectorEnvFactory?: VectorEnvFactory;
  /** How a dns+ws:// farm URL is resolved and watched (default: the system's DNS servers, TTL-paced). */
  discovery?: DiscoveryOptions;
}

/** A run's envs, opened: from the factories, else a farm (a dns+ws:// URL: farm-envs.ts), else servers or this process. */
export async function openRunEnvs(c: TrainConfig, sources: EnvSources, log: (line: string) => void): Promise<RunEnvs> {
  const { envFactory, vectorEnvFactory } = sources;
  const [url] = serverUrls(c);
  const farm = url !== undefined && isFarmUrl(url) && !vectorEnvFactory ? await FarmEnvs.start(c, url, sources.discovery ?? {}, log) : null;
  const openParts = async (): Promise<BatchPart[]> => {
    if (farm) return farm.openParts();
    if (vectorEnvFactory) return (await vectorEnvFactory(c)).map(vectorPart);
    if (!envFactory) return openTrainingEnvs(c);
    const parts: BatchPart[] = [];
    try {
      for (let i = 0; i < c.numEnvs; i++) parts.push(singleEnvPart(await envFactory(c)));
    } catch (e) {
      await closeQuietly(parts);
      throw e;
    }
    return parts;
  };
  const openEval = envFactory ?? (farm ? () => farm.openEvalEnv() : openEnv);
  const envs = new RunEnvs(c, openParts, c.evalEvery > 0 ? () => openEval(c) : null, farm);
  try {
    await envs.open();
  } catch (e) {
    await envs.close();
    throw e;
  }
  return envs;
}
