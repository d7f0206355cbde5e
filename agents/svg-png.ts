// SVG to PNG through resvg (a maintained renderer: real fonts, anti-aliasing), with DejaVu Sans
// loaded from the dejavu-fonts-ttf package rather than the system, so a fresh machine renders
// the same text as this one.
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';

/** The family every plot's SVG names first (the PNG has only this font; a browser falls back to sans-serif). */
export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`));

export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY } });
  return r.render().asPng();
}
