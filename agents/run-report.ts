// What a training run reports as it goes: the records of metrics.jsonl/.csv (episodes, cut
// episodes, evaluations, learning statistics), the same told to its listeners (the dashboard),
// the progress line, the plots, and the wall clock it all carries. The loop (trainer.ts) says
// what happened; this says it everywhere it is said.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from './train-config.ts';
import type { Losses } from './backends/types.ts';
import type { EvalResult, RunCounters } from './checkpoints.ts';
import type { EpisodeEnd } from './collect.ts';
import type { FrameSink } from './evaluation.ts';
import { MetricsLog, type MetricRecord, type StatsRecord } from './metrics.ts';
import { writeRunPlots } from './plot.ts';
import { Progress, Rates, type Out } from './progress.ts';
import { evalFrameSink, type RunListener } from './run-listener.ts';
import { stringifyJson } from './json-text.ts';

/** Longest stretch of the training loop without an event-loop turn while a listener is attached. */
const YIELD_MS = 25;
/** Episode returns the progress line averages. */
const RECENT = 20;

export class RunReport {
  readonly metrics: MetricsLog;
  /** Episodes cut by a dropped connection (in this run and, resumed, before). */
  interrupted: number;
  private readonly progress: Progress;
  private readonly t0 = performance.now();
  /** A resumed run's seconds before this process took it on. */
  private readonly wallBase: number;
  private readonly recent: number[];
  private readonly rates: Rates;
  private readonly statsRates: Rates;
  private lastStats: StatsRecord | null;
  private lastYield = performance.now();

  constructor(
    private readonly c: TrainConfig,
    /** The run's counters (the loop moves them; reports read them). */
    private readonly run: RunCounters,
    private readonly numEnvs: number,
    out: Out,
    private readonly listeners: readonly RunListener[],
    resumed: boolean,
    maxEpisodeSteps: number | null,
  ) {
    this.wallBase = run.wallSeconds;
    writeFileSync(join(c.out, 'config.json'), stringifyJson(c, 2) + '\n');
    const metrics = (this.metrics = new MetricsLog(c.out, resumed ? run.step : null));
    this.interrupted = metrics.interrupted.length;
    this.progress = new Progress(out, c.logEvery);
    this.recent = metrics.episodes.slice(-RECENT).map((e) => e.return);
    this.rates = new Rates(run.step, run.updates);
    this.statsRates = new Rates(run.step, run.updates);
    this.lastStats = metrics.stats[metrics.stats.length - 1] ?? null;
    const history = [...metrics.episodes, ...metrics.evals, ...metrics.stats, ...metrics.interrupted].sort((a, b) => a.step - b.step);
    const { algo, env, seed, steps, evalEpisodes } = c;
    const info = { algo, env, seed, steps, numEnvs, out: c.out, evalEpisodes, maxEpisodeSteps };
    for (const l of listeners) l.started?.(info, history);
  }

  /** Seconds of training so far, a resumed run's included. */
  wall(): number {
    return this.wallBase + (performance.now() - this.t0) / 1000;
  }

  /** A line above the progress line. */
  print = (s: string): void => this.progress.print(s);

  /** An episode that ended at env step `step`. */
  episode(ep: EpisodeEnd, step: number): void {
    const { run } = this;
    this.record({
      type: 'episode',
      step,
      episode: run.episodes,
      env: ep.env,
      return: ep.return,
      length: ep.length,
      wallSeconds: this.wall(),
    });
    this.recent.push(ep.return);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** An episode a lost connection (or a move) cut, with why. */
  cut(ep: EpisodeEnd, reason: string): void {
    const { env, return: ret, length } = ep;
    this.record({
      type: 'interrupted',
      interrupted: true,
      step: this.run.step,
      env,
      return: ret,
      length,
      reason,
      wallSeconds: this.wall(),
    });
    this.interrupted++;
  }

  /** An evaluation: recorded, plotted, printed. */
  evaluation(ev: EvalResult, note: string): void {
    const { run, c } = this;
    this.record({ type: 'eval', step: run.step, mean: ev.mean, std: ev.std, returns: ev.returns, wallSeconds: this.wall() });
    this.plots();
    this.print(`eval at step ${run.step}: ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)} (${c.evalEpisodes} episodes${note})`);
  }

  /** The learning statistics an update reported (with the learning-rate factor of a schedule). */
  stats(s: Losses, lrScale: number | null): void {
    const { run } = this;
    this.statsRates.sample(run.step, run.updates, performance.now(), 0);
    const { updatesPerSec, stepsPerSec } = this.statsRates;
    const q2 = s.q2 !== undefined ? { q2: s.q2 } : {};
    const sac = s.alpha !== undefined ? { alpha: s.alpha, logPi: s.logPi } : {};
    const lr = lrScale !== null ? { lrScale } : {};
    const losses = { criticLoss: s.critic, actorLoss: s.actor, q: s.q, ...q2, ...sac, ...lr };
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

  /** Where the evaluation at this step sends its first episode's frames (the listeners that ask). */
  evalFrames(): FrameSink | undefined {
    return evalFrameSink(this.listeners, this.run.step);
  }

  /** Whether the last evaluation recorded was at this step. */
  evaluatedNow(): boolean {
    return this.run.lastEval !== null && this.metrics.evals[this.metrics.evals.length - 1]?.step === this.run.step;
  }

  /**
   * After a collection step: the progress line, the counters to the listeners, and every
   * YIELD_MS a turn of the event loop (with in-process envs the loop never waits on I/O by
   * itself, and a listener serving HTTP, the dashboard, would never get to answer).
   */
  async stepped(): Promise<void> {
    this.showProgress();
    if (this.listeners.length === 0) return;
    const { step, episodes, updates } = this.run;
    for (const l of this.listeners) l.status?.({ step, episodes, updates, wallSeconds: this.wall() });
    if (performance.now() - this.lastYield < YIELD_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  plots(): void {
    const { c } = this;
    writeRunPlots(c.out, `${c.algo.toUpperCase()} ${c.env} (seed ${c.seed})`, this.metrics);
  }

  /** The run is over: plots, the last progress line. */
  end(): void {
    this.plots();
    this.showProgress(true);
    this.progress.end();
  }

  private showProgress(force = false): void {
    const { c, run } = this;
    this.progress.show(
      { ...run, steps: c.steps, numEnvs: this.numEnvs, recent: this.recent, rates: this.rates, lastStats: this.lastStats },
      force,
    );
  }

  /** A record into metrics.jsonl/.csv (and memory, for the plots), and to the listeners. */
  private record(r: MetricRecord): void {
    this.metrics.add(r);
    for (const l of this.listeners) l.record?.(r);
  }
}
