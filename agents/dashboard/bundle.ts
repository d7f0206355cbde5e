// The dashboard page: its HTML, and its script (page/main.ts with uPlot) and stylesheet bundled by
// esbuild in memory when the dashboard starts (about a tenth of a second), so there is no build
// step to forget and nothing written next to the sources.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

const ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

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
<section class="episode"><h2>latest evaluation episode</h2><canvas id="episode" width="200" height="200"></canvas><div id="episode-caption">no evaluation yet</div></section>
<section class="charts" id="charts"></section>
</main>
<script type="module" src="/dashboard.js"></script>
</body>
</html>
`;

let cached: Promise<PageAssets> | null = null;

export function buildPage(): Promise<PageAssets> {
  cached ??= build({ entryPoints: [ENTRY], bundle: true, minify: true, format: 'esm', target: 'es2022', write: false, outdir: 'out', logLevel: 'silent' }).then((r) => {
    const text = (ext: string) => r.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
    return { html: HTML, js: text('.js'), css: text('.css') };
  });
  return cached;
}
