// An env's view of its simulation: MuJoCo computes the scene (mjv_updateScene: the visible
// geoms posed, coloured from their materials, the camera, the headlight and the model's
// lights) and this converts it into graphics/'s plain Scene3D, which graphics/renderer3d.ts
// draws. What MuJoCo's OpenGL renderer (mjr_render) adds on top is followed where cheap: the
// mono camera is the average of the two eye cameras, a plane's 2-D texture repeats as
// mjr_render maps it, the skybox's colour by elevation is the background (black without one),
// global ambient light only when there is no light.
import type { Color, Scene3D, SceneGeom, SceneLight, SceneMesh, SceneTexture, Vec3 } from '../../graphics/scene3d.ts';
import type { MainModule, MjData, MjModel } from './runtime.ts';
import type { CameraConfig } from './render-cameras.ts';

/** Gymnasium's MujocoRenderer's max_geom. */
const MAX_GEOM = 1000;
/** Background colours sampled from the skybox, from straight down to straight up. */
const SKY_SAMPLES = 37;

type MjvScene = InstanceType<MainModule['MjvScene']>;
type MjvCamera = InstanceType<MainModule['MjvCamera']>;
type MjvOption = InstanceType<MainModule['MjvOption']>;
type MjvPerturb = InstanceType<MainModule['MjvPerturb']>;

export class MujocoSceneView {
  private readonly scene: MjvScene;
  private readonly camera: MjvCamera;
  private readonly option: MjvOption;
  private readonly perturb: MjvPerturb;
  private cameraPlaced = false;
  private readonly meshes = new Map<number, SceneMesh>();
  private readonly textures = new Map<number, SceneTexture | null>();
  private readonly sky: Color[];
  private readonly geomType: Map<number, SceneGeom['type']>;

  constructor(
    private readonly mj: MainModule,
    private readonly model: MjModel,
    private readonly config: CameraConfig,
  ) {
    this.scene = new mj.MjvScene(model, MAX_GEOM);
    this.camera = new mj.MjvCamera();
    this.option = new mj.MjvOption();
    this.perturb = new mj.MjvPerturb();
    const g = mj.mjtGeom;
    this.geomType = new Map<number, SceneGeom['type']>([
      [g.mjGEOM_PLANE.value, 'plane'],
      [g.mjGEOM_SPHERE.value, 'sphere'],
      [g.mjGEOM_CAPSULE.value, 'capsule'],
      [g.mjGEOM_ELLIPSOID.value, 'ellipsoid'],
      [g.mjGEOM_CYLINDER.value, 'cylinder'],
      [g.mjGEOM_BOX.value, 'box'],
      [g.mjGEOM_MESH.value, 'mesh'],
    ]);
    this.sky = skyColors(mj, model);
  }

  /** MuJoCo's scene of `data` now, as a Scene3D. */
  update(data: MjData): Scene3D {
    const { mj, model } = this;
    if (!this.cameraPlaced) this.placeCamera(data);
    mj.mjv_updateScene(model, data, this.option, this.perturb, this.camera, mj.mjtCatBit.mjCAT_ALL.value, this.scene);
    const lights = this.lights();
    return {
      camera: this.glCamera(),
      lights,
      // mjr_render's global ambient: some when no light would light the scene.
      globalAmbient: lights.length > 0 ? [0, 0, 0] : [0.3, 0.3, 0.3],
      geoms: this.geoms(),
      sky: this.sky,
    };
  }

  /** Frees MuJoCo's scene and camera structures. */
  delete(): void {
    this.scene.delete();
    this.camera.delete();
    this.option.delete();
    this.perturb.delete();
  }

  /**
   * Gymnasium's OffScreenViewer._init_camera (free camera at the median of the geoms' positions,
   * model.stat.extent away) then its _set_cam_config; then tracking where the env tracks.
   */
  private placeCamera(data: MjData): void {
    const cam = this.camera;
    const mj = this.mj;
    const xpos = data.geom_xpos as Float64Array;
    cam.type = mj.mjtCamera.mjCAMERA_FREE.value;
    cam.fixedcamid = -1;
    const lookat = cam.lookat as Float64Array;
    for (let axis = 0; axis < 3; axis++) lookat[axis] = median(xpos, axis);
    const stat = this.model.stat;
    cam.distance = stat.extent;
    stat.delete();
    const c = this.config;
    if (c.trackbodyid !== undefined) cam.trackbodyid = c.trackbodyid;
    if (c.distance !== undefined) cam.distance = c.distance;
    if (c.lookat !== undefined) lookat.set(c.lookat);
    if (c.elevation !== undefined) cam.elevation = c.elevation;
    if (c.azimuth !== undefined) cam.azimuth = c.azimuth;
    if (c.track !== undefined) {
      cam.type = mj.mjtCamera.mjCAMERA_TRACKING.value;
      cam.trackbodyid = c.track;
    }
    this.cameraPlaced = true;
  }

  /** The mono camera mjr_render uses: the average of the scene's two eye cameras. */
  private glCamera(): Scene3D['camera'] {
    const cams = this.scene.camera;
    const left = cams.get(0)!;
    const right = cams.get(1)!;
    const pos = average(left.pos, right.pos);
    const forward = average(left.forward, right.forward);
    const up = average(left.up, right.up);
    const near = left.frustum_near;
    const fovy = (2 * Math.atan2((left.frustum_top - left.frustum_bottom) / 2, near) * 180) / Math.PI;
    left.delete();
    right.delete();
    return { pos, forward, up, fovy, near };
  }

  private lights(): SceneLight[] {
    const out: SceneLight[] = [];
    const vec = this.scene.lights;
    for (let i = 0; i < this.scene.nlight; i++) {
      const l = vec.get(i)!;
      out.push({ dir: vec3(l.dir), ambient: vec3(l.ambient), diffuse: vec3(l.diffuse), specular: vec3(l.specular) });
      l.delete();
    }
    return out;
  }

  private geoms(): SceneGeom[] {
    const out: SceneGeom[] = [];
    const vec = this.scene.geoms;
    try {
      const n = this.scene.ngeom;
      for (let i = 0; i < n; i++) {
        const g = vec.get(i)!;
        try {
          const geom = this.geom(g);
          if (geom) out.push(geom);
        } finally {
          g.delete();
        }
      }
    } finally {
      vec.delete();
    }
    return out;
  }

  /** One mjvGeom as a SceneGeom; null for the types the renderer does not draw (decor: arrows, lines, labels...). */
  private geom(g: InstanceType<MainModule['MjvGeom']>): SceneGeom | null {
    const type = this.geomType.get(g.type);
    if (type === undefined) return null;
    const base = {
      pos: vec3(g.pos),
      mat: Float64Array.from(g.mat as Float32Array),
      rgba: Array.from(g.rgba as Float32Array) as [number, number, number, number],
      emission: g.emission,
      specular: g.specular,
      shininess: g.shininess,
    };
    const size = vec3(g.size);
    if (type === 'mesh') {
      const mesh = this.mesh(g.dataid >> 1);
      return mesh ? { ...base, type, mesh } : null;
    }
    if (type === 'plane') return { ...base, type, size, texture: this.planeTexture(g.matid, g.dataid, size) };
    return { ...base, type, size };
  }

  /** Mesh `id`'s vertices and faces from the model (mesh_vert, mesh_face), read once. */
  private mesh(id: number): SceneMesh | null {
    if (id < 0 || id >= this.model.nmesh) return null;
    let mesh = this.meshes.get(id);
    if (!mesh) {
      const m = this.model;
      const vertAdr = (m.mesh_vertadr as Int32Array)[id];
      const vertNum = (m.mesh_vertnum as Int32Array)[id];
      const faceAdr = (m.mesh_faceadr as Int32Array)[id];
      const faceNum = (m.mesh_facenum as Int32Array)[id];
      mesh = {
        vertices: (m.mesh_vert as Float32Array).slice(3 * vertAdr, 3 * (vertAdr + vertNum)),
        faces: (m.mesh_face as Int32Array).slice(3 * faceAdr, 3 * (faceAdr + faceNum)),
      };
      this.meshes.set(id, mesh);
    }
    return mesh;
  }

  /** A plane's 2-D texture and its repeat as mjr_render maps it (s = repeat_x/size_x * x / 2 - 1/2 ...). */
  private planeTexture(
    matid: number,
    planeId: number,
    size: Vec3,
  ): NonNullable<Extract<SceneGeom, { type: 'plane' }>['texture']> | undefined {
    const m = this.model;
    if (matid < 0) return undefined;
    const roles = (m.mat_texid as Int32Array).length / m.nmat;
    const texid = (m.mat_texid as Int32Array)[matid * roles + this.mj.mjtTextureRole.mjTEXROLE_RGB.value];
    if (texid < 0 || (m.tex_type as Int32Array)[texid] !== this.mj.mjtTexture.mjTEXTURE_2D.value) return undefined;
    const image = this.texture(texid);
    if (!image) return undefined;
    const rep = m.mat_texrepeat as Float32Array;
    const scale = [rep[2 * matid], rep[2 * matid + 1]];
    const uniform = (m.mat_texuniform as Uint8Array)[matid] !== 0;
    for (let axis = 0; axis < 2; axis++) {
      if (planeId >= 0 && size[axis] > 0) scale[axis] /= Math.max(1e-15, size[axis]);
      if (uniform && size[axis] > 0) scale[axis] *= size[axis];
    }
    return { image, repeat: [0.5 * scale[0], -0.5 * scale[1]], offset: [-0.5, -0.5] };
  }

  /** Texture `id`'s texels as RGB (a 4-channel texture loses its alpha), read once. */
  private texture(id: number): SceneTexture | null {
    if (this.textures.has(id)) return this.textures.get(id)!;
    const image = textureRgb(this.model, id);
    this.textures.set(id, image);
    return image;
  }
}

function textureRgb(m: MjModel, id: number): SceneTexture | null {
  const width = (m.tex_width as Int32Array)[id];
  const height = (m.tex_height as Int32Array)[id];
  const channels = (m.tex_nchannel as Int32Array)[id];
  const adr = (m.tex_adr as Int32Array)[id];
  if (!(channels >= 3 && width > 0 && height > 0)) return null;
  const src = m.tex_data as Uint8Array;
  const data = new Uint8Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = src[adr + channels * i];
    data[3 * i + 1] = src[adr + channels * i + 1];
    data[3 * i + 2] = src[adr + channels * i + 2];
  }
  return { width, height, data };
}

/**
 * The first skybox's colour by elevation, straight down to straight up, read off its faces
 * (MuJoCo stores a cube's six square faces one above the other: 0 a side, 2 up, 3 down; the
 * skybox is drawn rotated so that face 2 is the world's +z); black when there is none.
 */
function skyColors(mj: MainModule, m: MjModel): Color[] {
  const types = m.tex_type as Int32Array;
  const id = types.findIndex((t) => t === mj.mjtTexture.mjTEXTURE_SKYBOX.value);
  const image = id >= 0 ? textureRgb(m, id) : null;
  if (!image || image.height !== 6 * image.width) return [[0, 0, 0]];
  const w = image.width;
  const texel = (face: number, y: number): Color => {
    // y: -1 (bottom row) .. 1 (top row) down the middle column of the face.
    const row = Math.min(w - 1, Math.max(0, Math.round(((1 - y) / 2) * (w - 1))));
    const i = 3 * ((face * w + row) * w + (w >> 1));
    return [image.data[i] / 255, image.data[i + 1] / 255, image.data[i + 2] / 255];
  };
  const out: Color[] = [];
  for (let k = 0; k < SKY_SAMPLES; k++) {
    const el = -Math.PI / 2 + (Math.PI * k) / (SKY_SAMPLES - 1);
    if (Math.abs(el) <= Math.PI / 4) out.push(texel(0, Math.tan(el)));
    else out.push(texel(el > 0 ? 2 : 3, Math.min(1, Math.tan(Math.PI / 2 - Math.abs(el)))));
  }
  return out;
}

/** numpy's median of column `axis` of an n x 3 array. */
function median(xyz: Float64Array, axis: number): number {
  const col: number[] = [];
  for (let i = axis; i < xyz.length; i += 3) col.push(xyz[i]);
  if (col.length === 0) return 0;
  col.sort((a, b) => a - b);
  const mid = col.length >> 1;
  return col.length % 2 ? col[mid] : (col[mid - 1] + col[mid]) / 2;
}

function vec3(v: ArrayLike<number>): Vec3 {
  return [v[0], v[1], v[2]];
}

function average(a: ArrayLike<number>, b: ArrayLike<number>): Vec3 {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}
