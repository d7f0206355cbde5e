// The training loop, shared by DDPG and TD3 (the algorithm is the learner's: ddpg.ts, td3.ts):
// act (uniform warm-up, then μ(s) + noise), store, update, record learning statistics,
// evaluate, log, plot, checkpoint. Its parts live apart and are tested alone: the envs
// (run-envs.ts), collection (collect.ts), evaluation (evaluation.ts), checkpoints
// (checkpoints.ts), the progress line (progress.ts), and what a lost connection does
// (recovery.ts). Collects from a batch of N sub-envs (env-group.ts) with Gymnasium's NEXT_STEP
// autoreset, so in-process vector envs, remote vector envs on several servers and single envs
// all train the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';
import { lrScaleAt } from './config.ts';
import type { TrainConfig } from './train-config.ts';
import { learnerForRun, type Batch, type Learner } from './learner.ts';
import type { TestFault } from './backends/types.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { MetricsLog, type MetricRecord, type StatsRecord } from './metrics.ts';
import { evalFrameSink, type RunListener } from './run-listener.ts';
import { writeRunPlots } from './plot.ts';
import { makePolicy, scaleAction, type ActorDescription } from './actor-io.ts';
import {
  checkResumable,
  readCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type EvalResult,
  type RunCounters,
} from './checkpoints.ts';
import { Collector, type EpisodeEnd } from './collect.ts';
import { evaluateWithRetry } from './evaluation.ts';
import { Progress, Rates, type Out } from './progress.ts';
import { openRunEnvs, type EnvSources, type RunEnvs } from './run-envs.ts';
import { Recovery } from './recovery.ts';

export interface TrainOptions extends EnvSources {
  /** Checkpoint dir (or run dir holding checkpoint/) to continue from. */
  resume?: string;
  /** Where progress lines go; defaults to stdout. */
  out?: NodeJS.WriteStream | Out;
  /** Also stop (with a final checkpoint) when this returns true, e.g. on SIGINT. */
  shouldStop?: () => boolean;
  /** Breaks learning on purpose: for the learning test only (no flag or config key reaches it). */
  testFault?: TestFault;
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

export async function train(c: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const out = options.out ?? process.stdout;
  const listeners = options.listeners ?? [];
  mkdirSync(c.out, { recursive: true });
  // Read the checkpoint before opening envs: a damaged one fails fast with its own message.
  const resumed = options.resume ? readCheckpoint(options.resume) : null;
  if (resumed) checkResumable(resumed, c);
  const envs = await openRunEnvs(c, options, (s) => out.write(`${s}\n`));
  let learner: Learner | null = null;
  let started = false;
  try {
    const { obsDim, actDim } = envs.group;
    learner = await learnerForRun(c, obsDim, actDim, (s) => out.write(`${s}\n`), options.testFault ?? null);
    const run = new TrainingRun(c, envs, learner, resumed, out, listeners);
    started = true;
    await run.loop(options.shouldStop);
    return run.result();
  } finally {
    learner?.dispose();
    if (started) for (const l of listeners) l.finished?.();
    await envs.close();
  }
}

/** Longest stretch of the training loop without an event-loop turn while a listener is attached. */
const YIELD_MS = 25;

/** One run in progress: its learner, replay, collector, counters and logs, and what it does with them. */
class TrainingRun {
  readonly N: number;
  readonly obsDim: number;
  readonly buffer: ReplayBuffer;
  readonly collector: Collector;
  /** One stream for warm-up actions, noise and replay sampling, distinct from the weight-init stream. */
  readonly rng: NumpyGenerator;
  readonly metrics: MetricsLog;
  readonly progress: Progress;
  run: RunCounters = { step: 0, episodes: 0, updates: 0, resets: 0, wallSeconds: 0, lastEval: null };
  interrupted: number;
  private readonly recovery: Recovery;
  private readonly actor: ActorDescription;
  private readonly checkpointPath: string;
  private readonly t0 = performance.now();
  private readonly wallBase: number;
  /** The last up-to-20 episode returns (progress line). */
  private readonly recent: number[];
  private readonly rates: Rates;
  private readonly statsRates: Rates;
  private lastStats: StatsRecord | null;
  private batch: Batch = {
    size: 0,
    obs: new Float32Array(0),
    actions: new Float32Array(0),
    rewards: new Float32Array(0),
    nextObs: new Float32Array(0),
    terminated: new Float32Array(0),
  };
  private lastYield = performance.now();

  constructor(
    readonly c: TrainConfig,
    readonly envs: RunEnvs,
    readonly learner: Learner,
    resumed: Checkpoint | null,
    out: Out,
    private readonly listeners: RunListener[],
  ) {
    const { numEnvs: N, obsDim, actDim, actionSpace } = envs.group;
    if (actionSpace.low.some((x) => !Number.isFinite(x)) || actionSpace.high.some((x) => !Number.isFinite(x))) {
      throw new Error(`${c.algo.toUpperCase()} needs finite action bounds`);
    }
    this.N = N;
    this.obsDim = obsDim;
    this.actor = { envId: c.env, algo: c.algo, obsDim, actDim, hidden: c.actorHidden, low: actionSpace.low, high: actionSpace.high };
    out.write(`${learner.describe()}\n`);
    this.buffer = new ReplayBuffer(Math.min(c.bufferSize, c.steps), obsDim, actDim);
    this.rng = defaultRng([c.seed, 0x5eed]);
    const collector = new Collector(c, N, obsDim, actDim, actionSpace);
    if (resumed) {
      this.run = restoreCheckpoint(resumed, { learner, rng: this.rng, noises: collector.noises, replay: this.buffer });
      const replayed = resumed.state.replay ? '' : ' — not saved, refilling';
      out.write(
        `resumed from ${resumed.dir} at step ${this.run.step} (${this.run.episodes} episodes, replay ${this.buffer.size} transitions${replayed})\n`,
      );
      collector.restoreResets(this.run.resets);
    }
    this.collector = collector;
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
    this.recovery = new Recovery({
      c,
      envs,
      collector,
      step: () => this.run.step,
      print: this.print,
      recordCut: (ep, reason) => this.recordCut(ep, reason),
      resetAll: () => this.resetAll(),
      saveCheckpoint: () => this.saveCheckpoint(),
    });
    const { metrics } = this;
    const history = [...metrics.episodes, ...metrics.evals, ...metrics.stats, ...metrics.interrupted].sort((a, b) => a.step - b.step);
    const info = {
      algo: c.algo,
      env: c.env,
      seed: c.seed,
      steps: c.steps,
      numEnvs: N,
      out: c.out,
      evalEpisodes: c.evalEpisodes,
      maxEpisodeSteps: envs.evalEnv?.spec?.max_episode_steps ?? null,
    };
    for (const l of listeners) l.started?.(info, history);
  }

  /** A record into metrics.jsonl/.csv (and memory, for the plots), and to the listeners. */
  private record(r: MetricRecord): void {
    this.metrics.add(r);
    for (const l of this.listeners) l.record?.(r);
  }

  private recordCut(ep: EpisodeEnd, reason: string): void {
    this.record({
      type: 'interrupted',
      interrupted: true,
      step: this.run.step,
      env: ep.env,
      return: ep.return,
      length: ep.length,
      reason,
      wallSeconds: this.wall(),
    });
    this.interrupted++;
  }

  wall(): number {
    return this.wallBase + (performance.now() - this.t0) / 1000;
  }

  private print = (s: string) => this.progress.print(s);

  showProgress(force = false): void {
    this.progress.show(
      { ...this.run, steps: this.c.steps, numEnvs: this.N, recent: this.recent, rates: this.rates, lastStats: this.lastStats },
      force,
    );
  }

  writePlots(): void {
    const { c, metrics } = this;
    writeRunPlots(c.out, `${c.algo.toUpperCase()} ${c.env} (seed ${c.seed})`, metrics);
  }

  /** Writes a checkpoint of this moment; returns its path. */
  saveCheckpoint(): string {
    this.run.resets = this.collector.resets;
    this.run.wallSeconds = this.wall();
    const { c, learner, rng, buffer } = this;
    writeCheckpoint(this.checkpointPath, {
      config: c,
      counters: this.run,
      learner,
      rng,
      noises: this.collector.noises,
      replay: c.saveReplay ? buffer : null,
      actor: this.actor,
    });
    return this.checkpointPath;
  }

  /** The deterministic actor on the evaluation episodes; logged, plotted, printed. */
  async evaluate(): Promise<void> {
    const { c, envs, learner } = this;
    if (!envs.evalEnv) return;
    const { low, high } = this.actor;
    // The target actor's weights do not change during an evaluation: one plain-JS copy serves it.
    const target = c.evalActor === 'target' ? makePolicy(this.actor, learner.actorParams('target')) : null;
    const ev = await evaluateWithRetry({
      env: () => envs.evalEnv!,
      reopen: () => envs.reopenEval(this.print),
      act: (obs) => (target ? target.act(obs) : scaleAction(learner.act(obs), low, high)),
      episodes: c.evalEpisodes,
      seed: c.evalSeed,
      obsDim: this.obsDim,
      log: this.print,
      giveUp: this.recovery.giveUp,
      watch: () => evalFrameSink(this.listeners, this.run.step),
    });
    this.run.lastEval = ev;
    this.record({ type: 'eval', step: this.run.step, mean: ev.mean, std: ev.std, returns: ev.returns, wallSeconds: this.wall() });
    this.writePlots();
    this.print(
      `eval at step ${this.run.step}: ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)} (${c.evalEpisodes} episodes${target ? ', target actor' : ''})`,
    );
  }

  async resetAll(): Promise<void> {
    await this.envs.group.reset(this.collector.nextResetSeeds());
    this.collector.startEpisodes(this.envs.group.obs);
  }

  /** Acts in every sub-env and stores what comes back; returns the transitions stored (0 after a lost connection). */
  async collect(): Promise<number> {
    const { c, run, collector } = this;
    if (this.envs.farm?.moveDue(collector.running().length)) await this.recovery.followFarm();
    const mu = run.step >= c.learningStarts ? this.learner.act(collector.obs, this.N) : null;
    const action = collector.act(mu, this.rng);
    const group = this.envs.group;
    let failed: Awaited<ReturnType<Recovery['stepFailed']>> = null;
    try {
      await group.step(action);
    } catch (e) {
      failed = await this.recovery.stepFailed(e);
      if (!failed) return 0;
    }
    const before = run.step;
    const onEpisode = (ep: EpisodeEnd, stored: number) => {
      run.episodes++;
      this.record({
        type: 'episode',
        step: before + stored,
        episode: run.episodes,
        env: ep.env,
        return: ep.return,
        length: ep.length,
        wallSeconds: this.wall(),
      });
      this.recent.push(ep.return);
      if (this.recent.length > 20) this.recent.shift();
    };
    const added = collector.record(group, this.buffer, c.steps - run.step, onEpisode, failed?.absent ?? null);
    run.step += added;
    if (failed) await this.recovery.recoverParts(failed.lost);
    return added;
  }

  /** One update; every statsEvery-th also reads its losses and Q (computed by the update anyway) into a stats record. */
  update(): void {
    const { c, run, learner } = this;
    this.batch = this.buffer.sample(c.batchSize, this.rng, this.batch);
    if (c.lrSchedule !== 'constant') learner.lrScale = lrScaleAt(c.lrSchedule, run.step, c.steps);
    const due = c.statsEvery > 0 && (run.updates + 1) % c.statsEvery === 0;
    const s = learner.update(this.batch, due);
    run.updates++;
    if (!s) return;
    this.statsRates.sample(run.step, run.updates, performance.now(), 0);
    const { updatesPerSec, stepsPerSec } = this.statsRates;
    const q2 = s.q2 !== undefined ? { q2: s.q2 } : {};
    const lr = c.lrSchedule !== 'constant' ? { lrScale: learner.lrScale } : {};
    const losses = { criticLoss: s.critic, actorLoss: s.actor, q: s.q, ...q2, ...lr };
    this.lastStats = {
      type: 'stats',
      step: run.step,
      updates: run.updates,
      ...losses,
      updatesPerSec,
      stepsPerSec,
      wallSeconds: this.wall(),
    };
    this.record(this.lastStats);
  }

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
    const lastEvalStep = this.metrics.evals[this.metrics.evals.length - 1]?.step;
    if (this.envs.evalEnv && (!run.lastEval || lastEvalStep !== run.step)) await this.evaluate();
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
