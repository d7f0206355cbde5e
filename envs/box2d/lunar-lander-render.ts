// Draws LunarLander as Gymnasium's render() does: 600x400, black sky above the moon's
// white surface, flags at the helipad, the lander and its legs, and engine particles.
import type { Body } from 'planck';
import type { Frame } from '../../protocol/env-api.ts';
import { Canvas, type RGB } from '../../graphics/canvas.ts';
import { drawBody, toPixel, type View } from './draw.ts';

const SCALE = 30.0;
const VIEWPORT_W = 600;
const VIEWPORT_H = 400;
const LANDER_COLORS: [RGB, RGB] = [
  [128, 102, 230],
  [77, 77, 128],
];

/** What the renderer reads of a LunarLander (lunar-lander.ts), and the particles it cools and expires. */
export interface LunarLanderScene {
  readonly particles: readonly { readonly body: Body; ttl: number }[];
  cleanParticles(all: boolean): void;
  readonly skyPolys: readonly (readonly [number, number][])[];
  readonly lander: Body | null;
  readonly legs: readonly Body[];
  readonly helipadX1: number;
  readonly helipadX2: number;
  readonly helipadY: number;
}

export function renderLunarLander(env: LunarLanderScene): Frame {
  const canvas = new Canvas(VIEWPORT_W, VIEWPORT_H, [255, 255, 255]);
  const view: View = { scale: SCALE, offsetX: 0, height: VIEWPORT_H };

  // Particles cool down with every frame drawn, as in Gymnasium, and expire below zero.
  for (const p of env.particles) p.ttl -= 0.15;
  env.cleanParticles(false);

  for (const poly of env.skyPolys) {
    canvas.fillPolygon(
      poly.map(([x, y]) => toPixel(view, x, y)),
      [0, 0, 0],
    );
  }

  for (const p of env.particles) {
    const red = Math.trunc(Math.max(0.2, 0.15 + p.ttl) * 255);
    const other = Math.trunc(Math.max(0.2, 0.5 * p.ttl) * 255);
    const color: RGB = [red, other, other];
    drawBody(canvas, view, p.body, color, color);
  }
  if (env.lander) drawBody(canvas, view, env.lander, ...LANDER_COLORS);
  for (const leg of env.legs) drawBody(canvas, view, leg, ...LANDER_COLORS);

  for (const x of [env.helipadX1, env.helipadX2]) {
    const px = x * SCALE;
    const flagY1 = env.helipadY * SCALE;
    const flagY2 = flagY1 + 50;
    const [lx, ly1] = [px, VIEWPORT_H - flagY1];
    canvas.line(lx, ly1, lx, VIEWPORT_H - flagY2, [255, 255, 255]);
    canvas.fillPolygon(
      [
        [px, VIEWPORT_H - flagY2],
        [px, VIEWPORT_H - (flagY2 - 10)],
        [px + 25, VIEWPORT_H - (flagY2 - 5)],
      ],
      [204, 204, 0],
    );
  }
  return canvas.toFrame();
}
