// Headless Chromium for the page's tests and the screenshots script, driven by playwright-core.
// The browser is Debian's (apt-get install chromium; .ci/run installs it) or the one
// GYMWIRE_CHROMIUM names; where none is found, the tests skip and say why (under CI they fail
// with it: test/prerequisites.ts).
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium to drive, or why there is none (the skip reason of the browser tests). */
export function findChromium(): { path: string } | { skip: string } {
  const named = process.env.GYMWIRE_CHROMIUM;
  if (named) return existsSync(named) ? { path: named } : { skip: `GYMWIRE_CHROMIUM=${named} does not exist` };
  const found = CANDIDATES.find((p) => existsSync(p));
  return found
    ? { path: found }
    : {
        skip: `no Chromium found (looked for ${CANDIDATES.join(', ')}): apt-get install chromium, or set GYMWIRE_CHROMIUM to a Chromium binary`,
      };
}

export async function launchChromium(path: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: path, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/**
 * What the page's canvas shows: its size, how many distinct colors, a hash of its pixels, and the
 * mean column of its black pixels (CartPole's cart and track).
 */
export async function canvasSummary(
  page: Page,
): Promise<{ width: number; height: number; colors: number; hash: number; blackMeanX: number }> {
  // Page functions go as source text: tsx's transform would add helpers (__name) the page lacks.
  return page.evaluate(`(() => {
    const canvas = document.getElementById('screen');
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const colors = new Set();
    let hash = 0;
    let blackX = 0;
    let black = 0;
    for (let i = 0; i < data.length; i += 4) {
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      colors.add(rgb);
      hash = (Math.imul(hash, 31) + rgb) | 0;
      if (rgb === 0) {
        blackX += (i / 4) % width;
        black++;
      }
    }
    return { width, height, colors: colors.size, hash, blackMeanX: black > 0 ? blackX / black : NaN };
  })()`);
}

/** The numbers the page shows (the #numbers table and the obs list). */
export async function shownNumbers(page: Page): Promise<{
  episodes: number;
  steps: number;
  ret: string;
  lastReturn: string;
  terminated: string;
  truncated: string;
  obs: number[];
  fps: number;
}> {
  return page.evaluate(`(() => {
    const text = (id) => document.getElementById(id).textContent ?? '';
    return {
      episodes: Number(text('episodes')),
      steps: Number(text('episode-steps')),
      ret: text('return'),
      lastReturn: text('last-return'),
      terminated: text('terminated'),
      truncated: text('truncated'),
      obs: Array.from(document.querySelectorAll('#obs li'), (li) => Number(li.textContent)),
      fps: Number(text('fps')),
    };
  })()`);
}
