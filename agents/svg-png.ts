// SVG to PNG through resvg (a maintained renderer: real fonts, anti-aliasing), with DejaVu Sans
// loaded from the dejavu-fonts-ttf package rather than the system, so a fresh machine renders
// the same text as this one. resvg's WebAssembly build rather than its native one: the native
// binary is an optional dependency per platform, which installs that leave out optional
// dependencies (the container image does, to skip tfjs-node) would lose.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

/** The family every plot's SVG names first (the PNG has only this font; a browser falls back to sans-serif). */
export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
const FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map(
  (f) => new Uint8Array(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`))),
);

// Once per process: compiling the renderer takes a few tens of milliseconds.
await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));

export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, { font: { fontBuffers: FONTS, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY } });
  return r.render().asPng();
}
