// Draws BipedalWalker as Gymnasium's render() does: a 600x400 window scrolling with the
// hull, sky, clouds at half the scroll speed, the terrain, one sweeping lidar ray, the
// walker and the start flag.
import type { Body } from 'planck';
import type { Frame } from '../../protocol/env-api.ts';
import { Canvas, type RGB } from '../../graphics/canvas.ts';
import { drawBody, toPixel, type View } from './draw.ts';
import { SCALE, TERRAIN_HEIGHT, TERRAIN_STEP, VIEWPORT_H, VIEWPORT_W } from './bipedal-walker-geometry.ts';

type XY = [number, number];

/** What the renderer reads of a BipedalWalker (bipedal-walker.ts), and the sweeping ray's frame count it advances. */
export interface BipedalWalkerScene {
  readonly scroll: number;
  readonly cloudPoly: readonly (readonly [XY[], number, number])[];
  readonly terrainPoly: readonly (readonly [XY[], RGB])[];
  lidarRender: number;
  readonly lidar: readonly { readonly p1: XY; readonly p2: XY }[];
  readonly terrain: readonly Body[];
  readonly terrainColors: ReadonlyMap<Body, [RGB, RGB]>;
  readonly legs: readonly Body[];
  readonly hull: Body | null;
}

export function renderBipedalWalker(env: BipedalWalkerScene): Frame {
  const scroll = env.scroll;
  // Gymnasium draws on a surface as wide as the scrolled distance and keeps its last 600 columns.
  const view: View = { scale: SCALE, offsetX: Math.max(0, scroll) * SCALE, height: VIEWPORT_H };
  const canvas = new Canvas(VIEWPORT_W, VIEWPORT_H, [0, 0, 0]);

  canvas.fillPolygon(
    [
      toPixel(view, scroll, 0),
      toPixel(view, scroll + VIEWPORT_W / SCALE, 0),
      toPixel(view, scroll + VIEWPORT_W / SCALE, VIEWPORT_H / SCALE),
      toPixel(view, scroll, VIEWPORT_H / SCALE),
    ],
    [215, 215, 255],
  );

  for (const [poly, x1, x2] of env.cloudPoly) {
    if (x2 < scroll / 2) continue;
    if (x1 > scroll / 2 + VIEWPORT_W / SCALE) continue;
    canvas.fillPolygon(
      poly.map(([x, y]) => toPixel(view, x + scroll / 2, y)),
      [255, 255, 255],
    );
  }

  for (const [poly, color] of env.terrainPoly) {
    if (poly[1][0] < scroll) continue;
    if (poly[0][0] > scroll + VIEWPORT_W / SCALE) continue;
    canvas.fillPolygon(
      poly.map(([x, y]) => toPixel(view, x, y)),
      color,
    );
  }

  // One lidar ray at a time sweeps out and back over the first 20 of every 100 frames.
  env.lidarRender = (env.lidarRender + 1) % 100;
  const i = env.lidarRender;
  const n = env.lidar.length;
  if (i < 2 * n) {
    const ray = i < n ? env.lidar[i] : env.lidar[n - (i - n) - 1];
    const [x0, y0] = toPixel(view, ray.p1[0], ray.p1[1]);
    const [x1, y1] = toPixel(view, ray.p2[0], ray.p2[1]);
    canvas.line(x0, y0, x1, y1, [255, 0, 0]);
  }

  for (const t of env.terrain) {
    const [c1, c2] = env.terrainColors.get(t)!;
    drawBody(canvas, view, t, c1, c2);
  }
  env.legs.forEach((leg, k) => {
    const side = k < 2 ? -1 : 1;
    const c1: RGB = [153 - side * 25, 76 - side * 25, 127 - side * 25];
    const c2: RGB = [102 - side * 25, 51 - side * 25, 76 - side * 25];
    drawBody(canvas, view, leg, c1, c2);
  });
  if (env.hull) drawBody(canvas, view, env.hull, [127, 51, 229], [76, 76, 127]);

  const flagY1 = TERRAIN_HEIGHT * SCALE;
  const flagY2 = flagY1 + 50;
  const x = TERRAIN_STEP * 3 * SCALE - view.offsetX;
  canvas.line(x, VIEWPORT_H - flagY1, x, VIEWPORT_H - flagY2, [0, 0, 0]);
  const flag: [number, number][] = [
    [x, VIEWPORT_H - flagY2],
    [x, VIEWPORT_H - (flagY2 - 10)],
    [x + 25, VIEWPORT_H - (flagY2 - 5)],
  ];
  canvas.fillPolygon(flag, [230, 51, 0]);
  canvas.polyline([...flag, flag[0]], [0, 0, 0]);
  return canvas.toFrame();
}
