// The 3-D renderer on plain scenes: which pixels a shape covers (computed from the camera's
// geometry here), depth order, shading by the light, a round silhouette, planes, near-plane
// clipping and meshes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Renderer3D } from '../../graphics/renderer3d.ts';
import type { Scene3D, SceneGeom, SceneLight } from '../../graphics/scene3d.ts';
import type { Frame } from '../../protocol/env-api.ts';

const SIZE = 64;
/** fovy 90: the focal length is half the frame, so a point at (x, d) ahead lands at 32 + 32 x / d. */
const FOCAL = SIZE / 2;
const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];
/** Towards +y from 5 m behind the origin, z up: +x is right on screen. */
const CAMERA = { pos: [0, -5, 0], forward: [0, 1, 0], up: [0, 0, 1], fovy: 90, near: 0.05 } as const;
const HEADLIGHT: SceneLight = { dir: [0, 1, 0], ambient: [0.1, 0.1, 0.1], diffuse: [0.6, 0.6, 0.6], specular: [0, 0, 0] };

function scene(geoms: SceneGeom[], lights: SceneLight[] = [HEADLIGHT], camera: Scene3D['camera'] = CAMERA): Scene3D {
  return { camera, lights, globalAmbient: [0, 0, 0], geoms, sky: [[0, 0, 0]] };
}

function box(pos: [number, number, number], size: [number, number, number], rgb: [number, number, number]): SceneGeom {
  return { type: 'box', pos, mat: IDENTITY, size, rgba: [...rgb, 1] };
}

const pixel = (f: Frame, x: number, y: number) => Array.from(f.data.subarray(3 * (y * f.width + x), 3 * (y * f.width + x) + 3));
const isBackground = (f: Frame, x: number, y: number) => pixel(f, x, y).every((c) => c === 0);

function covered(f: Frame): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < f.height; y++) for (let x = 0; x < f.width; x++) if (!isBackground(f, x, y)) out.add(`${x},${y}`);
  return out;
}

test('a box straight ahead covers exactly the pixels its front face projects to', () => {
  const r = new Renderer3D(SIZE, SIZE);
  // Half-size 1.3 at the origin: the front face at y = -1.3 is 3.7 m away.
  const f = r.render(scene([box([0, 0, 0], [1.3, 1.3, 1.3], [1, 1, 1])]));
  assert.equal(f.width, SIZE);
  assert.equal(f.data.length, SIZE * SIZE * 3);
  const half = (FOCAL * 1.3) / 3.7;
  const expected = new Set<string>();
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) if (Math.abs(x + 0.5 - 32) < half && Math.abs(y + 0.5 - 32) < half) expected.add(`${x},${y}`);
  }
  assert.deepEqual(covered(f), expected);
  // Lit by the headlight straight on: ambient + diffuse of a white face.
  assert.deepEqual(pixel(f, 32, 32), [178, 178, 178]);
});

test('the nearer geom wins wherever two overlap, whatever order they are drawn in', () => {
  const near = box([0.5, -2, 0], [0.5, 0.5, 0.5], [1, 0, 0]);
  const far = box([0, 0, 0], [1, 1, 1], [0, 0, 1]);
  for (const geoms of [
    [near, far],
    [far, near],
  ]) {
    const f = new Renderer3D(SIZE, SIZE).render(scene(geoms));
    // The near box's face (y = -2.5, 2.5 m away): x from 0 to 1 is pixels 32..44, z +-0.5 is 26..38.
    const [r, , b] = pixel(f, 36, 32);
    assert.ok(r > 0 && b === 0, `overlap shows the near box: ${pixel(f, 36, 32)}`);
    const [r2, , b2] = pixel(f, 27, 32);
    assert.ok(b2 > 0 && r2 === 0, `the far box shows beside it: ${pixel(f, 27, 32)}`);
  }
});

test('a surface facing the light is brighter than one turned away', () => {
  // Light from the right (travelling towards -x): the sphere's right side is lit.
  const light: SceneLight = { dir: [-1, 0, 0], ambient: [0.1, 0.1, 0.1], diffuse: [0.8, 0.8, 0.8], specular: [0, 0, 0] };
  const sphere: SceneGeom = { type: 'sphere', pos: [0, 0, 0], mat: IDENTITY, size: [1.5, 1.5, 1.5], rgba: [1, 1, 1, 1] };
  const f = new Renderer3D(SIZE, SIZE).render(scene([sphere], [light]));
  let left = 0;
  let right = 0;
  for (let y = 20; y < 44; y++) {
    for (let x = 20; x < 44; x++) {
      if (x < 30) left += pixel(f, x, y)[0];
      if (x > 34) right += pixel(f, x, y)[0];
    }
  }
  assert.ok(right > 2 * left, `right ${right} vs left ${left}`);
  // Across the lit side the light falls ever more squarely: brighter outwards (n.L grows).
  const row = Array.from({ length: 8 }, (_, i) => pixel(f, 33 + i, 32)[0]);
  for (let i = 1; i < row.length; i++) assert.ok(row[i] > row[i - 1], `brighter outwards: ${row}`);
  // The side facing away gets the ambient light only.
  assert.ok(
    pixel(f, 24, 32).every((c) => c === 25 || c === 26),
    `ambient only: ${pixel(f, 24, 32)}`,
  );
});

test("a sphere's silhouette is the disc its perspective projection predicts", () => {
  const radius = 1.5;
  const f = new Renderer3D(SIZE, SIZE).render(
    scene([{ type: 'sphere', pos: [0, 0, 0], mat: IDENTITY, size: [radius, radius, radius], rgba: [1, 1, 1, 1] }]),
  );
  // Seen from 5 m, the outline's half-angle is asin(r / d): a disc of radius focal * tan(that).
  const R = FOCAL * Math.tan(Math.asin(radius / 5));
  let count = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const d = Math.hypot(x + 0.5 - 32, y + 0.5 - 32);
      const on = !isBackground(f, x, y);
      if (on) count++;
      if (d < R - 0.75) assert.ok(on, `(${x}, ${y}) inside the disc is drawn`);
      if (d > R + 0.75) assert.ok(!on, `(${x}, ${y}) outside the disc is empty`);
    }
  }
  assert.ok(Math.abs(count - Math.PI * R * R) < 0.05 * Math.PI * R * R, `${count} pixels vs ${Math.PI * R * R}`);
});

test('an infinite plane below a level camera fills the lower half up to the horizon, with its texture', () => {
  const camera = { pos: [0, 0, 1], forward: [0, 1, 0], up: [0, 0, 1], fovy: 90, near: 0.05 } as const;
  // A 2x2 checker, one period per metre.
  const image = { width: 2, height: 2, data: Uint8Array.from([255, 255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 255]) };
  const plane: SceneGeom = {
    type: 'plane',
    pos: [0, 0, 0],
    mat: IDENTITY,
    size: [0, 0, 1],
    rgba: [1, 1, 1, 1],
    texture: { image, repeat: [1, 1], offset: [0, 0] },
  };
  const light: SceneLight = { dir: [0, 0, -1], ambient: [0, 0, 0], diffuse: [1, 1, 1], specular: [0, 0, 0] };
  const r = new Renderer3D(SIZE, SIZE);
  const f = r.render(scene([plane], [light], camera));
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) assert.equal(r.depth[y * SIZE + x] > 0, y >= 32, `(${x}, ${y}) is plane below the horizon only`);
  }
  // Each pixel's ray meets the plane at (a, 1) / -b, a and b its offsets from the centre over the
  // focal length; the texel there (white where the periods' halves agree) is its colour.
  let checked = 0;
  for (const y of [50, 52, 56, 60, 63]) {
    for (let x = 0; x < SIZE; x++) {
      const t = 1 / ((y + 0.5 - 32) / FOCAL);
      const u = (t * (x + 0.5 - 32)) / FOCAL;
      const fu = u - Math.floor(u);
      const fv = t - Math.floor(t);
      if ([fu, fv].some((q) => Math.min(Math.abs(q - 0.5), q, 1 - q) < 0.05)) continue; // on a square's edge
      const white = fu < 0.5 === fv < 0.5;
      assert.equal(pixel(f, x, y)[0], white ? 255 : 0, `checker at (${x}, ${y})`);
      checked++;
    }
  }
  assert.ok(checked > 100);
  // From below, the plane is not drawn.
  const below = new Renderer3D(SIZE, SIZE).render(scene([plane], [light], { ...camera, pos: [0, 0, -1] }));
  assert.equal(covered(below).size, 0);
});

test('triangles reaching behind the camera are clipped at the near plane, not dropped', () => {
  // A long slab under the camera, from 10 m behind it to 10 m ahead: its top face runs off the bottom edge.
  const slab = box([0, -5, -1.5], [1, 10, 0.5], [1, 1, 1]);
  const lightDown: SceneLight = { dir: [0, 0, -1], ambient: [0.2, 0.2, 0.2], diffuse: [0.8, 0.8, 0.8], specular: [0, 0, 0] };
  const f = new Renderer3D(SIZE, SIZE).render(scene([slab], [lightDown]));
  for (let x = 28; x < 36; x++) assert.ok(!isBackground(f, x, SIZE - 1), `bottom row at x ${x} shows the slab`);
});

test('a mesh cube covers what the box of the same size covers', () => {
  const vertices = new Float32Array(24);
  for (let i = 0; i < 8; i++) vertices.set([i & 1 ? 1 : -1, i & 2 ? 1 : -1, i & 4 ? 1 : -1], 3 * i);
  // Two counter-clockwise triangles per face, seen from outside.
  const faces = Int32Array.from([
    0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4, 2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5,
  ]);
  const mesh: SceneGeom = { type: 'mesh', pos: [0, 0, 0], mat: IDENTITY, rgba: [1, 1, 1, 1], mesh: { vertices, faces } };
  const fromMesh = covered(new Renderer3D(SIZE, SIZE).render(scene([mesh])));
  const fromBox = covered(new Renderer3D(SIZE, SIZE).render(scene([box([0, 0, 0], [1, 1, 1], [1, 1, 1])])));
  assert.deepEqual(fromMesh, fromBox);
  // Smooth normals: each corner's is the mean of its faces', (+-1, +-1, +-1) / sqrt 3, so the
  // headlight lights the front face's middle at 0.1 + 0.6 / sqrt 3.
  const f = new Renderer3D(SIZE, SIZE).render(scene([mesh]));
  assert.deepEqual(pixel(f, 32, 32), Array(3).fill(Math.floor(255 * (0.1 + 0.6 / Math.sqrt(3)))));
});

test('a translucent geom blends over what is behind it', () => {
  const back = box([0, 0, 0], [1, 1, 1], [0, 0, 1]);
  const glass: SceneGeom = { type: 'box', pos: [0, -2, 0], mat: IDENTITY, size: [0.5, 0.5, 0.5], rgba: [1, 0, 0, 0.5] };
  const f = new Renderer3D(SIZE, SIZE).render(scene([glass, back]));
  // Half the glass's lit red over the box's lit blue (both 0.7 of full, face-on to the headlight).
  const [r, g, b] = pixel(f, 32, 32);
  assert.ok(Math.abs(r - 89) <= 1 && g === 0 && Math.abs(b - 89) <= 1, `blended: ${pixel(f, 32, 32)}`);
});

/** The covered pixels' bounding box: width and height in pixels. */
function extent(f: Frame): { width: number; height: number } {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const key of covered(f)) {
    const [x, y] = key.split(',').map(Number);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

test('cylinder, capsule and ellipsoid silhouettes have the proportions of their sizes and orientation', () => {
  // Far away and zoomed in (fovy 10 on 128 pixels: ~731 pixels per unit of x / distance), so
  // perspective barely changes proportions: each extent is about focal * size / distance.
  const camera = { pos: [0, -40, 0], forward: [0, 1, 0], up: [0, 0, 1], fovy: 10, near: 0.05 } as const;
  const focal = 64 / Math.tan((5 * Math.PI) / 180);
  const draw = (geom: SceneGeom) => extent(new Renderer3D(128, 128).render(scene([geom], [HEADLIGHT], camera)));
  const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 2, `${what}: ${got} pixels, about ${want}`);
  // A cylinder standing up: 2 radii wide, 2 half-heights tall.
  const cylinder = draw({ type: 'cylinder', pos: [0, 0, 0], mat: IDENTITY, size: [0.5, 0.5, 1.5], rgba: [1, 1, 1, 1] });
  near(cylinder.width, (focal * 1) / 40, 'cylinder width');
  near(cylinder.height, (focal * 3) / 40, 'cylinder height');
  // A capsule lying along x (its z axis turned onto the world's x): half-length + radius each way.
  const turned = [0, 0, 1, 0, 1, 0, -1, 0, 0];
  const capsule = draw({ type: 'capsule', pos: [0, 0, 0], mat: turned, size: [0.4, 0.4, 1], rgba: [1, 1, 1, 1] });
  near(capsule.width, (focal * 2.8) / 40, 'capsule length');
  near(capsule.height, (focal * 0.8) / 40, 'capsule thickness');
  // An ellipsoid with its own three half-sizes.
  const ellipsoid = draw({ type: 'ellipsoid', pos: [0, 0, 0], mat: IDENTITY, size: [1.2, 0.3, 0.6], rgba: [1, 1, 1, 1] });
  near(ellipsoid.width, (focal * 2.4) / 40, 'ellipsoid width');
  near(ellipsoid.height, (focal * 1.2) / 40, 'ellipsoid height');
});
