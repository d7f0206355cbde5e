// Screenshots of MuJoCo envs' render() (docs/screenshots/mujoco-*.png): each env's frame after
// a seeded reset beside its frame after seeded random steps (stopping early if it falls).
//   npx tsx scripts/mujoco-screenshots.ts
import { writeFileSync } from 'node:fs';
import { encodePng } from '../graphics/png.ts';
import type { MujocoEnv } from '../envs/mujoco/mujoco-env.ts';
import { loadMujoco } from '../envs/mujoco/runtime.ts';
import { HopperEnv } from '../envs/mujoco/hopper.ts';
import { HumanoidEnv } from '../envs/mujoco/humanoid.ts';
import type { Frame } from '../protocol/env-api.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';

const SHOTS: Array<{ file: string; build: () => MujocoEnv; steps: number }> = [
  { file: 'mujoco-hopper.png', build: () => new HopperEnv(), steps: 40 },
  { file: 'mujoco-humanoid.png', build: () => new HumanoidEnv(), steps: 20 },
];

/** Frames side by side, with a 4-pixel white gutter. */
function sideBySide(frames: Frame[]): Frame {
  const gutter = 4;
  const { height } = frames[0];
  const width = frames.reduce((w, f) => w + f.width, 0) + gutter * (frames.length - 1);
  const data = new Uint8Array(width * height * 3).fill(255);
  let x0 = 0;
  for (const f of frames) {
    for (let y = 0; y < height; y++) data.set(f.data.subarray(3 * y * f.width, 3 * (y + 1) * f.width), 3 * (y * width + x0));
    x0 += f.width + gutter;
  }
  return { width, height, data };
}

await loadMujoco();
for (const shot of SHOTS) {
  const env = shot.build();
  const rng = defaultRng(0);
  env.reset({ seed: 0 });
  const atReset = env.render();
  for (let i = 0; i < shot.steps; i++) {
    const r = env.step(sample(env.actionSpace, rng) as Float32Array);
    if (r.terminated) break;
  }
  const later = env.render();
  env.close();
  const path = new URL(`../docs/screenshots/${shot.file}`, import.meta.url);
  writeFileSync(path, encodePng(sideBySide([atReset, later])));
  console.log(`wrote docs/screenshots/${shot.file}`);
}
