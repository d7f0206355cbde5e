// The env page's route (server/web-page.ts): GET / serves the page with its security policy,
// /app.js the bundle built from web/ (for browsers: no Node built-ins), other paths and methods
// are left to the 426 fallback or refused, and the WebSocket upgrade on the same port is untouched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startServer, type RunningServer } from '../../server/server.ts';
import { RemoteEnv } from '../../client/remote-env.ts';

let server: RunningServer;
let base: string;

before(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
after(() => server.close());

test('GET / is the page, with a Content-Security-Policy that lets it load only its own script and style', async () => {
  const res = await fetch(`${base}/?server=ws://127.0.0.1:1`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const html = await res.text();
  assert.match(html, /<script type="module" src="app\.js"><\/script>/);
  assert.match(html, /<canvas id="screen"/);
  assert.equal((await fetch(`${base}/app.css`)).status, 200);
  const head = await fetch(`${base}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('/app.js is the page bundled for browsers: an ES module without Node built-ins, small', async () => {
  const res = await fetch(`${base}/app.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
  const js = await res.text();
  assert.doesNotMatch(js, /\brequire\(|from\s*["']node:|process\.env/);
  assert.match(js, /gymwire\.token\./, 'the token sub-protocol');
  const gz = gzipSync(js).length;
  assert.ok(js.length < 150_000 && gz < 50_000, `bundle ${js.length} bytes, ${gz} gzipped`);
});

test('other paths still get 426, other methods on the page 405, and WebSocket clients connect on the same port', async () => {
  const other = await fetch(`${base}/metrics-or-anything`);
  assert.equal(other.status, 426);
  const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const env = await RemoteEnv.connect(server.url, 'CartPole-v1');
  assert.equal((await env.reset({ seed: 1 })).obs instanceof Float32Array, true);
  await env.close();
});
