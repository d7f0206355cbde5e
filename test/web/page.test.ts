// The env page in a real browser (headless Chromium, test/web/browser.ts): it loads from the
// server's port, connects with the token sent as a sub-protocol, renders frames that move with
// the keys held, lets a loaded actor play, and a page of a foreign origin is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/server.ts';
import { WEB_DIR } from '../../server/web-bundle.ts';
import { saveActor, loadActor, type ActorDescription } from '../../agents/actor-io.ts';
import { make } from '../../envs/index.ts';
import { canvasSummary, findChromium, launchChromium, shownNumbers } from './browser.ts';
import { requireOrSkip } from '../prerequisites.ts';

const chromium = findChromium();
const skip = 'skip' in chromium ? chromium.skip : false;
const TOKEN = 'page-test-token-0123456789abcdef';

let server: RunningServer;
let browser: Browser;
let base: string;
const dirs: string[] = [];

before(async () => {
  if (skip) return;
  server = await startServer({ host: '127.0.0.1', port: 0, token: TOKEN });
  base = `http://127.0.0.1:${server.port}`;
  browser = await launchChromium((chromium as { path: string }).path);
  // The first request for the bundle builds it (esbuild, once per process): not on a test's clock.
  assert.equal((await fetch(`${base}/app.js`)).status, 200);
});

after(async () => {
  await browser?.close();
  await server?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A page at `url` whose uncaught errors fail the test. */
async function newPage(url: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => assert.fail(`error in the page: ${e.message}`));
  await page.goto(url);
  return page;
}

/** The page, connected (the token travels in the URL's fragment, which is never sent to the server). */
async function connectedPage(): Promise<Page> {
  const page = await newPage(`${base}/#token=${TOKEN}`);
  await page.waitForSelector('body[data-state="connected"]', { timeout: 10_000 });
  return page;
}

/**
 * Starts `envId` from a clean slate: a running episode is stopped first, then the episode count
 * and the canvas are blanked, so what the test reads next can only come from the new episode
 * (the page's state stays "playing" across a restart, and its canvas starts out blank at 600x400).
 */
async function play(page: Page, envId: string, opts: { controller?: string; speed?: string; seed?: string } = {}): Promise<void> {
  if ((await page.getAttribute('body', 'data-state')) === 'playing') {
    await page.click('#stop');
    await page.waitForSelector('body[data-state="connected"]');
  }
  await page.evaluate(`(() => {
    document.getElementById('episodes').textContent = '';
    const canvas = document.getElementById('screen');
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  })()`);
  await page.selectOption('#env', envId);
  await page.selectOption('#controller', opts.controller ?? 'keyboard');
  await page.selectOption('#speed', opts.speed ?? '1');
  await page.fill('#seed', opts.seed ?? '0');
  await page.click('#start');
  await page.waitForSelector('body[data-state="playing"]');
}

/**
 * Waits until `expression` is true in the page. Polled through page.evaluate: the page's
 * Content-Security-Policy forbids the eval that waitForFunction's string form needs.
 */
async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (performance.now() > end) assert.fail(`the page did not get to ${expression} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The canvas once the episode's first frame is on it (play() left it blank). */
async function firstFrame(page: Page): Promise<Awaited<ReturnType<typeof canvasSummary>>> {
  const end = performance.now() + 10_000;
  for (;;) {
    const summary = await canvasSummary(page);
    if (summary.colors >= 3 || performance.now() > end) return summary;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the page has shown `n` steps of the current episode. */
async function stepsShown(page: Page, n: number): Promise<void> {
  await until(page, `Number(document.getElementById('episode-steps').textContent) >= ${n}`);
}

test('the page loads from the server, is refused without the token, and connects with it', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const page = await newPage(`${base}/`);
  // Opened without a token: the page tries, the server refuses the upgrade, the page says so.
  await page.waitForSelector('body[data-state="error"]', { timeout: 10_000 });
  assert.match((await page.textContent('#status')) ?? '', /refused the connection.*token/);
  await page.fill('#token', 'wrong-token-0123456789abcdef');
  await page.click('#connect');
  await page.waitForSelector('body[data-state="error"]');
  assert.match((await page.textContent('#status')) ?? '', /wrong token/);
  await page.fill('#token', TOKEN);
  await page.click('#connect');
  await page.waitForSelector('body[data-state="connected"]', { timeout: 10_000 });
  const envs = await page.$$eval('#env option', (options) => options.map((o) => o.textContent));
  for (const id of ['CartPole-v1', 'Pendulum-v1', 'LunarLander-v3', 'BipedalWalker-v3'])
    assert.ok(envs.includes(id), `${id} in ${envs.join(', ')}`);
  // The kwargs list_envs declares become fields: LunarLander's continuous is a checkbox.
  await page.selectOption('#env', 'LunarLander-v3');
  assert.equal(await page.getAttribute('#kwargs input[name="continuous"]', 'type'), 'checkbox');
  // A range kwarg (1.4) is "low, high" text, inf allowed; a malformed one is refused before make.
  await page.selectOption('#env', 'Hopper-v5');
  const zRange = '#kwargs input[name="healthy_z_range"]';
  assert.equal(await page.getAttribute(zRange, 'type'), 'text');
  assert.equal(await page.inputValue(zRange), '0.7, inf');
  await page.fill(zRange, '2, 1');
  await page.click('#start');
  await page.waitForSelector('body[data-state="error"]');
  assert.match((await page.textContent('#status')) ?? '', /kwarg healthy_z_range: must have low <= high, got \[2, 1\]/);
  await page.close();
});

test('CartPole: the frames are drawn, and the cart moves the way of the arrow key held (no key: the env waits)', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const page = await connectedPage();
  for (const [key, sign] of [
    ['ArrowRight', 1],
    ['ArrowLeft', -1],
  ] as const) {
    await play(page, 'CartPole-v1', { seed: '0' });
    await until(page, `document.getElementById('episodes').textContent === '1'`);
    const start = await firstFrame(page);
    const x0 = (await shownNumbers(page)).obs[0];
    assert.equal(start.height, 400);
    assert.ok(start.colors >= 3, `a blank frame: ${start.colors} colors`);
    // Nothing held: CartPole has no do-nothing action, so the page waits for the player.
    await page.waitForTimeout(150);
    assert.equal((await shownNumbers(page)).steps, 0);
    // Three steps: seed 0's pole falls within ten steps of pushing right, and the episode would end.
    // The page lets go of the key itself once 3 steps show: released from here, over the
    // debugging protocol, it could be held for ten steps more on a busy machine and the pole fall.
    await page.evaluate((code) => {
      const steps = document.getElementById('episode-steps')!;
      // data-steps is set at each step (the text waits for an animation frame, which a busy headless page gets late).
      const observer = new MutationObserver(() => {
        if (Number(steps.dataset.steps) < 3) return;
        observer.disconnect();
        window.dispatchEvent(new KeyboardEvent('keyup', { key: code, code }));
      });
      observer.observe(steps, { attributes: true, attributeFilter: ['data-steps'] });
    }, key);
    await page.keyboard.down(key);
    await stepsShown(page, 3);
    await page.keyboard.up(key); // the page has let go already; this keeps the keyboard's state right
    await page.waitForTimeout(100); // the frame of the last step
    const moved = await canvasSummary(page);
    const shown = await shownNumbers(page);
    assert.equal(shown.episodes, 1);
    assert.notEqual(moved.hash, start.hash, 'the frame did not change');
    assert.equal(Math.sign(shown.obs[0] - x0), sign, `cart x went from ${x0} to ${shown.obs[0]} with ${key} held`);
    assert.equal(
      Math.sign(moved.blackMeanX - start.blackMeanX),
      sign,
      `the cart's pixels went from x=${start.blackMeanX} to ${moved.blackMeanX} with ${key} held`,
    );
    assert.equal(Number(shown.ret), shown.steps, `return ${shown.ret} after ${shown.steps} steps of +1`);
    assert.equal(shown.terminated, 'false');
    assert.equal(shown.truncated, 'false');
  }
  await page.close();
});

test('frames come as PNG: the page shows the bytes per frame, well under the raw 720,000', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const page = await connectedPage();
  await play(page, 'LunarLander-v3', { controller: 'random' });
  await until(page, `Number(document.getElementById('fps').dataset.drawn) >= 20`, 20_000);
  const { drawn, bytes, shown } = (await page.evaluate(`(() => {
    const fps = document.getElementById('fps');
    return { drawn: Number(fps.dataset.drawn), bytes: Number(fps.dataset.bytes), shown: document.getElementById('frame-bytes').textContent };
  })()`)) as { drawn: number; bytes: number; shown: string };
  assert.ok(bytes / drawn < 16_000, `${bytes / drawn} bytes per frame`);
  assert.match(shown, /^\d+(\.\d)? kB$/);
  const frame = await canvasSummary(page);
  assert.deepEqual([frame.width, frame.height], [600, 400]);
  assert.ok(frame.colors >= 3, `${frame.colors} colours`);
  await page.close();
});

/** A fixed actor (not trained: its weights are a deterministic pattern) for Pendulum, saved with saveActor. */
function fixedPendulumActor(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gymwire-web-actor-'));
  dirs.push(dir);
  const description: ActorDescription = { envId: 'Pendulum-v1', algo: 'ddpg', obsDim: 3, actDim: 1, hidden: [8], low: [-2], high: [2] };
  const params = Float32Array.from({ length: 3 * 8 + 8 + 8 + 1 }, (_, i) => Math.sin(1.7 * i + 0.3));
  saveActor(dir, description, params);
  return dir;
}

/** The return of the first episode of `dir`'s actor on Pendulum-v1 reset with `seed`, played in this process. */
function returnInNode(dir: string, seed: number): { ret: number; steps: number } {
  const policy = loadActor(dir);
  const env = make('Pendulum-v1');
  let obs = env.reset({ seed }).obs as Float32Array;
  let ret = 0;
  for (let steps = 1; ; steps++) {
    const r = env.step(policy.act(obs));
    ret += r.reward;
    obs = r.obs as Float32Array;
    if (r.terminated || r.truncated) return { ret, steps };
  }
}

test('an actor loaded from its files plays Pendulum, at the fastest speed, and gets the return it gets in Node', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const dir = fixedPendulumActor();
  const page = await connectedPage();
  await page.setInputFiles(
    '#actor-files',
    ['actor.json', 'actor.bin', 'manifest.json'].map((f) => join(dir, f)),
  );
  await page.waitForSelector('body[data-actor="loaded"]');
  assert.match((await page.textContent('#actor-about')) ?? '', /Pendulum-v1, 3→8→1/);
  assert.equal(await page.inputValue('#env'), 'Pendulum-v1', 'the env the actor was trained on is picked');
  await play(page, 'Pendulum-v1', { controller: 'actor', speed: 'Infinity', seed: '7' });
  await until(page, `document.getElementById('last-return').textContent !== '–'`, 20_000);
  const expected = returnInNode(dir, 7);
  assert.equal(expected.steps, 200);
  assert.equal(await page.textContent('#last-return'), `${expected.ret.toPrecision(4)} (200 steps)`);
  await page.close();
});

test('an actor whose files do not check out is refused with the reason', async (t) => {
  if (requireOrSkip(t, skip)) return;
  const dir = fixedPendulumActor();
  const page = await connectedPage();
  const bin = readFileSync(join(dir, 'actor.bin'));
  bin[5] ^= 1;
  const file = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer });
  await page.setInputFiles('#actor-files', [
    file('actor.json', readFileSync(join(dir, 'actor.json'))),
    file('manifest.json', readFileSync(join(dir, 'manifest.json'))),
    file('actor.bin', bin),
  ]);
  await page.waitForSelector('body[data-actor="error"]');
  assert.match((await page.textContent('#actor-about')) ?? '', /actor\.bin is damaged/);
  await page.evaluate(`document.body.dataset.actor = ''`);
  await page.setInputFiles('#actor-files', [join(dir, 'actor.json'), join(dir, 'actor.bin')]);
  await page.waitForSelector('body[data-actor="error"]');
  assert.match((await page.textContent('#actor-about')) ?? '', /pick the actor's manifest\.json too/);
  assert.equal(await page.isDisabled('#controller option[value="actor"]'), true);
  await page.close();
});

/** The same page served by another origin (another port), pointed at `wsUrl`. */
async function foreignSite(): Promise<{ origin: string; server: Server }> {
  const js = await (await fetch(`${base}/app.js`)).text();
  const site = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
    else if (path === '/app.css') res.writeHead(200, { 'Content-Type': 'text/css' }).end(readFileSync(join(WEB_DIR, 'app.css')));
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(readFileSync(join(WEB_DIR, 'index.html')));
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(site.address() as AddressInfo).port}`, server: site };
}

test("the server's Origin rule holds: the same page from a foreign origin is refused, unless --allow-origin names it", async (t) => {
  if (requireOrSkip(t, skip)) return;
  const site = await foreignSite();
  const allowing = await startServer({ host: '127.0.0.1', port: 0, token: TOKEN, allowOrigins: [site.origin] });
  try {
    const refused = await newPage(`${site.origin}/?server=ws://127.0.0.1:${server.port}#token=${TOKEN}`);
    await refused.waitForSelector('body[data-state="error"]', { timeout: 10_000 });
    assert.match((await refused.textContent('#status')) ?? '', /origin is not on its --allow-origin list/);
    await refused.close();
    const allowed = await newPage(`${site.origin}/?server=ws://127.0.0.1:${allowing.port}#token=${TOKEN}`);
    await allowed.waitForSelector('body[data-state="connected"]', { timeout: 10_000 });
    await allowed.close();
  } finally {
    await allowing.close();
    site.server.close();
  }
});

test(
  'a dropped connection comes back by itself: the page says it is reconnecting, then connected again',
  { timeout: 60_000 },
  async (t) => {
    if (requireOrSkip(t, skip)) return;
    const first = await startServer({ host: '127.0.0.1', port: 0, token: TOKEN });
    const port = first.port;
    let second: RunningServer | null = null;
    try {
      // The page from the server it connects to: its own origin, which the Origin rule lets in.
      const page = await newPage(`http://127.0.0.1:${port}/#token=${TOKEN}`);
      await page.waitForSelector('body[data-state="connected"]', { timeout: 10_000 });
      await play(page, 'CartPole-v1', { controller: 'random' });
      await first.close();
      await page.waitForSelector('body[data-state="reconnecting"]', { timeout: 10_000 });
      assert.match((await page.textContent('#status')) ?? '', /connection to .* closed .* reconnecting in [\d.]+ s \(try \d of 6\)/);
      second = await startServer({ host: '127.0.0.1', port, token: TOKEN });
      // It was playing: once back it plays the same env again, by itself.
      await page.waitForSelector('body[data-state="playing"]', { timeout: 30_000 });
      assert.match(
        (await page.textContent('#status')) ?? '',
        /^reconnected to gymwire-server .*; playing CartPole-v1 again: the episode that was playing ended with the connection$/,
      );
      await stepsShown(page, 5);
      // Dropped while not playing: back, connected, nothing started.
      await page.click('#stop');
      await page.waitForSelector('body[data-state="connected"]');
      await second.close();
      await page.waitForSelector('body[data-state="reconnecting"]', { timeout: 10_000 });
      second = await startServer({ host: '127.0.0.1', port, token: TOKEN });
      await page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
      assert.match(
        (await page.textContent('#status')) ?? '',
        /^reconnected to gymwire-server .*; the episode that was playing ended with the connection$/,
      );
      await page.close();
    } finally {
      await first.close();
      await second?.close();
    }
  },
);
