// The live training dashboard: a small HTTP server in the trainer's process (127.0.0.1 unless told
// otherwise) serving one page (uPlot charts, bundled by esbuild when the server starts) that
// follows the run over Server-Sent Events, and the latest evaluation episode's frames. It is a
// RunListener: it only hears what the trainer records anyway. With no browser connected it
// keeps the history and the last clip and writes nothing; a browser that does not read its
// events is cut off once it lags by more than MAX_LAG bytes (EventSource then reconnects and
// starts again from a fresh snapshot), so a slow page never holds the trainer's memory.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricRecord } from '../metrics.ts';
import type { RunInfo, RunListener, RunStatus } from '../run-listener.ts';
import type { FrameSink } from '../evaluation.ts';
import { EpisodeFrames, type EpisodeClip } from './episode-frames.ts';
import { buildPage, type PageAssets } from './bundle.ts';
import type { DashboardEvents, EpisodeBody, EpisodeHeader, Snapshot } from './events.ts';

export interface DashboardOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** The env's render fps (Gymnasium's metadata['render_fps']); 30 when unknown. */
  renderFps?: number | null;
  /** Record the frames of every n-th evaluation's first episode (0 = never). */
  framesEvery?: number;
  /**
   * Share of the run's wall time that recording frames may take: after a recording that cost
   * c seconds (rendering, shrinking, encoding), evaluations are left unrecorded for c / share
   * seconds. Rendering through a remote server costs far more than in-process.
   */
  framesShare?: number;
  /** Caps of one recorded episode. */
  maxFrames?: number;
  maxSide?: number;
}

/** Bytes a client may have unread beyond its snapshot before it is cut off. */
export const MAX_LAG = 1 << 20;
/** Milliseconds between two status events. */
const STATUS_EVERY = 500;

interface Client {
  res: ServerResponse;
  /** Unread bytes allowed: the snapshot's size plus MAX_LAG. */
  limit: number;
}

export class Dashboard implements RunListener {
  readonly server: Server;
  private readonly clients = new Set<Client>();
  private info: RunInfo | null = null;
  private history: MetricRecord[] = [];
  private lastStatus: RunStatus | null = null;
  private lastStatusSent = 0;
  private recording: EpisodeFrames | null = null;
  private recordingStep = -1;
  private evals = 0;
  /** performance.now() before which no evaluation is recorded (framesShare). */
  private nextRecording = 0;
  private clip: { header: EpisodeHeader; body: string } | null = null;
  private done = false;
  /** Clients cut off for lagging (for tests and the log). */
  dropped = 0;
  /** What each recorded episode cost the run, in ms. */
  readonly recordingCostMs: number[] = [];

  private constructor(
    private readonly assets: PageAssets,
    private readonly o: Required<DashboardOptions>,
  ) {
    this.server = createServer((req, res) => this.route(req, res));
  }

  static async start(options: DashboardOptions = {}): Promise<Dashboard> {
    const o: Required<DashboardOptions> = {
      port: 0,
      host: '127.0.0.1',
      renderFps: null,
      framesEvery: 1,
      framesShare: 0.05,
      maxFrames: 120,
      maxSide: 200,
      ...options,
    };
    const d = new Dashboard(await buildPage(), o);
    await new Promise<void>((resolve, reject) => {
      d.server.once('error', reject);
      d.server.listen(o.port, o.host, () => resolve());
    });
    return d;
  }

  /** Pages following the run now. */
  get connected(): number {
    return this.clients.size;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/`;
  }

  // ---- RunListener ------------------------------------------------------------------------------

  started(info: RunInfo, history: readonly MetricRecord[]): void {
    this.info = info;
    this.history = [...history];
    // A page that connected before the run started gets the run's history now.
    for (const c of [...this.clients]) this.resend(c);
  }

  record(r: MetricRecord): void {
    this.history.push(r);
    this.send('record', r);
    if (r.type === 'eval' && this.recording && this.recordingStep === r.step) this.keepClip(r.step, r.returns[0] ?? r.mean);
  }

  status(s: RunStatus): void {
    this.lastStatus = s;
    if (this.clients.size === 0) return;
    const now = performance.now();
    if (now - this.lastStatusSent < STATUS_EVERY) return;
    this.lastStatusSent = now;
    this.send('status', s);
  }

  evalFrames(step: number): FrameSink | undefined {
    const every = this.o.framesEvery;
    // A retried evaluation (same step) records again from its start.
    if (step !== this.recordingStep) this.evals++;
    if (every <= 0 || (this.evals - 1) % every !== 0) return undefined;
    if (step !== this.recordingStep && performance.now() < this.nextRecording) return undefined;
    const limit = this.info?.maxEpisodeSteps;
    this.recording = new EpisodeFrames(this.o.maxFrames, this.o.maxSide, limit ? limit + 1 : null);
    this.recordingStep = step;
    return this.recording;
  }

  finished(): void {
    this.done = true;
    this.send('finished', {});
  }

  // ---- the latest clip ---------------------------------------------------------------------------

  private keepClip(step: number, ret: number): void {
    const recording = this.recording!;
    const clip: EpisodeClip | null = recording.clip();
    this.recording = null;
    this.nextRecording = performance.now() + recording.costMs / this.o.framesShare;
    this.recordingCostMs.push(recording.costMs);
    if (!clip) return;
    const fps = (this.o.renderFps ?? 30) / clip.stride;
    const header: EpisodeHeader = { step, return: ret, fps, frames: clip.frames.length, width: clip.width, height: clip.height };
    const body: EpisodeBody = { ...header, png: clip.frames.map((f) => Buffer.from(f).toString('base64')) };
    this.clip = { header, body: JSON.stringify(body) };
    this.send('episode', header);
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  private route(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const plain = (type: string, body: string | Uint8Array) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/') return plain('text/html; charset=utf-8', this.assets.html);
    if (path === '/dashboard.js') return plain('text/javascript; charset=utf-8', this.assets.js);
    if (path === '/dashboard.css') return plain('text/css; charset=utf-8', this.assets.css);
    if (path === '/events') return this.subscribe(req, res);
    if (path === '/episode') {
      if (!this.clip) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no evaluation episode recorded yet\n');
      return plain('application/json', this.clip.body);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    if (req.method === 'HEAD') return void res.end();
    const snapshot: Snapshot = {
      info: this.info,
      history: this.history,
      status: this.lastStatus,
      episode: this.clip?.header ?? null,
      finished: this.done,
    };
    const text = frame('snapshot', snapshot);
    const client: Client = { res, limit: Buffer.byteLength(text) + MAX_LAG };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    res.write(text);
  }

  /** Ends a client's stream: its EventSource reconnects and gets a fresh snapshot. */
  private resend(c: Client): void {
    this.clients.delete(c);
    c.res.end();
  }

  private send<K extends keyof DashboardEvents>(event: K, data: DashboardEvents[K]): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.clients) {
      if (c.res.writableLength > c.limit) {
        this.dropped++;
        this.clients.delete(c);
        c.res.destroy();
        continue;
      }
      c.res.write(text);
    }
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One SSE message. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
