// What the dashboard's server sends its page, over Server-Sent Events on GET /events (types
// shared by both sides; the page is agents/dashboard/page/).
import type { MetricRecord } from '../metrics.ts';
import type { RunInfo, RunStatus } from '../run-listener.ts';

/** The latest recorded evaluation episode's header; its frames are at GET /episode. */
export interface EpisodeHeader {
  /** Env step of the evaluation. */
  step: number;
  /** The episode's return (the evaluation's first). */
  return: number;
  /** Frames per second to play it at: the env's render fps over the clip's stride. */
  fps: number;
  frames: number;
  width: number;
  height: number;
}

/** First event on every connection: everything so far. */
export interface Snapshot {
  /** Null until the trainer has opened its envs and started. */
  info: RunInfo | null;
  history: MetricRecord[];
  status: RunStatus | null;
  episode: EpisodeHeader | null;
  finished: boolean;
}

/** GET /episode: the header and the frames as base64 PNGs. */
export interface EpisodeBody extends EpisodeHeader {
  png: string[];
}

/** SSE event names and their data. */
export interface DashboardEvents {
  snapshot: Snapshot;
  record: MetricRecord;
  status: RunStatus;
  episode: EpisodeHeader;
  finished: Record<string, never>;
}
