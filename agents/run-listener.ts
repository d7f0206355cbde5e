// What a training run tells whoever listens (the live dashboard, agents/dashboard/): the records
// it already writes to metrics.jsonl, its counters as they move, and — for a listener that asks —
// the rendered frames of each evaluation's first episode. Listeners are called inline by the
// trainer, so each call must be cheap and must not throw.
import type { MetricRecord } from './metrics.ts';
import type { FrameSink } from './evaluation.ts';
import type { Algo } from './train-config.ts';

export interface RunInfo {
  algo: Algo;
  env: string;
  seed: number;
  /** The run's target (--steps). */
  steps: number;
  numEnvs: number;
  out: string;
  evalEpisodes: number;
  /** The eval env's time limit (spec.max_episode_steps), when it has one. */
  maxEpisodeSteps: number | null;
}

export interface RunStatus {
  step: number;
  episodes: number;
  updates: number;
  wallSeconds: number;
}

export interface RunListener {
  /** The run starts (or resumes: then `history` holds metrics.jsonl's records up to the checkpoint). */
  started?(info: RunInfo, history: readonly MetricRecord[]): void;
  /** A record, as it is appended to metrics.jsonl. */
  record?(r: MetricRecord): void;
  /** The counters, once per collection step: keep it to a comparison when nothing is due. */
  status?(s: RunStatus): void;
  /**
   * An evaluation at `step` starts: where its first episode's frames go, or nothing to leave it
   * unrendered. The evaluation's record (record()) follows once it ends.
   */
  evalFrames?(step: number): FrameSink | undefined;
  /** The run is over (finished, stopped, or failed). */
  finished?(): void;
}

/**
 * Where an evaluation's first episode's frames go: to every listener that asks for them at
 * `step` (rendered when any of them wants the frame; each gets the frames it asked for).
 */
export function evalFrameSink(listeners: readonly RunListener[], step: number): FrameSink | undefined {
  const sinks = listeners.map((l) => l.evalFrames?.(step)).filter((s): s is FrameSink => s !== undefined);
  if (sinks.length <= 1) return sinks[0];
  let wanting: FrameSink[] = [];
  return {
    wants: () => (wanting = sinks.filter((s) => s.wants())).length > 0,
    add: (f) => wanting.forEach((s) => s.add(f)),
  };
}
