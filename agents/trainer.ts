// The training loop, shared by DDPG and TD3 (the algorithm is the learner's: ddpg.ts, td3.ts):
// act (uniform warm-up, then μ(s) + noise), store, update, record learning statistics,
// evaluate, log, plot, checkpoint. Its parts live apart and are tested alone: collection
// (collect.ts), evaluation (evaluation.ts), checkpoints (checkpoints.ts), the progress line
// (progress.ts). Collects from a batch of N sub-envs (env-group.ts) with Gymnasium's NEXT_STEP
// autoreset, so in-process vector envs, remote vector envs on several servers and single envs
// all train the same way. A dropped connection cuts the running episodes (logged as
// interrupted) and collection goes on with fresh episodes on the re-made envs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvLike } from '../protocol/env-api.ts';
import type { VectorEnvLike } from '../protocol/vector-api.ts';
import { GymwireError } from '../protocol/errors.ts';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';
import { isFarmUrl, lrScaleAt, serverUrls, type TrainConfig } from './config.ts';
import * as tf from '@tensorflow/tfjs';
import { Learner, fasterEngine, resolveEngine, type Batch, type LearnerEngine, type LearnerOptions } from './learner.ts';
import type { TestFault } from './learner-kernels.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { MetricsLog, type MetricRecord, type StatsRecord } from './metrics.ts';
import type { RunListener } from './run-listener.ts';
import { curvePng, curveSvg, lossesPng, lossesSvg } from './plot.ts';
import { makePolicy, scaleAction, type ActorDescription } from './actor-io.ts';
import { checkResumable, readCheckpoint, restoreCheckpoint, writeCheckpoint, type Checkpoint, type EvalResult, type RunCounters } from './checkpoints.ts';
import { Collector } from './collect.ts';
import { evaluateWithRetry, isConnectionLoss, type FrameSink } from './evaluation.ts';
import { Progress, Rates, type Out } from './progress.ts';
import { EnvGroup, PartsLost, singleEnvPart, spreadEnvs, vectorPart, type BatchPart } from './env-group.ts';
import { openServerShare } from './server-share.ts';
import { FarmEnvs } from './farm-envs.ts';
import type { DiscoveryOptions } from '../client/discovery.ts';

export { checkpointDir, readCheckpoint, type EvalResult } from './checkpoints.ts';
export { evaluatePolicy, isConnectionLoss } from './evaluation.ts';

export type EnvFactory = (config: TrainConfig) => Promise<EnvLike>;
/** Opens the training envs as vector envs whose sub-envs add up to config.numEnvs. */
export type VectorEnvFactory = (config: TrainConfig) => Promise<VectorEnvLike[]>;

/** What the trainer's remote envs connect with. */
function connectOptions(c: TrainConfig): { requestTimeoutMs: number } {
  return { requestTimeoutMs: c.requestTimeout * 1000 };
}

/** One env: make() in this process, or RemoteEnv on the first server (of a farm: the first it resolves to) (each imported only when used). */
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
  const { make } = await import('../envs/index.ts');
  return make(c.env, c.envKwargs);
};

/**
 * The training envs: one SyncVectorEnv of numEnvs in this process, or, with servers, their
 * share of the numEnvs sub-envs on each server (spreadEnvs).
 */
export async function openTrainingEnvs(c: TrainConfig): Promise<BatchPart[]> {
  const urls = serverUrls(c);
  if (urls.length === 0) {
    const { makeVec } = await import('../envs/index.ts');
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

export interface TrainOptions {
  /** Checkpoint dir (or run dir holding checkpoint/) to continue from. */
  resume?: string;
  /**
   * Makes one env. Used for evaluation, and for training (numEnvs of them, each a sub-env
   * with autoreset done by the trainer) unless vectorEnvFactory is given.
   */
  envFactory?: EnvFactory;
  /** Makes the training envs as vector envs (default: openTrainingEnvs). */
  vectorEnvFactory?: VectorEnvFactory;
  /** Where progress lines go; defaults to stdout. */
  out?: NodeJS.WriteStream | Out;
  /** Also stop (with a final checkpoint) when this returns true, e.g. on SIGINT. */
  shouldStop?: () => boolean;
  /** Breaks learning on purpose: for the learning test only (no flag or config key reaches it). */
  testFault?: TestFault;
  /** How a dns+ws:// farm URL is resolved and watched (default: the system's DNS servers, TTL-paced). */
  discovery?: DiscoveryOptions;
  /** Told what the run records as it goes (e.g. the live dashboard, agents/dashboard/). */
  listeners?: RunListener[];
}

export interface TrainResult {
  steps: number;
  episodes: number;
  updates: number;
  numEnvs: number;
  wallSeconds: number;
  lastEval: EvalResult | null;
  evals: { step: number; mean: number; std: number; wallSeconds: number }[];
  episodeReturns: number[];
  /** Episodes cut by a dropped connection in this run (and before, when resumed). */
  interrupted: number;
}


/**
 * The envs of a run: the training batch and the evaluation env, each re-openable when its
 * connection is gone for good (a last resort under the clients' own reconnects).
 */
class RunEnvs {
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
    if (this.group.numEnvs !== this.c.numEnvs) throw new Error(`the env factory made ${this.group.numEnvs} sub-envs, config.numEnvs is ${this.c.numEnvs}`);
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
    await this.retry('evaluation env', async () => {
      this.evalEnv = await open();
    }, log);
  }

  private async retry(what: string, open: () => Promise<void>, log: (s: string) => void, now = false): Promise<void> {
    const { reconnectAttempts: attempts, reconnectDelay: delay } = this.c;
    let last: unknown = new GymwireError('connection_lost', `${what}: no reconnect attempts allowed (--reconnect-attempts 0)`);
    for (let k = 0; k < attempts; k++) {
      const wait = now && k === 0 ? 0 : Math.min(8, delay * 2 ** k);
      if (wait > 0) log(`opening the ${what} again in ${wait.toFixed(1)} s (attempt ${k + 1}/${attempts})`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      try {
        return await open();
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  async close(): Promise<void> {
    await closeQuietly(this.parts);
    if (this.evalEnv) await closeQuietly([this.evalEnv]);
    this.farm?.close();
  }
}

export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const c = config;
  const out = options.out ?? process.stdout;
  const envFactory = options.envFactory;
  mkdirSync(c.out, { recursive: true });

  // Read the checkpoint before opening envs: a damaged one fails fast with its own message.
  const resumed = options.resume ? readCheckpoint(options.resume) : null;
  if (resumed) checkResumable(resumed, c);

  // A dns+ws:// URL: the envs follow the farm its name resolves to (farm-envs.ts).
  const [url] = serverUrls(c);
  const farm = url !== undefined && isFarmUrl(url) && !options.vectorEnvFactory ? await FarmEnvs.start(c, url, options.discovery ?? {}, (s) => out.write(`${s}\n`)) : null;
  const openParts = async (): Promise<BatchPart[]> => {
    if (farm) return farm.openParts();
    if (options.vectorEnvFactory) return (await options.vectorEnvFactory(c)).map(vectorPart);
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
    return await runTraining(c, envs, resumed, out, options.shouldStop, options.testFault ?? null, options.listeners ?? []);
  } finally {
    await envs.close();
  }
}

/**
 * 'auto' and 'kernels' mean our kernels where they run, a tfjs backend name means tfjs (selectBackend
 * set it up). 'auto' with tfjs-node loaded times both on this run's sizes and keeps the faster.
 */
function chooseEngine(c: TrainConfig, opts: LearnerOptions, out: Out): LearnerEngine | 'auto' {
  if (c.backend !== 'auto') return c.backend === 'kernels' ? 'kernels' : 'tfjs';
  if (c.algo === 'td3' || c.criticLayerNorm) return 'kernels';
  if (tf.getBackend() !== 'tensorflow' || resolveEngine('auto').engine !== 'kernels') return 'auto';
  const { engine, rates } = fasterEngine(opts, c.batchSize);
  out.write(`timed the learners on this run's sizes: kernels ${rates.kernels.toFixed(0)} updates/s, tfjs-node ${rates.tfjs.toFixed(0)} updates/s; using ${engine}\n`);
  return engine;
}

/** The learner's options for a run on these spaces. */
export function learnerOptions(c: TrainConfig, obsDim: number, actDim: number): LearnerOptions {
  return {
    algo: c.algo, obsDim, actDim, actorHidden: c.actorHidden, criticHidden: c.criticHidden, gamma: c.gamma, tau: c.tau, actorLr: c.actorLr, criticLr: c.criticLr, seed: c.seed, threads: c.learnerThreads,
    policyNoise: c.policyNoise, noiseClip: c.noiseClip, policyDelay: c.policyDelay, criticLayerNorm: c.criticLayerNorm,
  };
}

/** Longest stretch of the training loop without an event-loop turn while a listener is attached. */
const YIELD_MS = 25;

/** One run in progress: its learner, replay, collector, counters and logs, and what it does with them. */
class TrainingRun {
  readonly N: number;
  readonly obsDim: number;
  readonly learner: Learner;
  readonly buffer: ReplayBuffer;
  readonly collector: Collector;
  /** One stream for warm-up actions, noise and replay sampling, distinct from the weight-init stream. */
  readonly rng: NumpyGenerator;
  readonly metrics: MetricsLog;
  readonly progress: Progress;
  run: RunCounters = { step: 0, episodes: 0, updates: 0, resets: 0, wallSeconds: 0, lastEval: null };
  interrupted: number;
  private readonly actor: ActorDescription;
  private readonly checkpointPath: string;
  private readonly t0 = performance.now();
  private readonly wallBase: number;
  /** The last up-to-20 episode returns (progress line). */
  private readonly recent: number[];
  private readonly rates: Rates;
  private readonly statsRates: Rates;
  private lastStats: StatsRecord | null;
  private batch: Batch = { size: 0, obs: new Float32Array(0), actions: new Float32Array(0), rewards: new Float32Array(0), nextObs: new Float32Array(0), terminated: new Float32Array(0) };

  constructor(
    private readonly c: TrainConfig,
    private readonly envs: RunEnvs,
    resumed: Checkpoint | null,
    out: Out,
    testFault: TestFault | null,
    private readonly listeners: RunListener[] = [],
  ) {
    const { numEnvs: N, obsDim, actDim, actionSpace } = envs.group;
    if (actionSpace.low.some((x) => !Number.isFinite(x)) || actionSpace.high.some((x) => !Number.isFinite(x))) {
      throw new Error(`${c.algo.toUpperCase()} needs finite action bounds`);
    }
    this.N = N;
    this.obsDim = obsDim;
    this.actor = { envId: c.env, algo: c.algo, obsDim, actDim, hidden: c.actorHidden, low: actionSpace.low, high: actionSpace.high };
    const opts = learnerOptions(c, obsDim, actDim);
    this.learner = new Learner({ ...opts, engine: chooseEngine(c, opts, out), testFault });
    try {
      out.write(`${this.learner.describe()}\n`);
      this.buffer = new ReplayBuffer(Math.min(c.bufferSize, c.steps), obsDim, actDim);
      this.collector = new Collector(c, N, obsDim, actDim, actionSpace);
      this.rng = defaultRng([c.seed, 0x5eed]);
      if (resumed) {
        this.run = restoreCheckpoint(resumed, { learner: this.learner, rng: this.rng, noises: this.collector.noises, replay: this.buffer });
        const replayed = resumed.state.replay ? '' : ' — not saved, refilling';
        out.write(`resumed from ${resumed.dir} at step ${this.run.step} (${this.run.episodes} episodes, replay ${this.buffer.size} transitions${replayed})\n`);
      }
      this.collector.resets = this.run.resets;
      this.wallBase = this.run.wallSeconds;
      writeFileSync(join(c.out, 'config.json'), JSON.stringify(c, null, 2) + '\n');
      this.metrics = new MetricsLog(c.out, resumed ? this.run.step : null);
      this.interrupted = this.metrics.interrupted.length;
      this.checkpointPath = join(c.out, 'checkpoint');
      this.progress = new Progress(out, c.logEvery);
      this.recent = this.metrics.episodes.slice(-20).map((e) => e.return);
      this.rates = new Rates(this.run.step, this.run.updates);
      this.statsRates = new Rates(this.run.step, this.run.updates);
      this.lastStats = this.metrics.stats[this.metrics.stats.length - 1] ?? null;
      const { metrics } = this;
      const history = [...metrics.episodes, ...metrics.evals, ...metrics.stats, ...metrics.interrupted].sort((a, b) => a.step - b.step);
      const info = { algo: c.algo, env: c.env, seed: c.seed, steps: c.steps, numEnvs: N, out: c.out, evalEpisodes: c.evalEpisodes, maxEpisodeSteps: envs.evalEnv?.spec?.max_episode_steps ?? null };
      for (const l of listeners) l.started?.(info, history);
    } catch (e) {
      this.learner.dispose();
      throw e;
    }
  }

  /** A record into metrics.jsonl/.csv (and memory, for the plots), and to the listeners. */
  private record(r: MetricRecord): void {
    this.metrics.add(r);
    for (const l of this.listeners) l.record?.(r);
  }

  /** Where evaluation's first episode's frames go: to every listener that asks for them. */
  private evalFrames(): FrameSink | undefined {
    const sinks = this.listeners.map((l) => l.evalFrames?.(this.run.step)).filter((s): s is FrameSink => s !== undefined);
    if (sinks.length <= 1) return sinks[0];
    // Rendered when any listener wants the frame; each gets the frames it asked for.
    let wanting: FrameSink[] = [];
    return {
      wants: () => (wanting = sinks.filter((s) => s.wants())).length > 0,
      add: (f) => wanting.forEach((s) => s.add(f)),
    };
  }

  wall(): number {
    return this.wallBase + (performance.now() - this.t0) / 1000;
  }

  private print = (s: string) => this.progress.print(s);

  showProgress(force = false): void {
    this.progress.show({ ...this.run, steps: this.c.steps, numEnvs: this.N, recent: this.recent, rates: this.rates, lastStats: this.lastStats }, force);
  }

  writePlots(): void {
    const { c, metrics } = this;
    const title = `${c.algo.toUpperCase()} ${c.env} (seed ${c.seed})`;
    const curve = { title, episodes: metrics.episodes, evals: metrics.evals };
    writeFileSync(join(c.out, 'learning-curve.svg'), curveSvg(curve));
    writeFileSync(join(c.out, 'learning-curve.png'), curvePng(curve));
    if (metrics.stats.length === 0) return;
    const losses = { title: `${title}: losses and Q`, stats: metrics.stats };
    writeFileSync(join(c.out, 'losses.svg'), lossesSvg(losses));
    writeFileSync(join(c.out, 'losses.png'), lossesPng(losses));
  }

  saveCheckpoint(): void {
    this.run.resets = this.collector.resets;
    this.run.wallSeconds = this.wall();
    const { c, learner, rng, buffer } = this;
    writeCheckpoint(this.checkpointPath, { config: c, counters: this.run, learner, rng, noises: this.collector.noises, replay: c.saveReplay ? buffer : null, actor: this.actor });
  }

  /** Writes a checkpoint and returns the error to fail with when the env servers stay unreachable. */
  giveUp = (e: GymwireError): Error => {
    this.saveCheckpoint();
    const c = this.c;
    const tries = c.reconnectAttempts > 0 ? ` after ${c.reconnectAttempts} attempts` : '';
    return new Error(`lost the env server and could not get it back${tries} (${e.message}); wrote a checkpoint at step ${this.run.step} to ${this.checkpointPath} — continue with: npm run train -- --resume ${c.out}`, { cause: e });
  };

  /** The deterministic actor on the evaluation episodes; logged, plotted, printed. */
  async evaluate(): Promise<void> {
    const { c, envs, learner } = this;
    if (!envs.evalEnv) return;
    const { low, high } = this.actor;
    // The target actor's weights do not change during an evaluation: one plain-JS copy serves it.
    const target = c.evalActor === 'target' ? makePolicy(this.actor, learner.actorParams('target')) : null;
    const ev = await evaluateWithRetry({
      env: () => envs.evalEnv!, reopen: () => envs.reopenEval(this.print), act: (obs) => (target ? target.act(obs) : scaleAction(learner.act(obs), low, high)), episodes: c.evalEpisodes, seed: c.evalSeed, obsDim: this.obsDim, log: this.print, giveUp: this.giveUp,
      watch: () => this.evalFrames(),
    });
    this.run.lastEval = ev;
    this.record({ type: 'eval', step: this.run.step, mean: ev.mean, std: ev.std, returns: ev.returns, wallSeconds: this.wall() });
    this.writePlots();
    this.print(`eval at step ${this.run.step}: ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)} (${c.evalEpisodes} episodes${target ? ', target actor' : ''})`);
  }

  async resetAll(): Promise<void> {
    await this.envs.group.reset(this.collector.nextResetSeeds());
    this.collector.startEpisodes(this.envs.group.obs);
  }

  /**
   * Logs the running episodes (of `subEnvs` only, when given) as interrupted: they are not run
   * on; a second call logs nothing more.
   */
  private cutEpisodes(reason: string, subEnvs: number[] | null = null): void {
    const cut = subEnvs === null ? null : new Set(subEnvs);
    for (const ep of this.collector.running()) {
      if (cut !== null && !cut.has(ep.env)) continue;
      this.record({ type: 'interrupted', interrupted: true, step: this.run.step, env: ep.env, return: ep.return, length: ep.length, reason, wallSeconds: this.wall() });
      this.interrupted++;
      this.collector.epLength[ep.env] = 0;
    }
    if (cut === null) this.collector.epLength.fill(0);
  }

  /** The farm changed (farm-envs.ts): re-open the sub-envs over its servers now, between episodes if they lined up. */
  async followFarm(): Promise<void> {
    this.cutEpisodes('moved to the changed farm');
    try {
      await this.envs.reopenGroup(this.print, true);
      await this.resetAll();
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      await this.recover(e);
    }
  }

  /** A lost connection: log the cut episodes, start fresh ones, re-opening the envs if the client did not get them back. */
  async recover(e: GymwireError): Promise<void> {
    this.cutEpisodes(e.message);
    if ((e.details as { timeout_ms?: unknown } | undefined)?.timeout_ms !== undefined) {
      this.print(`request timed out at step ${this.run.step}: ${e.message} (--request-timeout ${this.c.requestTimeout} s); the connection is re-opened`);
    }
    this.print(`connection lost at step ${this.run.step} (${e.message}); starting fresh episodes on the re-made envs`);
    try {
      await this.resetAll();
      return;
    } catch (e2) {
      if (!isConnectionLoss(e2)) throw e2;
      this.print(`envs unreachable (${e2.message})`);
    }
    // The clients did not get their envs back by themselves: open them again.
    try {
      await this.envs.reopenGroup(this.print);
      await this.resetAll();
    } catch (e3) {
      if (isConnectionLoss(e3)) throw this.giveUp(e3);
      throw e3;
    }
  }

  /** Acts in every sub-env and stores what comes back; returns the transitions stored (0 after a lost connection). */
  async collect(): Promise<number> {
    const { c, run, collector } = this;
    if (this.envs.farm?.moveDue(collector.running().length)) await this.followFarm();
    const mu = run.step >= c.learningStarts ? this.learner.act(collector.obs, this.N) : null;
    const action = collector.act(mu, this.rng);
    const group = this.envs.group;
    // Sub-envs whose server was lost on this step while the others answered (--url list).
    let lost: PartsLost | null = null;
    let absent: Uint8Array | null = null;
    try {
      await group.step(action);
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      if (!(e instanceof PartsLost) || e.parts.length === e.of) {
        await this.recover(e);
        return 0;
      }
      lost = e;
      absent = new Uint8Array(this.N);
      for (const k of e.parts) for (const i of group.subEnvsOf(k)) absent[i] = 1;
    }
    const before = run.step;
    const added = collector.record(group, this.buffer, c.steps - run.step, (ep, stored) => {
      run.episodes++;
      this.record({ type: 'episode', step: before + stored, episode: run.episodes, env: ep.env, return: ep.return, length: ep.length, wallSeconds: this.wall() });
      this.recent.push(ep.return);
      if (this.recent.length > 20) this.recent.shift();
    }, absent);
    run.step += added;
    if (lost) await this.recoverParts(lost);
    return added;
  }

  /**
   * Some servers' connections were lost and the others answered: only the lost sub-envs'
   * episodes are cut, and those sub-envs alone start fresh ones (reset with seeds of a new draw)
   * once their client is back; if it is not, recover() as from a whole loss.
   */
  private async recoverParts(e: PartsLost): Promise<void> {
    const group = this.envs.group;
    const subEnvs = e.parts.flatMap((k) => group.subEnvsOf(k));
    this.cutEpisodes(e.message, subEnvs);
    this.print(`connection lost at step ${this.run.step} (${e.message}); fresh episodes on the ${subEnvs.length} of ${this.N} sub-envs it served`);
    try {
      await group.resetParts(e.parts, this.collector.nextResetSeeds());
      this.collector.restartEpisodes(subEnvs, group.obs);
    } catch (e2) {
      if (!isConnectionLoss(e2)) throw e2;
      await this.recover(e2);
    }
  }

  /** One update; every statsEvery-th also reads its losses and Q (computed by the update anyway) into a stats record. */
  update(): void {
    const { c, run } = this;
    this.batch = this.buffer.sample(c.batchSize, this.rng, this.batch);
    if (c.lrSchedule !== 'constant') this.learner.lrScale = lrScaleAt(c.lrSchedule, run.step, c.steps);
    const due = c.statsEvery > 0 && (run.updates + 1) % c.statsEvery === 0;
    const s = this.learner.update(this.batch, due);
    run.updates++;
    if (!s) return;
    this.statsRates.sample(run.step, run.updates, performance.now(), 0);
    const { updatesPerSec, stepsPerSec } = this.statsRates;
    this.lastStats = { type: 'stats', step: run.step, updates: run.updates, criticLoss: s.critic, actorLoss: s.actor, q: s.q, ...(s.q2 !== undefined ? { q2: s.q2 } : {}), ...(c.lrSchedule !== 'constant' ? { lrScale: this.learner.lrScale } : {}), updatesPerSec, stepsPerSec, wallSeconds: this.wall() };
    this.record(this.lastStats);
  }

  private lastYield = performance.now();

  /**
   * The counters to the listeners, and every YIELD_MS a turn of the event loop: with in-process
   * envs the loop never waits on I/O by itself, and a listener serving HTTP (the dashboard) would
   * never get to answer.
   */
  private async tellListeners(): Promise<void> {
    const { run } = this;
    for (const l of this.listeners) l.status?.({ step: run.step, episodes: run.episodes, updates: run.updates, wallSeconds: this.wall() });
    const now = performance.now();
    if (now - this.lastYield < YIELD_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  /** Collect, learn, and evaluate and checkpoint when their steps come, until --steps or a stop. */
  async loop(shouldStop: (() => boolean) | undefined): Promise<void> {
    const { c, run } = this;
    const crossed = (every: number, before: number) => every > 0 && Math.floor(run.step / every) > Math.floor(before / every);
    await this.resetAll();
    while (run.step < c.steps && !shouldStop?.()) {
      const before = run.step;
      const added = await this.collect();
      if (run.step >= c.learningStarts && this.buffer.size >= c.batchSize) {
        for (let k = 0; k < added * c.updatesPerStep; k++) this.update();
      }
      if (crossed(c.evalEvery, before)) await this.evaluate();
      if (crossed(c.checkpointEvery, before) && run.step < c.steps) this.saveCheckpoint();
      this.showProgress();
      if (this.listeners.length) await this.tellListeners();
    }
    // A run that stops mid-episode loses its partial episodes on resume (every sub-env starts afresh).
    if (this.envs.evalEnv && (!run.lastEval || this.metrics.evals[this.metrics.evals.length - 1]?.step !== run.step)) await this.evaluate();
    this.saveCheckpoint();
    this.writePlots();
    this.showProgress(true);
    this.progress.end();
  }

  result(): TrainResult {
    const { run, metrics } = this;
    return {
      steps: run.step,
      episodes: run.episodes,
      updates: run.updates,
      numEnvs: this.N,
      wallSeconds: this.wall(),
      lastEval: run.lastEval,
      evals: metrics.evals.map((e) => ({ step: e.step, mean: e.mean, std: e.std, wallSeconds: e.wallSeconds })),
      episodeReturns: metrics.episodes.map((e) => e.return),
      interrupted: this.interrupted,
    };
  }
}

async function runTraining(c: TrainConfig, envs: RunEnvs, resumed: Checkpoint | null, out: Out, shouldStop: (() => boolean) | undefined, testFault: TestFault | null, listeners: RunListener[]): Promise<TrainResult> {
  const r = new TrainingRun(c, envs, resumed, out, testFault, listeners);
  try {
    await r.loop(shouldStop);
    return r.result();
  } finally {
    r.learner.dispose();
    for (const l of listeners) l.finished?.();
  }
}
