// The training loop, shared by DDPG, TD3 and SAC (the algorithm is the learner's: ddpg.ts, td3.ts,
// sac.ts): act (uniform warm-up, then μ(s) + noise, or SAC's policy sample), store, update, record learning statistics,
// evaluate, checkpoint. Its parts live apart and are tested alone: the envs (run-envs.ts),
// collection (collect.ts), evaluation (evaluation.ts), checkpoints (checkpoints.ts), what the run
// reports (run-report.ts: metrics, listeners, progress, plots), and what a lost connection does
// (recovery.ts). Collects from a batch of N sub-envs (env-group.ts) with Gymnasium's NEXT_STEP
// autoreset, so in-process vector envs, remote vector envs on several servers and single envs
// all train the same way.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRng, type NumpyGenerator } from '../protocol/random.ts';
import { lrScaleAt } from './config.ts';
import type { TrainConfig } from './train-config.ts';
import { learnerForRun, type Batch, type Learner } from './learner.ts';
import type { TestFault } from './backends/types.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import type { RunListener } from './run-listener.ts';
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
import type { Out } from './progress.ts';
import { openRunEnvs, type EnvSources, type RunEnvs } from './run-envs.ts';
import { Recovery } from './recovery.ts';
import { RunReport } from './run-report.ts';

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

/** One run in progress: its learner, replay, collector and counters, and what it does with them. */
class TrainingRun {
  readonly N: number;
  readonly buffer: ReplayBuffer;
  readonly collector: Collector;
  /** One stream for warm-up actions, noise and replay sampling, distinct from the weight-init stream. */
  readonly rng: NumpyGenerator;
  readonly run: RunCounters = { step: 0, episodes: 0, updates: 0, resets: 0, wallSeconds: 0, lastEval: null };
  readonly report: RunReport;
  private readonly recovery: Recovery;
  private readonly actor: ActorDescription;
  private readonly checkpointPath: string;
  private batch: Batch | undefined;

  constructor(
    readonly c: TrainConfig,
    readonly envs: RunEnvs,
    readonly learner: Learner,
    resumed: Checkpoint | null,
    out: Out,
    listeners: RunListener[],
  ) {
    const { numEnvs: N, obsDim, actDim, actionSpace } = envs.group;
    if ([...actionSpace.low, ...actionSpace.high].some((x) => !Number.isFinite(x))) {
      throw new Error(`${c.algo.toUpperCase()} needs finite action bounds`);
    }
    this.N = N;
    this.actor = { envId: c.env, algo: c.algo, obsDim, actDim, hidden: c.actorHidden, low: actionSpace.low, high: actionSpace.high };
    out.write(`${learner.describe()}\n`);
    this.buffer = new ReplayBuffer(Math.min(c.bufferSize, c.steps), obsDim, actDim);
    this.rng = defaultRng([c.seed, 0x5eed]);
    this.collector = new Collector(c, N, obsDim, actDim, actionSpace);
    if (resumed) {
      Object.assign(this.run, restoreCheckpoint(resumed, { learner, rng: this.rng, noises: this.collector.noises, replay: this.buffer }));
      const replayed = resumed.state.replay ? '' : ' — not saved, refilling';
      const { step, episodes } = this.run;
      out.write(`resumed from ${resumed.dir} at step ${step} (${episodes} episodes, replay ${this.buffer.size} transitions${replayed})\n`);
      this.collector.restoreResets(this.run.resets);
    }
    this.checkpointPath = join(c.out, 'checkpoint');
    const maxEpisodeSteps = envs.evalEnv?.spec?.max_episode_steps ?? null;
    const report = (this.report = new RunReport(c, this.run, N, out, listeners, resumed !== null, maxEpisodeSteps));
    this.recovery = new Recovery({
      c,
      envs,
      collector: this.collector,
      step: () => this.run.step,
      print: report.print,
      recordCut: (ep, reason) => report.cut(ep, reason),
      resetAll: () => this.resetAll(),
      saveCheckpoint: () => this.saveCheckpoint(),
    });
  }

  /** Writes a checkpoint of this moment; returns its path. */
  saveCheckpoint(): string {
    this.run.resets = this.collector.resets;
    this.run.wallSeconds = this.report.wall();
    const { c, learner, rng, buffer, actor } = this;
    const replay = c.saveReplay ? buffer : null;
    writeCheckpoint(this.checkpointPath, { config: c, counters: this.run, learner, rng, noises: this.collector.noises, replay, actor });
    return this.checkpointPath;
  }

  /** The deterministic actor on the evaluation episodes; logged, plotted, printed. */
  async evaluate(): Promise<void> {
    const { c, envs, learner, report } = this;
    if (!envs.evalEnv) return;
    const { low, high } = this.actor;
    // The target actor's weights do not change during an evaluation: one plain-JS copy serves it.
    const target = c.evalActor === 'target' ? makePolicy(this.actor, learner.actorParams('target')) : null;
    const ev = await evaluateWithRetry({
      env: () => envs.evalEnv!,
      reopen: () => envs.reopenEval(report.print),
      act: (obs) => (target ? target.act(obs) : scaleAction(learner.act(obs), low, high)),
      episodes: c.evalEpisodes,
      seed: c.evalSeed,
      obsDim: this.actor.obsDim,
      log: report.print,
      giveUp: this.recovery.giveUp,
      watch: () => report.evalFrames(),
    });
    this.run.lastEval = ev;
    report.evaluation(ev, target ? ', target actor' : '');
  }

  async resetAll(): Promise<void> {
    await this.envs.group.reset(this.collector.nextResetSeeds());
    this.collector.startEpisodes(this.envs.group.obs);
  }

  /** Acts in every sub-env and stores what comes back; returns the transitions stored (0 after a lost connection). */
  async collect(): Promise<number> {
    const { c, run, collector } = this;
    if (this.envs.farm?.moveDue(collector.running().length)) await this.recovery.followFarm();
    const mu = run.step >= c.learningStarts ? this.learner.explore(collector.obs, this.N, this.rng) : null;
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
      this.report.episode(ep, before + stored);
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
    const scheduled = c.lrSchedule !== 'constant';
    if (scheduled) learner.lrScale = lrScaleAt(c.lrSchedule, run.step, c.steps);
    const due = c.statsEvery > 0 && (run.updates + 1) % c.statsEvery === 0;
    const s = learner.update(this.batch, due);
    run.updates++;
    if (s) this.report.stats(s, scheduled ? learner.lrScale : null);
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
      await this.report.stepped();
    }
    // A run that stops mid-episode loses its partial episodes on resume (every sub-env starts afresh).
    if (this.envs.evalEnv && !this.report.evaluatedNow()) await this.evaluate();
    this.saveCheckpoint();
    this.report.end();
  }

  result(): TrainResult {
    const { run, report } = this;
    const { evals, episodes } = report.metrics;
    return {
      ...{
        steps: run.step,
        episodes: run.episodes,
        updates: run.updates,
        numEnvs: this.N,
        wallSeconds: report.wall(),
        lastEval: run.lastEval,
      },
      evals: evals.map((e) => ({ step: e.step, mean: e.mean, std: e.std, wallSeconds: e.wallSeconds })),
      episodeReturns: episodes.map((e) => e.return),
      interrupted: report.interrupted,
    };
  }
}
