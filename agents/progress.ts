// The progress line: steps, rates, recent returns, the last evaluation and the last learning
// statistics. On a terminal it rewrites itself in place (every 250 ms); elsewhere (a log file)
// it is a new line every --log-every seconds.
import type { EvalResult } from './checkpoints.ts';
import type { StatsRecord } from './metrics.ts';

export type Out = { write(s: string): unknown; isTTY?: boolean };

/** Env steps and updates per second between two moments (one rate is kept until the next is due). */
export class Rates {
  stepsPerSec = 0;
  updatesPerSec = 0;
  private t: number;

  constructor(
    private steps: number,
    private updates: number,
    now = performance.now(),
  ) {
    this.t = now;
  }

  /** New rates since the last call, if at least `minSeconds` have passed; returns whether they changed. */
  sample(steps: number, updates: number, now = performance.now(), minSeconds = 0.5): boolean {
    const dt = (now - this.t) / 1000;
    if (dt < minSeconds) return false;
    this.stepsPerSec = (steps - this.steps) / dt;
    this.updatesPerSec = (updates - this.updates) / dt;
    [this.t, this.steps, this.updates] = [now, steps, updates];
    return true;
  }
}

const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1));

/** A number in 4 significant digits, for losses whose scale varies by orders of magnitude. */
const g4 = (x: number) =>
  Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : x.toPrecision(4).replace(/\.?0+$/, '');

export interface ProgressState {
  step: number;
  steps: number;
  updates: number;
  numEnvs: number;
  episodes: number;
  /** The last up-to-20 episode returns. */
  recent: number[];
  rates: Rates;
  lastEval: EvalResult | null;
  lastStats: StatsRecord | null;
}

/** The progress line's text. */
function progressLine(p: ProgressState): string {
  const mean = p.recent.length ? p.recent.reduce((a, b) => a + b, 0) / p.recent.length : NaN;
  const envs = p.numEnvs > 1 ? ` (${p.numEnvs} envs)` : '';
  const s = p.lastStats;
  const learning = s
    ? ` | critic ${g4(s.criticLoss)} actor ${g4(s.actorLoss)} Q ${g4(s.q)}${s.q2 !== undefined ? `/${g4(s.q2)}` : ''}`
    : '';
  const rates = `${p.rates.stepsPerSec.toFixed(0)} steps/s ${p.rates.updatesPerSec.toFixed(0)} upd/s`;
  const episodes = `ep ${p.episodes} last ${f1(p.recent[p.recent.length - 1])} mean20 ${f1(mean)}`;
  const evaluation = p.lastEval ? `${f1(p.lastEval.mean)} ± ${f1(p.lastEval.std)}` : '—';
  return `step ${p.step}/${p.steps}${envs} | ${rates} | ${episodes}${learning} | eval ${evaluation}`;
}

export class Progress {
  private last = 0;

  constructor(
    private readonly out: Out,
    private readonly logEvery: number,
  ) {}

  get isTTY(): boolean {
    return !!this.out.isTTY;
  }

  /** Writes the line if it is due (or `force`). */
  show(p: ProgressState, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < (this.isTTY ? 250 : this.logEvery * 1000)) return;
    p.rates.sample(p.step, p.updates, now);
    this.last = now;
    const line = progressLine(p);
    this.out.write(this.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  /** A line of its own (above the progress line on a terminal). */
  print(s: string): void {
    this.out.write(this.isTTY ? `\r\x1b[2K${s}\n` : `${s}\n`);
  }

  /** Ends the in-place line on a terminal. */
  end(): void {
    if (this.isTTY) this.out.write('\n');
  }
}
