// Per-episode, per-evaluation and learning-statistics records, appended to metrics.jsonl and
// metrics.csv as they happen (so a crashed run keeps its history), and kept in memory for the plots.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EpisodeRecord {
  type: 'episode';
  step: number;
  episode: number;
  /** Which sub-env played it (0 with a single env). */
  env?: number;
  return: number;
  length: number;
  wallSeconds: number;
}

/**
 * An episode cut short because its env's connection dropped (the trainer then started fresh
 * episodes on the re-made envs). Its partial return is not a learning-curve point; its
 * transitions stay in the replay buffer.
 */
export interface InterruptedRecord {
  type: 'interrupted';
  interrupted: true;
  step: number;
  env: number;
  return: number;
  length: number;
  reason: string;
  wallSeconds: number;
}

export interface EvalRecord {
  type: 'eval';
  step: number;
  mean: number;
  std: number;
  returns: number[];
  wallSeconds: number;
}

/**
 * What learning looks like, every --stats-every updates: the losses and mean Q of that update's
 * minibatch (computed by the update itself), and the rates since the previous record.
 */
export interface StatsRecord {
  type: 'stats';
  step: number;
  /** Updates so far. */
  updates: number;
  /** mean (Q(s, a) − y)² (TD3: the mean of its two critics' losses). */
  criticLoss: number;
  /** −mean Q(s, μ(s)) (TD3: of critic 1, from the latest actor update). */
  actorLoss: number;
  /** mean Q(s, a) over the minibatch (TD3: critic 1). */
  q: number;
  /** TD3, SAC: mean Q₂(s, a). */
  q2?: number;
  /** SAC (metrics.jsonl only): the entropy coefficient α of that update, and mean log π of the latest actor update's samples. */
  alpha?: number;
  logPi?: number;
  /** With --lr-schedule linear: the factor of that update's learning rates (1 → 0 over the run). */
  lrScale?: number;
  updatesPerSec: number;
  stepsPerSec: number;
  wallSeconds: number;
}

export type MetricRecord = EpisodeRecord | EvalRecord | InterruptedRecord | StatsRecord;

const CSV_COLUMNS = ['type', 'step', 'episode', 'return', 'length', 'eval_mean', 'eval_std', 'wall_seconds', 'updates'];
const CSV_STATS_COLUMNS = ['critic_loss', 'actor_loss', 'q1', 'q2', 'updates_per_s', 'steps_per_s', 'lr_scale'];
const CSV_HEADER = [...CSV_COLUMNS, ...CSV_STATS_COLUMNS].join(',') + '\n';

export class MetricsLog {
  readonly episodes: EpisodeRecord[] = [];
  readonly evals: EvalRecord[] = [];
  readonly interrupted: InterruptedRecord[] = [];
  readonly stats: StatsRecord[] = [];
  private readonly jsonlPath: string;
  private readonly csvPath: string;

  /**
   * Opens the logs in `dir`. When resuming from a checkpoint taken at `resumeStep`, records
   * from later steps (written after that checkpoint) are dropped so history matches the state.
   */
  constructor(dir: string, resumeStep: number | null = null) {
    this.jsonlPath = join(dir, 'metrics.jsonl');
    this.csvPath = join(dir, 'metrics.csv');
    const kept: MetricRecord[] = [];
    if (resumeStep !== null && existsSync(this.jsonlPath)) {
      for (const line of readFileSync(this.jsonlPath, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let r: MetricRecord;
        try {
          r = JSON.parse(line) as MetricRecord;
        } catch {
          // A process killed mid-append can leave a torn last line; it is past the checkpoint anyway.
          continue;
        }
        if (r.step <= resumeStep) kept.push(r);
      }
    }
    writeFileSync(this.jsonlPath, '');
    writeFileSync(this.csvPath, CSV_HEADER);
    for (const r of kept) this.add(r);
  }

  add(r: MetricRecord): void {
    if (r.type === 'episode') this.episodes.push(r);
    else if (r.type === 'eval') this.evals.push(r);
    else if (r.type === 'stats') this.stats.push(r);
    else this.interrupted.push(r);
    appendFileSync(this.jsonlPath, JSON.stringify(r) + '\n');
    appendFileSync(this.csvPath, csvRow(r).join(',') + '\n');
  }
}

/** A record's CSV row: the columns its type has, the others empty. */
function csvRow(r: MetricRecord): (string | number)[] {
  const wall = r.wallSeconds.toFixed(2);
  switch (r.type) {
    case 'episode':
      return ['episode', r.step, r.episode, r.return, r.length, '', '', wall, '', '', '', '', '', '', '', ''];
    case 'interrupted':
      return ['interrupted', r.step, '', r.return, r.length, '', '', wall, '', '', '', '', '', '', '', ''];
    case 'eval':
      return ['eval', r.step, '', '', '', r.mean, r.std, wall, '', '', '', '', '', '', '', ''];
    case 'stats':
      return [
        'stats',
        r.step,
        '',
        '',
        '',
        '',
        '',
        wall,
        r.updates,
        r.criticLoss,
        r.actorLoss,
        r.q,
        r.q2 ?? '',
        r.updatesPerSec.toFixed(1),
        r.stepsPerSec.toFixed(1),
        r.lrScale ?? '',
      ];
  }
}
