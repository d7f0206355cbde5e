// One plane's per-pixel pass for renderer3d.ts: each pixel's view ray meets the plane (z = 0 of
// its frame, seen from +z) at a depth and a texture coordinate, exactly at any distance and with
// no near-plane clipping to do; the texture fades to its mean colour where a pixel spans much of
// a period (what mipmaps do).
import type { PlaneGeom, SceneTexture } from './scene3d.ts';

/** What the pass draws into: the frame's buffers and camera (a Renderer3D). */
export interface PlaneTarget {
  readonly width: number;
  readonly height: number;
  readonly color: Uint8Array;
  readonly depth: Float32Array;
  /** A row-long scratch array (two of them: 0 and 1). */
  scratchRow(which: 0 | 1): Float32Array;
  view(): { fwd: number[]; up: number[]; right: number[]; focal: number; near: number };
}

/** One plane's per-pixel pass: the ray of each pixel meets the plane at a depth and texture coordinate. */
export class PlaneRaster {
  constructor(
    private readonly r: PlaneTarget,
    private readonly geom: PlaneGeom,
    /** Eye's height above the plane. */
    private readonly height: number,
    /** Eye minus the plane's centre. */
    private readonly rel: readonly [number, number, number],
  ) {}

  draw(base: Float32Array, alpha: number): void {
    const { fwd, up, right, focal, near } = this.r.view();
    const m = this.geom.mat;
    const W = this.r.width;
    const H = this.r.height;
    const axis = (col: number) => [m[col], m[3 + col], m[6 + col]];
    const N = axis(2);
    const X = axis(0);
    const Y = axis(1);
    const dot = (p: readonly number[], q: readonly number[]) => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
    // Along a row, n.dir, x.dir and y.dir grow linearly with the pixel's a = (px + 0.5 - W/2) / focal.
    const nR = dot(N, right);
    const xR = dot(X, right);
    const yR = dot(Y, right);
    const eyeX = dot(this.rel, X);
    const eyeY = dot(this.rel, Y);
    const [halfX, halfY] = this.geom.size;
    const tex = this.geom.texture;
    const texture = tex ? samplerOf(tex.image) : null;
    const [repX, repY] = tex ? tex.repeat : [0, 0];
    const [offX, offY] = tex ? tex.offset : [0, 0];
    // The texture coordinates of the row above, per column: with the pixel to the left, how much
    // of the texture a pixel spans.
    const aboveS = this.r.scratchRow(0);
    const aboveT = this.r.scratchRow(1);
    const depth = this.r.depth;
    const color = this.r.color;
    const blend = alpha < 1;
    const height = this.height;
    const [br, bg, bb] = base;
    const texels = texture ? texture.texels : null;
    const [tw, th] = texture ? [texture.width, texture.height] : [0, 0];
    const [mr, mg, mb] = texture ? texture.mean : [0, 0, 0];
    let haveAbove = false;
    for (let py = 0; py < H; py++) {
      const b = (H / 2 - py - 0.5) / focal;
      const nRow = N[0] * (fwd[0] + b * up[0]) + N[1] * (fwd[1] + b * up[1]) + N[2] * (fwd[2] + b * up[2]);
      const xRow = X[0] * (fwd[0] + b * up[0]) + X[1] * (fwd[1] + b * up[1]) + X[2] * (fwd[2] + b * up[2]);
      const yRow = Y[0] * (fwd[0] + b * up[0]) + Y[1] * (fwd[1] + b * up[1]) + Y[2] * (fwd[2] + b * up[2]);
      let lastS = NaN;
      let lastT = NaN;
      let hitRow = false;
      for (let px = 0, idx = py * W; px < W; px++, idx++) {
        const a = (px + 0.5 - W / 2) / focal;
        const dn = nRow + a * nR;
        // The ray's depth along the view direction where it meets the plane (none when it points away).
        if (!(dn < 0)) continue;
        const t = -height / dn;
        if (t < near) continue;
        hitRow = true;
        const u = eyeX + t * (xRow + a * xR);
        const v = eyeY + t * (yRow + a * yR);
        let s = 0;
        let tt = 0;
        let fade = 0;
        if (texels) {
          s = offX + repX * u;
          tt = offY + repY * v;
          // Periods of the texture one pixel spans, from its neighbours left and above.
          let span = 0;
          if (lastS === lastS) span = Math.max(Math.abs(s - lastS), Math.abs(tt - lastT));
          if (haveAbove) span = Math.max(span, Math.abs(s - aboveS[px]), Math.abs(tt - aboveT[px]));
          lastS = aboveS[px] = s;
          lastT = aboveT[px] = tt;
          // Fully the mean colour once a pixel spans half a period (a checker square under a pixel).
          fade = span > FADE_START ? Math.min(1, (span - FADE_START) / (FADE_END - FADE_START)) : 0;
        }
        const iz = 1 / t;
        if (!(iz > depth[idx])) continue;
        if ((halfX > 0 && Math.abs(u) > halfX) || (halfY > 0 && Math.abs(v) > halfY)) continue;
        let cr = br;
        let cg = bg;
        let cb = bb;
        if (texels) {
          const ix = ((s - Math.floor(s)) * tw) | 0;
          const iy = ((tt - Math.floor(tt)) * th) | 0;
          const k = 3 * ((iy < th ? iy : th - 1) * tw + (ix < tw ? ix : tw - 1));
          const keep = 1 - fade;
          cr *= texels[k] * keep + mr * fade;
          cg *= texels[k + 1] * keep + mg * fade;
          cb *= texels[k + 2] * keep + mb * fade;
        }
        const o = 3 * idx;
        if (blend) {
          color[o] = color[o] + (cr - color[o]) * alpha;
          color[o + 1] = color[o + 1] + (cg - color[o + 1]) * alpha;
          color[o + 2] = color[o + 2] + (cb - color[o + 2]) * alpha;
        } else {
          depth[idx] = iz;
          color[o] = cr;
          color[o + 1] = cg;
          color[o + 2] = cb;
        }
      }
      haveAbove = hitRow;
    }
  }
}

/** Where a texture starts fading to its mean colour, and is all mean: periods spanned by one pixel. */
const FADE_START = 0.125;
const FADE_END = 0.5;

/** A texture's texels as 0..1 floats, with their mean: what the plane pass samples. */
class TextureSampler {
  readonly texels: Float32Array;
  readonly mean: [number, number, number] = [0, 0, 0];
  readonly width: number;
  readonly height: number;

  constructor(image: SceneTexture) {
    this.width = image.width;
    this.height = image.height;
    const n = image.width * image.height;
    this.texels = new Float32Array(3 * n);
    for (let i = 0; i < 3 * n; i++) {
      this.texels[i] = image.data[i] / 255;
      this.mean[i % 3] += this.texels[i] / n;
    }
  }
}

const samplers = new WeakMap<SceneTexture, TextureSampler>();

/** The sampler of a texture, built once per texture object. */
function samplerOf(image: SceneTexture): TextureSampler {
  let sampler = samplers.get(image);
  if (!sampler) samplers.set(image, (sampler = new TextureSampler(image)));
  return sampler;
}
