// Per-episode and per-evaluation records, appended to metrics.jsonl and metrics.csv as they
// happen (so a crashed run keeps its history), and kept in memory for the plot.
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

export type MetricRecord = EpisodeRecord | EvalRecord | InterruptedRecord;

const CSV_HEADER = 'type,step,episode,return,length,eval_mean,eval_std,wall_seconds\n';

export class MetricsLog {
  readonly episodes: EpisodeRecord[] = [];
  readonly evals: EvalRecord[] = [];
  readonly interrupted: InterruptedRecord[] = [];
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
    else this.interrupted.push(r);
    appendFileSync(this.jsonlPath, JSON.stringify(r) + '\n');
    const row =
      r.type === 'episode'
        ? ['episode', r.step, r.episode, r.return, r.length, '', '', r.wallSeconds.toFixed(2)]
        : r.type === 'interrupted'
          ? ['interrupted', r.step, '', r.return, r.length, '', '', r.wallSeconds.toFixed(2)]
          : ['eval', r.step, '', '', '', r.mean, r.std, r.wallSeconds.toFixed(2)];
    appendFileSync(this.csvPath, row.join(',') + '\n');
  }
}
