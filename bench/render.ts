// Frames per second of render() for every registered env, in process (rgb_array frames as the
// server sends them), plus a plain canvas scene like CartPole's: how fast the raster itself is.
//
//   npm run bench:render                       every env, ~1 s each
//   npm run bench:render -- --seconds=3 CartPole-v1
import { make, registrations } from '../envs/index.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';
import { Canvas } from '../graphics/canvas.ts';
import { drawMovingScene } from '../test/graphics/moving-scene.ts';

function framesPerSecond(draw: (i: number) => void, seconds: number): number {
  for (let i = 0; i < 20; i++) draw(i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) draw(n++);
  return n / ((performance.now() - start) / 1000);
}

function canvasScene(): (i: number) => void {
  const c = new Canvas(600, 400);
  return (i) => {
    drawMovingScene(c, i);
    c.toFrame();
  };
}

function envScene(id: string): (i: number) => void {
  const env = make(id);
  const rng = defaultRng(0);
  env.reset({ seed: 0 });
  return () => {
    const r = env.step(sample(env.actionSpace, rng));
    if (r.terminated || r.truncated) env.reset();
    env.render();
  };
}

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('usage: npm run bench:render -- [--seconds=S] [ENV_ID ...]   (frames/s of step+render per env, and a plain canvas scene)');
  process.exit(0);
}
const secondsArg = args.find((a) => a.startsWith('--seconds='));
const seconds = secondsArg ? Number(secondsArg.slice('--seconds='.length)) : 1;
const ids = args.filter((a) => !a.startsWith('--'));
const envIds = ids.length > 0 ? ids : registrations().map((r) => r.id);

console.log(`canvas 600x400 scene: ${framesPerSecond(canvasScene(), seconds).toFixed(0)} frames/s`);
for (const id of envIds) console.log(`${id}: ${framesPerSecond(envScene(id), seconds).toFixed(0)} step+render/s`);
