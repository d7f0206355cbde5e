// The tables of numpy's standard_normal: a 256-layer ziggurat over 52-bit mantissas
// (Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables", 2000), built
// here from the two constants that define it rather than pasted. Index 0 is the base strip
// with the tail; index i > 0 is the layer whose right edge is x_i, from the top (x near 0)
// down to x_255 = R. The widths, which every draw multiplies by, are numpy's own as recovered
// from its draws (ziggurat-widths.ts): numpy's differ from the constructed ones in the last
// bits. The accept thresholds and edge densities only decide draws within an ulp of a layer's
// edge, so the constructed ones serve. test/random.test.ts checks the draws against numpy's.

import { NUMPY_ZIGGURAT_WIDTHS } from './ziggurat-widths.ts';

/** The right edge of the bottom layer, where the tail starts (numpy's ziggurat_nor_r). */
export const ZIGGURAT_R = 3.6541528853610088;
/** 1 / ZIGGURAT_R (numpy's ziggurat_nor_inv_r). */
export const ZIGGURAT_INV_R = 0.27366123732975828;
/** The area of each layer. */
const LAYER_AREA = 0.004928673233974655;
const LAYERS = 256;
/** 2^52: the draws are 52-bit integers. */
const M = 4503599627370496;

export interface ZigguratTables {
  /** Accept x = r * w[i] at once when the 52-bit r is below k[i] (k as exact doubles). */
  k: Float64Array;
  /** The layer's width per unit of r (numpy's). */
  w: Float64Array;
  /** exp(-x^2 / 2) at the layer's edge. */
  f: Float64Array;
}

function buildTables(): ZigguratTables {
  const k = new Float64Array(LAYERS);
  const f = new Float64Array(LAYERS);
  let dn = ZIGGURAT_R;
  let tn = dn;
  const q = LAYER_AREA / Math.exp(-0.5 * dn * dn);
  k[0] = Math.trunc((dn / q) * M);
  k[1] = 0;
  f[0] = 1;
  f[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(LAYER_AREA / dn + Math.exp(-0.5 * dn * dn)));
    k[i + 1] = Math.trunc((dn / tn) * M);
    tn = dn;
    f[i] = Math.exp(-0.5 * dn * dn);
  }
  return { k, w: Float64Array.from(NUMPY_ZIGGURAT_WIDTHS), f };
}

export const ZIGGURAT: ZigguratTables = buildTables();
