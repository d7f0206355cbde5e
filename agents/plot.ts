// The two plots of a run, against env steps: the learning curve (episode returns, faint, their
// moving average, and eval means with ±std bars) and the losses plot (critic loss, Q values).
// SVG with labels; PNG through graphics/ with a tiny bitmap font.
import { Canvas, type RGB } from '../graphics/canvas.ts';
import { encodePng } from '../graphics/png.ts';
import type { EpisodeRecord, EvalRecord, StatsRecord } from './metrics.ts';

export interface CurveData {
  title: string;
  episodes: EpisodeRecord[];
  evals: EvalRecord[];
  /** Moving-average window in episodes. */
  window?: number;
}

const W = 800;
const H = 480;
const M = { left: 70, right: 20, top: 36, bottom: 50 };

export function movingAverage(xs: number[], window: number): number[] {
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
export function ticks(lo: number, hi: number, target = 6): number[] {
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

export function curveSvg(d: CurveData): string {
  const L = layout(d);
  const pts = (ps: [number, number][]) => ps.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
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
  out.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">episode return</text>`);
  const lx = W - M.right - 250;
  out.push(`<g transform="translate(${lx} ${M.top + 8})"><rect width="240" height="54" fill="white" stroke="#ccc"/>`);
  out.push(`<line x1="8" x2="28" y1="12" y2="12" stroke="#9ecae1"/><text x="34" y="16">episode return</text>`);
  out.push(`<line x1="8" x2="28" y1="28" y2="28" stroke="#08519c" stroke-width="2"/><text x="34" y="32">moving average (${d.window ?? 10} episodes)</text>`);
  out.push(`<circle cx="18" cy="44" r="4" fill="#d94801"/><text x="34" y="48">deterministic eval (mean ± std)</text></g>`);
  out.push('</svg>');
  return out.join('\n');
}

// 3x5 bitmap glyphs, rows top to bottom, 3 bits per row (MSB = left column): digits and the
// tick suffixes, and capitals for the title, axis names and legend (text is drawn upper-case).
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 1, 1], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0], '.': [0, 0, 0, 0, 2], k: [4, 5, 6, 5, 5], e: [0, 7, 7, 4, 7], '+': [0, 2, 7, 2, 0],
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [3, 4, 4, 4, 3], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4], G: [3, 4, 5, 5, 3], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7], M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4], Q: [2, 5, 5, 6, 3], R: [6, 5, 6, 5, 5], S: [3, 4, 2, 1, 6], T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5], Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7], ' ': [0, 0, 0, 0, 0], '(': [1, 2, 2, 2, 1], ')': [4, 2, 2, 2, 4], '±': [2, 7, 2, 0, 7],
  ':': [0, 2, 0, 2, 0], '/': [1, 1, 2, 4, 4], _: [0, 0, 0, 0, 7], '=': [0, 7, 0, 7, 0], ',': [0, 0, 0, 2, 4],
};

function drawText(c: Canvas, text: string, x: number, y: number, color: RGB, scale = 2, align: 'left' | 'right' | 'center' = 'left'): void {
  const width = text.length * 4 * scale - scale;
  let px = align === 'right' ? x - width : align === 'center' ? x - width / 2 : x;
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()];
    if (g) {
      g.forEach((row, r) => {
        for (let col = 0; col < 3; col++) if (row & (4 >> col)) c.fillRect(px + col * scale, y + r * scale, scale, scale, color);
      });
    }
    px += 4 * scale;
  }
}

/** Words for the bitmap font: capitals, since it has no lower case (tick labels keep their k/e). */
const caps = (s: string) => s.toUpperCase();

export function curvePng(d: CurveData): Uint8Array {
  const L = layout(d);
  const c = new Canvas(W, H, [255, 255, 255]);
  const grid: RGB = [229, 229, 229];
  const ink: RGB = [51, 51, 51];
  for (const t of L.yTicks) {
    c.line(M.left, L.y(t), W - M.right, L.y(t), grid);
    drawText(c, fmt(t), M.left - 6, L.y(t) - 5, ink, 2, 'right');
  }
  for (const t of L.xTicks) {
    c.line(L.x(t), M.top, L.x(t), H - M.bottom, grid);
    drawText(c, fmt(t), L.x(t), H - M.bottom + 8, ink, 2, 'center');
  }
  c.polyline([[M.left, M.top], [W - M.right, M.top], [W - M.right, H - M.bottom], [M.left, H - M.bottom], [M.left, M.top]], ink);
  if (L.raw.length > 1) c.polyline(L.raw, [158, 202, 225]);
  if (L.smooth.length > 1) c.polyline(L.smooth, [8, 81, 156], 2);
  for (const e of L.evals) {
    c.line(e.x, e.lo, e.x, e.hi, [217, 72, 1]);
    c.fillCircle(e.x, e.y, 4, [217, 72, 1]);
  }
  drawText(c, caps(d.title), W / 2, 10, ink, 3, 'center');
  drawText(c, caps('environment steps'), (M.left + W - M.right) / 2, H - 22, ink, 2, 'center');
  drawText(c, caps('return'), 6, M.top - 14, ink, 2, 'left');
  // Legend, as in the SVG: top right inside the plot.
  const lx = W - M.right - 250;
  const ly = M.top + 8;
  c.fillRect(lx, ly, 240, 54, [255, 255, 255]);
  c.polyline([[lx, ly], [lx + 240, ly], [lx + 240, ly + 54], [lx, ly + 54], [lx, ly]], [204, 204, 204]);
  c.line(lx + 8, ly + 12, lx + 28, ly + 12, [158, 202, 225]);
  drawText(c, caps('episode return'), lx + 34, ly + 7, ink, 2);
  c.line(lx + 8, ly + 28, lx + 28, ly + 28, [8, 81, 156], 2);
  drawText(c, caps(`moving average (${d.window ?? 10} ep)`), lx + 34, ly + 23, ink, 2);
  c.fillCircle(lx + 18, ly + 44, 4, [217, 72, 1]);
  drawText(c, caps('eval mean ± std'), lx + 34, ly + 39, ink, 2);
  return encodePng(c.toFrame());
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

export function lossPanels(stats: StatsRecord[]): Panel[] {
  const pts = (f: (s: StatsRecord) => number | undefined) => stats.filter((s) => Number.isFinite(f(s))).map((s): [number, number] => [s.step, f(s)!]);
  const q: Series[] = [{ name: 'mean Q(s, a)', color: [8, 81, 156], points: pts((s) => s.q) }];
  if (stats.some((s) => s.q2 !== undefined)) {
    q[0].name = 'mean Q1(s, a)';
    q.push({ name: 'mean Q2(s, a)', color: [107, 174, 214], points: pts((s) => s.q2) });
  }
  q.push({ name: 'mean Q(s, mu(s)) = -actor loss', color: [217, 72, 1], points: pts((s) => -s.actorLoss) });
  return [
    { label: 'critic loss', log: true, series: [{ name: 'critic TD loss', color: [84, 39, 143], points: pts((s) => (s.criticLoss > 0 ? s.criticLoss : undefined)) }] },
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

function panelLayouts(panels: Panel[], x0: number, x1: number): { x: (s: number) => number; xTicks: number[]; panels: PanelLayout[] } {
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  // Room under the title for the first panel's label, 30 px between panels.
  const top0 = M.top + 12;
  const h = (LH - top0 - M.bottom - 30 * (panels.length - 1)) / panels.length;
  return {
    x: (s) => x0 + (s / xMax) * (x1 - x0),
    xTicks: ticks(0, xMax),
    panels: panels.map((p, k) => {
      const top = top0 + k * (h + 30);
      const bottom = top + h;
      const tf = p.log ? Math.log10 : (v: number) => v;
      const vals = p.series.flatMap((s) => s.points.map((q) => tf(q[1])));
      let lo = vals.length ? Math.min(...vals) : 0;
      let hi = vals.length ? Math.max(...vals) : 1;
      if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
      const pad = 0.05 * (hi - lo);
      [lo, hi] = [lo - pad, hi + pad];
      const yTicks = p.log
        ? ticks(Math.floor(lo), Math.ceil(hi), 4).filter((t) => Number.isInteger(t) && t >= lo && t <= hi).map((t) => ({ v: t, label: fmt(10 ** t) }))
        : ticks(lo, hi, 4).map((t) => ({ v: t, label: fmt(t) }));
      return { top, bottom, y: (v: number) => top + (1 - (tf(v) - lo) / (hi - lo)) * h, yTicks };
    }),
  };
}

export interface LossesData {
  title: string;
  stats: StatsRecord[];
}

export function lossesSvg(d: LossesData): string {
  const panels = lossPanels(d.stats);
  const L = panelLayouts(panels, M.left, W - M.right);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${LH}" viewBox="0 0 ${W} ${LH}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${LH}" fill="white"/>`];
  panels.forEach((p, k) => {
    const P = L.panels[k];
    for (const t of P.yTicks) {
      const y = (p.log ? 10 ** t.v : t.v);
      out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${P.y(y).toFixed(1)}" y2="${P.y(y).toFixed(1)}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${M.left - 6}" y="${(P.y(y) + 4).toFixed(1)}" text-anchor="end">${t.label}</text>`);
    }
    for (const t of L.xTicks) out.push(`<line x1="${L.x(t).toFixed(1)}" x2="${L.x(t).toFixed(1)}" y1="${P.top}" y2="${P.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<rect x="${M.left}" y="${P.top}" width="${W - M.left - M.right}" height="${P.bottom - P.top}" fill="none" stroke="#333"/>`);
    out.push(`<text transform="translate(16 ${((P.top + P.bottom) / 2).toFixed(1)}) rotate(-90)" text-anchor="middle">${esc(p.label)}${p.log ? ' (log)' : ''}</text>`);
    p.series.forEach((s, i) => {
      if (s.points.length) out.push(`<polyline points="${s.points.map(([a, b]) => `${L.x(a).toFixed(1)},${P.y(b).toFixed(1)}`).join(' ')}" fill="none" stroke="${hex(s.color)}" stroke-width="1.5"/>`);
      out.push(`<line x1="${M.left + 10}" x2="${M.left + 30}" y1="${P.top + 14 + 16 * i}" y2="${P.top + 14 + 16 * i}" stroke="${hex(s.color)}" stroke-width="2"/><text x="${M.left + 36}" y="${P.top + 18 + 16 * i}">${esc(s.name)}</text>`);
    });
  });
  const last = L.panels[L.panels.length - 1];
  for (const t of L.xTicks) out.push(`<text x="${L.x(t).toFixed(1)}" y="${last.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(d.title)}</text>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${LH - 12}" text-anchor="middle">environment steps</text>`);
  out.push('</svg>');
  return out.join('\n');
}

export function lossesPng(d: LossesData): Uint8Array {
  const panels = lossPanels(d.stats);
  const L = panelLayouts(panels, M.left, W - M.right);
  const c = new Canvas(W, LH, [255, 255, 255]);
  const grid: RGB = [229, 229, 229];
  const ink: RGB = [51, 51, 51];
  panels.forEach((p, k) => {
    const P = L.panels[k];
    for (const t of P.yTicks) {
      const y = P.y(p.log ? 10 ** t.v : t.v);
      c.line(M.left, y, W - M.right, y, grid);
      drawText(c, t.label, M.left - 6, y - 5, ink, 2, 'right');
    }
    for (const t of L.xTicks) c.line(L.x(t), P.top, L.x(t), P.bottom, grid);
    c.polyline([[M.left, P.top], [W - M.right, P.top], [W - M.right, P.bottom], [M.left, P.bottom], [M.left, P.top]], ink);
    drawText(c, caps(p.label + (p.log ? ' (log)' : '')), M.left, P.top - 14, ink, 2);
    p.series.forEach((s, i) => {
      if (s.points.length > 1) c.polyline(s.points.map(([a, b]) => [L.x(a), P.y(b)]), s.color, 2);
      c.line(M.left + 10, P.top + 14 + 16 * i, M.left + 30, P.top + 14 + 16 * i, s.color, 2);
      drawText(c, caps(s.name), M.left + 36, P.top + 9 + 16 * i, ink, 2);
    });
  });
  const last = L.panels[L.panels.length - 1];
  for (const t of L.xTicks) drawText(c, fmt(t), L.x(t), last.bottom + 8, ink, 2, 'center');
  drawText(c, caps(d.title), W / 2, 6, ink, 3, 'center');
  drawText(c, caps('environment steps'), (M.left + W - M.right) / 2, LH - 22, ink, 2, 'center');
  return encodePng(c.toFrame());
}
