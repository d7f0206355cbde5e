// A CartPole-like scene that moves with the frame index: drawn by the canvas test (a different
// picture each frame) and by bench/render.ts (the drawing speed of the same picture).
import type { Canvas } from '../../graphics/canvas.ts';

export function drawMovingScene(c: Canvas, i: number): void {
  c.clear([255, 255, 255]);
  c.fillRect(0, 300, 600, 100, [100, 100, 100]);
  const x = 280 + (i % 40);
  c.fillPolygon(
    [
      [x, 250],
      [x + 40, 250],
      [x + 40, 280],
      [x, 280],
    ],
    [0, 0, 0],
  );
  c.line(300, 265, 300 + 100 * Math.sin(i / 10), 265 - 100 * Math.cos(i / 10), [202, 152, 101], 10);
  c.fillCircle(300, 265, 5, [129, 132, 203]);
}
