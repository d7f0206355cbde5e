// Draws rgb_array frames (height x width x 3 bytes, row-major) on a canvas through ImageData,
// whose pixels are RGBA: the alpha bytes are set once and kept while the size stays the same.
import type { Frame } from '../protocol/env-api.ts';

export class FrameCanvas {
  private image: ImageData | null = null;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('this browser has no 2D canvas');
    this.ctx = ctx;
  }

  draw(frame: Frame): void {
    const { width, height, data } = frame;
    if (data.length !== width * height * 3)
      throw new RangeError(`frame of ${width}x${height} has ${data.length} bytes, not ${width * height * 3}`);
    if (this.image === null || this.image.width !== width || this.image.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.image = this.ctx.createImageData(width, height);
      this.image.data.fill(255);
    }
    rgbToRgba(data, this.image.data);
    this.ctx.putImageData(this.image, 0, 0);
  }
}

/** Copies RGB triples into the RGB bytes of RGBA quads, leaving the alpha bytes as they are. */
function rgbToRgba(rgb: Uint8Array, rgba: Uint8ClampedArray): void {
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
  }
}
