// Drawing planck bodies onto a Canvas the way Gymnasium's Box2D renderers draw theirs
// (pygame, y up, flipped at the end): polygons filled with color1 and outlined with
// color2, edges as color1 lines, circles filled.
import type { Body, CircleShape, EdgeShape, PolygonShape } from 'planck';
import type { Canvas, Point, RGB } from '../../graphics/canvas.ts';

/** World metres to image pixels: x * scale - offsetX, and y flipped into a height-pixel image. */
export interface View {
  scale: number;
  offsetX: number;
  height: number;
}

export function toPixel(view: View, x: number, y: number): Point {
  return [x * view.scale - view.offsetX, view.height - y * view.scale];
}

export function drawBody(canvas: Canvas, view: View, body: Body, color1: RGB, color2: RGB): void {
  const xf = body.getTransform();
  const { c, s } = xf.q;
  const world = (lx: number, ly: number): Point => toPixel(view, xf.p.x + c * lx - s * ly, xf.p.y + s * lx + c * ly);
  for (let f = body.getFixtureList(); f; f = f.getNext()) {
    const shape = f.getShape();
    const type = shape.getType();
    if (type === 'circle') {
      const circle = shape as CircleShape;
      const [cx, cy] = world(circle.m_p.x, circle.m_p.y);
      // Gymnasium draws color1 then color2 at the same radius: color2 is what shows.
      canvas.fillCircle(cx, cy, circle.m_radius * view.scale, color2);
    } else if (type === 'edge') {
      const edge = shape as EdgeShape;
      const [x0, y0] = world(edge.m_vertex1.x, edge.m_vertex1.y);
      const [x1, y1] = world(edge.m_vertex2.x, edge.m_vertex2.y);
      canvas.line(x0, y0, x1, y1, color1);
    } else if (type === 'polygon') {
      const poly = shape as PolygonShape;
      const path = poly.m_vertices.slice(0, poly.m_count).map((v) => world(v.x, v.y));
      canvas.fillPolygon(path, color1);
      canvas.polyline([...path, path[0]], color2);
    }
  }
}
