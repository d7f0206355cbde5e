// A small z-buffered software renderer for Scene3D descriptions (scene3d.ts): solid geoms as
// triangle meshes (tessellation.ts) lit per vertex (lighting.ts) and interpolated across each
// triangle (Gouraud), planes ray-cast per pixel (exact at any distance, textured, no near-plane
// clipping to do), the sky behind both. No shadows, reflections or anti-aliasing.
//
// Screen: y down, pixel (x, y) covered when its centre (x + 0.5, y + 0.5) is inside. Depth is
// stored as 1 / (distance along the view direction), which is linear in screen space: larger
// is nearer, 0 is nothing drawn. Buffers and per-vertex scratch arrays are kept between frames.
import type { Frame } from '../protocol/env-api.ts';
import type { MeshGeom, PlaneGeom, Scene3D, SceneGeom, SolidGeom } from './scene3d.ts';
import { PlaneRaster } from './plane-raster.ts';
import { Lights, channel, materialOf, type Material } from './lighting.ts';
import { meshTemplate, templateOf, type Template } from './tessellation.ts';

/** Per vertex in the scratch arrays: camera-space x, y, z; screen x, y, 1/z; r, g, b. */
const STRIDE = 9;
/** Sky colours are looked up in a table of this many entries. */
const SKY_STEPS = 256;
/** The sky's elevation is computed exactly every this many pixels along a row. */
const SKY_STRIDE = 8;

export class Renderer3D {
  readonly width: number;
  readonly height: number;
  /** RGB bytes, row-major, y down. */
  readonly color: Uint8Array;
  /** 1 / depth per pixel (0: nothing). */
  readonly depth: Float32Array;
  private verts = new Float32Array(STRIDE * 512);
  /** A near-clipped triangle: up to 4 vertices. */
  private readonly clipped = new Float32Array(STRIDE * 4);
  private readonly skyTable = new Float32Array(3 * SKY_STEPS);
  private readonly rows: [Float32Array, Float32Array];
  // The camera of the frame being drawn.
  private eye = [0, 0, 0];
  private fwd = [0, 0, 1];
  private up = [0, 1, 0];
  private right = [1, 0, 0];
  private focal = 1;
  private near = 0.01;
  private lights: Lights | null = null;

  constructor(width: number, height: number) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`render size must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.color = new Uint8Array(width * height * 3);
    this.depth = new Float32Array(width * height);
    this.rows = [new Float32Array(width), new Float32Array(width)];
  }

  /** Draws the scene; the frame's data is a copy. */
  render(scene: Scene3D): Frame {
    this.setCamera(scene);
    this.lights = new Lights(scene);
    this.depth.fill(0);
    const transparent: SceneGeom[] = [];
    for (const geom of scene.geoms) {
      if (geom.rgba[3] < 1) transparent.push(geom);
      else this.drawGeom(geom, 1);
    }
    // The sky where nothing opaque was drawn, before the transparent geoms blend over it.
    this.drawSky(scene);
    // Far to near, each blended over what is already drawn (and not written to the depth buffer).
    transparent.sort((a, b) => this.distance(b) - this.distance(a));
    for (const geom of transparent) if (geom.rgba[3] > 0) this.drawGeom(geom, geom.rgba[3]);
    return { width: this.width, height: this.height, data: this.color.slice() };
  }

  private distance(geom: SceneGeom): number {
    return Math.hypot(geom.pos[0] - this.eye[0], geom.pos[1] - this.eye[1], geom.pos[2] - this.eye[2]);
  }

  private drawGeom(geom: SceneGeom, alpha: number): void {
    if (geom.type === 'plane') this.drawPlane(geom, alpha);
    else this.drawSolid(geom, alpha);
  }

  private setCamera(scene: Scene3D): void {
    const c = scene.camera;
    this.eye = [...c.pos];
    this.fwd = normalize([...c.forward]);
    // Up made exactly perpendicular to forward; right = forward x up (x right, y up, z ahead).
    const f = this.fwd;
    const d = c.up[0] * f[0] + c.up[1] * f[1] + c.up[2] * f[2];
    this.up = normalize([c.up[0] - d * f[0], c.up[1] - d * f[1], c.up[2] - d * f[2]]);
    const u = this.up;
    this.right = [f[1] * u[2] - f[2] * u[1], f[2] * u[0] - f[0] * u[2], f[0] * u[1] - f[1] * u[0]];
    this.focal = this.height / 2 / Math.tan((c.fovy * Math.PI) / 360);
    this.near = c.near > 0 ? c.near : 1e-3;
  }

  /** Every pixel left empty gets the sky colour of its view ray's elevation. */
  private drawSky(scene: Scene3D): void {
    const sky = scene.sky.length > 0 ? scene.sky : [[0, 0, 0] as const];
    const table = this.skyTable;
    for (let i = 0; i < SKY_STEPS; i++) {
      const x = (i / (SKY_STEPS - 1)) * (sky.length - 1);
      const k = Math.min(Math.floor(x), Math.max(0, sky.length - 2));
      const t = sky.length === 1 ? 0 : x - k;
      for (let c = 0; c < 3; c++) {
        const a = sky[k][c];
        const b = sky[Math.min(k + 1, sky.length - 1)][c];
        table[3 * i + c] = channel(a + (b - a) * t);
      }
    }
    const { width: W, height: H, focal, color, depth } = this;
    const [fx, fy, fz] = this.fwd;
    const [ux, uy, uz] = this.up;
    const [rx, ry, rz] = this.right;
    const half = (SKY_STEPS - 1) / 2;
    // The sine of the ray's elevation, exact every SKY_STRIDE pixels and linear in between (it
    // varies slowly along a row), into the table.
    const sine = (a: number, dx0: number, dy0: number, dz0: number) => {
      const dx = dx0 + a * rx;
      const dy = dy0 + a * ry;
      const dz = dz0 + a * rz;
      return dz / Math.sqrt(dx * dx + dy * dy + dz * dz);
    };
    for (let py = 0, idx = 0; py < H; py++) {
      const b = (H / 2 - py - 0.5) / focal;
      const dx0 = fx + b * ux;
      const dy0 = fy + b * uy;
      const dz0 = fz + b * uz;
      let s1 = sine((0.5 - W / 2) / focal, dx0, dy0, dz0);
      for (let px0 = 0; px0 < W; px0 += SKY_STRIDE) {
        const s0 = s1;
        s1 = sine((px0 + SKY_STRIDE + 0.5 - W / 2) / focal, dx0, dy0, dz0);
        const ds = (s1 - s0) / SKY_STRIDE;
        const end = Math.min(W, px0 + SKY_STRIDE);
        for (let px = px0; px < end; px++, idx++) {
          if (depth[idx] !== 0) continue;
          const s = s0 + (px - px0) * ds;
          const i = 3 * ((s * half + half + 0.5) | 0);
          const o = 3 * idx;
          color[o] = table[i];
          color[o + 1] = table[i + 1];
          color[o + 2] = table[i + 2];
        }
      }
    }
  }

  /** Ray-casts the plane at every pixel: exact depth and texture, whatever its extent. */
  private drawPlane(geom: PlaneGeom, alpha: number): void {
    const m = geom.mat;
    const [px0, py0, pz0] = geom.pos;
    const nx = m[2];
    const ny = m[5];
    const nz = m[8];
    const ex = this.eye[0] - px0;
    const ey = this.eye[1] - py0;
    const ez = this.eye[2] - pz0;
    const height = ex * nx + ey * ny + ez * nz;
    if (!(height > 0)) return; // seen from behind (or edge-on): not drawn
    const base = new Float32Array(3);
    this.lights!.shade(base, 0, nx, ny, nz, 0, 0, 0, geom.rgba, { ...materialOf(geom), specular: 0 });
    const raster = new PlaneRaster(this, geom, height, [ex, ey, ez]);
    raster.draw(base, alpha);
  }

  private drawSolid(geom: SolidGeom | MeshGeom, alpha: number): void {
    let template: Template;
    let sx = 1;
    let sy = 1;
    let sz = 1;
    let half = 0;
    if (geom.type === 'mesh') template = meshTemplate(geom.mesh);
    else {
      template = templateOf(geom.type);
      [sx, sy, sz] = geom.size;
      // A capsule's ends are hemispheres of its radius, moved out by the cylinder's half-length.
      if (geom.type === 'capsule') [sz, half] = [Math.min(sx, sy), sz];
    }
    if (!(sx > 0 && sy > 0 && sz > 0)) return;
    if (!this.transformVertices(geom, template, sx, sy, sz, half)) return;
    const faces = template.faces;
    const v = this.verts;
    const near = this.near;
    for (let f = 0; f < faces.length; f += 3) {
      const a = STRIDE * faces[f];
      const b = STRIDE * faces[f + 1];
      const c = STRIDE * faces[f + 2];
      const inside = (v[a + 2] >= near ? 1 : 0) + (v[b + 2] >= near ? 1 : 0) + (v[c + 2] >= near ? 1 : 0);
      if (inside === 3) this.triangle(v, a, v, b, v, c, alpha);
      else if (inside > 0) this.clippedTriangle(a, b, c, alpha);
    }
  }

  /**
   * Template vertices scaled, offset, posed, lit and projected into the scratch array. False
   * when the geom's bounding sphere is wholly behind the near plane (nothing to draw).
   */
  private transformVertices(geom: SolidGeom | MeshGeom, t: Template, sx: number, sy: number, sz: number, half: number): boolean {
    const m = geom.mat;
    const [gx, gy, gz] = geom.pos;
    const [ex, ey, ez] = this.eye;
    const [fx, fy, fz] = this.fwd;
    const [ux, uy, uz] = this.up;
    const [rx, ry, rz] = this.right;
    const centreDepth = (gx - ex) * fx + (gy - ey) * fy + (gz - ez) * fz;
    if (geom.type !== 'mesh' && centreDepth + Math.max(sx, sy, sz) + half < this.near) return false;
    const n = t.vertexCount;
    if (this.verts.length < STRIDE * n) this.verts = new Float32Array(STRIDE * n);
    const v = this.verts;
    const P = t.positions;
    const N = t.normals;
    const O = t.offsets;
    const lights = this.lights!;
    const material: Material = materialOf(geom);
    const focal = this.focal;
    const cx = this.width / 2;
    const cy = this.height / 2;
    for (let i = 0, k = 0, o = 0; i < n; i++, k += 3, o += STRIDE) {
      const lx = P[k] * sx;
      const ly = P[k + 1] * sy;
      const lz = P[k + 2] * sz + O[i] * half;
      const wx = gx + m[0] * lx + m[1] * ly + m[2] * lz;
      const wy = gy + m[3] * lx + m[4] * ly + m[5] * lz;
      const wz = gz + m[6] * lx + m[7] * ly + m[8] * lz;
      // A scaled shape's normal scales by the inverse.
      let nlx = N[k] / sx;
      let nly = N[k + 1] / sy;
      let nlz = N[k + 2] / sz;
      const nl = Math.sqrt(nlx * nlx + nly * nly + nlz * nlz) || 1;
      nlx /= nl;
      nly /= nl;
      nlz /= nl;
      const nwx = m[0] * nlx + m[1] * nly + m[2] * nlz;
      const nwy = m[3] * nlx + m[4] * nly + m[5] * nlz;
      const nwz = m[6] * nlx + m[7] * nly + m[8] * nlz;
      const dx = wx - ex;
      const dy = wy - ey;
      const dz = wz - ez;
      const xc = dx * rx + dy * ry + dz * rz;
      const yc = dx * ux + dy * uy + dz * uz;
      const zc = dx * fx + dy * fy + dz * fz;
      v[o] = xc;
      v[o + 1] = yc;
      v[o + 2] = zc;
      if (zc > 0) {
        v[o + 3] = cx + (focal * xc) / zc;
        v[o + 4] = cy - (focal * yc) / zc;
        v[o + 5] = 1 / zc;
      }
      const dl = Math.sqrt(dx * dx + dy * dy + dz * dz) || 1;
      lights.shade(v, o + 6, nwx, nwy, nwz, -dx / dl, -dy / dl, -dz / dl, geom.rgba, material);
    }
    return true;
  }

  /** A triangle crossing the near plane: the part in front, as a fan of up to two triangles. */
  private clippedTriangle(a: number, b: number, c: number, alpha: number): void {
    const v = this.verts;
    const out = this.clipped;
    const near = this.near;
    const corners = [a, b, c];
    let count = 0;
    for (let i = 0; i < 3; i++) {
      const p = corners[i];
      const q = corners[(i + 1) % 3];
      const pIn = v[p + 2] >= near;
      const qIn = v[q + 2] >= near;
      if (pIn) {
        out.set(v.subarray(p, p + STRIDE), STRIDE * count++);
      }
      if (pIn !== qIn) {
        const t = (near - v[p + 2]) / (v[q + 2] - v[p + 2]);
        const o = STRIDE * count++;
        for (let k = 0; k < STRIDE; k++) out[o + k] = v[p + k] + t * (v[q + k] - v[p + k]);
        out[o + 2] = near;
      }
    }
    const cx = this.width / 2;
    const cy = this.height / 2;
    for (let i = 0, o = 0; i < count; i++, o += STRIDE) {
      out[o + 3] = cx + (this.focal * out[o]) / out[o + 2];
      out[o + 4] = cy - (this.focal * out[o + 1]) / out[o + 2];
      out[o + 5] = 1 / out[o + 2];
    }
    for (let i = 1; i + 1 < count; i++) this.triangle(out, 0, out, STRIDE * i, out, STRIDE * (i + 1), alpha);
  }

  /**
   * Fills a projected triangle facing the camera (back faces are skipped: every shape is closed),
   * depth-tested, colours interpolated; alpha < 1 blends and leaves the depth buffer alone.
   */
  private triangle(A: Float32Array, a: number, B: Float32Array, b: number, C: Float32Array, c: number, alpha: number): void {
    const x0 = A[a + 3];
    const y0 = A[a + 4];
    let x1 = B[b + 3];
    let y1 = B[b + 4];
    let x2 = C[c + 3];
    let y2 = C[c + 4];
    // Counter-clockwise in the world is clockwise on a y-down screen: negative area faces us.
    let area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (!(area < 0)) return;
    // Swap 1 and 2 so the area is positive and the edge functions are >= 0 inside.
    [x1, x2] = [x2, x1];
    [y1, y2] = [y2, y1];
    const [P1, p1, P2, p2] = [C, c, B, b];
    area = -area;
    const W = this.width;
    const minX = Math.max(0, Math.floor(Math.min(x0, x1, x2)));
    const maxX = Math.min(W - 1, Math.ceil(Math.max(x0, x1, x2)));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1, y2)));
    const maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1, y2)));
    if (minX > maxX || minY > maxY) return;
    const inv = 1 / area;
    const z0 = A[a + 5];
    const z1 = P1[p1 + 5];
    const z2 = P2[p2 + 5];
    const r0 = A[a + 6];
    const g0 = A[a + 7];
    const b0 = A[a + 8];
    const r1 = P1[p1 + 6];
    const g1 = P1[p1 + 7];
    const b1 = P1[p1 + 8];
    const r2 = P2[p2 + 6];
    const g2 = P2[p2 + 7];
    const b2 = P2[p2 + 8];
    // Edge functions at the first pixel centre and their steps along x and y.
    const sx = minX + 0.5;
    const sy = minY + 0.5;
    let w0Row = (x2 - x1) * (sy - y1) - (y2 - y1) * (sx - x1);
    let w1Row = (x0 - x2) * (sy - y2) - (y0 - y2) * (sx - x2);
    let w2Row = (x1 - x0) * (sy - y0) - (y1 - y0) * (sx - x0);
    const w0dx = -(y2 - y1);
    const w1dx = -(y0 - y2);
    const w2dx = -(y1 - y0);
    const w0dy = x2 - x1;
    const w1dy = x0 - x2;
    const w2dy = x1 - x0;
    // Top-left rule: a pixel centre exactly on an edge belongs to the triangle that edge bounds on
    // its left or top, so triangles sharing an edge never both draw it (a translucent one blends once).
    const in0 = w0dx > 0 || (w0dx === 0 && w0dy > 0) ? 0 : Number.MIN_VALUE;
    const in1 = w1dx > 0 || (w1dx === 0 && w1dy > 0) ? 0 : Number.MIN_VALUE;
    const in2 = w2dx > 0 || (w2dx === 0 && w2dy > 0) ? 0 : Number.MIN_VALUE;
    const depth = this.depth;
    const color = this.color;
    const blend = alpha < 1;
    for (let py = minY; py <= maxY; py++) {
      let w0 = w0Row;
      let w1 = w1Row;
      let w2 = w2Row;
      let idx = py * W + minX;
      for (let px = minX; px <= maxX; px++, idx++) {
        if (w0 >= in0 && w1 >= in1 && w2 >= in2) {
          const l0 = w0 * inv;
          const l1 = w1 * inv;
          const l2 = w2 * inv;
          const iz = l0 * z0 + l1 * z1 + l2 * z2;
          if (iz > depth[idx]) {
            const o = 3 * idx;
            const r = l0 * r0 + l1 * r1 + l2 * r2;
            const g = l0 * g0 + l1 * g1 + l2 * g2;
            const bl = l0 * b0 + l1 * b1 + l2 * b2;
            if (blend) {
              color[o] = color[o] + (r - color[o]) * alpha;
              color[o + 1] = color[o + 1] + (g - color[o + 1]) * alpha;
              color[o + 2] = color[o + 2] + (bl - color[o + 2]) * alpha;
            } else {
              depth[idx] = iz;
              color[o] = r;
              color[o + 1] = g;
              color[o + 2] = bl;
            }
          }
        }
        w0 += w0dx;
        w1 += w1dx;
        w2 += w2dx;
      }
      w0Row += w0dy;
      w1Row += w1dy;
      w2Row += w2dy;
    }
  }

  /** A row-long scratch array (two of them: 0 and 1), kept between frames. */
  scratchRow(which: 0 | 1): Float32Array {
    return this.rows[which];
  }

  /** The camera of the frame being drawn, for PlaneRaster. */
  view(): { eye: number[]; fwd: number[]; up: number[]; right: number[]; focal: number; near: number } {
    return { eye: this.eye, fwd: this.fwd, up: this.up, right: this.right, focal: this.focal, near: this.near };
  }
}

function normalize(v: number[]): number[] {
  const len = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / len, v[1] / len, v[2] / len];
}
