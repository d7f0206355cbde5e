// The numbers of the episode being played, shown as they happen: obs, action, reward, return,
// terminated / truncated, and the frame and step rates the page reaches.
import type { Frame, SpaceValue, StepResult } from '../protocol/env-api.ts';
import type { PlayerView } from './player.ts';
import type { FrameCanvas } from './frame-canvas.ts';

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
  'obs',
] as const;

export class EpisodeView implements PlayerView {
  private readonly el: Record<(typeof IDS)[number], HTMLElement>;
  private episodes = 0;
  /** Numbers are written at most once per animation frame: stepping faster than the screen refreshes costs nothing to show. */
  private pending: { step: StepResult; action: SpaceValue; ret: number; n: number } | null = null;
  private scheduled = false;

  constructor(
    doc: Document,
    private readonly canvas: FrameCanvas,
    private readonly rates: () => { fps: number; sps: number },
    private readonly reportError: (e: Error) => void,
  ) {
    this.el = Object.fromEntries(IDS.map((id) => [id, doc.getElementById(id)!])) as typeof this.el;
  }

  onReset(obs: SpaceValue): void {
    this.episodes++;
    this.pending = null;
    this.el.episodes.textContent = String(this.episodes);
    this.el['episode-steps'].textContent = '0';
    this.el.return.textContent = '0';
    for (const id of ['action', 'reward', 'terminated', 'truncated'] as const) this.el[id].textContent = '–';
    this.showObs(obs);
  }

  onStep(step: StepResult, action: SpaceValue, episodeReturn: number, episodeSteps: number): void {
    this.pending = { step, action, ret: episodeReturn, n: episodeSteps };
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  onEpisodeEnd(episodeReturn: number, episodeSteps: number): void {
    this.flush();
    this.el['last-return'].textContent = `${formatNumber(episodeReturn)} (${episodeSteps} steps)`;
  }

  onFrame(frame: Frame): void {
    this.canvas.draw(frame);
    const { fps, sps } = this.rates();
    this.el.fps.textContent = String(fps);
    this.el.sps.textContent = String(sps);
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
