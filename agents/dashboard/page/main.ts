/// <reference lib="dom" />
// The dashboard page: follows a training run over Server-Sent Events (GET /events: a snapshot of
// everything so far, then each record as the trainer writes it) and draws the learning curves
// with uPlot; plays the latest evaluation episode (GET /episode) on a canvas at the env's fps.
// Counts of what it has drawn go on <body data-*> for the browser test.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { EpisodeBody, EpisodeHeader, Snapshot } from '../events.ts';
import type { MetricRecord, StatsRecord } from '../../metrics.ts';
import type { RunStatus } from '../../run-listener.ts';

type Columns = number[][];

interface Chart {
  plot: uPlot;
  data: Columns;
  dirty: boolean;
}

const $ = (id: string) => document.getElementById(id)!;
const chartsEl = $('charts');

function makeChart(title: string, series: uPlot.Series[], opts: Partial<uPlot.Options> = {}): Chart {
  const box = document.createElement('div');
  box.className = 'chart';
  chartsEl.append(box);
  const data: Columns = [[], ...series.map(() => [])];
  const plot = new uPlot(
    {
      title,
      width: 520,
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'environment steps' }, { size: 64 }],
      series: [{ label: 'step' }, ...series],
      legend: { live: false },
      ...opts,
    },
    data as uPlot.AlignedData,
    box,
  );
  return { plot, data, dirty: false };
}

const line = (label: string, stroke: string, width = 1.5, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
  label,
  stroke,
  width,
  points: { show: false },
  ...extra,
});

const charts = {
  returns: makeChart('episode return', [line('episode return', '#9ecae1', 1), line('moving average (10 episodes)', '#08519c', 2)]),
  evals: makeChart(
    'deterministic evaluation (mean ± std)',
    [
      line('eval mean', '#d94801', 2, { points: { show: true, size: 6, fill: '#d94801' } }),
      line('mean + std', 'rgba(217,72,1,0.35)', 1),
      line('mean − std', 'rgba(217,72,1,0.35)', 1),
    ],
    { bands: [{ series: [2, 3], fill: 'rgba(217,72,1,0.12)' }] },
  ),
  critic: makeChart('critic TD loss (log scale)', [line('critic loss', '#54278f')], { scales: { x: { time: false }, y: { distr: 3 } } }),
  q: makeChart('Q values', [
    line('mean Q(s, a)', '#08519c'),
    line('mean Q2(s, a)', '#6baed6'),
    line('mean Q(s, μ(s)) = −actor loss', '#d94801'),
  ]),
  rates: makeChart('throughput', [line('env steps/s', '#238b45'), line('updates/s', '#54278f')]),
};

const counts = { episodes: 0, evals: 0, stats: 0 };
let window10: number[] = [];

function push(c: Chart, row: (number | null)[]): void {
  row.forEach((v, i) => c.data[i].push(v as number));
  c.dirty = true;
}

function add(r: MetricRecord): void {
  if (r.type === 'episode') {
    window10.push(r.return);
    if (window10.length > 10) window10.shift();
    push(charts.returns, [r.step, r.return, window10.reduce((a, b) => a + b, 0) / window10.length]);
    counts.episodes++;
  } else if (r.type === 'eval') {
    push(charts.evals, [r.step, r.mean, r.mean + r.std, r.mean - r.std]);
    counts.evals++;
  } else if (r.type === 'stats') {
    addStats(r);
    counts.stats++;
  }
}

function addStats(s: StatsRecord): void {
  push(charts.critic, [s.step, s.criticLoss > 0 ? s.criticLoss : null]);
  push(charts.q, [s.step, s.q, s.q2 ?? null, -s.actorLoss]);
  push(charts.rates, [s.step, s.stepsPerSec, s.updatesPerSec]);
}

let drawQueued = false;
function redraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    for (const c of Object.values(charts)) {
      if (!c.dirty) continue;
      c.dirty = false;
      c.plot.setData(c.data as uPlot.AlignedData);
    }
    Object.assign(document.body.dataset, { episodes: String(counts.episodes), evals: String(counts.evals), stats: String(counts.stats) });
  });
}

// ---- status line ---------------------------------------------------------------------------------

let steps = 0;
let finished = false;
let prev: { s: RunStatus; t: number } | null = null;
let rate = '';

function showStatus(s: RunStatus | null): void {
  if (s) {
    const t = performance.now();
    if (prev && t - prev.t > 200 && s.wallSeconds > prev.s.wallSeconds) {
      const dt = s.wallSeconds - prev.s.wallSeconds;
      rate = ` · ${((s.step - prev.s.step) / dt).toFixed(0)} steps/s · ${((s.updates - prev.s.updates) / dt).toFixed(0)} updates/s`;
    }
    prev = { s, t };
  }
  const p = prev?.s;
  const where = p
    ? `step ${p.step.toLocaleString()} / ${steps.toLocaleString()} · ${p.episodes} episodes · ${p.updates.toLocaleString()} updates${rate}`
    : '';
  $('status').textContent = `${where}${finished ? ' · finished' : ''}`;
}

// ---- the latest evaluation episode -----------------------------------------------------------

const canvas = $('episode') as HTMLCanvasElement;
const ctx = canvas.getContext('2d')!;
let playing: { frames: ImageBitmap[]; header: EpisodeHeader; timer: number } | null = null;
let wantStep = -1;

async function loadEpisode(h: EpisodeHeader): Promise<void> {
  wantStep = h.step;
  const res = await fetch('/episode', { cache: 'no-store' });
  if (!res.ok) return;
  const body = (await res.json()) as EpisodeBody;
  const frames = await Promise.all(
    body.png.map((b64) => createImageBitmap(new Blob([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], { type: 'image/png' }))),
  );
  if (body.step < wantStep) return; // a newer one is on its way
  if (playing) clearInterval(playing.timer);
  canvas.width = body.width;
  canvas.height = body.height;
  let i = 0;
  const show = () => {
    // Hold the last frame for half a second before the episode starts again.
    const k = Math.min(i, frames.length - 1);
    ctx.drawImage(frames[k], 0, 0);
    $('episode-caption').textContent =
      `evaluation at step ${body.step.toLocaleString()}: first episode, return ${body.return.toFixed(1)} · frame ${k + 1}/${frames.length}`;
    document.body.dataset.episodeStep = String(body.step);
    document.body.dataset.frame = String(k);
    i = i + 1 >= frames.length + Math.round(body.fps / 2) ? 0 : i + 1;
  };
  show();
  playing = { frames, header: body, timer: window.setInterval(show, 1000 / Math.max(1, body.fps)) };
}

// ---- the event stream ------------------------------------------------------------------------

const events = new EventSource('/events');

events.addEventListener('snapshot', (e) => {
  const snap = JSON.parse((e as MessageEvent).data) as Snapshot;
  for (const c of Object.values(charts)) {
    c.data.forEach((col) => (col.length = 0));
    c.dirty = true;
  }
  Object.assign(counts, { episodes: 0, evals: 0, stats: 0 });
  window10 = [];
  if (snap.info) {
    const i = snap.info;
    steps = i.steps;
    const title = `${i.algo.toUpperCase()} ${i.env} (seed ${i.seed}${i.numEnvs > 1 ? `, ${i.numEnvs} envs` : ''})`;
    $('title').textContent = title;
    if (i.algo === 'ddpg') charts.q.plot.setSeries(2, { show: false });
    document.title = `${title} · gymwire`;
  }
  for (const r of snap.history) add(r);
  finished = snap.finished;
  showStatus(snap.status);
  if (snap.episode && snap.episode.step !== playing?.header.step) void loadEpisode(snap.episode);
  redraw();
});
events.addEventListener('record', (e) => {
  add(JSON.parse((e as MessageEvent).data) as MetricRecord);
  redraw();
});
events.addEventListener('status', (e) => showStatus(JSON.parse((e as MessageEvent).data) as RunStatus));
events.addEventListener('episode', (e) => void loadEpisode(JSON.parse((e as MessageEvent).data) as EpisodeHeader));
events.addEventListener('finished', () => {
  finished = true;
  showStatus(null);
  events.close();
});
