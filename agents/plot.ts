// The two plots of a run, against env steps: the learning curve (episode returns, faint, their
// moving average, and eval means with ±std bars) and the losses plot (critic loss, Q values).
// Drawn once as SVG; the PNG is that SVG rendered by resvg with the DejaVu Sans font shipped in
// an npm package (svg-png.ts), so both read the same and neither needs system fonts. Legends sit
// in a row above their plot area, never over the data.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeRecord, EvalRecord, StatsRecord } from './metrics.ts';
import { FONT_FAMILY, svgToPng } from './svg-png.ts';

type RGB = [number, number, number];

export interface CurveData {
  title: string;
  episodes: EpisodeRecord[];
  evals: EvalRecord[];
  /** Moving-average window in episodes. */
  window?: number;
}

const W = 800;
const H = 480;
/** Margins of the plot area: the title and the legend row above it, tick labels and axis names outside it. */
const M = { left: 70, right: 20, top: 64, bottom: 50 };
const FONT_SIZE = 12;

/** An axis-aligned rectangle in SVG pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Width of a label in DejaVu Sans at `size` px, from above: its glyphs average about 0.6 em
 * (capitals and 'm'/'w' up to 0.9 em), so 0.64 em per character keeps legend items apart.
 */
const textWidth = (s: string, size = FONT_SIZE) => s.length * size * 0.64;

/** One legend entry: a line, a thicker line or a dot, and its name. */
interface LegendItem {
  name: string;
  color: string;
  mark: 'line' | 'thick' | 'dot';
}

/** A legend laid out in one row, right-aligned to `right`, its middle at `midY`: its box and its SVG. */
function legendRow(items: LegendItem[], right: number, midY: number): { box: Box; svg: string } {
  const widths = items.map((it) => 26 + textWidth(it.name));
  const gap = 16;
  const w = widths.reduce((a, b) => a + b, 0) + gap * (items.length - 1) + 12;
  const h = 20;
  const box = { x: right - w, y: midY - h / 2, w, h };
  const parts: string[] = [`<g class="legend" transform="translate(${box.x.toFixed(1)} ${box.y.toFixed(1)})">`];
  let x = 6;
  items.forEach((it, i) => {
    const mark =
      it.mark === 'dot'
        ? `<circle cx="${x + 10}" cy="10" r="4" fill="${it.color}"/>`
        : `<line x1="${x}" x2="${x + 20}" y1="10" y2="10" stroke="${it.color}" stroke-width="${it.mark === 'thick' ? 2 : 1.5}"/>`;
    parts.push(`${mark}<text x="${x + 26}" y="14">${esc(it.name)}</text>`);
    x += widths[i] + gap;
  });
  parts.push('</g>');
  return { box, svg: parts.join('') };
}

function movingAverage(xs: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (i >= window) sum -= xs[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/** "Nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
function ticks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

interface Layout {
  x: (step: number) => number;
  y: (ret: number) => number;
  xTicks: number[];
  yTicks: number[];
  smooth: [number, number][];
  raw: [number, number][];
  evals: { x: number; y: number; lo: number; hi: number }[];
}

function layout(d: CurveData): Layout {
  const steps = [...d.episodes.map((e) => e.step), ...d.evals.map((e) => e.step)];
  const vals = [...d.episodes.map((e) => e.return), ...d.evals.flatMap((e) => [e.mean - e.std, e.mean + e.std])];
  const xMax = Math.max(1, ...steps);
  let yLo = vals.length ? Math.min(...vals) : 0;
  let yHi = vals.length ? Math.max(...vals) : 1;
  if (yHi - yLo < 1e-9) {
    yLo -= 1;
    yHi += 1;
  }
  const pad = 0.05 * (yHi - yLo);
  yLo -= pad;
  yHi += pad;
  const x = (s: number) => M.left + (s / xMax) * (W - M.left - M.right);
  const y = (r: number) => M.top + (1 - (r - yLo) / (yHi - yLo)) * (H - M.top - M.bottom);
  const rets = d.episodes.map((e) => e.return);
  const avg = movingAverage(rets, d.window ?? 10);
  return {
    x,
    y,
    xTicks: ticks(0, xMax),
    yTicks: ticks(yLo, yHi),
    raw: d.episodes.map((e) => [x(e.step), y(e.return)]),
    smooth: d.episodes.map((e, i) => [x(e.step), y(avg[i])]),
    evals: d.evals.map((e) => ({ x: x(e.step), y: y(e.mean), lo: y(e.mean - e.std), hi: y(e.mean + e.std) })),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Where the learning curve's parts go: the plot area (all data inside) and the legend (outside it). */
export function curveFrame(d: CurveData): { plot: Box; legend: Box; points: [number, number][] } {
  const L = layout(d);
  return {
    plot: { x: M.left, y: M.top, w: W - M.left - M.right, h: H - M.top - M.bottom },
    legend: curveLegend(d).box,
    points: [
      ...L.raw,
      ...L.smooth,
      ...L.evals.flatMap((e): [number, number][] => [
        [e.x, e.y],
        [e.x, e.lo],
        [e.x, e.hi],
      ]),
    ],
  };
}

function curveLegend(d: CurveData): { box: Box; svg: string } {
  return legendRow(
    [
      { name: 'episode return', color: '#9ecae1', mark: 'line' },
      { name: `moving average (${d.window ?? 10} episodes)`, color: '#08519c', mark: 'thick' },
      { name: 'deterministic eval (mean ± std)', color: '#d94801', mark: 'dot' },
    ],
    W - M.right,
    M.top - 18,
  );
}

const svgOpen = (w: number, h: number) => [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
    `font-family="${FONT_FAMILY}, sans-serif" font-size="${FONT_SIZE}" fill="#333">`,
  `<rect width="${w}" height="${h}" fill="white"/>`,
];

function curveSvg(d: CurveData): string {
  const L = layout(d);
  const pts = (ps: [number, number][]) => ps.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const out = svgOpen(W, H);
  for (const t of L.yTicks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${L.y(t).toFixed(1)}" y2="${L.y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${(L.y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of L.xTicks) {
    out.push(`<line x1="${L.x(t).toFixed(1)}" x2="${L.x(t).toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L.x(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>`);
  if (L.raw.length) out.push(`<polyline points="${pts(L.raw)}" fill="none" stroke="#9ecae1" stroke-width="1"/>`);
  if (L.smooth.length) out.push(`<polyline points="${pts(L.smooth)}" fill="none" stroke="#08519c" stroke-width="2"/>`);
  for (const e of L.evals) {
    out.push(`<line x1="${e.x.toFixed(1)}" x2="${e.x.toFixed(1)}" y1="${e.lo.toFixed(1)}" y2="${e.hi.toFixed(1)}" stroke="#d94801"/>`);
    out.push(`<circle cx="${e.x.toFixed(1)}" cy="${e.y.toFixed(1)}" r="4" fill="#d94801"/>`);
  }
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(d.title)}</text>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">environment steps</text>`);
  out.push(`<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">episode return</text>`);
  out.push(curveLegend(d).svg);
  out.push('</svg>');
  return out.join('\n');
}

/** The learning curve as PNG: the SVG, rendered. */
export function curvePng(d: CurveData): Uint8Array {
  return svgToPng(curveSvg(d));
}

// ---- What learning looks like: losses and Q values against env steps ------------------------
// Two panels sharing the step axis: the critic's TD loss (log scale: it spans orders of
// magnitude), then the Q values — mean Q(s, a) on the minibatch (TD3: both critics) and the
// actor's objective mean Q(s, μ(s)) = −actor loss.

interface Series {
  name: string;
  color: RGB;
  points: [number, number][];
}

interface Panel {
  label: string;
  log: boolean;
  series: Series[];
}

const hex = (c: RGB) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

function lossPanels(stats: StatsRecord[]): Panel[] {
  const pts = (f: (s: StatsRecord) => number | undefined) =>
    stats.filter((s) => Number.isFinite(f(s))).map((s): [number, number] => [s.step, f(s)!]);
  const q: Series[] = [{ name: 'mean Q(s, a)', color: [8, 81, 156], points: pts((s) => s.q) }];
  if (stats.some((s) => s.q2 !== undefined)) {
    q[0].name = 'mean Q1(s, a)';
    q.push({ name: 'mean Q2(s, a)', color: [107, 174, 214], points: pts((s) => s.q2) });
  }
  q.push({ name: 'mean Q(s, μ(s)) = −actor loss', color: [217, 72, 1], points: pts((s) => -s.actorLoss) });
  return [
    {
      label: 'critic loss',
      log: true,
      series: [{ name: 'critic TD loss', color: [84, 39, 143], points: pts((s) => (s.criticLoss > 0 ? s.criticLoss : undefined)) }],
    },
    { label: 'Q', log: false, series: q },
  ];
}

interface PanelLayout {
  top: number;
  bottom: number;
  y: (v: number) => number;
  yTicks: { v: number; label: string }[];
}

const LH = 600;
/** Between two panels: room for the lower one's header row. */
const PANEL_GAP = 36;

function panelLayouts(panels: Panel[], x0: number, x1: number): { x: (s: number) => number; xTicks: number[]; panels: PanelLayout[] } {
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  // Each panel's header row (its name and legend) sits in the margin above it.
  const top0 = M.top;
  const h = (LH - top0 - M.bottom - PANEL_GAP * (panels.length - 1)) / panels.length;
  return {
    x: (s) => x0 + (s / xMax) * (x1 - x0),
    xTicks: ticks(0, xMax),
    panels: panels.map((p, k) => {
      const top = top0 + k * (h + PANEL_GAP);
      const bottom = top + h;
      const tf = p.log ? Math.log10 : (v: number) => v;
      const vals = p.series.flatMap((s) => s.points.map((q) => tf(q[1])));
      let lo = vals.length ? Math.min(...vals) : 0;
      let hi = vals.length ? Math.max(...vals) : 1;
      if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
      const pad = 0.05 * (hi - lo);
      [lo, hi] = [lo - pad, hi + pad];
      const yTicks = p.log
        ? ticks(Math.floor(lo), Math.ceil(hi), 4)
            .filter((t) => Number.isInteger(t) && t >= lo && t <= hi)
            .map((t) => ({ v: t, label: fmt(10 ** t) }))
        : ticks(lo, hi, 4).map((t) => ({ v: t, label: fmt(t) }));
      return { top, bottom, y: (v: number) => top + (1 - (tf(v) - lo) / (hi - lo)) * h, yTicks };
    }),
  };
}

export interface LossesData {
  title: string;
  stats: StatsRecord[];
}

function panelLegend(p: Panel, P: PanelLayout): { box: Box; svg: string } {
  return legendRow(
    p.series.map((s) => ({ name: s.name, color: hex(s.color), mark: 'thick' as const })),
    W - M.right,
    P.top - 16,
  );
}

/** Where the losses plot's parts go: each panel's area (its data inside) and its legend (outside every panel). */
export function lossesFrame(d: LossesData): { panels: { plot: Box; legend: Box; points: [number, number][] }[] } {
  const panels = lossPanels(d.stats);
  const L = panelLayouts(panels, M.left, W - M.right);
  return {
    panels: panels.map((p, k) => {
      const P = L.panels[k];
      return {
        plot: { x: M.left, y: P.top, w: W - M.left - M.right, h: P.bottom - P.top },
        legend: panelLegend(p, P).box,
        points: p.series.flatMap((s) => s.points.map(([a, b]): [number, number] => [L.x(a), P.y(b)])),
      };
    }),
  };
}

function lossesSvg(d: LossesData): string {
  const panels = lossPanels(d.stats);
  const L = panelLayouts(panels, M.left, W - M.right);
  const out = svgOpen(W, LH);
  panels.forEach((p, k) => {
    const P = L.panels[k];
    for (const t of P.yTicks) {
      const y = p.log ? 10 ** t.v : t.v;
      out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${P.y(y).toFixed(1)}" y2="${P.y(y).toFixed(1)}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${M.left - 6}" y="${(P.y(y) + 4).toFixed(1)}" text-anchor="end">${t.label}</text>`);
    }
    for (const t of L.xTicks)
      out.push(`<line x1="${L.x(t).toFixed(1)}" x2="${L.x(t).toFixed(1)}" y1="${P.top}" y2="${P.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<rect x="${M.left}" y="${P.top}" width="${W - M.left - M.right}" height="${P.bottom - P.top}" fill="none" stroke="#333"/>`);
    out.push(`<text x="${M.left}" y="${P.top - 12}" font-weight="bold">${esc(p.label)}${p.log ? ' (log scale)' : ''}</text>`);
    for (const s of p.series) {
      if (!s.points.length) continue;
      const points = s.points.map(([a, b]) => `${L.x(a).toFixed(1)},${P.y(b).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${points}" fill="none" stroke="${hex(s.color)}" stroke-width="1.5"/>`);
    }
    out.push(panelLegend(p, P).svg);
  });
  const last = L.panels[L.panels.length - 1];
  for (const t of L.xTicks) out.push(`<text x="${L.x(t).toFixed(1)}" y="${last.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(d.title)}</text>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${LH - 12}" text-anchor="middle">environment steps</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** The losses plot as PNG: the SVG, rendered. */
export function lossesPng(d: LossesData): Uint8Array {
  return svgToPng(lossesSvg(d));
}

/** A run's plots into its folder: learning-curve.svg/.png, and losses.svg/.png once it has statistics. */
export function writeRunPlots(
  dir: string,
  title: string,
  records: { episodes: EpisodeRecord[]; evals: EvalRecord[]; stats: StatsRecord[] },
): void {
  const curve = { title, episodes: records.episodes, evals: records.evals };
  writeFileSync(join(dir, 'learning-curve.svg'), curveSvg(curve));
  writeFileSync(join(dir, 'learning-curve.png'), curvePng(curve));
  if (records.stats.length === 0) return;
  const losses = { title: `${title}: losses and Q`, stats: records.stats };
  writeFileSync(join(dir, 'losses.svg'), lossesSvg(losses));
  writeFileSync(join(dir, 'losses.png'), lossesPng(losses));
}
