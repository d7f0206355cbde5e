// The picture both mountain cars share, as Gymnasium's renderers draw it: the hill curve,
// a black car with two grey wheels tilted along the slope, and a yellow flag at the goal.
import type { Frame } from '../../protocol/env-api.ts';
import { Canvas, type Point, type RGB } from '../../graphics/canvas.ts';

const SCREEN_WIDTH = 600;
const SCREEN_HEIGHT = 400;
const BLACK: RGB = [0, 0, 0];
const WHEEL: RGB = [128, 128, 128];
const FLAG: RGB = [204, 204, 0];

function height(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

export function renderMountainCar(pos: number, minPosition: number, maxPosition: number, goalPosition: number): Frame {
  const canvas = new Canvas(SCREEN_WIDTH, SCREEN_HEIGHT, [255, 255, 255]);
  const scale = SCREEN_WIDTH / (maxPosition - minPosition);
  const carwidth = 40;
  const carheight = 20;
  // World y points up; Gymnasium flips the finished surface, we flip each point.
  const px = (x: number, y: number): Point => [x, SCREEN_HEIGHT - y];

  const curve: Point[] = [];
  for (let i = 0; i < 100; i++) {
    const x = minPosition + ((maxPosition - minPosition) * i) / 99;
    curve.push(px((x - minPosition) * scale, height(x) * scale));
  }
  canvas.polyline(curve, BLACK, 1);

  const clearance = 10;
  const angle = Math.cos(3 * pos);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const baseX = (pos - minPosition) * scale;
  const baseY = clearance + height(pos) * scale;
  const place = (x: number, y: number): [number, number] => [x * c - y * s + baseX, x * s + y * c + baseY];

  const [l, r, t, b] = [-carwidth / 2, carwidth / 2, carheight, 0];
  const body: Point[] = [place(l, b), place(l, t), place(r, t), place(r, b)].map(([x, y]) => px(x, y));
  canvas.fillPolygon(body, BLACK);

  for (const wx of [carwidth / 4, -carwidth / 4]) {
    const [x, y] = place(wx, 0);
    const [sx, sy] = px(Math.trunc(x), Math.trunc(y));
    canvas.fillCircle(sx, sy, Math.trunc(carheight / 2.5), WHEEL);
  }

  const flagx = Math.trunc((goalPosition - minPosition) * scale);
  const flagy1 = Math.trunc(height(goalPosition) * scale);
  const flagy2 = flagy1 + 50;
  canvas.line(...px(flagx, flagy1), ...px(flagx, flagy2), BLACK);
  canvas.fillPolygon([px(flagx, flagy2), px(flagx, flagy2 - 10), px(flagx + 25, flagy2 - 5)], FLAG);
  return canvas.toFrame();
}
