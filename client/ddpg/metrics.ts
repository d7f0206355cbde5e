// Per-episode and per-evaluation records, appended to metrics.jsonl and metrics.csv as they
// happen (so a crashed run keeps its history), and kept in memory for the plot.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EpisodeRecord {
  type: 'episode';
  step: number;
  episode: number;
  return: number;
  length: number;
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

export type MetricRecord = EpisodeRecord | EvalRecord;

const CSV_HEADER = 'type,step,episode,return,length,eval_mean,eval_std,wall_seconds\n';

export class MetricsLog {
  readonly episodes: EpisodeRecord[] = [];
  readonly evals: EvalRecord[] = [];
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
        const r = JSON.parse(line) as MetricRecord;
        if (r.step <= resumeStep) kept.push(r);
      }
    }
    writeFileSync(this.jsonlPath, '');
    writeFileSync(this.csvPath, CSV_HEADER);
    for (const r of kept) this.add(r);
  }

  add(r: MetricRecord): void {
    if (r.type === 'episode') this.episodes.push(r);
    else this.evals.push(r);
    appendFileSync(this.jsonlPath, JSON.stringify(r) + '\n');
    const row =
      r.type === 'episode'
        ? ['episode', r.step, r.episode, r.return, r.length, '', '', r.wallSeconds.toFixed(2)]
        : ['eval', r.step, '', '', '', r.mean, r.std, r.wallSeconds.toFixed(2)];
    appendFileSync(this.csvPath, row.join(',') + '\n');
  }
}
