// render() of the MuJoCo envs in process: frames/s of 480x480 rgb_array frames, in process CPU
// time and wall time, split into MuJoCo's scene (mjv_updateScene and its conversion) and our
// raster (graphics/renderer3d.ts); and, in the same run, the env's own steps/s as the
// reference the frame cost is taken against. Each frame follows one env step with a seeded
// random action. Prints `uptime` first: the machine is shared.
//
//   npm run bench:mujoco-render                          HalfCheetah-v5 and Humanoid-v5
//   npm run bench:mujoco-render -- --seconds=3 --all     every MuJoCo env
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Renderer3D } from '../graphics/renderer3d.ts';
import type { MujocoEnv } from '../envs/mujoco/mujoco-env.ts';
import { DEFAULT_CAMERAS } from '../envs/mujoco/render-cameras.ts';
import { MujocoSceneView } from '../envs/mujoco/scene-view.ts';
import { loadMujoco, type MainModule } from '../envs/mujoco/runtime.ts';
import { InvertedPendulumEnv } from '../envs/mujoco/inverted-pendulum.ts';
import { InvertedDoublePendulumEnv } from '../envs/mujoco/inverted-double-pendulum.ts';
import { HalfCheetahEnv } from '../envs/mujoco/half-cheetah.ts';
import { SwimmerEnv } from '../envs/mujoco/swimmer.ts';
import { ReacherEnv } from '../envs/mujoco/reacher.ts';
import { PusherEnv } from '../envs/mujoco/pusher.ts';
import { HopperEnv } from '../envs/mujoco/hopper.ts';
import { Walker2dEnv } from '../envs/mujoco/walker2d.ts';
import { AntEnv } from '../envs/mujoco/ant.ts';
import { HumanoidEnv } from '../envs/mujoco/humanoid.ts';
import { HumanoidStandupEnv } from '../envs/mujoco/humanoid-standup.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';

const ENVS: Record<string, () => MujocoEnv> = {
  'InvertedPendulum-v5': () => new InvertedPendulumEnv(),
  'InvertedDoublePendulum-v5': () => new InvertedDoublePendulumEnv(),
  'HalfCheetah-v5': () => new HalfCheetahEnv(),
  'Swimmer-v5': () => new SwimmerEnv(),
  'Reacher-v5': () => new ReacherEnv(),
  'Pusher-v5': () => new PusherEnv(),
  'Hopper-v5': () => new HopperEnv(),
  'Walker2d-v5': () => new Walker2dEnv(),
  'Ant-v5': () => new AntEnv(),
  'Humanoid-v5': () => new HumanoidEnv(),
  'HumanoidStandup-v5': () => new HumanoidStandupEnv(),
};

interface Timed {
  count: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** Runs `once` for about `seconds` of wall time (after a warm-up), timing CPU and wall. */
function timed(once: () => void, seconds: number): Timed {
  for (let i = 0; i < 20; i++) once();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let count = 0;
  while (performance.now() - wall0 < seconds * 1000) {
    once();
    count++;
  }
  const cpu = process.cpuUsage(cpu0);
  return { count, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - wall0) / 1000 };
}

function benchEnv(mj: MainModule, id: string, seconds: number): void {
  const env = ENVS[id]();
  const rng = defaultRng(7);
  const actions = Array.from({ length: 512 }, () => sample(env.actionSpace, rng) as Float32Array);
  let i = 0;
  let seed = 0;
  env.reset({ seed: seed++ });
  const step = () => {
    const r = env.step(actions[i++ % actions.length]);
    if (r.terminated || r.truncated) env.reset({ seed: seed++ });
  };
  const steps = timed(step, seconds);
  const frames = timed(() => {
    step();
    env.render();
  }, seconds);
  // The two halves of a frame, timed apart on the env's current state.
  const view = new MujocoSceneView(mj, env.model, DEFAULT_CAMERAS[id] ?? {});
  const renderer = new Renderer3D(480, 480);
  const scene = timed(() => view.update(env.data), seconds / 2);
  const snapshot = view.update(env.data);
  const raster = timed(() => renderer.render(snapshot), seconds / 2);
  view.delete();
  env.close();
  const perCpu = (t: Timed) => t.count / t.cpuSeconds;
  const perWall = (t: Timed) => t.count / t.wallSeconds;
  const ms = (t: Timed) => ((1000 * t.cpuSeconds) / t.count).toFixed(2);
  console.log(
    `${id.padEnd(26)} ${perCpu(frames).toFixed(1).padStart(8)} ${perWall(frames).toFixed(1).padStart(8)}` +
      ` ${ms(scene).padStart(8)} ${ms(raster).padStart(8)} ${perCpu(steps).toFixed(0).padStart(10)}` +
      ` ${(perCpu(steps) / perCpu(frames)).toFixed(0).padStart(12)}`,
  );
}

const { values, positionals } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, all: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const seconds = Number(values.seconds);
const ids = values.all ? Object.keys(ENVS) : positionals.length > 0 ? positionals : ['HalfCheetah-v5', 'Humanoid-v5'];
for (const id of ids) if (!(id in ENVS)) throw new Error(`unknown MuJoCo env ${id}: ${Object.keys(ENVS).join(', ')}`);

console.log(execSync('uptime').toString().trim());
const mj = await loadMujoco();
console.log('480x480 rgb_array frames, each after one env step; CPU = process CPU time');
console.log(
  `${'env'.padEnd(26)} ${'frames/s'.padStart(8)} ${'(wall)'.padStart(8)} ${'scene ms'.padStart(8)} ${'draw ms'.padStart(8)}` +
    ` ${'env steps/s'.padStart(10)} ${'steps/frame'.padStart(12)}`,
);
for (const id of ids) benchEnv(mj, id, seconds);
