// Screenshots of the env page (docs/screenshots/) and the frame rate it reaches per env, taken
// with headless Chromium (test/web/browser.ts) against a server started here.
//   npm run screenshots [-- --seconds 3] [--no-screenshots]
// Frame rates: each env played with random actions at real-time speed for --seconds; the page's
// frames/s (frames drawn in the last second) is sampled once a second after the first. Beside
// it, as the reference on a machine that may be busy: how many step+render round trips a Node
// client (client/remote-env.ts) gets through per second, without waiting, in the same run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startServer } from '../server/server.ts';
import { saveActor } from '../agents/actor-io.ts';
import { RemoteEnv } from '../client/remote-env.ts';
import { findChromium, launchChromium } from '../test/web/browser.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, 'no-screenshots': { type: 'boolean', default: false } },
});
const seconds = Number(values.seconds);
const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;

const chromium = findChromium();
if ('skip' in chromium) {
  console.error(chromium.skip);
  process.exit(1);
}
const server = await startServer({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium(chromium.path);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Step+render round trips per second a Node client gets on `envId` (random actions), over `ms`. */
async function nodeRate(envId: string, ms: number): Promise<number> {
  const env = await RemoteEnv.connect(server.url, envId);
  await env.reset({ seed: 0 });
  const space = env.actionSpace;
  const act = () =>
    space.type === 'Discrete'
      ? space.start + Math.floor(Math.random() * space.n)
      : Float32Array.from(space.type === 'Box' ? space.low : [], (l, i) => l + Math.random() * ((space as { high: number[] }).high[i] - l));
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    const [r] = await Promise.all([env.step(act()), env.render()]);
    n++;
    if (r.terminated || r.truncated) await env.reset();
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await env.close();
  return rate;
}

async function open(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.waitForSelector('body[data-state="connected"]', { timeout: 60_000 });
  return page;
}

async function play(page: Page, envId: string, controller: string, speed = '1', seed = '0'): Promise<void> {
  await page.selectOption('#env', envId);
  await page.selectOption('#controller', controller);
  await page.selectOption('#speed', speed);
  await page.fill('#seed', seed);
  await page.click('#start');
  await page.waitForSelector('body[data-state="playing"]');
}

try {
  const page = await open();
  if (!values['no-screenshots']) {
    await play(page, 'LunarLander-v3', 'keyboard', '1', '3');
    await page.keyboard.down('ArrowUp');
    await sleep(900);
    await page.keyboard.up('ArrowUp');
    await page.keyboard.down('ArrowLeft');
    await sleep(400);
    await page.screenshot({ path: join(OUT, 'env-keyboard-lunar-lander.png') });
    await page.keyboard.up('ArrowLeft');
    // An actor, loaded through the file input as a user would. Its weights are a fixed pattern,
    // not a trained network: the screenshot shows the page, not a good policy.
    const dir = mkdtempSync(join(tmpdir(), 'gymwire-shot-actor-'));
    saveActor(
      dir,
      { envId: 'Pendulum-v1', algo: 'ddpg', obsDim: 3, actDim: 1, hidden: [8], low: [-2], high: [2] },
      Float32Array.from({ length: 41 }, (_, i) => Math.sin(1.7 * i + 0.3)),
    );
    await page.setInputFiles(
      '#actor-files',
      ['actor.json', 'actor.bin', 'manifest.json'].map((f) => join(dir, f)),
    );
    await page.waitForSelector('body[data-actor="loaded"]');
    rmSync(dir, { recursive: true });
    await play(page, 'Pendulum-v1', 'actor', '1', '1');
    await sleep(1500);
    await page.screenshot({ path: join(OUT, 'actor-pendulum.png') });
    console.log(`screenshots in ${OUT}`);
  }
  const envs = await page.$$eval('#env option', (options) => options.map((o) => o.getAttribute('value') ?? ''));
  for (const info of envs) {
    const declared = await (async () => {
      await page.selectOption('#env', info);
      return (await page.textContent('#env-about')) ?? '';
    })();
    await play(page, info, 'random');
    await sleep(1000);
    const samples: number[] = [];
    for (let s = 1; s < seconds; s++) {
      await sleep(1000);
      samples.push(Number(await page.textContent('#fps')));
    }
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    await page.click('#stop');
    const reference = await nodeRate(info, 1000 * (seconds - 1));
    console.log(
      `${info.padEnd(26)} ${mean.toFixed(1).padStart(5)} frames/s in the browser (${declared.split(';')[0]}); ` +
        `a Node client: ${reference.toFixed(1)} step+render/s`,
    );
  }
  console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
} finally {
  await browser.close();
  await server.close();
}
