// The numbers of the episode being played, shown as they happen: obs, action, reward, return,
// terminated / truncated, and the frame and step rates the page reaches, with the bytes a frame
// takes on the wire. frames/s counts frames drawn (decoded and on the canvas); the #fps cell also
// carries the totals (data-drawn, data-bytes) for scripts that measure the page.
import type { SpaceValue, StepResult } from '../protocol/env-api.ts';
import { RateMeter, type PlayerView } from './player.ts';
import type { FrameCanvas } from './frame-canvas.ts';
import type { PageFrame } from './remote-env.ts';

/** A space value as short text: numbers with 4 significant digits, arrays in brackets. */
function formatValue(v: SpaceValue | boolean): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (ArrayBuffer.isView(v))
    return `[${Array.from(v as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? String(x) : formatNumber(x))).join(', ')}]`;
  if (Array.isArray(v)) return `(${v.map(formatValue).join(', ')})`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${k}: ${formatValue(x)}`)
    .join(', ')}}`;
}

function formatBytes(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(0)} kB` : n >= 1000 ? `${(n / 1000).toFixed(1)} kB` : `${Math.round(n)} B`;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/** The elements the view writes to, by id. */
const IDS = [
  'episodes',
  'episode-steps',
  'action',
  'reward',
  'return',
  'terminated',
  'truncated',
  'last-return',
  'fps',
  'sps',
  'frame-bytes',
  'obs',
] as const;

export class EpisodeView implements PlayerView {
  private readonly el: Record<(typeof IDS)[number], HTMLElement>;
  private episodes = 0;
  /** Numbers are written at most once per animation frame: stepping faster than the screen refreshes costs nothing to show. */
  private pending: { step: StepResult; action: SpaceValue; ret: number; n: number } | null = null;
  private scheduled = false;
  private readonly drawn = new RateMeter();
  private drawnTotal = 0;
  private bytesTotal = 0;

  constructor(
    doc: Document,
    private readonly canvas: FrameCanvas,
    private readonly rates: () => { sps: number },
    private readonly reportError: (e: Error) => void,
  ) {
    this.el = Object.fromEntries(IDS.map((id) => [id, doc.getElementById(id)!])) as typeof this.el;
  }

  onReset(obs: SpaceValue): void {
    this.episodes++;
    this.pending = null;
    this.el.episodes.textContent = String(this.episodes);
    this.el['episode-steps'].textContent = '0';
    this.el['episode-steps'].dataset.steps = '0';
    this.el.return.textContent = '0';
    for (const id of ['action', 'reward', 'terminated', 'truncated'] as const) this.el[id].textContent = '–';
    this.showObs(obs);
  }

  onStep(step: StepResult, action: SpaceValue, episodeReturn: number, episodeSteps: number): void {
    this.pending = { step, action, ret: episodeReturn, n: episodeSteps };
    // The text waits for the next animation frame; this attribute says at once (for scripts and tests).
    this.el['episode-steps'].dataset.steps = String(episodeSteps);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  onEpisodeEnd(episodeReturn: number, episodeSteps: number): void {
    this.flush();
    this.el['last-return'].textContent = `${formatNumber(episodeReturn)} (${episodeSteps} steps)`;
  }

  onFrame(frame: PageFrame): void {
    this.canvas.draw(frame).then(
      (shown) => {
        if (shown) this.shown(frame.data.length);
      },
      (e: Error) => this.reportError(e),
    );
  }

  private shown(bytes: number): void {
    const now = performance.now();
    this.drawn.tick(now, 1, bytes);
    this.drawnTotal++;
    this.bytesTotal += bytes;
    this.el.fps.textContent = String(this.drawn.rate(now));
    this.el.fps.dataset.drawn = String(this.drawnTotal);
    this.el.fps.dataset.bytes = String(this.bytesTotal);
    this.el['frame-bytes'].textContent = formatBytes(this.drawn.mean(now));
    this.el.sps.textContent = String(this.rates().sps);
  }

  onError(error: Error): void {
    this.reportError(error);
  }

  private flush(): void {
    this.scheduled = false;
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this.el['episode-steps'].textContent = String(p.n);
    this.el.action.textContent = formatValue(p.action);
    this.el.reward.textContent = formatNumber(p.step.reward);
    this.el.return.textContent = formatNumber(p.ret);
    this.el.terminated.textContent = String(p.step.terminated);
    this.el.truncated.textContent = String(p.step.truncated);
    this.showObs(p.step.obs);
  }

  private showObs(obs: SpaceValue): void {
    const values = ArrayBuffer.isView(obs) ? Array.from(obs as ArrayLike<number>, (x) => formatNumber(Number(x))) : [formatValue(obs)];
    const list = this.el.obs;
    while (list.children.length > values.length) list.lastElementChild!.remove();
    while (list.children.length < values.length) list.append(document.createElement('li'));
    values.forEach((v, i) => (list.children[i].textContent = v));
  }
}
