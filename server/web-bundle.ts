// The env page's files (web/): index.html and app.css as they are, and app.js, the page's
// TypeScript bundled for browsers by esbuild. From a plain clone the bundle is built in memory
// the first time it is asked for (about a second) and kept; a packaged copy without web/'s
// sources serves the app.js written next to index.html by writeWebAssets (npm run build).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** web/, found from this file: server/../web in the sources, and the same layout in a build. */
export const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));
const ENTRY = join(WEB_DIR, 'main.ts');
/** What the page loads besides itself: served from WEB_DIR. */
const STATIC_FILES = ['index.html', 'app.css'] as const;

/**
 * Bundles web/main.ts and everything it imports into one ES module for browsers (minified by
 * default). esbuild refuses Node built-ins on the browser platform, so a Node API reaching the
 * page's imports fails here, not in a user's browser.
 */
async function buildWebBundle(options: { minify?: boolean } = {}): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Writes the page (index.html, app.css, app.js) to `outDir`, for a packaged server (see WEB_DIR). */
export async function writeWebAssets(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const name of STATIC_FILES) writeFileSync(join(outDir, name), readFileSync(join(WEB_DIR, name)));
  writeFileSync(join(outDir, 'app.js'), await buildWebBundle());
}

let cached: Promise<string> | null = null;

/** app.js: built from the sources once per process when they are here, else the prebuilt file. */
export function webBundle(): Promise<string> {
  if (cached === null) {
    cached = existsSync(ENTRY) ? buildWebBundle() : Promise.resolve(readFileSync(join(WEB_DIR, 'app.js'), 'utf8'));
    // A failed build is not kept: the next request tries again (e.g. after a fix in dev).
    cached.catch(() => (cached = null));
  }
  return cached;
}
