// Frames per second the env page draws in headless Chromium, for every env at speed 1 (real
// time) with random actions, next to render_fps, and the bytes per frame on the wire.
//
//   npm run bench:page-fps                           a server of this checkout, every env
//   npm run bench:page-fps -- --url http://127.0.0.1:8765 --seconds 6 --env LunarLander-v3
//
// The page of this checkout counts drawn frames and bytes (#fps data-drawn, data-bytes); an
// older page (a server of another checkout at --url) shows only its frames over the last
// second, which is then sampled every 250 ms and averaged (bytes per frame: n/a).
import type { Page } from 'playwright-core';
import { benchArgs } from './cli-args.ts';
import { startServerProcess } from './server-process.ts';
import { findChromium, launchChromium } from '../test/web/browser.ts';
import { registrations } from '../envs/index.ts';

const USAGE = `
usage: npm run bench:page-fps -- [--url http://HOST:PORT] [--seconds S] [--env ID]...
  --url URL     a running server whose page to measure (default: start one of this checkout)
  --seconds S   seconds measured per env, after 1 s of warm-up (default 4)
  --env ID      only this env (repeatable; default every registered env)
`;
const args = benchArgs(USAGE, {
  url: { type: 'string' },
  seconds: { type: 'string', default: '4' },
  env: { type: 'string', multiple: true },
});
const seconds = Number(args.seconds);
const ids = args.env && args.env.length > 0 ? args.env : registrations().map((r) => r.id);
const chromium = findChromium();
if ('skip' in chromium) throw new Error(chromium.skip);

const server = args.url ? null : await startServerProcess();
const base = args.url ?? server!.url.replace(/^ws/, 'http');
const browser = await launchChromium(chromium.path);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function counters(page: Page): Promise<{ drawn: number; bytes: number; shown: number } | null> {
  return page.evaluate(`(() => {
    const fps = document.getElementById('fps');
    if (fps.dataset.drawn === undefined) return { drawn: NaN, bytes: NaN, shown: Number(fps.textContent) || 0 };
    return { drawn: Number(fps.dataset.drawn), bytes: Number(fps.dataset.bytes), shown: Number(fps.textContent) || 0 };
  })()`);
}

async function measure(page: Page, id: string): Promise<Record<string, string | number>> {
  if ((await page.getAttribute('body', 'data-state')) === 'playing') {
    await page.click('#stop');
    await page.waitForSelector('body[data-state="connected"]');
  }
  await page.selectOption('#env', id);
  await page.selectOption('#controller', 'random');
  await page.selectOption('#speed', '1');
  const about = (await page.textContent('#env-about')) ?? '';
  const renderFps = Number(/render_fps ([\d.]+)/.exec(about)?.[1] ?? 30);
  await page.click('#start');
  await page.waitForSelector('body[data-state="playing"]');
  await sleep(1000);
  const start = (await counters(page))!;
  const t0 = performance.now();
  const samples: number[] = [];
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(250);
    samples.push((await counters(page))!.shown);
  }
  const end = (await counters(page))!;
  const wall = (performance.now() - t0) / 1000;
  const counted = Number.isFinite(start.drawn);
  const fps = counted ? (end.drawn - start.drawn) / wall : samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    env: id,
    render_fps: renderFps,
    page_fps: Number(fps.toFixed(1)),
    ratio: Number((fps / renderFps).toFixed(2)),
    bytes_per_frame: counted ? Math.round((end.bytes - start.bytes) / Math.max(1, end.drawn - start.drawn)) : 'n/a',
  };
}

try {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-state="connected"]', { timeout: 20_000 });
  const rows = [];
  for (const id of ids) rows.push(await measure(page, id));
  console.log(`the env page at ${base}, headless Chromium, speed 1, random actions, ${seconds} s per env`);
  console.table(rows);
} finally {
  await browser.close();
  await server?.stop();
}
