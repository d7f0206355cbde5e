// The Box2D envs' render(): Gymnasium's 600x400 frames with its colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../protocol/env-api.ts';
import { LunarLander } from '../../envs/box2d/lunar-lander.ts';
import { BipedalWalker } from '../../envs/box2d/bipedal-walker.ts';
import { lunarLanderHeuristic } from '../../envs/box2d/heuristics.ts';

function pixel(f: Frame, x: number, y: number): number[] {
  const i = 3 * (y * f.width + x);
  return [f.data[i], f.data[i + 1], f.data[i + 2]];
}

function count(f: Frame, rgb: number[]): number {
  let n = 0;
  for (let i = 0; i < f.data.length; i += 3) if (f.data[i] === rgb[0] && f.data[i + 1] === rgb[1] && f.data[i + 2] === rgb[2]) n++;
  return n;
}

test('LunarLander renders sky, moon, flags, lander and (once rendering) flame particles', () => {
  const env = new LunarLander({ continuous: true });
  let obs = env.reset({ seed: 0 }).obs;
  const first = env.render();
  assert.equal(first.width, 600);
  assert.equal(first.height, 400);
  assert.equal(first.data.length, 600 * 400 * 3);
  assert.deepEqual(pixel(first, 5, 5), [0, 0, 0]); // sky
  assert.deepEqual(pixel(first, 300, 395), [255, 255, 255]); // moon surface
  // Helipad at y = H/4 = 100 px from the bottom: the pad between the flags is moon below, sky above.
  assert.deepEqual(pixel(first, 300, 305), [255, 255, 255]);
  assert.deepEqual(pixel(first, 300, 290), [0, 0, 0]);
  assert.ok(count(first, [204, 204, 0]) > 100, 'two yellow flags');
  // The lander starts at the top centre (y = 400/30 m: its body hangs just below the top edge).
  assert.ok(count(first, [128, 102, 230]) > 300, 'lander body');

  // Firing the main engine while rendering emits particles that collide only with the ground.
  for (let t = 0; t < 30; t++) {
    obs = env.step(lunarLanderHeuristic(obs, true)).obs;
    env.render();
  }
  assert.ok(env.particles.length > 0);
  for (const p of env.particles) assert.equal(p.body.getFixtureList()!.getFilterMaskBits(), 0x001);
});

test('particles never touch the physics: rendering or not, the flight is the same', () => {
  const a = new LunarLander({ continuous: true });
  const b = new LunarLander({ continuous: true });
  let oa = a.reset({ seed: 11 }).obs;
  let ob = b.reset({ seed: 11 }).obs;
  for (let t = 0; t < 200; t++) {
    const ra = a.step(lunarLanderHeuristic(oa, true));
    a.render();
    const rb = b.step(lunarLanderHeuristic(ob, true));
    assert.deepEqual(Array.from(ra.obs), Array.from(rb.obs), `step ${t}`);
    oa = ra.obs;
    ob = rb.obs;
    if (ra.terminated) break;
  }
});

test('BipedalWalker renders a 600x400 view that follows the hull', () => {
  const env = new BipedalWalker();
  env.reset({ seed: 0 });
  const f = env.render();
  assert.equal(f.width, 600);
  assert.equal(f.height, 400);
  assert.deepEqual(pixel(f, 300, 395), [102, 153, 76]); // ground
  assert.ok(count(f, [127, 51, 229]) > 300, 'hull');
  assert.ok(count(f, [215, 215, 255]) > 50000, 'sky');
  assert.ok(count(f, [230, 51, 0]) > 50, 'start flag');

  // Walk the hull 20 m to the right by hand: the view scrolls with it, so the hull stays in frame
  // and the start flag leaves it.
  const hull = env.hull!;
  for (const body of [hull, ...env.legs]) {
    const p = body.getPosition();
    body.setPosition({ x: p.x + 20, y: p.y + 0.5 });
  }
  env.step([0, 0, 0, 0]);
  const g = env.render();
  assert.ok(count(g, [127, 51, 229]) > 300, 'hull still in view');
  assert.equal(count(g, [230, 51, 0]), 0, 'flag scrolled out');
});
