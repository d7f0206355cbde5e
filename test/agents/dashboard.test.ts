// The live dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium, or
// $CHROMIUM) driven by playwright-core follows a short in-process Pendulum run: the charts get new
// points while it trains, the latest evaluation episode plays on the canvas (frames not blank,
// and changing), a page opened later gets the whole history, and so does one opened on a run
// resumed from its checkpoint (history from metrics.jsonl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConfig } from '../../agents/config.ts';
import { shortRun } from './short-run.ts';
import type { TrainConfig } from '../../agents/train-config.ts';
import { train } from '../../agents/trainer.ts';
import { Dashboard } from '../../agents/dashboard/server.ts';
import { requireOrSkip } from '../prerequisites.ts';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM to its path)`;
const quiet = { write: () => true, isTTY: false };

function config(out: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return buildConfig(
    {},
    {
      env: 'Pendulum-v1',
      out,
      ...shortRun({ steps: 1000, learningStarts: 100, batchSize: 32, hidden: [32, 32], evalEvery: 250 }),
      seed: 1,
      statsEvery: 25,
      checkpointEvery: 0,
      learnerThreads: 1,
      ...extra,
    },
  );
}

/** What the page has drawn: its record counts and the episode frame shown. */
const counts = (page: Page) => page.evaluate(() => ({ ...document.body.dataset }) as Record<string, string | undefined>);

/** Waits until `ok` holds for the page's counts (bounded). */
async function waitFor(
  page: Page,
  ok: (c: Record<string, string | undefined>) => boolean,
  what: string,
  ms = 20_000,
): Promise<Record<string, string | undefined>> {
  const end = Date.now() + ms;
  for (;;) {
    const c = await counts(page);
    if (ok(c)) return c;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The episode canvas's pixels, summed up: distinct colours and a checksum. */
const canvasPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.getElementById('episode') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set<number>();
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      sum = (sum * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
    }
    return { colours: colours.size, sum, width: c.width };
  });

test(
  'dashboard: charts update while a run trains, the eval episode plays, late and resumed pages get the whole history',
  { timeout: 120_000 },
  async (t) => {
    if (requireOrSkip(t, skip)) return;
    const out = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
    let browser: Browser | null = null;
    let dash = await Dashboard.start({ renderFps: 30 });
    let stopRun = () => {};
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(dash.url);
      // The page has its (empty) snapshot before the run starts: a short run on a quiet machine can
      // otherwise end before a slow browser has even subscribed.
      await waitFor(page, (c) => c.episodes === '0', 'the page to get the empty history');

      // The run trains until the test has seen what it needs (or 200k steps): a run of a fixed
      // length ended before the page's first points on a fast, quiet machine (CI), where 3000
      // steps take about 2 s.
      let stop = false;
      stopRun = () => (stop = true);
      const run = train(config(out, { steps: 200_000, evalEvery: 500 }), { out: quiet, listeners: [dash], shouldStop: () => stop });
      let finished = false;
      void run.finally(() => (finished = true));
      // New points while training runs: the first ones, then more in later batches.
      const first = await waitFor(page, (c) => Number(c.stats ?? 0) >= 2, 'the first learning statistics');
      assert.equal(finished, false, `the page got its first points (${JSON.stringify(first)}) only after the run ended`);
      await waitFor(
        page,
        (c) => Number(c.episodes ?? 0) > Number(first.episodes ?? 0) && Number(c.stats ?? 0) > Number(first.stats ?? 0),
        'more points',
      );
      assert.equal(finished, false, 'more points came while the run trains');
      assert.match((await page.textContent('#title')) ?? '', /DDPG Pendulum-v1 \(seed 1\)/);
      assert.equal((await page.locator('.chart canvas').count()) >= 5, true, 'five uPlot charts');

      // The evaluation episode plays: non-blank frames that change.
      await waitFor(page, (c) => c.frame !== undefined && Number(c.frame) > 2, 'the eval episode playing');
      const a = await canvasPixels(page);
      await new Promise((r) => setTimeout(r, 300));
      const b = await canvasPixels(page);
      assert.ok(a.colours > 10 && b.colours > 10, `frames are not blank (${a.colours}, ${b.colours} colours)`);
      assert.notEqual(a.sum, b.sum, 'the frame changes as the episode plays');
      assert.ok(a.width > 50 && a.width <= 200, `frames shrunk to at most 200 px (${a.width})`);

      stop = true;
      const result = await run;
      // A page opened after the run gets everything so far.
      const late = await browser.newPage();
      await late.goto(dash.url);
      const all = await waitFor(late, (c) => Number(c.episodes ?? 0) === result.episodes, 'the late page to get every episode');
      assert.equal(Number(all.evals), result.evals.length);
      await dash.close();

      // Resumed: the history comes from metrics.jsonl, up to the checkpoint.
      dash = await Dashboard.start({ renderFps: 30 });
      const resumed = train(config(out, { steps: result.steps + 200, evalEvery: 500 }), { out: quiet, listeners: [dash], resume: out });
      const again = await browser.newPage();
      await again.goto(dash.url);
      await waitFor(again, (c) => Number(c.episodes ?? 0) >= result.episodes, "the resumed run's page to get the earlier episodes");
      const r2 = await resumed;
      await waitFor(again, (c) => Number(c.episodes ?? 0) === r2.episodes, 'every episode of both runs');
      assert.deepEqual(errors, []);
    } finally {
      stopRun();
      await browser?.close();
      await dash.close();
    }
  },
);
