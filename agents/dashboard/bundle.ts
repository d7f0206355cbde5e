// The dashboard page: its HTML, and its script (page/main.ts with uPlot) and stylesheet bundled by
// esbuild in memory when the dashboard starts (about a tenth of a second), so there is no build
// step to forget and nothing written next to the sources. An installed package has no page
// sources and no esbuild: it reads the dashboard.js/.css that npm run build wrote (writePageAssets).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const ENTRY = join(PAGE_DIR, 'main.ts');

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gymwire training</title>
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header><h1 id="title">gymwire training</h1><div id="status">connecting…</div></header>
<main>
<section class="episode">
  <h2>latest evaluation episode</h2>
  <canvas id="episode" width="200" height="200"></canvas>
  <div id="episode-caption">no evaluation yet</div>
</section>
<section class="charts" id="charts"></section>
</main>
<script type="module" src="/dashboard.js"></script>
</body>
</html>
`;

let cached: Promise<PageAssets> | null = null;

async function bundle(): Promise<PageAssets> {
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const text = (ext: string) => r.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { html: HTML, js: text('.js'), css: text('.css') };
}

function prebuilt(): PageAssets {
  const text = (name: string) => readFileSync(join(PAGE_DIR, name), 'utf8');
  return { html: HTML, js: text('dashboard.js'), css: text('dashboard.css') };
}

export function buildPage(): Promise<PageAssets> {
  cached ??= existsSync(ENTRY) ? bundle() : Promise.resolve().then(prebuilt);
  return cached;
}

/** Writes dashboard.js and dashboard.css to `outDir` (npm run build: the page dir in dist/). */
export async function writePageAssets(outDir: string): Promise<void> {
  const assets = await bundle();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'dashboard.js'), assets.js);
  writeFileSync(join(outDir, 'dashboard.css'), assets.css);
}
