// render() of the MuJoCo envs: frames of Gymnasium's default size from each env's default
// camera, drawn from the scene MuJoCo computes (mjv_updateScene). One file: loading MuJoCo and
// its models costs seconds.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../envs/index.ts';
import { registrations } from '../../envs/registry.ts';
import { loadMujoco, type MainModule } from '../../envs/mujoco/runtime.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { MujocoSceneView } from '../../envs/mujoco/scene-view.ts';
import { Renderer3D } from '../../graphics/renderer3d.ts';
import { InvertedPendulumEnv } from '../../envs/mujoco/inverted-pendulum.ts';
import { InvertedDoublePendulumEnv } from '../../envs/mujoco/inverted-double-pendulum.ts';
import { HalfCheetahEnv } from '../../envs/mujoco/half-cheetah.ts';
import { SwimmerEnv } from '../../envs/mujoco/swimmer.ts';
import { ReacherEnv } from '../../envs/mujoco/reacher.ts';
import { PusherEnv } from '../../envs/mujoco/pusher.ts';
import { HopperEnv } from '../../envs/mujoco/hopper.ts';
import { Walker2dEnv } from '../../envs/mujoco/walker2d.ts';
import { AntEnv } from '../../envs/mujoco/ant.ts';
import { HumanoidEnv } from '../../envs/mujoco/humanoid.ts';
import { HumanoidStandupEnv } from '../../envs/mujoco/humanoid-standup.ts';
import type { Frame } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { main as rolloutMain } from '../../agents/rollout.ts';
import { decodeGif } from '../graphics/gif-decoder.ts';

let mj: MainModule;
before(async () => {
  mj = await loadMujoco();
});

const CLASSES: Array<new () => MujocoEnv> = [
  InvertedPendulumEnv,
  InvertedDoublePendulumEnv,
  HalfCheetahEnv,
  SwimmerEnv,
  ReacherEnv,
  PusherEnv,
  HopperEnv,
  Walker2dEnv,
  AntEnv,
  HumanoidEnv,
  HumanoidStandupEnv,
];

function distinctColours(f: Frame): number {
  const seen = new Set<number>();
  for (let i = 0; i < f.data.length; i += 3) seen.add((f.data[i] << 16) | (f.data[i + 1] << 8) | f.data[i + 2]);
  return seen.size;
}

/**
 * The pixels of HalfCheetah's body: its capsules are orange-pink (red well above green), which
 * neither the grey-green checkered floor nor the grey sky is.
 */
function bodyPixels(f: Frame): { count: number; x: number; y: number } {
  let count = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0, p = 0; i < f.data.length; i += 3, p++) {
    if (f.data[i] > f.data[i + 1] + 25) {
      count++;
      sx += p % f.width;
      sy += Math.floor(p / f.width);
    }
  }
  return { count, x: sx / count, y: sy / count };
}

test("every MuJoCo env renders 480x480 RGB frames and declares Gymnasium's render metadata", () => {
  const registered = new Map(registrations().map((r) => [r.id, r]));
  for (const Env of CLASSES) {
    const env = new Env();
    try {
      env.reset({ seed: 0 });
      const frame = env.render();
      assert.equal(frame.width, 480, env.envName);
      assert.equal(frame.height, 480, env.envName);
      assert.ok(frame.data instanceof Uint8Array && frame.data.length === 480 * 480 * 3, env.envName);
      assert.ok(distinctColours(frame) > 20, `${env.envName}: a shaded scene, not a flat fill (${distinctColours(frame)} colours)`);
      // Gymnasium asserts metadata['render_fps'] == round(1 / dt).
      assert.equal(env.renderFps, Math.round(1 / env.dt), env.envName);
      const reg = registered.get(env.envName);
      if (reg) {
        assert.deepEqual(reg.renderModes, ['rgb_array'], env.envName);
        assert.equal(reg.renderFps, env.renderFps, `${env.envName}: registered render_fps`);
      }
    } finally {
      env.close();
    }
    assert.throws(
      () => env.render(),
      (e: unknown) => e instanceof GymwireError && e.code === 'bad_request',
    );
  }
});

test('the scene drawn is the one MuJoCo computes: its geoms where MuJoCo put them, sized as the model says', () => {
  const env = new HumanoidEnv();
  const view = new MujocoSceneView(mj, env.model, {});
  try {
    env.reset({ seed: 1 });
    env.step(new Float32Array(env.model.nu).fill(0.3));
    const scene = view.update(env.data);
    const m = env.model;
    // The humanoid's geoms (all in the default visible groups), in model order.
    assert.equal(scene.geoms.length, m.ngeom);
    const xpos = env.data.geom_xpos as Float64Array;
    const size = m.geom_size as Float64Array;
    const types = m.geom_type as Int32Array;
    scene.geoms.forEach((g, i) => {
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(g.pos[k] - xpos[3 * i + k]) < 1e-5, `geom ${i} position`);
      if (types[i] === mj.mjtGeom.mjGEOM_CAPSULE.value) {
        assert.equal(g.type, 'capsule');
        if (g.type !== 'capsule') return;
        assert.ok(
          Math.abs(g.size[0] - size[3 * i]) < 1e-6 && Math.abs(g.size[2] - size[3 * i + 1]) < 1e-6,
          `capsule ${i}: radius, half-length`,
        );
      }
    });
    assert.equal(scene.geoms[0].type, 'plane');
    // The headlight and the model's light; the camera where MuJoCo's tracking camera puts it.
    assert.equal(scene.lights.length, 2);
    assert.ok(Math.abs(scene.camera.fovy - m.vis.global.fovy) < 1e-4);
  } finally {
    view.delete();
    env.close();
  }
});

test('frames are deterministic, change as the body moves, and the tracking camera keeps the runner centred', () => {
  const a = new HalfCheetahEnv();
  const b = new HalfCheetahEnv();
  try {
    a.reset({ seed: 5 });
    b.reset({ seed: 5 });
    const first = a.render();
    assert.deepEqual(b.render().data, first.data, 'same seed, same frame');
    assert.deepEqual(a.render().data, first.data, 'rendering again draws the same');
    const start = bodyPixels(first);
    assert.ok(start.count > 500, `the body is in the picture (${start.count} pixels)`);
    for (let i = 0; i < 5; i++) a.step(new Float32Array(6).fill(0.8));
    assert.notDeepEqual(a.render().data, first.data, 'the body moved, the frame changed');
    // Move the whole runner 5 m forward: a camera that stayed would lose it (its view spans ~+-2 m).
    const qpos = a.data.qpos as Float64Array;
    qpos[0] += 5;
    mj.mj_forward(a.model, a.data);
    const moved = bodyPixels(a.render());
    assert.ok(moved.count > 0.5 * start.count, `still in the picture (${moved.count} vs ${start.count} pixels)`);
    assert.ok(Math.abs(moved.x - 240) < 60 && Math.abs(moved.y - 240) < 60, `still centred: (${moved.x}, ${moved.y})`);
  } finally {
    a.close();
    b.close();
  }
});

test("rollout writes a MuJoCo env's GIF at its render_fps", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gymwire-mujoco-gif-'));
  const log = console.log;
  console.log = () => {};
  try {
    const gif = join(dir, 'cheetah.gif');
    assert.equal(await rolloutMain(['--env', 'HalfCheetah-v5', '--gif', gif, '--max-steps', '3', '--seed', '1']), 0);
    const decoded = decodeGif(readFileSync(gif));
    assert.equal(decoded.width, 480);
    assert.equal(decoded.height, 480);
    assert.equal(decoded.frames.length, 4);
    // render_fps 20: 5 hundredths of a second a frame.
    assert.equal(decoded.frames[0].delayCs, 5);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a mesh geom is drawn from the model's own vertices and faces", () => {
  // A model of our own (the envs load only shipped files): a tetrahedron mesh hanging in front of the free camera.
  const xml = `<mujoco><asset><mesh name="pyramid" vertex="0 0 0  1 0 0  1 1 0  0 1 0  0.5 0.5 1"/>
    <mesh name="tet" vertex="0 0 0  1 0 0  0 1 0  0 0 1"/></asset>
    <worldbody><geom type="mesh" mesh="tet" rgba="1 0 0 1"/></worldbody></mujoco>`;
  mj.FS.writeFile('/tet.xml', xml);
  const model = mj.MjModel.loadFromXML('/tet.xml') as NonNullable<ReturnType<typeof mj.MjModel.loadFromXML>>;
  mj.FS.unlink('/tet.xml');
  const data = new mj.MjData(model);
  const view = new MujocoSceneView(mj, model, {});
  try {
    mj.mj_forward(model, data);
    const scene = view.update(data);
    assert.equal(scene.geoms.length, 1);
    const geom = scene.geoms[0];
    assert.equal(geom.type, 'mesh');
    if (geom.type !== 'mesh') return;
    // The second mesh's (mjvGeom.dataid is twice the mesh id): 4 vertices, 4 faces.
    assert.equal(model.nmesh, 2);
    assert.equal(geom.mesh.vertices.length, 3 * (model.mesh_vertnum as Int32Array)[1]);
    assert.equal(geom.mesh.faces.length, 3 * (model.mesh_facenum as Int32Array)[1]);
    assert.equal(geom.mesh.vertices.length, 12);
    const frame = new Renderer3D(480, 480).render(scene);
    let red = 0;
    for (let i = 0; i < frame.data.length; i += 3) if (frame.data[i] > 2 * frame.data[i + 1] + 20) red++;
    assert.ok(red > 1000, `the tetrahedron covers ${red} pixels`);
  } finally {
    view.delete();
    data.delete();
    model.delete();
  }
});
