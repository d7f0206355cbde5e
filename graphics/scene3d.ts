// A plain description of a 3-D scene for graphics/renderer3d.ts: a perspective camera, lights,
// a sky and solid geoms. It follows MuJoCo's conventions (z up, geom sizes as MuJoCo's
// mjvGeom holds them, 3x3 orientation matrices row-major) without importing MuJoCo: the
// MuJoCo envs convert MuJoCo's own computed scene (mjv_updateScene) into it.

/** x, y, z. */
export type Vec3 = readonly [number, number, number];
/** Colour components in 0..1. */
export type Color = readonly [number, number, number];

export interface SceneCamera {
  /** Eye position (world). */
  pos: Vec3;
  /** Unit viewing direction. */
  forward: Vec3;
  /** Unit up direction, perpendicular to forward. */
  up: Vec3;
  /** Vertical field of view, degrees; the horizontal one follows from the frame's aspect. */
  fovy: number;
  /** Near clipping distance along forward (> 0). */
  near: number;
}

export interface SceneLight {
  /**
   * Unit direction the light travels. Every light shades as a directional one (a spot or
   * point light by this direction): no attenuation, no cone.
   */
  dir: Vec3;
  ambient: Color;
  diffuse: Color;
  specular: Color;
}

/** A texture of `width` x `height` RGB texels, row-major (3 bytes each). */
export interface SceneTexture {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A triangle mesh in its own frame: vertex xyz triplets, and faces as vertex index triplets. */
export interface SceneMesh {
  vertices: Float32Array;
  faces: Int32Array;
}

interface GeomBase {
  /** Centre (world). */
  pos: Vec3;
  /** Orientation, row-major 3x3: world = pos + mat * local. */
  mat: ArrayLike<number>;
  /** Colour and opacity (alpha < 1 blends over what is behind). */
  rgba: readonly [number, number, number, number];
  /** Self-lit share of the colour (MuJoCo's emission). */
  emission?: number;
  /** Strength of the specular highlight, 0..1, and its sharpness, 0..1 (MuJoCo's material). */
  specular?: number;
  shininess?: number;
}

/**
 * Sizes as MuJoCo's mjvGeom holds them, half-extents along the geom's x, y, z: sphere [r, r, r],
 * capsule [r, r, half-length of its cylinder], cylinder [r, r, half-height], ellipsoid and box half-sizes.
 */
export interface SolidGeom extends GeomBase {
  type: 'sphere' | 'capsule' | 'cylinder' | 'ellipsoid' | 'box';
  size: Vec3;
}

export interface MeshGeom extends GeomBase {
  type: 'mesh';
  mesh: SceneMesh;
}

/**
 * The plane z = 0 of its frame, seen from its +z side, of half-sizes size[0] x size[1] (0: infinite).
 * An optional texture repeats `repeat` times per unit length along its x and y, offset by
 * `offset` periods (MuJoCo's 2-D plane texture mapping).
 */
export interface PlaneGeom extends GeomBase {
  type: 'plane';
  size: Vec3;
  texture?: { image: SceneTexture; repeat: readonly [number, number]; offset: readonly [number, number] };
}

export type SceneGeom = SolidGeom | MeshGeom | PlaneGeom;

export interface Scene3D {
  camera: SceneCamera;
  lights: SceneLight[];
  /** Light added everywhere, whatever the lights. */
  globalAmbient: Color;
  geoms: SceneGeom[];
  /**
   * The background by elevation of the view ray: `sky[0]` straight down to `sky[n-1]` straight up,
   * linearly in between (one colour: uniform).
   */
  sky: Color[];
}
