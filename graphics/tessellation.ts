// Unit triangle meshes of the solid geom types, built once per process and shared: a geom's
// vertices are template ones scaled by its size and moved by its pose (renderer3d.ts).
// Each vertex has a position, a unit normal and an `offset` sign: a capsule's hemispheres are a
// unit sphere split at the equator, each half moved by +-half-length along z. Faces are
// counter-clockwise seen from outside.

export interface Template {
  /** xyz per vertex. */
  positions: Float32Array;
  /** Unit normal per vertex, xyz. */
  normals: Float32Array;
  /** -1, 0 or +1 per vertex: moved by that many half-lengths along z (capsule ends). */
  offsets: Float32Array;
  /** Vertex index triplets. */
  faces: Uint32Array;
  vertexCount: number;
}

/** Around the z axis. */
const SLICES = 24;
/** Pole to pole. */
const STACKS = 12;

class Builder {
  private readonly p: number[] = [];
  private readonly n: number[] = [];
  private readonly o: number[] = [];
  private readonly f: number[] = [];

  vertex(x: number, y: number, z: number, nx: number, ny: number, nz: number, offset = 0): number {
    this.p.push(x, y, z);
    this.n.push(nx, ny, nz);
    this.o.push(offset);
    return this.o.length - 1;
  }

  triangle(a: number, b: number, c: number): void {
    this.f.push(a, b, c);
  }

  /** Two triangles; a, b, c, d counter-clockwise from outside. */
  quad(a: number, b: number, c: number, d: number): void {
    this.triangle(a, b, c);
    this.triangle(a, c, d);
  }

  build(): Template {
    return {
      positions: Float32Array.from(this.p),
      normals: Float32Array.from(this.n),
      offsets: Float32Array.from(this.o),
      faces: Uint32Array.from(this.f),
      vertexCount: this.o.length,
    };
  }
}

/** Rings of latitude (radians, descending from +pi/2), each with its offset; joined by bands. */
function lathe(latitudes: ReadonlyArray<readonly [number, number]>): Template {
  const b = new Builder();
  const rings: number[][] = latitudes.map(([lat, offset]) => {
    const ring: number[] = [];
    const z = Math.sin(lat);
    const r = Math.cos(lat);
    for (let s = 0; s <= SLICES; s++) {
      const a = (2 * Math.PI * s) / SLICES;
      const x = r * Math.cos(a);
      const y = r * Math.sin(a);
      ring.push(b.vertex(x, y, z, x, y, z, offset));
    }
    return ring;
  });
  for (let k = 0; k + 1 < rings.length; k++) {
    const upper = rings[k];
    const lower = rings[k + 1];
    for (let s = 0; s < SLICES; s++) b.quad(upper[s], lower[s], lower[s + 1], upper[s + 1]);
  }
  return b.build();
}

function sphere(): Template {
  const lats: [number, number][] = [];
  for (let k = 0; k <= STACKS; k++) lats.push([Math.PI / 2 - (Math.PI * k) / STACKS, 0]);
  return lathe(lats);
}

/** A unit sphere cut at the equator: the upper half offset +1, the lower -1, a band between. */
function capsule(): Template {
  const lats: [number, number][] = [];
  const half = STACKS / 2;
  for (let k = 0; k <= half; k++) lats.push([Math.PI / 2 - (Math.PI * k) / STACKS, 1]);
  for (let k = half; k <= STACKS; k++) lats.push([Math.PI / 2 - (Math.PI * k) / STACKS, -1]);
  return lathe(lats);
}

/** Radius 1, z from -1 to 1, with flat caps. */
function cylinder(): Template {
  const b = new Builder();
  const top: number[] = [];
  const bottom: number[] = [];
  const topCap: number[] = [];
  const bottomCap: number[] = [];
  for (let s = 0; s <= SLICES; s++) {
    const a = (2 * Math.PI * s) / SLICES;
    const x = Math.cos(a);
    const y = Math.sin(a);
    top.push(b.vertex(x, y, 1, x, y, 0));
    bottom.push(b.vertex(x, y, -1, x, y, 0));
    topCap.push(b.vertex(x, y, 1, 0, 0, 1));
    bottomCap.push(b.vertex(x, y, -1, 0, 0, -1));
  }
  const topCentre = b.vertex(0, 0, 1, 0, 0, 1);
  const bottomCentre = b.vertex(0, 0, -1, 0, 0, -1);
  for (let s = 0; s < SLICES; s++) {
    b.quad(top[s], bottom[s], bottom[s + 1], top[s + 1]);
    b.triangle(topCentre, topCap[s], topCap[s + 1]);
    b.triangle(bottomCentre, bottomCap[s + 1], bottomCap[s]);
  }
  return b.build();
}

/** Half-sizes 1: the cube from -1 to 1, four vertices per face so each face has its normal. */
function box(): Template {
  const b = new Builder();
  for (let axis = 0; axis < 3; axis++) {
    for (const sign of [1, -1]) {
      const n = [0, 0, 0];
      n[axis] = sign;
      // u, v: the other two axes, ordered so that u x v = n (counter-clockwise from outside).
      const u = [0, 0, 0];
      const v = [0, 0, 0];
      u[(axis + 1) % 3] = sign;
      v[(axis + 2) % 3] = 1;
      const corner = (cu: number, cv: number) =>
        b.vertex(n[0] + cu * u[0] + cv * v[0], n[1] + cu * u[1] + cv * v[1], n[2] + cu * u[2] + cv * v[2], n[0], n[1], n[2]);
      b.quad(corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1));
    }
  }
  return b.build();
}

let templates: Record<'sphere' | 'capsule' | 'cylinder' | 'box', Template> | null = null;

/** The template of a solid geom type (an ellipsoid is a scaled sphere). */
export function templateOf(type: 'sphere' | 'capsule' | 'cylinder' | 'ellipsoid' | 'box'): Template {
  templates ??= { sphere: sphere(), capsule: capsule(), cylinder: cylinder(), box: box() };
  return templates[type === 'ellipsoid' ? 'sphere' : type];
}

const meshTemplates = new WeakMap<object, Template>();

/**
 * A mesh as a template, with smooth normals: each vertex's is the sum of its faces' unit normals
 * weighted by the face's angle at that vertex (so a face's triangulation does not matter); cached per mesh.
 */
export function meshTemplate(mesh: { vertices: Float32Array; faces: Int32Array }): Template {
  const cached = meshTemplates.get(mesh);
  if (cached) return cached;
  const { vertices, faces } = mesh;
  const count = vertices.length / 3;
  const normals = new Float32Array(vertices.length);
  const corner = (at: number, p: number, q: number, nx: number, ny: number, nz: number) => {
    const ux = vertices[p] - vertices[at];
    const uy = vertices[p + 1] - vertices[at + 1];
    const uz = vertices[p + 2] - vertices[at + 2];
    const vx = vertices[q] - vertices[at];
    const vy = vertices[q + 1] - vertices[at + 1];
    const vz = vertices[q + 2] - vertices[at + 2];
    const lengths = Math.hypot(ux, uy, uz) * Math.hypot(vx, vy, vz);
    if (lengths === 0) return;
    const angle = Math.acos(Math.max(-1, Math.min(1, (ux * vx + uy * vy + uz * vz) / lengths)));
    normals[at] += nx * angle;
    normals[at + 1] += ny * angle;
    normals[at + 2] += nz * angle;
  };
  for (let f = 0; f + 2 < faces.length; f += 3) {
    const a = 3 * faces[f];
    const b = 3 * faces[f + 1];
    const c = 3 * faces[f + 2];
    const ux = vertices[b] - vertices[a];
    const uy = vertices[b + 1] - vertices[a + 1];
    const uz = vertices[b + 2] - vertices[a + 2];
    const vx = vertices[c] - vertices[a];
    const vy = vertices[c + 1] - vertices[a + 1];
    const vz = vertices[c + 2] - vertices[a + 2];
    let nx = uy * vz - uz * vy;
    let ny = uz * vx - ux * vz;
    let nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz);
    if (len === 0) continue;
    nx /= len;
    ny /= len;
    nz /= len;
    corner(a, b, c, nx, ny, nz);
    corner(b, c, a, nx, ny, nz);
    corner(c, a, b, nx, ny, nz);
  }
  for (let i = 0; i < normals.length; i += 3) {
    const len = Math.hypot(normals[i], normals[i + 1], normals[i + 2]) || 1;
    normals[i] /= len;
    normals[i + 1] /= len;
    normals[i + 2] /= len;
  }
  const template: Template = {
    positions: vertices,
    normals,
    offsets: new Float32Array(count),
    faces: Uint32Array.from(faces),
    vertexCount: count,
  };
  meshTemplates.set(mesh, template);
  return template;
}
