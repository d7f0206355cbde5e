// Fixed-function lighting as OpenGL's (and so MuJoCo's classic renderer) computes it per
// vertex: colour * (global ambient + each light's ambient + its diffuse * max(0, n.L) +
// emission), plus a Blinn-Phong specular term; every light is directional.
import type { Scene3D } from './scene3d.ts';

/** The scene's lights flattened into typed arrays for the per-vertex loop. */
export class Lights {
  /** Unit vectors towards each light (minus its travel direction), xyz. */
  readonly toLight: Float64Array;
  readonly diffuse: Float64Array;
  readonly specular: Float64Array;
  readonly count: number;
  /** Global ambient plus every light's ambient, rgb. */
  readonly ambient: Float64Array;

  constructor(scene: Scene3D) {
    const n = scene.lights.length;
    this.count = n;
    this.toLight = new Float64Array(3 * n);
    this.diffuse = new Float64Array(3 * n);
    this.specular = new Float64Array(3 * n);
    this.ambient = Float64Array.from(scene.globalAmbient);
    scene.lights.forEach((light, i) => {
      const len = Math.hypot(light.dir[0], light.dir[1], light.dir[2]) || 1;
      for (let c = 0; c < 3; c++) {
        this.toLight[3 * i + c] = -light.dir[c] / len;
        this.diffuse[3 * i + c] = light.diffuse[c];
        this.specular[3 * i + c] = light.specular[c];
        this.ambient[c] += light.ambient[c];
      }
    });
  }

  /**
   * The lit colour (0..255 per channel) into out[at..at+2] of a surface of colour rgb (0..1) with
   * unit normal n at a point seen from the unit direction v (surface towards the eye).
   */
  shade(
    out: Float32Array,
    at: number,
    nx: number,
    ny: number,
    nz: number,
    vx: number,
    vy: number,
    vz: number,
    rgb: ArrayLike<number>,
    material: Material,
  ): void {
    let dr = this.ambient[0] + material.emission;
    let dg = this.ambient[1] + material.emission;
    let db = this.ambient[2] + material.emission;
    let sr = 0;
    let sg = 0;
    let sb = 0;
    const L = this.toLight;
    for (let i = 0, k = 0; i < this.count; i++, k += 3) {
      const lx = L[k];
      const ly = L[k + 1];
      const lz = L[k + 2];
      const ndl = nx * lx + ny * ly + nz * lz;
      if (ndl <= 0) continue;
      dr += this.diffuse[k] * ndl;
      dg += this.diffuse[k + 1] * ndl;
      db += this.diffuse[k + 2] * ndl;
      if (material.specular <= 0) continue;
      const hx = lx + vx;
      const hy = ly + vy;
      const hz = lz + vz;
      const hl = Math.sqrt(hx * hx + hy * hy + hz * hz);
      if (hl === 0) continue;
      const ndh = (nx * hx + ny * hy + nz * hz) / hl;
      if (ndh <= 0) continue;
      const s = material.specular * Math.pow(ndh, material.exponent);
      sr += this.specular[k] * s;
      sg += this.specular[k + 1] * s;
      sb += this.specular[k + 2] * s;
    }
    out[at] = channel(rgb[0] * dr + sr);
    out[at + 1] = channel(rgb[1] * dg + sg);
    out[at + 2] = channel(rgb[2] * db + sb);
  }
}

export interface Material {
  emission: number;
  specular: number;
  /** Blinn-Phong exponent: MuJoCo's shininess (0..1) times 128, as its renderer sets it. */
  exponent: number;
}

export function materialOf(geom: { emission?: number; specular?: number; shininess?: number }): Material {
  return { emission: geom.emission ?? 0, specular: geom.specular ?? 0, exponent: Math.max(1, 128 * (geom.shininess ?? 0)) };
}

/** 0..1 to 0..255, clamped. */
export function channel(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 255 : x * 255;
}
